// ResourceGroup and Framework status: the JSON the operator writes, and the writer writing only
// what changed, once per change, retrying failed writes.
#include "operator/loop/object_status.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "tests/fakes/client/fake_client.h"
#include "tests/unit/operator/loop/patch_recorder.h"

namespace kubemesos::loop {
namespace {

using nlohmann::json;

TEST(QuantityString, Table) {
  struct Case {
    ResourceId id;
    int64_t amount;
    const char* want;
  } cases[] = {{kCpu, 2000, "2"},
               {kCpu, 1500, "1500m"},
               {kMemory, 4LL << 30, "4Gi"},
               {kMemory, 512LL << 20, "512Mi"},
               {kMemory, 1000, "1000"},
               {kEphemeralStorage, 3LL << 40, "3Ti"},
               {kPods, 7, "7"}};
  for (const auto& c : cases) EXPECT_EQ(QuantityString(c.id, c.amount), c.want) << c.want;
}

void Cluster(Allocator& a) {
  NodeSpec node;
  node.name = "n1";
  node.allocatable[kCpu] = 4000;
  node.allocatable[kMemory] = 8LL << 30;
  node.allocatable[kPods] = 110;
  a.UpsertNode(node);
  GroupSpec g;
  g.name = "team";
  a.UpsertGroup(g);
  GroupSpec loop_a, loop_b;
  loop_a.name = "a";
  loop_a.parent = "b";
  loop_b.name = "b";
  loop_b.parent = "a";
  a.UpsertGroup(loop_a);
  a.UpsertGroup(loop_b);
  a.UpsertFramework({"ns/spark", "team", false, 5, {}});
  a.UpsertFramework({"ns/lost", "nope", false, 5, {}});
}

PodSpec Task(const std::string& key, const std::string& fw, int64_t milli_cpu) {
  PodSpec p;
  p.key = key;
  p.framework = fw;
  p.request[kCpu] = milli_cpu;
  p.request[kMemory] = 1LL << 30;
  p.request[kPods] = 1;
  return p;
}

TEST(ObjectStatusJson, GroupsAndFrameworks) {
  Allocator a;
  Cluster(a);
  a.UpsertPod(Task("ns/t1", "ns/spark", 1500));
  a.UpsertPod(Task("ns/t2", "ns/spark", 8000));  // fits nowhere: stays pending
  a.Allocate(0);
  std::map<std::string, json> groups, fws;
  for (const auto& g : a.Groups()) groups[g.name] = GroupStatusJson(g, a.catalog(), "T");
  for (const auto& f : a.Frameworks())
    fws[f.key] = FrameworkStatusJson(f, {}, a.catalog(), "T", "T");
  EXPECT_EQ(groups["team"]["allocated"]["cpu"], "1500m");
  EXPECT_EQ(groups["team"]["allocated"]["memory"], "1Gi");
  EXPECT_EQ(groups["team"]["frameworks"], 1);
  EXPECT_DOUBLE_EQ(groups["team"]["dominantShare"].get<double>(), 0.375);
  EXPECT_EQ(groups["team"]["conditions"][0]["status"], "True");
  EXPECT_EQ(groups["a"]["conditions"][0]["status"], "False");
  EXPECT_EQ(groups["a"]["conditions"][0]["reason"], "Invalid");
  EXPECT_NE(groups["a"]["conditions"][0]["message"].get<std::string>().find("loop"),
            std::string::npos);
  EXPECT_EQ(fws["ns/spark"]["phase"], "Running");
  EXPECT_EQ(fws["ns/spark"]["tasks"]["running"], 1);
  EXPECT_EQ(fws["ns/spark"]["tasks"]["pending"], 1);
  EXPECT_EQ(fws["ns/spark"]["offers"]["accepted"], 1);
  EXPECT_EQ(fws["ns/lost"]["phase"], "Pending");
  EXPECT_EQ(fws["ns/lost"]["conditions"][0]["reason"], "UnknownGroup");
}

TEST(ObjectStatusJson, FrameworkPhaseAndTaskCounts) {
  struct Case {
    const char* name;
    bool suspended;
    int running, pending;
    FrameworkExtras extras;
    const char* phase;
    int pending_reported;
  };
  auto extras = [](int missing, int succeeded, int failed, int retrying) {
    FrameworkExtras e;
    e.missing = missing;
    e.succeeded = succeeded;
    e.failed = failed;
    e.retrying = retrying;
    return e;
  };
  Case cases[] = {
      {"nothing yet", false, 0, 0, extras(0, 0, 0, 0), "Pending", 0},
      {"pods to create", false, 0, 0, extras(3, 0, 0, 0), "Pending", 3},
      {"running beats pending", false, 2, 1, extras(1, 0, 0, 0), "Running", 2},
      {"suspended beats all", true, 2, 1, extras(0, 0, 0, 0), "Suspended", 1},
      {"all succeeded", false, 0, 0, extras(0, 4, 0, 0), "Succeeded", 0},
      {"one failed for good", false, 0, 0, extras(0, 3, 1, 0), "Failed", 0},
      {"a relaunch is pending", false, 0, 0, extras(0, 3, 0, 1), "Pending", 1},
  };
  for (const auto& c : cases) {
    FrameworkStatus fw;
    fw.key = "ns/f";
    fw.group = "g";
    fw.group_valid = true;
    fw.suspended = c.suspended;
    fw.running = c.running;
    fw.pending = c.pending;
    json s = FrameworkStatusJson(fw, c.extras, ResourceCatalog(), "T", "T");
    EXPECT_EQ(s["phase"], c.phase) << c.name;
    EXPECT_EQ(s["tasks"]["pending"], c.pending_reported) << c.name;
    EXPECT_EQ(s["tasks"]["succeeded"], c.extras.succeeded) << c.name;
    EXPECT_EQ(s["tasks"]["failed"], c.extras.failed) << c.name;
    EXPECT_FALSE(s.contains("lastResults")) << c.name;
    EXPECT_FALSE(s.contains("frameworkID")) << c.name;
  }
  FrameworkStatus fw;
  FrameworkExtras e;
  e.launch_problem = "cannot create pod f-w-0: forbidden";
  e.framework_id = "id-1";
  e.last_results = json::array({{{"pod", "f-w-0"}}});
  json s = FrameworkStatusJson(fw, e, ResourceCatalog(), "T", "T2");
  EXPECT_EQ(s["frameworkID"], "id-1");
  EXPECT_EQ(s["lastResults"][0]["pod"], "f-w-0");
  EXPECT_EQ(s["conditions"][1]["type"], "TasksLaunched");
  EXPECT_EQ(s["conditions"][1]["status"], "False");
  EXPECT_EQ(s["conditions"][1]["reason"], "CreateFailed");
  EXPECT_EQ(s["conditions"][1]["lastTransitionTime"], "T2");
  e.launch_reason = "TooManyInstances";
  s = FrameworkStatusJson(fw, e, ResourceCatalog(), "T", "T2");
  EXPECT_EQ(s["conditions"][1]["reason"], "TooManyInstances");
}

using test_support::PatchRecorder;
using test_support::WaitFor;

TEST(ObjectStatusWriter, WritesOnlyChangesAndRetriesFailures) {
  client::FakeKubeClient kube;
  PatchRecorder rec;
  rec.fail = 1;  // the first write fails: it must be written again at the next Publish
  kube.SetHandler(rec.Handler());
  ObjectStatusWriter writer(kube, 1000, 1000);
  Allocator a;
  Cluster(a);
  a.Allocate(0);
  writer.Publish(a);  // 3 groups + 2 frameworks, one write fails
  ASSERT_TRUE(WaitFor([&] { return writer.writes() == 5; }));
  EXPECT_EQ(rec.count(), 4u);
  writer.Publish(a);  // nothing changed but the failed one
  ASSERT_TRUE(WaitFor([&] { return writer.writes() == 6; }));
  EXPECT_EQ(rec.count(), 5u);
  writer.Publish(a);
  writer.Publish(a);  // steady: no writes at all
  a.UpsertPod(Task("ns/t1", "ns/spark", 1000));
  a.Allocate(1);
  writer.Publish(a);  // the group and the framework changed
  ASSERT_TRUE(WaitFor([&] { return writer.writes() == 8; }));
  writer.Stop();
  EXPECT_EQ(writer.writes(), 8u);
  std::lock_guard<std::mutex> lock(rec.mu);
  const auto& [path, body] = rec.patches.back();
  EXPECT_TRUE(path == "/apis/kubemesos.io/v1alpha1/namespaces/ns/frameworks/spark/status" ||
              path == "/apis/kubemesos.io/v1alpha1/resourcegroups/team/status")
      << path;
  EXPECT_TRUE(body.contains("status"));
}

TEST(ObjectStatusWriter, ReleasedResourcesAreRemovedFromAllocated) {
  client::FakeKubeClient kube;
  PatchRecorder rec;
  kube.SetHandler(rec.Handler());
  ObjectStatusWriter writer(kube, 1000, 1000);
  Allocator a;
  Cluster(a);
  a.UpsertPod(Task("ns/t1", "ns/spark", 1000));
  a.Allocate(0);
  writer.Publish(a);
  ASSERT_TRUE(WaitFor([&] { return writer.writes() == 5; }));
  a.RemovePod("ns/t1");  // the task finished: the group holds nothing any more
  a.Allocate(1);
  writer.Publish(a);
  ASSERT_TRUE(WaitFor([&] { return writer.writes() == 7; }));
  writer.Stop();
  std::lock_guard<std::mutex> lock(rec.mu);
  json group;
  for (const auto& [path, body] : rec.patches) {
    if (path == "/apis/kubemesos.io/v1alpha1/resourcegroups/team/status") group = body;
  }
  // A merge patch with an empty `allocated` would leave "cpu: 1" in place: it must say null.
  ASSERT_TRUE(group["status"]["allocated"].contains("cpu")) << group.dump();
  EXPECT_TRUE(group["status"]["allocated"]["cpu"].is_null()) << group.dump();
  EXPECT_TRUE(group["status"]["allocated"]["memory"].is_null()) << group.dump();
}

// A Framework gang through the engine: status.gang and the two conditions are written once
// while the gang waits unchanged (later cycles rewrite nothing), again when it is placed; a
// framework without a gang has the block removed (null in the merge patch).
TEST(ObjectStatusWriter, FrameworkGangStatusOnChangeOnly) {
  client::FakeKubeClient kube;
  PatchRecorder rec;
  kube.SetHandler(rec.Handler());
  ObjectStatusWriter writer(kube, 1000, 1000);
  Allocator a;
  Cluster(a);  // one node of 4 cpu
  FrameworkSpec train{"ns/train", "team", false, 5, {}};
  train.gang.min_member = 6;
  a.UpsertFramework(train);
  for (int i = 0; i < 6; ++i) a.UpsertPod(Task("ns/t" + std::to_string(i), "ns/train", 1000));
  a.Allocate(0);  // 6 x 1 cpu on 4 cpu: the gang waits whole
  writer.Publish(a, nullptr, 0);
  ASSERT_TRUE(WaitFor([&] { return writer.writes() == 6; }));  // 3 groups + 3 frameworks
  auto last_of = [&](const std::string& name) {
    std::lock_guard<std::mutex> lock(rec.mu);
    json out;
    for (const auto& [path, body] : rec.patches) {
      if (path == "/apis/kubemesos.io/v1alpha1/namespaces/ns/frameworks/" + name + "/status")
        out = body["status"];
    }
    return out;
  };
  json s = last_of("train");
  EXPECT_EQ(s["gang"]["phase"], "Pending") << s.dump();
  EXPECT_EQ(s["gang"]["minMember"], 6);
  EXPECT_EQ(s["gang"]["pending"], 6);
  EXPECT_EQ(s["gang"]["active"], 0);
  EXPECT_TRUE(s["gang"]["waitingSince"].is_string());
  EXPECT_TRUE(s["gang"]["lastFailure"].get<std::string>().starts_with("Insufficient cpu"));
  ASSERT_EQ(s["conditions"].size(), 4u) << s.dump();
  EXPECT_EQ(s["conditions"][2]["type"], "GangSchedulable");
  EXPECT_EQ(s["conditions"][2]["status"], "False");
  EXPECT_EQ(s["conditions"][2]["reason"], "Unschedulable");
  EXPECT_EQ(s["conditions"][3]["type"], "GangScheduled");
  EXPECT_EQ(s["conditions"][3]["status"], "False");
  EXPECT_TRUE(last_of("spark").contains("gang"));  // no gang: removed (null)
  EXPECT_TRUE(last_of("spark")["gang"].is_null());

  for (double now : {1.0, 2.0, 3.0}) {  // the gang waits on, unchanged: no write
    a.Allocate(now);
    writer.Publish(a, nullptr, now);
  }
  NodeSpec more;
  more.name = "n2";
  more.allocatable[kCpu] = 4000;
  more.allocatable[kMemory] = 8LL << 30;
  more.allocatable[kPods] = 110;
  a.UpsertNode(more);
  a.Allocate(4);  // now it fits: all 6 placed at once
  writer.Publish(a, nullptr, 4);
  // Both writes queued by this Publish (the framework and its group), then nothing else: Stop
  // only after both went out (waiting for fewer raced with Stop dropping the second).
  ASSERT_TRUE(WaitFor([&] { return writer.writes() >= 8; }));
  writer.Stop();
  EXPECT_EQ(writer.writes(), 8u);
  s = last_of("train");
  EXPECT_EQ(s["gang"]["phase"], "Binding") << s.dump();
  EXPECT_EQ(s["gang"]["active"], 6);
  EXPECT_TRUE(s["gang"]["lastFailure"].is_null());
  EXPECT_EQ(s["conditions"][2]["status"], "True");
}

}  // namespace
}  // namespace kubemesos::loop
