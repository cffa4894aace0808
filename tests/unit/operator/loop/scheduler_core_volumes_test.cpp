// The scheduling loop and volumes: a pod whose claim is missing waits (WaitingForVolume), holds
// nothing and is placed once its claim is bound; a claim bound to a zonal volume takes the pod
// to that zone; CSINode limits reach the engine's nodes; Namespace labels reach the engine.
#include <gtest/gtest.h>

#include <vector>

#include "operator/loop/scheduler_core.h"
#include "tests/unit/operator/loop/recording_sinks.h"

namespace kubemesos::loop {
namespace {

using nlohmann::json;

using Recorder = test_support::RecordingSinks;

json NodeJson(const std::string& name, const std::string& zone) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", {{"topology.kubernetes.io/zone", zone}}}}},
          {"status", {{"allocatable", {{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}}}}}};
}

json PodJson(const std::string& name, const std::vector<std::string>& claims,
             const std::string& node = "") {
  json pod = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", name}, {"namespace", "team"}, {"labels", {{"kubemesos.io/framework", "fw"}}}}},
      {"spec",
       {{"schedulerName", "kubemesos"},
        {"containers",
         json::array({{{"name", "c"}, {"resources", {{"requests", {{"cpu", "1"}}}}}}})},
        {"volumes", json::array()}}},
      {"status", {{"phase", "Pending"}}}};
  for (const auto& c : claims) {
    pod["spec"]["volumes"].push_back(
        {{"name", "v-" + c}, {"persistentVolumeClaim", {{"claimName", c}}}});
  }
  if (!node.empty()) pod["spec"]["nodeName"] = node;
  return pod;
}

json ClaimJson(const std::string& name, const std::string& volume) {
  return {{"apiVersion", "v1"},
          {"kind", "PersistentVolumeClaim"},
          {"metadata", {{"name", name}, {"namespace", "team"}}},
          {"spec", {{"volumeName", volume}, {"storageClassName", ""}}}};
}

json VolumeJson(const std::string& name, const std::string& zone, const std::string& driver = "") {
  json v = {{"apiVersion", "v1"},
            {"kind", "PersistentVolume"},
            {"metadata", {{"name", name}}},
            {"spec",
             {{"nodeAffinity",
               {{"required",
                 {{"nodeSelectorTerms",
                   json::array({{{"matchExpressions",
                                  json::array({{{"key", "topology.kubernetes.io/zone"},
                                                {"operator", "In"},
                                                {"values", json::array({zone})}}})}}})}}}}}}}};
  if (!driver.empty()) v["spec"]["csi"] = {{"driver", driver}, {"volumeHandle", name}};
  return v;
}

json CsiNodeJson(const std::string& node, const std::string& driver, int count) {
  return {{"apiVersion", "storage.k8s.io/v1"},
          {"kind", "CSINode"},
          {"metadata", {{"name", node}}},
          {"spec",
           {{"drivers",
             json::array(
                 {{{"name", driver}, {"nodeID", node}, {"allocatable", {{"count", count}}}}})}}}};
}

class CoreVolumesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Add(ObjectKind::kResourceGroup, {{"metadata", {{"name", "g"}}}, {"spec", json::object()}});
    Add(ObjectKind::kFramework, {{"metadata", {{"name", "fw"}, {"namespace", "team"}}},
                                 {"spec", {{"resourceGroup", "g"}}}});
    Add(ObjectKind::kNode, NodeJson("n-a", "a"));
    Add(ObjectKind::kNode, NodeJson("n-b", "b"));
  }
  void Add(ObjectKind kind, json object, WatchType watch = WatchType::kAdded) {
    core.Apply(LoopEvent::Object(kind, watch, std::move(object)), 0);
  }
  void SyncAll() {
    for (int kind = 0; kind < kObjectKinds; ++kind)
      core.Apply(LoopEvent::Synced(static_cast<ObjectKind>(kind)), 0);
  }
  Recorder rec;
  SchedulerCore core{AllocatorOptions{}, rec, rec};
};

TEST_F(CoreVolumesTest, MissingClaimWaitsThenTheBoundVolumeDecidesTheZone) {
  SyncAll();
  Add(ObjectKind::kPod, PodJson("p", {"data"}));
  EXPECT_EQ(core.Cycle(1).placements, 0u);
  ASSERT_EQ(rec.waiting_pods.size(), 1u);
  EXPECT_EQ(rec.waiting_pods[0],
            "team/p: WaitingForVolume: persistentvolumeclaim \"data\" not found");
  EXPECT_TRUE(rec.pending.empty());  // not engine demand: no Unschedulable for the autoscaler
  EXPECT_EQ(core.allocator().pending_task_count(), 0u);
  core.Cycle(2);
  EXPECT_EQ(rec.waiting_pods.size(), 1u);  // said once
  // The volume (zone b; binpack would pick n-a first on a tie) and the claim bound to it.
  Add(ObjectKind::kPersistentVolume, VolumeJson("pv1", "b"));
  Add(ObjectKind::kPersistentVolumeClaim, ClaimJson("data", "pv1"));
  EXPECT_EQ(core.Cycle(3).placements, 1u);
  ASSERT_EQ(rec.binds.size(), 1u);
  EXPECT_EQ(rec.binds[0].node, "n-b");
}

TEST_F(CoreVolumesTest, NoZoneWithTheVolumeIsUnschedulableNotWaiting) {
  SyncAll();
  Add(ObjectKind::kPersistentVolume, VolumeJson("pv1", "c"));
  Add(ObjectKind::kPersistentVolumeClaim, ClaimJson("data", "pv1"));
  Add(ObjectKind::kPod, PodJson("p", {"data"}));
  EXPECT_EQ(core.Cycle(1).placements, 0u);
  EXPECT_TRUE(rec.waiting_pods.empty());
  ASSERT_EQ(rec.pending.size(), 1u);  // more nodes (in zone c) would help: engine demand
  EXPECT_EQ(rec.pending[0].reason.code, ReasonCode::kNoEligibleNode);
}

TEST_F(CoreVolumesTest, ObjectsListedBeforeTheFirstCycleReportNothing) {
  Add(ObjectKind::kPod, PodJson("p", {"data"}));  // the pods' list came first
  Add(ObjectKind::kPersistentVolumeClaim, ClaimJson("data", "pv1"));
  Add(ObjectKind::kPersistentVolume, VolumeJson("pv1", "a"));
  SyncAll();
  EXPECT_EQ(core.Cycle(1).placements, 1u);
  EXPECT_TRUE(rec.waiting_pods.empty());
  EXPECT_EQ(rec.binds[0].node, "n-a");
}

TEST_F(CoreVolumesTest, DeletedClaimMakesThePodWaitAgain) {
  Add(ObjectKind::kPersistentVolume, VolumeJson("pv1", "c"));  // no node in zone c
  Add(ObjectKind::kPersistentVolumeClaim, ClaimJson("data", "pv1"));
  Add(ObjectKind::kPod, PodJson("p", {"data"}));
  SyncAll();
  core.Cycle(1);
  EXPECT_EQ(core.allocator().pending_task_count(), 1u);
  Add(ObjectKind::kPersistentVolumeClaim, ClaimJson("data", "pv1"), WatchType::kDeleted);
  core.Cycle(2);
  EXPECT_EQ(core.allocator().pending_task_count(), 0u);
  ASSERT_EQ(rec.waiting_pods.size(), 1u);
  EXPECT_NE(rec.waiting_pods[0].find("not found"), std::string::npos);
}

TEST_F(CoreVolumesTest, CsiNodeLimitsReachTheEngine) {
  // n-a takes one ebs volume and has one; n-b has none left to give.
  Add(ObjectKind::kCSINode, CsiNodeJson("n-a", "ebs", 1));  // before the node
  Add(ObjectKind::kPersistentVolume, VolumeJson("pv1", "a", "ebs"));
  Add(ObjectKind::kPersistentVolume, VolumeJson("pv2", "a", "ebs"));
  Add(ObjectKind::kPersistentVolumeClaim, ClaimJson("one", "pv1"));
  Add(ObjectKind::kPersistentVolumeClaim, ClaimJson("two", "pv2"));
  json bound = PodJson("bound", {"one"}, "n-a");
  bound["spec"]["schedulerName"] = "default-scheduler";
  Add(ObjectKind::kPod, bound);
  Add(ObjectKind::kPod, PodJson("p", {"two"}));
  SyncAll();
  ASSERT_NE(core.allocator().FindNode("n-a"), nullptr);
  EXPECT_EQ(core.allocator().FindNode("n-a")->csi_limits.at("ebs"), 1);
  EXPECT_EQ(core.Cycle(1).placements, 0u);
  ASSERT_EQ(rec.pending.size(), 1u);
  EXPECT_NE(rec.pending[0].reason.message.find("exceed max volume count"), std::string::npos)
      << rec.pending[0].reason.message;
  // The limit grows (a CSINode update after the node): the pod fits.
  Add(ObjectKind::kCSINode, CsiNodeJson("n-a", "ebs", 2), WatchType::kModified);
  EXPECT_EQ(core.Cycle(2).placements, 1u);
}

TEST_F(CoreVolumesTest, VolumesFreedByALeavingPodCountAtOnce) {
  Add(ObjectKind::kCSINode, CsiNodeJson("n-a", "ebs", 1));
  Add(ObjectKind::kPersistentVolume, VolumeJson("pv1", "a", "ebs"));
  Add(ObjectKind::kPersistentVolume, VolumeJson("pv2", "a", "ebs"));
  Add(ObjectKind::kPersistentVolumeClaim, ClaimJson("one", "pv1"));
  Add(ObjectKind::kPersistentVolumeClaim, ClaimJson("two", "pv2"));
  json bound = PodJson("bound", {"one"}, "n-a");
  Add(ObjectKind::kPod, bound);
  Add(ObjectKind::kPod, PodJson("p", {"two"}));
  SyncAll();
  EXPECT_EQ(core.Cycle(1).placements, 0u);
  Add(ObjectKind::kPod, bound, WatchType::kDeleted);
  EXPECT_EQ(core.Cycle(2).placements, 1u);
}

TEST_F(CoreVolumesTest, NamespaceLabelsReachTheEngine) {
  Add(ObjectKind::kNamespace, {{"metadata", {{"name", "team"}, {"labels", {{"env", "prod"}}}}}});
  EXPECT_EQ(core.allocator().NamespaceLabels("team"), (Labels{{"env", "prod"}}));
  Add(ObjectKind::kNamespace, {{"metadata", {{"name", "team"}, {"labels", {{"env", "dev"}}}}}},
      WatchType::kModified);
  EXPECT_EQ(core.allocator().NamespaceLabels("team"), (Labels{{"env", "dev"}}));
  // A namespace with unreadable labels: reported, and its labels are forgotten.
  Add(ObjectKind::kNamespace, {{"metadata", {{"name", "team"}, {"labels", {{"env", 1}}}}}},
      WatchType::kModified);
  EXPECT_TRUE(core.allocator().NamespaceLabels("team").empty());
  ASSERT_EQ(rec.problems.size(), 1u);
  EXPECT_EQ(rec.problems[0].rfind("Namespace /team: ", 0), 0u) << rec.problems[0];
  Add(ObjectKind::kNamespace, {{"metadata", {{"name", "team"}, {"labels", {{"env", "x"}}}}}},
      WatchType::kModified);
  Add(ObjectKind::kNamespace, {{"metadata", {{"name", "team"}}}}, WatchType::kDeleted);
  EXPECT_TRUE(core.allocator().NamespaceLabels("team").empty());
}

TEST_F(CoreVolumesTest, OtherSchedulersPendingPodsAreNotTouched) {
  SyncAll();
  json pod = PodJson("theirs", {"data"});
  pod["spec"]["schedulerName"] = "default-scheduler";
  Add(ObjectKind::kPod, pod);
  core.Cycle(1);
  EXPECT_TRUE(rec.waiting_pods.empty());
  EXPECT_TRUE(rec.pending.empty());
}

}  // namespace
}  // namespace kubemesos::loop
