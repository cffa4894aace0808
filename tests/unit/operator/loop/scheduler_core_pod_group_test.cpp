// SchedulerCore and PodGroups (issue #15): a PodGroup event reaches the engine as a gang; a pod
// naming a PodGroup that does not exist waits (WaitingForPodGroup) until it does; the members
// of a refused PodGroup are held out of the engine, each refused with the group's reason, and
// handed back when the group is usable again.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "operator/loop/scheduler_core.h"
#include "operator/loop/status_reporter.h"
#include "tests/unit/operator/loop/recording_sinks.h"

namespace kubemesos::loop {
namespace {

using nlohmann::json;

json Node(const std::string& name, const std::string& cpu) {
  return {{"metadata", {{"name", name}}},
          {"status",
           {{"allocatable", {{"cpu", cpu}, {"memory", "8Gi"}, {"pods", "110"}}},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
}

// A pending 1-cpu pod of framework "spark" joining PodGroup `group` (none when empty).
json Member(const std::string& name, const std::string& group) {
  json pod = {
      {"metadata",
       {{"name", name}, {"namespace", "team"}, {"labels", {{"kubemesos.io/framework", "spark"}}}}},
      {"spec",
       {{"schedulerName", "kubemesos"},
        {"containers",
         json::array({{{"name", "c"}, {"resources", {{"requests", {{"cpu", "1"}}}}}}})}}},
      {"status", {{"phase", "Pending"}}}};
  if (!group.empty()) pod["spec"]["schedulingGroup"] = {{"podGroupName", group}};
  return pod;
}

json PodGroup(const std::string& name, const std::string& spec) {
  return {{"apiVersion", "scheduling.k8s.io/v1beta1"},
          {"kind", "PodGroup"},
          {"metadata", {{"name", name}, {"namespace", "team"}, {"generation", 1}}},
          {"spec", json::parse(spec)}};
}

class CorePodGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Apply(ObjectKind::kResourceGroup, {{"metadata", {{"name", "g"}}}, {"spec", json::object()}});
    Apply(ObjectKind::kFramework, {{"metadata", {{"name", "spark"}, {"namespace", "team"}}},
                                   {"spec", {{"resourceGroup", "g"}}}});
  }
  void Apply(ObjectKind kind, json object, WatchType watch = WatchType::kAdded) {
    core.Apply(LoopEvent::Object(kind, watch, std::move(object)), 0);
  }
  void SyncAll() {
    for (int kind = 0; kind < kObjectKinds; ++kind)
      core.Apply(LoopEvent::Synced(static_cast<ObjectKind>(kind)), 0);
  }
  std::optional<GangStatus> GangOf(const std::string& key) {
    for (const auto& g : core.allocator().Gangs())
      if (g.key == key && g.pod_group) return g;
    return std::nullopt;
  }
  test_support::RecordingSinks rec;
  SchedulerCore core{AllocatorOptions{}, rec, rec};
};

TEST_F(CorePodGroupTest, APodGroupIsTheEnginesGang) {
  Apply(ObjectKind::kNode, Node("n1", "3"));
  Apply(ObjectKind::kPodGroup,
        PodGroup("train", R"({"schedulingPolicy":{"gang":{"minCount":4}}})"));
  for (int i = 0; i < 4; ++i) Apply(ObjectKind::kPod, Member("w-" + std::to_string(i), "train"));
  SyncAll();
  ASSERT_TRUE(core.pod_groups().count("team/train"));
  EXPECT_EQ(core.pod_groups().at("team/train").generation, 1);
  EXPECT_TRUE(core.pod_groups().at("team/train").refused.empty());
  core.Cycle(1);
  auto gang = GangOf("team/train");
  ASSERT_TRUE(gang) << "the PodGroup did not reach the engine";
  EXPECT_EQ(gang->min_member, 4);
  // 3 of 4 fit: none is placed.
  EXPECT_TRUE(rec.binds.empty());
  // A second node: all four together.
  Apply(ObjectKind::kNode, Node("n2", "3"));
  core.Cycle(2);
  ASSERT_EQ(rec.binds.size(), 4u);
  for (const auto& b : rec.binds) EXPECT_EQ(b.gang, "team/train") << b.pod;
  // Deleted: the engine forgets the gang, and so does the core.
  Apply(ObjectKind::kPodGroup, PodGroup("train", "{}"), WatchType::kDeleted);
  EXPECT_FALSE(core.pod_groups().count("team/train"));
}

// The PodGroup's PodGroupInitiallyScheduled condition follows the engine's view of the gang:
// False/Unschedulable with the gang's reason (and one warning per new message) while its
// minimum does not fit, True/Scheduled once the minimum is bound; another scheduler's group
// (no pod of ours names it) gets nothing.
TEST_F(CorePodGroupTest, ThePodGroupConditionFollowsTheGang) {
  Apply(ObjectKind::kNode, Node("n1", "4"));  // 1 for the foreign pod, 3 for the gang
  Apply(ObjectKind::kPodGroup,
        PodGroup("train", R"({"schedulingPolicy":{"gang":{"minCount":4}}})"));
  Apply(ObjectKind::kPodGroup,
        PodGroup("theirs", R"({"schedulingPolicy":{"gang":{"minCount":1}}})"));
  for (int i = 0; i < 4; ++i) Apply(ObjectKind::kPod, Member("w-" + std::to_string(i), "train"));
  json foreign = Member("other", "theirs");
  foreign["spec"]["schedulerName"] = "default-scheduler";
  foreign["spec"]["nodeName"] = "n1";
  Apply(ObjectKind::kPod, foreign);
  SyncAll();
  core.Cycle(1);
  EXPECT_TRUE(core.pod_groups().at("team/train").ours);
  EXPECT_FALSE(core.pod_groups().at("team/theirs").ours);
  auto condition = [&](const std::string& key) {
    auto gangs = core.allocator().Gangs();
    auto it = std::find_if(gangs.begin(), gangs.end(),
                           [&](const GangStatus& g) { return g.key == key && g.pod_group; });
    return PodGroupCondition(it == gangs.end() ? nullptr : &*it, core.pod_groups().at(key));
  };
  json c = condition("team/train");
  ASSERT_FALSE(c.is_null());
  EXPECT_EQ(c["status"], "False");
  EXPECT_EQ(c["reason"], "Unschedulable");
  EXPECT_NE(c["message"].get<std::string>().find("3/4"), std::string::npos) << c.dump();
  // A second node: all four are placed; once the watch shows them bound, True, also when
  // some have finished already (a Job's pods can, between two looks).
  Apply(ObjectKind::kNode, Node("n2", "3"));
  core.Cycle(2);
  ASSERT_EQ(rec.binds.size(), 4u);
  for (size_t i = 0; i < rec.binds.size(); ++i) {
    const Placement& b = rec.binds[i];
    json bound = Member(b.pod.substr(b.pod.find('/') + 1), "train");
    bound["spec"]["nodeName"] = b.node;
    if (i < 2) bound["status"]["phase"] = "Succeeded";
    Apply(ObjectKind::kPod, bound, WatchType::kModified);
  }
  core.Cycle(3);
  c = condition("team/train");
  ASSERT_FALSE(c.is_null());
  EXPECT_EQ(c["status"], "True");
  EXPECT_EQ(c["reason"], "Scheduled");
}

TEST_F(CorePodGroupTest, APodNamingAMissingPodGroupWaitsForIt) {
  Apply(ObjectKind::kNode, Node("n1", "4"));
  Apply(ObjectKind::kPod, Member("w-0", "later"));
  SyncAll();
  core.Cycle(1);
  EXPECT_TRUE(rec.binds.empty());
  ASSERT_EQ(rec.pending.size(), 1u);
  EXPECT_EQ(rec.pending[0].reason.code, ReasonCode::kWaitingForGang);
  EXPECT_EQ(rec.pending[0].reason.subject, "team/later");
  EXPECT_EQ(ConditionReason(rec.pending[0].reason), "WaitingForPodGroup");
  Apply(ObjectKind::kPodGroup,
        PodGroup("later", R"({"schedulingPolicy":{"gang":{"minCount":1}}})"));
  core.Cycle(2);
  ASSERT_EQ(rec.binds.size(), 1u);
  EXPECT_EQ(rec.binds[0].pod, "team/w-0");
}

TEST_F(CorePodGroupTest, MembersOfARefusedPodGroupAreHeldAndRefused) {
  Apply(ObjectKind::kNode, Node("n1", "4"));
  // The pod arrives before its group (the two watches are independent).
  Apply(ObjectKind::kPod, Member("w-0", "zoned"));
  Apply(ObjectKind::kPodGroup, PodGroup("zoned", R"({"schedulingPolicy":{"basic":{}},
      "schedulingConstraints":{"topology":[{"key":"topology.kubernetes.io/zone"}]}})"));
  Apply(ObjectKind::kPod, Member("w-1", "zoned"));  // and one after it
  Apply(ObjectKind::kPod, Member("free", ""));
  SyncAll();
  core.Cycle(1);
  // The group says why, once; each member is refused (Unsupported) naming it; neither is placed
  // although both fit; the pod outside the group is.
  ASSERT_EQ(rec.problems.size(), 1u);
  EXPECT_EQ(rec.problems[0].rfind("PodGroup team/zoned: PodGroup team/zoned: "
                                  "spec.schedulingConstraints.topology: ",
                                  0),
            0u)
      << rec.problems[0];
  ASSERT_EQ(rec.unsupported_pods.size(), 2u);
  for (const auto& u : rec.unsupported_pods) {
    EXPECT_NE(u.find(": its PodGroup is refused: PodGroup team/zoned: "
                     "spec.schedulingConstraints.topology: placing every member in one topology "
                     "domain is not enforced by kubemesos"),
              std::string::npos)
        << u;
  }
  ASSERT_EQ(rec.binds.size(), 1u);
  EXPECT_EQ(rec.binds[0].pod, "team/free");
  EXPECT_TRUE(core.pod_groups().at("team/zoned").refused.find("topology") != std::string::npos);
  // A status write comes back as a modification: nothing is said twice.
  Apply(ObjectKind::kPod, Member("w-0", "zoned"), WatchType::kModified);
  EXPECT_EQ(rec.unsupported_pods.size(), 2u);
  // Re-created without the constraint (it is immutable): the members are placed.
  Apply(ObjectKind::kPodGroup, PodGroup("zoned", "{}"), WatchType::kDeleted);
  Apply(ObjectKind::kPodGroup, PodGroup("zoned", R"({"schedulingPolicy":{"basic":{}}})"));
  core.Cycle(2);
  ASSERT_EQ(rec.binds.size(), 3u);
  EXPECT_TRUE(core.pod_groups().at("team/zoned").refused.empty());
}

TEST_F(CorePodGroupTest, AMalformedPodGroupRefusesItsMembersAsInvalid) {
  Apply(ObjectKind::kNode, Node("n1", "4"));
  Apply(ObjectKind::kPodGroup, PodGroup("bad", R"({"schedulingPolicy":{}})"));
  Apply(ObjectKind::kPod, Member("w-0", "bad"));
  SyncAll();
  core.Cycle(1);
  EXPECT_TRUE(rec.binds.empty());
  EXPECT_TRUE(rec.unsupported_pods.empty());
  ASSERT_EQ(rec.invalid_pods.size(), 1u);
  EXPECT_NE(rec.invalid_pods[0].find("spec.schedulingPolicy: exactly one of basic and gang"),
            std::string::npos)
      << rec.invalid_pods[0];
  // Fixed in place: the member is handed back and placed.
  Apply(ObjectKind::kPodGroup, PodGroup("bad", R"({"schedulingPolicy":{"basic":{}}})"),
        WatchType::kModified);
  core.Cycle(2);
  ASSERT_EQ(rec.binds.size(), 1u);
}

}  // namespace
}  // namespace kubemesos::loop
