// Leader election on the fake store, driven round by round (Step) with manual clocks: one
// leader at a time, the deadline, lease expiry handing over to a standby, stepping down when
// renewals fail, resigning, and the background thread.
#include "operator/registry/leader_election.h"
#include "tests/fakes/util/manual_clock.h"

#include <gtest/gtest.h>

#include "tests/fakes/registry/fake_kv_store.h"

namespace kubemesos::registry {
namespace {

using namespace std::chrono_literals;

struct World {
  FakeKvStore store;
  util::ManualClock clock;
  // Both clocks move together: the store's leases and the replicas' deadlines.
  void Advance(std::chrono::milliseconds d) {
    clock.Advance(d);
    store.AdvanceTime(d);
  }
  LeaderElectionOptions Options(const std::string& id) {
    LeaderElectionOptions o;
    o.identity = id;
    o.ttl_seconds = 10;
    o.renew_interval = 2s;
    o.safety_margin = 2s;
    return o;
  }
};

TEST(LeaderElection, OnlyOneLeaderAndDeadline) {
  World w;
  LeaderElection a(w.store, w.clock, w.Options("a")), b(w.store, w.clock, w.Options("b"));
  std::vector<bool> changes;
  a.OnChange([&](bool l) { changes.push_back(l); });
  auto start = w.clock.Now();
  a.Step();
  b.Step();
  EXPECT_TRUE(a.IsLeader());
  EXPECT_FALSE(b.IsLeader());
  EXPECT_EQ(b.Holder(), "a");
  EXPECT_EQ(a.Deadline(), start + 8s);  // TTL 10 s − margin 2 s
  EXPECT_EQ(b.Deadline(), Election::TimePoint::min());
  EXPECT_EQ(w.store.Get("leader").kv.value, "a");
  EXPECT_EQ(w.store.LeaseCount(), 1u);  // b's losing lease was revoked

  w.Advance(2s);
  a.Step();  // renewal moves the deadline
  EXPECT_EQ(a.Deadline(), start + 10s);
  EXPECT_EQ(changes, std::vector<bool>{true});
}

TEST(LeaderElection, DeadlineFencesWithoutRenewal) {
  World w;
  LeaderElection a(w.store, w.clock, w.Options("a"));
  a.Step();
  w.clock.Advance(7999ms);
  EXPECT_TRUE(a.IsLeader());
  w.clock.Advance(1ms);  // at the deadline, before the lease can expire (10 s)
  EXPECT_FALSE(a.IsLeader());
}

TEST(LeaderElection, StandbyTakesOverWhenTheLeaseExpires) {
  World w;
  LeaderElection a(w.store, w.clock, w.Options("a")), b(w.store, w.clock, w.Options("b"));
  a.Step();
  b.Step();
  // a dies (no more Steps); b polls every 2 s.
  int polls = 0;
  while (!b.IsLeader() && polls < 20) {
    w.Advance(2s);
    b.Step();
    ++polls;
  }
  EXPECT_TRUE(b.IsLeader());
  EXPECT_EQ(polls, 5);  // the lease lapsed at 10 s
  EXPECT_FALSE(a.IsLeader());
  EXPECT_EQ(w.store.Get("leader").kv.value, "b");
  a.Step();  // a returns: its keepalive finds the lease gone, it steps down
  EXPECT_FALSE(a.IsLeader());
  EXPECT_NE(a.LastError(), "");
  a.Step();
  EXPECT_FALSE(a.IsLeader());
  EXPECT_EQ(a.Holder(), "b");
}

TEST(LeaderElection, StepsDownAtOnceWhenRenewalFailsThenRecovers) {
  struct Case {
    const char* name;
    std::chrono::milliseconds outage;
    bool same_lease_back;  // the lease survived the outage
  } cases[] = {{"short outage", 4s, true}, {"outage longer than the TTL", 12s, false}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    World w;
    LeaderElection a(w.store, w.clock, w.Options("a"));
    a.Step();
    int64_t lease = w.store.Get("leader").kv.lease;
    w.store.SetFailure("etcd: connection refused");
    w.Advance(2s);
    a.Step();
    EXPECT_FALSE(a.IsLeader());  // at once, long before the deadline
    EXPECT_EQ(a.LastError(), "etcd: connection refused");
    w.Advance(c.outage - 2s);
    w.store.SetFailure("");
    a.Step();
    EXPECT_TRUE(a.IsLeader());  // the same lease back, or (it expired) a new campaign won
    EXPECT_EQ(w.store.Get("leader").kv.lease == lease, c.same_lease_back);
    EXPECT_EQ(w.store.LeaseCount(), 1u);
  }
}

TEST(LeaderElection, DeletedKeyIsNoticedByLeaseLoss) {
  World w;
  LeaderElection a(w.store, w.clock, w.Options("a"));
  a.Step();
  w.store.LeaseRevoke(w.store.Get("leader").kv.lease);  // an operator revoked it
  a.Step();
  EXPECT_FALSE(a.IsLeader());
}

TEST(LeaderElection, ResignHandsOverAtOnce) {
  World w;
  LeaderElection a(w.store, w.clock, w.Options("a")), b(w.store, w.clock, w.Options("b"));
  a.Step();
  b.Step();
  a.Resign();
  EXPECT_FALSE(a.IsLeader());
  EXPECT_FALSE(w.store.Get("leader").found);
  EXPECT_EQ(w.store.LeaseCount(), 0u);
  b.Step();
  EXPECT_TRUE(b.IsLeader());
}

TEST(LeaderElection, ThreadCampaignsAndStopResigns) {
  FakeKvStore store;
  util::SystemClock clock;
  LeaderElectionOptions o;
  o.identity = "a";
  o.renew_interval = 10ms;
  o.safety_margin = 1s;
  LeaderElection a(store, clock, o);
  a.Start();
  auto until = std::chrono::steady_clock::now() + 10s;
  while (!a.IsLeader() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(a.IsLeader());
  a.Stop();
  EXPECT_FALSE(a.IsLeader());
  EXPECT_FALSE(store.Get("leader").found);
}

}  // namespace
}  // namespace kubemesos::registry
