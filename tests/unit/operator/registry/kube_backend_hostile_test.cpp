// The Kubernetes registry backend with what a hostile or older writer leaves behind: ConfigMap
// entries of the wrong type or with garbage values, garbled revision annotations, lists of
// the wrong shape, Leases with fields of the wrong type. Each is an error result or an entry
// left out and named; nothing throws; the registry and the election carry on.
#include <gtest/gtest.h>

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

struct Fixture {
  client::FakeKubeClient fake;
  ObjectServer server{fake};
  std::unique_ptr<KvStore> store = MakeKubeKvStore(fake, {"ns", "reg", 4, 20});

  // Replaces the stored entry of `key` (written first, so it lands in its shard) with `entry`.
  void Plant(const std::string& key, const json& entry) {
    ASSERT_TRUE(store->Put(key, "placeholder").ok());
    const std::string encoded = EncodeConfigMapKey(key);
    for (auto& [path, object] : server.objects) {
      if (!object["data"].contains(encoded)) continue;
      server.Mutate(path, [&](json& o) { o["data"][encoded] = entry; });
      return;
    }
    FAIL() << "no shard holds " << key;
  }
};

TEST(KubeKvStoreHostile, MalformedEntriesReadAsAbsentAndAreNamed) {
  const std::vector<std::pair<const char*, json>> entries = {
      {"value a number", R"({"v":5})"},
      {"mod revision a string", R"({"v":"x","m":"abc"})"},
      {"an array", "[]"},
      {"not JSON", "not json"},
      {"negative create revision", R"({"v":"x","c":-1})"},
      {"huge version", R"({"v":"x","n":1e300})"},
      {"revision at int64 max", R"({"v":"x","m":9223372036854775807})"},
      {"unsigned revision", R"({"v":"x","m":18446744073709551615})"},
      {"not a string (a fake server only)", json(5)},
  };
  for (const auto& [name, entry] : entries) {
    Fixture f;
    ASSERT_TRUE(f.store->Put("good", "1").ok());
    f.Plant("frameworks/ns/bad", entry);
    GetResult g;
    ASSERT_NO_THROW(g = f.store->Get("frameworks/ns/bad")) << name;
    EXPECT_TRUE(g.ok()) << name << ": " << g.error;
    EXPECT_FALSE(g.found) << name;
    EXPECT_NE(g.malformed.find("frameworks_2fns_2fbad"), std::string::npos) << name << g.malformed;
    RangeResult r;
    ASSERT_NO_THROW(r = f.store->Range("")) << name;
    ASSERT_TRUE(r.ok()) << name << ": " << r.error;
    ASSERT_EQ(r.kvs.size(), 1u) << name;
    EXPECT_EQ(r.kvs[0].key, "good");
    ASSERT_EQ(r.skipped.size(), 1u) << name;
    EXPECT_NE(r.skipped[0].find("key frameworks/ns/bad"), std::string::npos) << r.skipped[0];
    // The registry leaves it out of its lists, and a registration replaces it.
    Registry reg(*f.store);
    auto list = reg.ListFrameworks();
    ASSERT_TRUE(list.ok()) << name << ": " << list.error;
    EXPECT_TRUE(list.value.empty()) << name;
    EXPECT_EQ(list.skipped.size(), 1u) << name;
    auto fw = reg.RegisterFramework("ns", "bad", 60, std::chrono::system_clock::now());
    ASSERT_TRUE(fw.ok()) << name << ": " << fw.error;
    EXPECT_EQ(fw.value.framework_id.size(), 36u);
    EXPECT_EQ(reg.GetFramework("ns", "bad").value.framework_id, fw.value.framework_id) << name;
  }
}

TEST(KubeKvStoreHostile, GarbledRevisionAnnotationReadsAsZero) {
  for (std::string annotation : {"abc", "99999999999999999999", "9223372036854775807", "-4", ""}) {
    Fixture f;
    ASSERT_TRUE(f.store->Put("k", "1").ok());
    for (auto& [path, object] : f.server.objects)
      f.server.Mutate(path, [&](json& o) {
        o["metadata"]["annotations"]["kubemesos.io/revision"] = annotation;
      });
    auto g = f.store->Get("k");
    ASSERT_TRUE(g.ok() && g.found) << annotation << ": " << g.error;
    auto t = f.store->CompareAndPut("k", {Condition::kModRevision, g.kv.mod_revision}, "2");
    ASSERT_TRUE(t.ok()) << annotation << ": " << t.error;
    EXPECT_TRUE(t.succeeded) << annotation;
    auto after = f.store->Get("k");
    EXPECT_EQ(after.kv.value, "2");
    EXPECT_GT(after.kv.mod_revision, g.kv.mod_revision) << annotation;
  }
}

// Replies only a fake can send: the list is not a ConfigMapList, items of the wrong type.
TEST(KubeKvStoreHostile, ListRepliesOfTheWrongShape) {
  std::string reply;
  client::FakeKubeClient fake;
  fake.SetHandler(
      [&](std::string_view, const std::string&, const std::string&) -> std::optional<HttpResponse> {
        return HttpResponse{200, reply, "", ""};
      });
  auto store = MakeKubeKvStore(fake, {"ns", "reg", 4, 20});
  for (std::string bad : {"[]", "null", R"({"items":{}})", "{not json"}) {
    reply = bad;
    RangeResult r;
    ASSERT_NO_THROW(r = store->Range("")) << bad;
    EXPECT_NE(r.error.find(kMalformedReply), std::string::npos) << bad << ": " << r.error;
    GetResult g;
    ASSERT_NO_THROW(g = store->Get("k")) << bad;
    EXPECT_FALSE(g.ok()) << bad;
  }
  reply = R"({"items":[5,null,"x",{"metadata":"x"},{"metadata":{"name":"reg-0"},"data":[1]},)"
          R"({"metadata":{"name":7,"annotations":{"kubemesos.io/revision":5}},)"
          R"("data":{"k":"{\"v\":\"ok\",\"m\":3}","%%":"x"}}]})";
  RangeResult r;
  ASSERT_NO_THROW(r = store->Range(""));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.kvs.size(), 1u);
  EXPECT_EQ(r.kvs[0].value, "ok");
  ASSERT_EQ(r.skipped.size(), 1u);  // "%%" is no key encoding
  EXPECT_NE(r.skipped[0].find("not a registry key encoding"), std::string::npos);
  // A shard that is not a ConfigMap: the write is refused, not thrown.
  reply = R"({"metadata":"x","data":5})";
  PutResult p;
  ASSERT_NO_THROW(p = store->Put("k", "v"));
  EXPECT_NE(p.error.find(kMalformedReply), std::string::npos) << p.error;
}

TEST(KubeKvStoreHostile, ValuesThatAreNotUtf8AreRefusedNotThrown) {
  Fixture f;
  PutResult p;
  ASSERT_NO_THROW(p = f.store->Put("k", "bad \xff\xfe"));
  EXPECT_NE(p.error.find("not UTF-8"), std::string::npos) << p.error;
}

TEST(KubeLeaseHostile, LeaseFieldsOfTheWrongTypeDoNotThrow) {
  std::string lease;
  std::string put;
  client::FakeKubeClient fake;
  fake.SetHandler([&](std::string_view method, const std::string&,
                      const std::string& body) -> std::optional<HttpResponse> {
    if (method == "PUT") {
      put = body;
      return HttpResponse{200, body, "", ""};
    }
    return HttpResponse{200, lease, "", ""};
  });
  util::ManualClock clock;
  KubeLeaseOptions o;
  o.ns = "ns";
  o.name = "km";
  o.identity = "me";
  o.lease_seconds = 10;
  o.safety_margin = 2s;
  KubeLeaseElection e(fake, clock, o);
  for (std::string bad : {"[]", "null", R"({"metadata":"x"})", R"({"metadata":[1],"spec":{}})"}) {
    lease = bad;
    ASSERT_NO_THROW(e.Step()) << bad;
    EXPECT_FALSE(e.IsLeader()) << bad;
    EXPECT_NE(e.LastError(), "") << bad;
  }
  // Every spec field of the wrong type: read leniently (no holder, so free to take).
  lease = R"({"metadata":{"name":"km","resourceVersion":7},"spec":{"holderIdentity":5,)"
          R"("leaseDurationSeconds":"15","leaseTransitions":"9","renewTime":[]}})";
  ASSERT_NO_THROW(e.Step());
  EXPECT_TRUE(e.IsLeader()) << e.LastError();
  json written = json::parse(put);
  EXPECT_EQ(written["spec"]["holderIdentity"], "me");
  EXPECT_EQ(written["spec"]["leaseTransitions"], 1);
  // A duration out of any range, a holder that is someone else: standby, no overflow.
  lease = R"({"metadata":{"name":"km","resourceVersion":"8"},"spec":{"holderIdentity":"x",)"
          R"("leaseDurationSeconds":9223372036854775807,"leaseTransitions":2147483647}})";
  ASSERT_NO_THROW(e.Step());
  EXPECT_FALSE(e.IsLeader());
  EXPECT_EQ(e.Holder(), "x");
  clock.Advance(11s);  // the garbled duration counts as our own 10 s: taken over after it
  put.clear();
  ASSERT_NO_THROW(e.Step());
  EXPECT_TRUE(e.IsLeader()) << e.LastError();
  ASSERT_FALSE(put.empty());
  EXPECT_EQ(json::parse(put)["spec"]["leaseTransitions"], 0);  // no int32 overflow
}

}  // namespace
}  // namespace kubemesos::registry
