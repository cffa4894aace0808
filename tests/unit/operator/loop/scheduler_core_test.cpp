// The scheduling loop's logic: nothing is allocated before every watch has synced, watch
// events mirror the cluster into the engine, placements go to the binder, failed binds give
// resources back, and bad objects are reported on the object while the rest is scheduled.
#include "operator/loop/scheduler_core.h"
#include "tests/unit/operator/loop/recording_sinks.h"

#include <gtest/gtest.h>

#include <vector>

namespace kubemesos::loop {
namespace {

using nlohmann::json;

using Recorder = test_support::RecordingSinks;

json NodeJson(const std::string& name, const std::string& cpu) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}}},
          {"status",
           {{"allocatable", {{"cpu", cpu}, {"memory", "8Gi"}, {"pods", "110"}}},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
}

json PodJson(const std::string& name, const std::string& framework, const std::string& cpu,
             const std::string& node = "") {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"namespace", "team"}, {"labels", json::object()}}},
              {"spec",
               {{"schedulerName", "kubemesos"},
                {"containers",
                 json::array({{{"name", "c"}, {"resources", {{"requests", {{"cpu", cpu}}}}}}})}}},
              {"status", {{"phase", "Pending"}}}};
  if (!framework.empty()) pod["metadata"]["labels"]["kubemesos.io/framework"] = framework;
  if (!node.empty()) pod["spec"]["nodeName"] = node;
  return pod;
}

json GroupJson(const std::string& name, const std::string& parent = "") {
  json group = {{"apiVersion", "kubemesos.io/v1alpha1"},
                {"kind", "ResourceGroup"},
                {"metadata", {{"name", name}}},
                {"spec", json::object()}};
  if (!parent.empty()) group["spec"]["parent"] = parent;
  return group;
}

json FrameworkJson(const std::string& name, const std::string& group) {
  return {{"apiVersion", "kubemesos.io/v1alpha1"},
          {"kind", "Framework"},
          {"metadata", {{"name", name}, {"namespace", "team"}}},
          {"spec", {{"resourceGroup", group}}}};
}

class CoreTest : public ::testing::Test {
 protected:
  void Add(ObjectKind kind, json object) {
    core.Apply(LoopEvent::Object(kind, WatchType::kAdded, std::move(object)), 0);
  }
  void SyncAll() {
    for (int kind = 0; kind < kObjectKinds; ++kind)
      core.Apply(LoopEvent::Synced(static_cast<ObjectKind>(kind)), 0);
  }
  Recorder rec;
  SchedulerCore core{AllocatorOptions{}, rec, rec};
};

TEST_F(CoreTest, NothingIsAllocatedBeforeEveryWatchSynced) {
  Add(ObjectKind::kNode, NodeJson("n1", "4"));
  Add(ObjectKind::kResourceGroup, GroupJson("g"));
  Add(ObjectKind::kFramework, FrameworkJson("spark", "g"));
  Add(ObjectKind::kPod, PodJson("p1", "spark", "1"));
  core.Apply(LoopEvent::Synced(ObjectKind::kNode), 0);
  core.Apply(LoopEvent::Synced(ObjectKind::kPod), 0);
  core.Apply(LoopEvent::Synced(ObjectKind::kResourceGroup), 0);
  for (int kind = static_cast<int>(ObjectKind::kNamespace); kind < kObjectKinds; ++kind)
    core.Apply(LoopEvent::Synced(static_cast<ObjectKind>(kind)), 0);
  EXPECT_FALSE(core.synced());
  EXPECT_EQ(core.Cycle(1).placements, 0u);
  EXPECT_TRUE(rec.binds.empty());
  core.Apply(LoopEvent::Synced(ObjectKind::kFramework), 0);
  EXPECT_EQ(core.Cycle(2).placements, 1u);
  ASSERT_EQ(rec.binds.size(), 1u);
  EXPECT_EQ(rec.binds[0].pod, "team/p1");
  EXPECT_EQ(rec.binds[0].node, "n1");
}

TEST_F(CoreTest, ForeignPodsCountAndDeletedPodsFreeCapacity) {
  Add(ObjectKind::kNode, NodeJson("n1", "2"));
  Add(ObjectKind::kResourceGroup, GroupJson("g"));
  Add(ObjectKind::kFramework, FrameworkJson("spark", "g"));
  json foreign = PodJson("dns", "", "2", "n1");
  foreign["spec"]["schedulerName"] = "default-scheduler";
  Add(ObjectKind::kPod, foreign);
  json other_pending = PodJson("web", "", "1");
  other_pending["spec"]["schedulerName"] = "default-scheduler";
  Add(ObjectKind::kPod, other_pending);  // another scheduler's pending pod: ignored
  Add(ObjectKind::kPod, PodJson("p1", "spark", "1"));
  SyncAll();
  EXPECT_EQ(core.Cycle(1).placements, 0u);
  ASSERT_EQ(rec.pending.size(), 1u);
  EXPECT_EQ(rec.pending[0].reason.Short(), "Insufficient cpu");
  core.Apply(LoopEvent::Object(ObjectKind::kPod, WatchType::kDeleted, foreign), 2);
  EXPECT_EQ(core.Cycle(3).placements, 1u);
}

// kube-scheduler's scheduling gates: a gated pod is never placed, holds nothing (another pod
// gets the capacity) and is not pending demand (no reason is written: the API server set
// SchedulingGated at creation); the cycle after its last gate is removed it is placed.
TEST_F(CoreTest, GatedPodsWaitAndAreScheduledOnceTheirLastGateGoes) {
  Add(ObjectKind::kNode, NodeJson("n1", "1"));
  Add(ObjectKind::kResourceGroup, GroupJson("g"));
  Add(ObjectKind::kFramework, FrameworkJson("spark", "g"));
  json gated = PodJson("a-gated", "spark", "1");
  gated["spec"]["schedulingGates"] = json::array({{{"name", "example.com/hold"}}});
  Add(ObjectKind::kPod, gated);
  SyncAll();
  EXPECT_EQ(core.Cycle(1).placements, 0u);
  EXPECT_TRUE(rec.pending.empty());  // not demand: no Unschedulable reason
  EXPECT_EQ(core.allocator().pending_task_count(), 0u);
  EXPECT_TRUE(rec.problems.empty() && rec.invalid_pods.empty());
  Add(ObjectKind::kPod, PodJson("b-open", "spark", "1"));  // takes the only core
  EXPECT_EQ(core.Cycle(2).placements, 1u);
  EXPECT_EQ(rec.binds.back().pod, "team/b-open");
  core.Apply(LoopEvent::Object(ObjectKind::kPod, WatchType::kDeleted,
                               PodJson("b-open", "spark", "1", "n1")),
             3);
  gated["spec"]["schedulingGates"] = json::array();  // the last gate removed
  Add(ObjectKind::kPod, gated);
  EXPECT_EQ(core.Cycle(4).placements, 1u);
  EXPECT_EQ(rec.binds.back().pod, "team/a-gated");
}

TEST_F(CoreTest, FailedBindGivesResourcesBackAndRetriesElsewhere) {
  Add(ObjectKind::kNode, NodeJson("n1", "1"));
  Add(ObjectKind::kNode, NodeJson("n2", "1"));
  Add(ObjectKind::kResourceGroup, GroupJson("g"));
  Add(ObjectKind::kFramework, FrameworkJson("spark", "g"));
  Add(ObjectKind::kPod, PodJson("p1", "spark", "1"));
  SyncAll();
  ASSERT_EQ(core.Cycle(1).placements, 1u);
  std::string first = rec.binds[0].node;
  core.Apply(LoopEvent::Bound({"team/p1", first, 500, "internal error", "", -1}), 2);
  EXPECT_EQ(core.bind_failures(), 1u);
  ASSERT_EQ(core.Cycle(3).placements, 1u);
  EXPECT_NE(rec.binds[1].node, first);  // the failed node is filtered for refuseSeconds
}

TEST_F(CoreTest, BindOutcomesCarrySchedulingLatency) {
  Add(ObjectKind::kNode, NodeJson("n1", "2"));
  Add(ObjectKind::kResourceGroup, GroupJson("g"));
  Add(ObjectKind::kFramework, FrameworkJson("spark", "g"));
  json pod = PodJson("p1", "spark", "1");
  pod["metadata"]["creationTimestamp"] = "2020-01-01T00:00:00Z";
  Add(ObjectKind::kPod, pod);
  Add(ObjectKind::kPod, PodJson("p2", "spark", "1"));  // no creation time
  SyncAll();
  ASSERT_EQ(core.Cycle(1).placements, 2u);
  core.Apply(LoopEvent::Bound({"team/p1", "n1", 201, "", "", -1}), 2);
  core.Apply(LoopEvent::Bound({"team/p2", "n1", 500, "boom", "", -1}), 2);
  auto outcomes = core.TakeBindOutcomes();
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_GT(outcomes[0].latency_seconds, 3600.0 * 24 * 365);  // created years ago
  EXPECT_FALSE(outcomes[1].result.ok());
  EXPECT_LT(outcomes[1].latency_seconds, 0);
  EXPECT_TRUE(core.TakeBindOutcomes().empty());
}

TEST_F(CoreTest, ConflictMeansAlreadyBoundAndIsNotRetried) {
  Add(ObjectKind::kNode, NodeJson("n1", "1"));
  Add(ObjectKind::kResourceGroup, GroupJson("g"));
  Add(ObjectKind::kFramework, FrameworkJson("spark", "g"));
  Add(ObjectKind::kPod, PodJson("p1", "spark", "1"));
  SyncAll();
  ASSERT_EQ(core.Cycle(1).placements, 1u);
  core.Apply(LoopEvent::Bound({"team/p1", "n1", 409, "already assigned", "", -1}), 2);
  core.Apply(
      LoopEvent::Object(ObjectKind::kPod, WatchType::kModified, PodJson("p1", "spark", "1", "n1")),
      2);
  EXPECT_EQ(core.Cycle(3).placements, 0u);
  EXPECT_EQ(core.bind_failures(), 0u);
  EXPECT_EQ(core.allocator().TotalAllocated()[kCpu], 1000);
}

TEST_F(CoreTest, BadObjectsAreReportedAndEverythingElseIsScheduled) {
  Add(ObjectKind::kNode, NodeJson("n1", "8"));
  Add(ObjectKind::kResourceGroup, GroupJson("g"));
  Add(ObjectKind::kResourceGroup, GroupJson("loop-a", "loop-b"));
  Add(ObjectKind::kResourceGroup, GroupJson("loop-b", "loop-a"));
  json bad_group = GroupJson("bad");
  bad_group["spec"]["weight"] = -1;
  Add(ObjectKind::kResourceGroup, bad_group);
  Add(ObjectKind::kFramework, FrameworkJson("spark", "g"));
  Add(ObjectKind::kFramework, FrameworkJson("lost", "nope"));
  Add(ObjectKind::kFramework, FrameworkJson("looping", "loop-a"));
  Add(ObjectKind::kPod, PodJson("ok", "spark", "1"));
  Add(ObjectKind::kPod, PodJson("huge", "spark", "64"));
  Add(ObjectKind::kPod, PodJson("no-group", "lost", "1"));
  Add(ObjectKind::kPod, PodJson("in-loop", "looping", "1"));
  Add(ObjectKind::kPod, PodJson("unknown", "nobody", "1"));
  Add(ObjectKind::kPod, PodJson("unlabelled", "", "1"));
  json bad_pod = PodJson("bad-quantity", "spark", "1");
  bad_pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "lots";
  Add(ObjectKind::kPod, bad_pod);
  json bad_bound = PodJson("bad-bound", "", "1", "n1");  // bound by someone else
  bad_bound["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "lots";
  Add(ObjectKind::kPod, bad_bound);
  Add(ObjectKind::kPod, json("not an object"));
  SyncAll();
  auto stats = core.Cycle(1);
  EXPECT_EQ(stats.placements, 1u);
  std::map<std::string, std::string> reasons;
  for (const auto& u : rec.pending) reasons[u.pod] = u.reason.Short();
  EXPECT_EQ(reasons["team/huge"], "Insufficient cpu");
  EXPECT_EQ(reasons["team/no-group"], "UnknownGroup nope");
  EXPECT_EQ(reasons["team/in-loop"], "UnknownGroup loop-a");
  EXPECT_EQ(reasons["team/unknown"], "UnknownFramework team/nobody");
  EXPECT_EQ(reasons["team/unlabelled"].rfind("UnknownFramework", 0), 0u);
  std::string problems;
  for (const auto& p : rec.problems) problems += p + "\n";
  EXPECT_NE(problems.find("ResourceGroup /bad"), std::string::npos) << problems;
  EXPECT_NE(problems.find("ResourceGroup /loop-a"), std::string::npos) << problems;
  // A pending pod of ours says it on its condition (PodInvalid); a bound one only in an Event.
  EXPECT_EQ(problems.find("Pod team/bad-quantity"), std::string::npos) << problems;
  ASSERT_EQ(rec.invalid_pods.size(), 1u);
  EXPECT_EQ(rec.invalid_pods[0].rfind("team/bad-quantity: ", 0), 0u) << rec.invalid_pods[0];
  EXPECT_NE(problems.find("Pod team/bad-bound"), std::string::npos) << problems;
  // Reported once: the next cycle repeats nothing.
  size_t before = rec.problems.size() + rec.pending.size() + rec.invalid_pods.size();
  core.Cycle(2);
  EXPECT_EQ(rec.problems.size() + rec.pending.size() + rec.invalid_pods.size(), before);
}

// Issue #14: a valid pending pod of ours asking for what kubemesos does not enforce is refused
// with reason Unsupported (PodUnsupported), apart from malformed ones (PodInvalid); the same
// field on a pod bound by someone else is only read.
TEST_F(CoreTest, UnsupportedFieldsAreTheirOwnReason) {
  Add(ObjectKind::kNode, NodeJson("n1", "8"));
  json claims = PodJson("dra", "spark", "1");
  claims["spec"]["resourceClaims"] = json::array({{{"name", "gpu"}}});
  Add(ObjectKind::kPod, claims);
  json both = claims;  // malformed too: InvalidSpec comes first
  both["metadata"]["name"] = "dra-bad-quantity";
  both["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "lots";
  Add(ObjectKind::kPod, both);
  json bound = PodJson("dra-bound", "", "1", "n1");
  bound["spec"]["resourceClaims"] = claims["spec"]["resourceClaims"];
  Add(ObjectKind::kPod, bound);
  SyncAll();
  core.Cycle(1);
  ASSERT_EQ(rec.unsupported_pods.size(), 1u);
  EXPECT_EQ(rec.unsupported_pods[0],
            "team/dra: Pod team/dra: spec.resourceClaims: dynamic resource allocation (DRA) is "
            "not enforced by kubemesos; the pod is refused rather than placed against it");
  ASSERT_EQ(rec.invalid_pods.size(), 1u);
  EXPECT_EQ(rec.invalid_pods[0].rfind("team/dra-bad-quantity: ", 0), 0u) << rec.invalid_pods[0];
  EXPECT_TRUE(rec.problems.empty()) << rec.problems[0];
  EXPECT_TRUE(rec.binds.empty());
}

// Each Framework event is converted once: the core's conversion is handed on (to the Framework
// controller) and belongs to that event only.
TEST_F(CoreTest, FrameworkConversionIsSharedForItsEventOnly) {
  Add(ObjectKind::kFramework, FrameworkJson("spark", "g"));
  auto* converted = core.framework_conversion();
  ASSERT_NE(converted, nullptr);
  ASSERT_TRUE(converted->ok());
  EXPECT_EQ(converted->value->framework.key, "team/spark");
  Add(ObjectKind::kNode, NodeJson("n1", "8"));
  EXPECT_EQ(core.framework_conversion(), nullptr);
  json bad = FrameworkJson("bad", "g");
  bad["spec"].erase("resourceGroup");
  Add(ObjectKind::kFramework, bad);
  ASSERT_NE(core.framework_conversion(), nullptr);
  EXPECT_FALSE(core.framework_conversion()->ok());
  core.Apply(LoopEvent::Object(ObjectKind::kFramework, WatchType::kDeleted, bad), 0);
  EXPECT_EQ(core.framework_conversion(), nullptr);
}

// What is remembered about an object's problem goes with the object: a re-created object with
// the same problem is reported again.
TEST_F(CoreTest, ProblemsAreForgottenWhenTheObjectGoes) {
  json bad = FrameworkJson("bad", "g");
  bad["spec"].erase("resourceGroup");
  json bad_pod = PodJson("bad-quantity", "spark", "1");
  bad_pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "lots";
  for (int round = 0; round < 2; ++round) {
    Add(ObjectKind::kFramework, bad);
    Add(ObjectKind::kPod, bad_pod);
    EXPECT_EQ(rec.problems.size(), round + 1u) << "round " << round;      // the Framework
    EXPECT_EQ(rec.invalid_pods.size(), round + 1u) << "round " << round;  // the pending pod
    core.Apply(LoopEvent::Object(ObjectKind::kFramework, WatchType::kDeleted, bad), 0);
    core.Apply(LoopEvent::Object(ObjectKind::kPod, WatchType::kDeleted, bad_pod), 0);
  }
}

}  // namespace
}  // namespace kubemesos::loop
