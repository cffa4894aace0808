// The etcd backend against a REAL etcd: each test starts its own etcd on free loopback ports
// in a temporary directory and stops it at the end. CAS conflicts, lease expiry, watch resume
// after compaction, failover from a dead endpoint, TLS with client certificates, leader
// election and the registry records.
// The binary: $KUBEMESOS_ETCD, else hack/tools/build.sh --print-bin-dir. No sleeps as
// synchronisation: conditions are polled with deadlines.
#include "operator/registry/leader_election.h"
#include "operator/registry/registry.h"
#include "tests/integration/registry/etcd_fixture.h"

namespace kubemesos::registry {
namespace {

using namespace std::chrono_literals;

TEST_F(EtcdTest, PutGetRangeAndPrefix) {
  ASSERT_TRUE(kv_->Put("a/1", std::string("bin\0ary", 7)).ok());
  ASSERT_TRUE(kv_->Put("a/2", "two").ok());
  ASSERT_TRUE(kv_->Put("b", "x").ok());
  auto g = kv_->Get("a/1");
  ASSERT_TRUE(g.ok()) << g.error;
  ASSERT_TRUE(g.found);
  EXPECT_EQ(g.kv.key, "a/1");
  EXPECT_EQ(g.kv.value, std::string("bin\0ary", 7));
  EXPECT_EQ(g.kv.version, 1);
  auto r = kv_->Range("a/");
  ASSERT_EQ(r.kvs.size(), 2u);
  EXPECT_EQ(r.kvs[1].value, "two");
  EXPECT_EQ(kv_->Range("").kvs.size(), 3u);
  // Stored under the default prefix: a client with another prefix does not see it.
  EtcdOptions o;
  o.endpoints = {url_};
  o.prefix = "/other/";
  EXPECT_FALSE(MakeEtcdClient(o)->Get("a/1").found);
  EXPECT_EQ(kv_->Delete("b").deleted, 1);
  EXPECT_EQ(kv_->Delete("b").deleted, 0);
  EXPECT_FALSE(kv_->Get("missing").found);
}

TEST_F(EtcdTest, CompareAndSwapConflicts) {
  auto c1 = kv_->CompareAndPut("k", {Condition::kCreateRevision, 0}, "first");
  ASSERT_TRUE(c1.ok()) << c1.error;
  EXPECT_TRUE(c1.succeeded);
  auto c2 = kv_->CompareAndPut("k", {Condition::kCreateRevision, 0}, "second");
  ASSERT_TRUE(c2.ok());
  EXPECT_FALSE(c2.succeeded);  // a conflict is a result, not an error
  EXPECT_TRUE(c2.found);
  EXPECT_EQ(c2.current.value, "first");
  int64_t mod = c2.current.mod_revision;
  EXPECT_TRUE(kv_->CompareAndPut("k", {Condition::kModRevision, mod}, "third").succeeded);
  auto stale = kv_->CompareAndPut("k", {Condition::kModRevision, mod}, "fourth");
  EXPECT_FALSE(stale.succeeded);
  EXPECT_EQ(stale.current.value, "third");
  EXPECT_FALSE(kv_->CompareAndDelete("k", {Condition::kModRevision, mod}).succeeded);
  EXPECT_TRUE(
      kv_->CompareAndDelete("k", {Condition::kModRevision, stale.current.mod_revision}).succeeded);
  EXPECT_FALSE(kv_->Get("k").found);
}

TEST_F(EtcdTest, LeaseExpiryDropsKeys) {
  auto l = kv_->LeaseGrant(2);
  ASSERT_TRUE(l.ok()) << l.error;
  EXPECT_GE(l.ttl, 2);
  ASSERT_TRUE(kv_->Put("leased", "v", l.id).ok());
  EXPECT_EQ(kv_->Get("leased").kv.lease, l.id);
  EXPECT_GT(kv_->LeaseKeepAlive(l.id).ttl, 0);
  EXPECT_TRUE(Eventually([&] { return !kv_->Get("leased").found; }, 15s));
  auto k = kv_->LeaseKeepAlive(l.id);
  ASSERT_TRUE(k.ok()) << k.error;
  EXPECT_EQ(k.ttl, 0);
  EXPECT_FALSE(kv_->Put("x", "v", l.id).ok());
  auto l2 = kv_->LeaseGrant(30);
  ASSERT_TRUE(kv_->Put("r", "v", l2.id).ok());
  EXPECT_TRUE(kv_->LeaseRevoke(l2.id).ok());
  EXPECT_FALSE(kv_->Get("r").found);
  EXPECT_TRUE(kv_->LeaseRevoke(l2.id).ok());  // unknown lease: not an error
}

TEST_F(EtcdTest, WatchStreamsAndReportsCompaction) {
  int64_t from = kv_->Put("w/a", "1").revision;
  kv_->Put("w/b", "2");
  kv_->Delete("w/a");
  auto w = kv_->Watch("w/", from);
  std::vector<WatchEvent> all, ev;
  while (all.size() < 3 && w->Next(ev)) all.insert(all.end(), ev.begin(), ev.end());
  ASSERT_EQ(all.size(), 3u) << w->Error();
  EXPECT_EQ(all[0].kv.key, "w/a");
  EXPECT_EQ(all[1].kv.value, "2");
  EXPECT_EQ(all[2].type, WatchEvent::kDelete);
  std::thread writer([&] { kv_->Put("w/live", "x"); });
  ASSERT_TRUE(w->Next(ev));
  EXPECT_EQ(ev[0].kv.key, "w/live");
  writer.join();
  std::thread canceller([&] { w->Cancel(); });
  EXPECT_FALSE(w->Next(ev));
  canceller.join();

  int64_t now = kv_->Put("w/c", "3").revision;
  Compact(now);
  auto old = kv_->Watch("w/", from);
  EXPECT_FALSE(old->Next(ev));
  EXPECT_EQ(old->CompactRevision(), now);
  EXPECT_EQ(old->Error(), "");
  // Resume: re-read, then watch from the read's revision + 1.
  auto r = kv_->Range("w/");
  EXPECT_EQ(r.kvs.size(), 3u);
  auto resumed = kv_->Watch("w/", r.revision + 1);
  kv_->Put("w/d", "4");
  ASSERT_TRUE(resumed->Next(ev)) << resumed->Error();
  EXPECT_EQ(ev[0].kv.key, "w/d");
}

TEST_F(EtcdTest, FailsOverFromADeadEndpoint) {
  std::string dead = "http://127.0.0.1:" + std::to_string(FreePort());
  auto kv = Client({dead, url_});
  ASSERT_TRUE(kv->Put("f", "v").ok());
  auto g = kv->Get("f");
  ASSERT_TRUE(g.ok()) << g.error;
  EXPECT_EQ(g.kv.value, "v");
  auto w = kv->Watch("f", g.revision);
  std::vector<WatchEvent> ev;
  ASSERT_TRUE(w->Next(ev)) << w->Error();

  auto none = Client({dead});
  auto e = none->Get("f");
  EXPECT_FALSE(e.ok());
  EXPECT_NE(e.error.find(dead), std::string::npos) << e.error;
  auto nw = none->Watch("f", 0);
  EXPECT_FALSE(nw->Next(ev));
  EXPECT_NE(nw->Error(), "");
}

TEST_F(EtcdTest, LeaderElectionHandsOverWhenTheLeaderStops) {
  util::SystemClock clock;
  auto kv2 = Client({url_});
  LeaderElectionOptions oa, ob;
  oa.identity = "a";
  ob.identity = "b";
  oa.ttl_seconds = ob.ttl_seconds = 2;
  oa.safety_margin = ob.safety_margin = 500ms;
  LeaderElection a(*kv_, clock, oa), b(*kv2, clock, ob);
  a.Step();
  b.Step();
  ASSERT_TRUE(a.IsLeader()) << a.LastError();
  EXPECT_FALSE(b.IsLeader());
  EXPECT_EQ(b.Holder(), "a");
  EXPECT_LE(a.Deadline(), clock.Now() + 2s);
  // a stops renewing (as if killed): b takes over once the lease lapses.
  EXPECT_TRUE(Eventually([&] {
    b.Step();
    return b.IsLeader();
  }));
  EXPECT_FALSE(a.IsLeader());
  a.Step();
  EXPECT_FALSE(a.IsLeader());
  EXPECT_EQ(kv_->Get("leader").kv.value, "b");
}

TEST_F(EtcdTest, RegistryRecordsRoundTrip) {
  Registry reg(*kv_, {.task_retention = 2});
  auto now = std::chrono::system_clock::now();
  auto f = reg.RegisterFramework("ns", "spark", 60, now);
  ASSERT_TRUE(f.ok()) << f.error;
  EXPECT_EQ(reg.RegisterFramework("ns", "spark", 60, now).value.framework_id, f.value.framework_id);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(reg.RecordTaskResult({"ns", "spark", "p" + std::to_string(i), "Failed", 10 + i,
                                      "Error", "boom", now, now + std::chrono::seconds(i)})
                    .ok());
  auto tasks = reg.ListTaskResults("ns", "spark");
  ASSERT_EQ(tasks.value.size(), 2u);
  EXPECT_EQ(tasks.value[1].exit_code, 12);
  EXPECT_TRUE(reg.UpsertAgent("n1", "batch", now).ok());
  EXPECT_EQ(reg.ListAgents().value.size(), 1u);
}

class EtcdTlsTest : public EtcdTest {
 protected:
  EtcdTlsTest() { tls_ = true; }
};

TEST_F(EtcdTlsTest, ClientCertificatesAndReadableRefusal) {
  ASSERT_TRUE(kv_->Put("secure", "v").ok());
  EXPECT_EQ(kv_->Get("secure").kv.value, "v");
  auto l = kv_->LeaseGrant(5);
  ASSERT_TRUE(l.ok()) << l.error;
  auto w = kv_->Watch("secure", 1);
  std::vector<WatchEvent> ev;
  ASSERT_TRUE(w->Next(ev)) << w->Error();
  // Without a client certificate etcd refuses the handshake: an error, readable, no crash.
  auto anon = Client({url_}, /*client_cert=*/false);
  auto g = anon->Get("secure");
  EXPECT_FALSE(g.ok());
  EXPECT_NE(g.error, "");
  // Not trusting the server's CA: verification fails.
  EtcdOptions o;
  o.endpoints = {url_};
  o.cert_file = dir_ + "/client.crt";
  o.key_file = dir_ + "/client.key";
  auto untrusted = MakeEtcdClient(o)->Get("secure");
  EXPECT_FALSE(untrusted.ok());
  EXPECT_NE(untrusted.error.find("certif"), std::string::npos) << untrusted.error;
}

}  // namespace
}  // namespace kubemesos::registry
