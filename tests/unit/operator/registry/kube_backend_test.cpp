// The Kubernetes registry backend on FakeKubeClient with a small object server behind it
// (GET/POST/PUT of single objects with resourceVersion conflicts, label-selected lists):
// ConfigMap KvStore semantics (CAS, deletes, ranges across shards, key encoding, conflicts
// retried, errors readable), the typed Registry on top of it, and Lease election (one leader,
// renewals, takeover only after the lease lapsed on the standby's own clock, release on Stop,
// fencing deadline, step-down on a refused renewal).
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "operator/registry/kube_kv_store.h"
#include "operator/registry/kube_lease_election.h"
#include "operator/registry/registry.h"
#include "tests/fakes/client/fake_client.h"
#include "tests/fakes/util/manual_clock.h"
#include "tests/unit/operator/registry/object_server.h"

namespace kubemesos::registry {
namespace {

using namespace std::chrono_literals;
using client::HttpResponse;
using nlohmann::json;

struct KvFixture {
  client::FakeKubeClient fake;
  ObjectServer server{fake};
  std::unique_ptr<KvStore> store = MakeKubeKvStore(fake, {"ns", "reg", 4, 20});
};

TEST(KubeKvStore, KeyEncodingRoundTrips) {
  EXPECT_EQ(EncodeConfigMapKey("frameworks/ns/spark-1.a"), "frameworks_2fns_2fspark-1.a");
  std::string key;
  for (std::string k : std::vector<std::string>{"", "a/b_c", "tasks/ns/fw/pod-0", "\x01\xff"}) {
    ASSERT_TRUE(DecodeConfigMapKey(EncodeConfigMapKey(k), key)) << k;
    EXPECT_EQ(key, k);
  }
  EXPECT_FALSE(DecodeConfigMapKey("a_2", key));
  EXPECT_FALSE(DecodeConfigMapKey("a_zz", key));
  EXPECT_FALSE(DecodeConfigMapKey("a/b", key));
}

TEST(KubeKvStore, PutGetCasDeleteRange) {
  KvFixture f;
  KvStore& s = *f.store;
  auto absent = s.Get("a");
  ASSERT_TRUE(absent.ok()) << absent.error;
  EXPECT_FALSE(absent.found);

  auto created = s.CompareAndPut("a", {Condition::kCreateRevision, 0}, "1");
  ASSERT_TRUE(created.ok()) << created.error;
  EXPECT_TRUE(created.succeeded);
  auto again = s.CompareAndPut("a", {Condition::kCreateRevision, 0}, "2");
  EXPECT_FALSE(again.succeeded);
  ASSERT_TRUE(again.found);
  EXPECT_EQ(again.current.value, "1");

  auto g = s.Get("a");
  ASSERT_TRUE(g.found);
  EXPECT_EQ(g.kv.version, 1);
  auto upd = s.CompareAndPut("a", {Condition::kModRevision, g.kv.mod_revision}, "3");
  EXPECT_TRUE(upd.succeeded);
  EXPECT_FALSE(s.CompareAndPut("a", {Condition::kModRevision, g.kv.mod_revision}, "4").succeeded);
  auto g2 = s.Get("a");
  EXPECT_EQ(g2.kv.value, "3");
  EXPECT_EQ(g2.kv.version, 2);
  EXPECT_EQ(g2.kv.create_revision, g.kv.create_revision);
  EXPECT_GT(g2.kv.mod_revision, g.kv.mod_revision);

  for (int i = 0; i < 20; ++i) ASSERT_TRUE(s.Put("p/" + std::to_string(i), "v").ok());
  ASSERT_TRUE(s.Put("q/x", "w").ok());
  auto r = s.Range("p/");
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.kvs.size(), 20u);
  EXPECT_EQ(r.kvs[0].key, "p/0");
  EXPECT_EQ(r.kvs[1].key, "p/1");
  EXPECT_EQ(s.Range("").kvs.size(), 22u);
  EXPECT_LE(f.server.objects.size(), 4u);  // 4 shards

  EXPECT_EQ(s.Delete("p/3").deleted, 1);
  EXPECT_EQ(s.Delete("p/3").deleted, 0);
  auto cur = s.Get("q/x");
  EXPECT_FALSE(s.CompareAndDelete("q/x", {Condition::kModRevision, 1}).succeeded);
  EXPECT_TRUE(s.CompareAndDelete("q/x", {Condition::kModRevision, cur.kv.mod_revision}).succeeded);
  EXPECT_EQ(s.Range("").kvs.size(), 20u);

  EXPECT_FALSE(s.LeaseGrant(10).ok());
  EXPECT_FALSE(s.Put("l", "v", 7).ok());
  std::vector<WatchEvent> events;
  auto w = s.Watch("", 0);
  EXPECT_FALSE(w->Next(events));
  EXPECT_NE(w->Error(), "");
}

TEST(KubeKvStore, ConcurrentWriteToTheShardIsRetriedAndConditionsReevaluated) {
  KvFixture f;
  KvStore& s = *f.store;
  ASSERT_TRUE(s.Put("k", "1").ok());
  auto g = s.Get("k");
  // Another writer changes the same key between our read and our PUT: the PUT gets 409, the
  // store reads again, and the condition (unchanged since g) no longer holds.
  std::string shard;
  for (auto& [path, o] : f.server.objects) shard = path;
  f.server.before_put = [&] {
    f.server.Mutate(shard, [&](json& o) {
      json e = json::parse(o["data"]["k"].get<std::string>());
      e["v"] = "other";
      e["m"] = e["m"].get<int64_t>() + 1;
      o["data"]["k"] = e.dump();
    });
  };
  auto t = s.CompareAndPut("k", {Condition::kModRevision, g.kv.mod_revision}, "mine");
  ASSERT_TRUE(t.ok()) << t.error;
  EXPECT_FALSE(t.succeeded);
  EXPECT_EQ(t.current.value, "other");
  EXPECT_EQ(f.server.conflicts, 1);
  // An unconditional put retried after a conflict lands.
  f.server.before_put = [&] { f.server.Mutate(shard, [](json&) {}); };
  ASSERT_TRUE(s.Put("k", "last").ok());
  EXPECT_EQ(s.Get("k").kv.value, "last");
}

TEST(KubeKvStore, ErrorsAreReadable) {
  KvFixture f;
  f.fake.FailRequests(1, 403);
  auto g = f.store->Get("a");
  EXPECT_FALSE(g.ok());
  EXPECT_NE(g.error.find("kubernetes registry: get configmap reg-"), std::string::npos) << g.error;
  EXPECT_FALSE(f.store->Put(std::string(300, 'x'), "v").ok());
}

TEST(KubeKvStore, RegistryRecordsOnConfigMaps) {
  KvFixture f;
  Registry reg(*f.store, RegistryOptions{2});
  auto now = std::chrono::system_clock::now();
  auto a = reg.RegisterFramework("ns", "spark", 60, now);
  ASSERT_TRUE(a.ok()) << a.error;
  EXPECT_EQ(reg.RegisterFramework("ns", "spark", 60, now).value.framework_id, a.value.framework_id);
  ASSERT_TRUE(reg.UpsertAgent("n1", "g", now).ok());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(reg.RecordTaskResult({"ns", "spark", "p" + std::to_string(i), "Failed", 1, "Error",
                                      "boom", now, now + std::chrono::seconds(i)})
                    .ok());
  auto results = reg.ListTaskResults("ns", "spark");
  ASSERT_EQ(results.value.size(), 2u);
  EXPECT_EQ(results.value[0].pod, "p1");
  ASSERT_TRUE(reg.RemoveFramework("ns", "spark").ok());
  EXPECT_TRUE(reg.ListFrameworks().value.empty());
  EXPECT_TRUE(reg.ListTaskResults("ns", "spark").value.empty());
}

struct LeaseFixture {
  client::FakeKubeClient fake;
  ObjectServer server{fake};
  util::ManualClock clock;
  const std::string path = "/apis/coordination.k8s.io/v1/namespaces/ns/leases/km";
  std::unique_ptr<KubeLeaseElection> Make(const std::string& id) {
    KubeLeaseOptions o;
    o.ns = "ns";
    o.name = "km";
    o.identity = id;
    o.lease_seconds = 10;
    o.safety_margin = 2s;
    return std::make_unique<KubeLeaseElection>(fake, clock, o);
  }
};

TEST(KubeLease, OneLeaderTakeoverAfterLapseOnOwnClock) {
  LeaseFixture f;
  auto a = f.Make("a"), b = f.Make("b");
  std::vector<bool> a_changes;
  a->OnChange([&](bool l) { a_changes.push_back(l); });
  a->Step();
  b->Step();
  EXPECT_TRUE(a->IsLeader());
  EXPECT_FALSE(b->IsLeader());
  EXPECT_EQ(b->Holder(), "a");
  auto lease = f.server.Get(f.path);
  EXPECT_EQ(lease["spec"]["holderIdentity"], "a");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 10);
  EXPECT_EQ(a->Deadline(), f.clock.Now() + 8s);  // TTL - safety margin

  // a renews every few seconds: b never takes over.
  for (int i = 0; i < 10; ++i) {
    f.clock.Advance(3s);
    a->Step();
    b->Step();
    ASSERT_TRUE(a->IsLeader());
    ASSERT_FALSE(b->IsLeader());
  }
  // a dies. Its fencing deadline passes before b may take over.
  auto a_deadline = a->Deadline();
  f.clock.Advance(3s);
  b->Step();
  EXPECT_FALSE(b->IsLeader());
  f.clock.Advance(4s);  // 7 s since a's last renewal: a stops acting (deadline 8 s) at 8 s
  b->Step();
  EXPECT_FALSE(b->IsLeader());
  f.clock.Advance(3s);          // 10 s since b saw the lease change
  EXPECT_FALSE(a->IsLeader());  // fenced
  EXPECT_GE(f.clock.Now(), a_deadline);
  b->Step();
  EXPECT_TRUE(b->IsLeader());
  EXPECT_EQ(f.server.Get(f.path)["spec"]["leaseTransitions"], 1);

  // a comes back: it sees b holding the lease and steps down without writing.
  a->Step();
  EXPECT_FALSE(a->IsLeader());
  EXPECT_EQ(a->Holder(), "b");
  EXPECT_EQ(a_changes, (std::vector<bool>{true, false}));
}

TEST(KubeLease, ReleaseOnStopLetsStandbyTakeOverAtOnce) {
  LeaseFixture f;
  auto a = f.Make("a"), b = f.Make("b");
  a->Step();
  b->Step();
  a->Resign();
  EXPECT_FALSE(a->IsLeader());
  EXPECT_EQ(f.server.Get(f.path)["spec"]["holderIdentity"], "");
  b->Step();
  EXPECT_TRUE(b->IsLeader());
}

TEST(KubeLease, RefusedOrFailedRenewalStepsDownAtOnce) {
  LeaseFixture f;
  auto a = f.Make("a");
  a->Step();
  ASSERT_TRUE(a->IsLeader());
  f.fake.FailRequests(1, 0);  // the API server unreachable
  a->Step();
  EXPECT_FALSE(a->IsLeader());
  EXPECT_NE(a->LastError(), "");
  a->Step();
  EXPECT_TRUE(a->IsLeader());
  // Someone else wrote the Lease between our read and our renewal: 409, step down.
  f.server.before_put = [&] { f.server.Mutate(f.path, [](json&) {}); };
  a->Step();
  EXPECT_FALSE(a->IsLeader());
}

}  // namespace
}  // namespace kubemesos::registry
