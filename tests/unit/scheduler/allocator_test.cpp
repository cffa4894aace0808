// The allocator's rules one by one: node health and taints, selectors and affinity,
// reservations, capacity accounting, placement policies, reasons, and incremental updates.
#include <gtest/gtest.h>

#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos {
namespace {

using namespace kubemesos::testing;

class AllocatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a.UpsertGroup(Group("g"));
    a.UpsertFramework(Framework("ns/f", "g"));
  }
  Allocator a;
};

struct NodeCase {
  const char* name;
  NodeSpec node;
  std::vector<Toleration> tolerations;
  bool placed;
  const char* reason;  // when not placed
};

NodeSpec Tainted(TaintEffect effect) {
  NodeSpec n = Node("n1", 4, 4);
  n.taints.push_back({"dedicated", "gpu", effect});
  return n;
}
NodeSpec NotReady() {
  NodeSpec n = Node("n1", 4, 4);
  n.ready = false;
  return n;
}
NodeSpec Cordoned() {
  NodeSpec n = Node("n1", 4, 4);
  n.unschedulable = true;
  return n;
}
Toleration Tolerate(const std::string& key, const std::string& value) {
  Toleration t;
  t.key = key;
  t.value = value;
  return t;
}

class NodeEligibility : public AllocatorTest, public ::testing::WithParamInterface<NodeCase> {};

TEST_P(NodeEligibility, Table) {
  const auto& c = GetParam();
  a.UpsertNode(c.node);
  PodSpec task = Task("ns/t", "ns/f", 1, 1);
  task.constraints.tolerations = c.tolerations;
  a.UpsertPod(task);
  auto result = a.Allocate(0);
  EXPECT_EQ(result.placements.size(), c.placed ? 1u : 0u);
  if (!c.placed) {
    ASSERT_EQ(result.unplaced.size(), 1u);
    EXPECT_EQ(result.unplaced[0].reason.Short(), c.reason);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NodeEligibility,
    ::testing::Values(
        NodeCase{"ready", Node("n1", 4, 4), {}, true, ""},
        NodeCase{"not_ready", NotReady(), {}, false, "NoEligibleNode"},
        NodeCase{"cordoned", Cordoned(), {}, false, "NoEligibleNode"},
        NodeCase{
            "no_schedule_taint", Tainted(TaintEffect::kNoSchedule), {}, false, "NoEligibleNode"},
        NodeCase{"no_execute_taint", Tainted(TaintEffect::kNoExecute), {}, false, "NoEligibleNode"},
        NodeCase{
            "prefer_no_schedule_is_soft", Tainted(TaintEffect::kPreferNoSchedule), {}, true, ""},
        NodeCase{"tolerated",
                 Tainted(TaintEffect::kNoSchedule),
                 {Tolerate("dedicated", "gpu")},
                 true,
                 ""},
        NodeCase{"wrong_value",
                 Tainted(TaintEffect::kNoSchedule),
                 {Tolerate("dedicated", "cpu")},
                 false,
                 "NoEligibleNode"},
        NodeCase{"too_small", Node("n1", 0.5, 4), {}, false, "Insufficient cpu"},
        NodeCase{"no_pod_slots", Node("n1", 4, 4, {}, 0), {}, false, "Insufficient pods"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(AllocatorTest, NodeSelectorAndAffinity) {
  a.UpsertNode(Node("a1", 4, 4, {{"zone", "a"}, {"rank", "3"}}));
  a.UpsertNode(Node("b1", 4, 4, {{"zone", "b"}, {"rank", "7"}}));
  PodSpec by_selector = Task("ns/sel", "ns/f", 1, 1, 1);
  by_selector.constraints.node_selector = {{"zone", "b"}};
  PodSpec by_affinity = Task("ns/aff", "ns/f", 1, 1, 2);
  by_affinity.constraints.affinity.push_back(
      {{{"rank", NodeSelectorRequirement::Op::kLt, {"5"}, false}}});
  PodSpec impossible = Task("ns/none", "ns/f", 1, 1, 3);
  impossible.constraints.node_selector = {{"zone", "c"}};
  a.UpsertPod(by_selector);
  a.UpsertPod(by_affinity);
  a.UpsertPod(impossible);
  auto result = a.Allocate(0);
  std::map<std::string, std::string> where;
  for (const auto& p : result.placements) where[p.pod] = p.node;
  EXPECT_EQ(where["ns/sel"], "b1");
  EXPECT_EQ(where["ns/aff"], "a1");
  const Unplaced* u = FindUnplaced(result, "ns/none");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->reason.code, ReasonCode::kNoEligibleNode);
  EXPECT_NE(u->reason.message.find("2 not matching"), std::string::npos) << u->reason.message;
}

TEST_F(AllocatorTest, ReservedNodesServeOnlyTheirSubtree) {
  GroupSpec gpu = Group("gpu");
  gpu.node_selector = {{"pool", "gpu"}};
  a.UpsertGroup(gpu);
  a.UpsertGroup(Group("gpu-train", 1, "gpu"));
  a.UpsertFramework(Framework("ns/train", "gpu-train"));
  a.UpsertNode(Node("gpu1", 4, 4, {{"pool", "gpu"}}));
  a.UpsertNode(Node("cpu1", 2, 2));
  AddTasks(a, "ns/f", 4, 1, 1);      // group g: only cpu1 (2 slots)
  AddTasks(a, "ns/train", 6, 1, 1);  // the reservation's subtree: gpu1 and cpu1
  auto result = a.Allocate(0);
  int f_on_gpu = 0, placed_f = 0, placed_train = 0;
  for (const auto& p : result.placements) {
    if (p.framework == "ns/f") {
      ++placed_f;
      f_on_gpu += p.node == "gpu1";
    } else {
      ++placed_train;
    }
  }
  EXPECT_EQ(f_on_gpu, 0);
  EXPECT_EQ(placed_f + placed_train, 6);
  EXPECT_GE(placed_train, 4);
}

// Issue #13: nested reserving groups. A node matching both selectors is reserved for the
// deeper group (the rule the registry's agent records share, scheduler/group_tree.h): the
// parent's frameworks may not use it, the child's may; a node matching only the parent's
// selector serves the parent's whole subtree.
TEST_F(AllocatorTest, NestedReservationsGoToTheDeepestGroup) {
  GroupSpec gpu = Group("a-gpu");
  gpu.node_selector = {{"pool", "gpu"}};
  GroupSpec train = Group("b-train", 1, "a-gpu");
  train.node_selector = {{"pool", "gpu"}, {"tier", "train"}};
  a.UpsertGroup(gpu);
  a.UpsertGroup(train);
  a.UpsertFramework(Framework("ns/infer", "a-gpu"));
  a.UpsertFramework(Framework("ns/train", "b-train"));
  a.UpsertNode(Node("both", 2, 2, {{"pool", "gpu"}, {"tier", "train"}}));
  a.UpsertNode(Node("gpu-only", 2, 2, {{"pool", "gpu"}}));
  AddTasks(a, "ns/infer", 4, 1, 1);
  auto result = a.Allocate(0);
  EXPECT_EQ(PlacedPerNode(result), (std::map<std::string, int>{{"gpu-only", 2}}));
  const Unplaced* u = FindUnplaced(result, "ns/infer-2");
  ASSERT_NE(u, nullptr);
  EXPECT_NE(u->reason.message.find("1 not eligible"), std::string::npos) << u->reason.message;
  AddTasks(a, "ns/train", 3, 1, 1);
  a.RemovePod("ns/infer-0");  // the child's subtree may use the parent's node too
  result = a.Allocate(1);
  EXPECT_EQ(PlacedPerFramework(result), (std::map<std::string, int>{{"ns/train", 3}}));
  EXPECT_EQ(PlacedPerNode(result), (std::map<std::string, int>{{"both", 2}, {"gpu-only", 1}}));
}

TEST_F(AllocatorTest, PodsOfOtherSchedulersUseCapacity) {
  a.UpsertNode(Node("n1", 4, 4));
  a.UpsertPod(BoundPod("kube-system/dns", "n1", 3, 1));  // no framework: kube-scheduler's
  AddTasks(a, "ns/f", 3, 1, 1);
  EXPECT_EQ(a.Allocate(0).placements.size(), 1u);
  EXPECT_EQ(a.TotalAllocated()[kCpu], 4000);
  // The foreign pod goes away: its capacity is reused in the next cycle.
  a.RemovePod("kube-system/dns");
  EXPECT_EQ(a.Allocate(1).placements.size(), 2u);
}

// Issue #12: foreign pods at the per-object maximum (what a pod whose request does not fit
// converts to) fill their node however many there are; before, two of them wrapped the node's
// used negative and it took more. Their removal gives every millicore back exactly.
TEST_F(AllocatorTest, PodsAtTheMaximumFillTheirNodeExactly) {
  a.UpsertNode(Node("n1", 4, 4));
  a.UpsertNode(Node("n2", 4, 4));
  PodSpec huge = BoundPod("other/huge-0", "n1", 0, 0);
  huge.request.amount.fill(kMaxAmount);
  for (int i = 0; i < 4; ++i) {
    huge.key = "other/huge-" + std::to_string(i);
    a.UpsertPod(huge);
  }
  AddTasks(a, "ns/f", 5, 1, 1);
  auto result = a.Allocate(0);
  EXPECT_EQ(PlacedPerNode(result), (std::map<std::string, int>{{"n2", 4}}));
  EXPECT_EQ(a.TotalAllocated()[kCpu], INT64_MAX);  // 4 * 2^62 + 4000, saturated in the view
  for (int i = 0; i < 4; ++i) a.RemovePod("other/huge-" + std::to_string(i));
  EXPECT_EQ(a.TotalAllocated()[kCpu], 4000);
  EXPECT_EQ(PlacedPerNode(a.Allocate(1)), (std::map<std::string, int>{{"n1", 1}}));
}

TEST_F(AllocatorTest, PodBoundToANodeNotYetSeenCountsWhenItAppears) {
  a.UpsertPod(BoundPod("ns/early", "n1", 3, 1));
  a.UpsertNode(Node("n1", 4, 4));
  AddTasks(a, "ns/f", 3, 1, 1);
  EXPECT_EQ(a.Allocate(0).placements.size(), 1u);
}

TEST(AllocatorPolicy, BinpackFillsNodesInTurnSpreadBalances) {
  for (Policy policy : {Policy::kBinpack, Policy::kSpread}) {
    AllocatorOptions options;
    options.policy = policy;
    Allocator a(options);
    a.UpsertGroup(Group("g"));
    a.UpsertFramework(Framework("ns/f", "g"));
    for (int n = 0; n < 4; ++n) a.UpsertNode(Node(Indexed("n", n), 8, 8));
    AddTasks(a, "ns/f", 8, 1, 1);
    auto per_node = PlacedPerNode(a.Allocate(0));
    if (policy == Policy::kBinpack) {
      EXPECT_EQ(per_node.size(), 1u);
      EXPECT_EQ(per_node["n0"], 8);
    } else {
      EXPECT_EQ(per_node.size(), 4u);
      for (const auto& [node, count] : per_node) EXPECT_EQ(count, 2) << node;
    }
  }
}

TEST(AllocatorPolicy, BinpackPrefersTheMostAllocatedNode) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(Framework("ns/f", "g"));
  a.UpsertNode(Node("empty", 8, 8));
  a.UpsertNode(Node("busy", 8, 8));
  a.UpsertPod(BoundPod("other/x", "busy", 4, 4));
  AddTasks(a, "ns/f", 2, 1, 1);
  auto per_node = PlacedPerNode(a.Allocate(0));
  EXPECT_EQ(per_node["busy"], 2);
}

TEST_F(AllocatorTest, ReasonsForPolicyBlocks) {
  a.UpsertNode(Node("n1", 4, 4));
  a.UpsertFramework(Framework("ns/orphaned", "missing"));
  FrameworkSpec paused = Framework("ns/paused", "g");
  paused.suspended = true;
  a.UpsertFramework(paused);
  a.UpsertPod(Task("ns/a", "ns/orphaned", 1, 1));
  a.UpsertPod(Task("ns/b", "ns/paused", 1, 1));
  a.UpsertPod(Task("ns/c", "ns/nobody", 1, 1));
  auto result = a.Allocate(0);
  EXPECT_TRUE(result.placements.empty());
  ASSERT_NE(FindUnplaced(result, "ns/a"), nullptr);
  EXPECT_EQ(FindUnplaced(result, "ns/a")->reason.Short(), "UnknownGroup missing");
  EXPECT_EQ(FindUnplaced(result, "ns/b")->reason.Short(), "Suspended");
  EXPECT_EQ(FindUnplaced(result, "ns/c")->reason.Short(), "UnknownFramework ns/nobody");
  // Reported once; a cycle with no change reports nothing new.
  EXPECT_TRUE(a.Allocate(1).unplaced.empty());
  EXPECT_EQ(a.PendingReason("ns/b")->code, ReasonCode::kSuspended);

  // Fixing each cause lets the tasks run.
  a.UpsertGroup(Group("missing"));
  paused.suspended = false;
  a.UpsertFramework(paused);
  a.UpsertFramework(Framework("ns/nobody", "g"));
  EXPECT_EQ(a.Allocate(2).placements.size(), 3u);
}

TEST_F(AllocatorTest, GroupLoopsAreInvalidAndReported) {
  a.UpsertGroup(Group("x", 1, "y"));
  a.UpsertGroup(Group("y", 1, "x"));
  a.UpsertGroup(Group("child", 1, "x"));
  a.UpsertFramework(Framework("ns/inloop", "child"));
  a.UpsertNode(Node("n1", 4, 4));
  a.UpsertPod(Task("ns/t", "ns/inloop", 1, 1));
  AddTasks(a, "ns/f", 1, 1, 1);
  auto result = a.Allocate(0);
  EXPECT_EQ(result.placements.size(), 1u);  // the valid framework still runs
  EXPECT_EQ(FindUnplaced(result, "ns/t")->reason.code, ReasonCode::kUnknownGroup);
  for (const auto& g : a.Groups()) {
    if (g.name == "x" || g.name == "y") {
      EXPECT_FALSE(g.valid);
      EXPECT_NE(g.invalid_message.find("loop"), std::string::npos) << g.invalid_message;
    }
    if (g.name == "child") {
      EXPECT_FALSE(g.valid);
    }
  }
}

TEST_F(AllocatorTest, BindFailureFiltersTheNodeForRefuseSeconds) {
  a.UpsertNode(Node("n1", 4, 4));
  a.UpsertNode(Node("n2", 1, 1));
  a.UpsertPod(Task("ns/t", "ns/f", 2, 1));
  auto first = a.Allocate(0);
  ASSERT_EQ(first.placements.size(), 1u);
  EXPECT_EQ(first.placements[0].node, "n1");
  a.BindFailed("ns/t", 10);
  auto second = a.Allocate(11);  // n1 is filtered for 5 s, n2 is too small
  EXPECT_TRUE(second.placements.empty());
  EXPECT_EQ(a.PendingReason("ns/t")->code, ReasonCode::kInsufficient);
  auto third = a.Allocate(15.5);
  ASSERT_EQ(third.placements.size(), 1u);
  EXPECT_EQ(third.placements[0].node, "n1");
  EXPECT_EQ(a.Frameworks()[0].offers_declined, 1);
}

TEST_F(AllocatorTest, AssumedPlacementSurvivesStalePendingUpdate) {
  a.UpsertNode(Node("n1", 1, 1));
  a.UpsertPod(Task("ns/t", "ns/f", 1, 1));
  ASSERT_EQ(a.Allocate(0).placements.size(), 1u);
  a.UpsertPod(Task("ns/t", "ns/f", 1, 1));  // the watch has not seen the binding yet
  a.UpsertPod(Task("ns/u", "ns/f", 1, 1));
  auto result = a.Allocate(1);
  EXPECT_TRUE(result.placements.empty());             // n1 is still full
  a.UpsertPod(BoundPod("ns/t", "n1", 1, 1, "ns/f"));  // bind observed
  EXPECT_EQ(a.Frameworks()[0].running, 1);
  EXPECT_EQ(a.TotalAllocated()[kCpu], 1000);
}

TEST_F(AllocatorTest, NewNodeAndRemovedNode) {
  a.UpsertNode(Node("n1", 2, 2));
  AddTasks(a, "ns/f", 4, 1, 1);
  EXPECT_EQ(a.Allocate(0).placements.size(), 2u);
  a.UpsertNode(Node("n2", 2, 2));
  auto result = a.Allocate(1);
  EXPECT_EQ(result.placements.size(), 2u);
  for (const auto& p : result.placements) EXPECT_EQ(p.node, "n2");
  a.RemoveNode("n2");
  EXPECT_EQ(a.node_count(), 1u);
  EXPECT_EQ(a.TotalCapacity()[kCpu], 2000);
  a.UpsertPod(Task("ns/late", "ns/f", 1, 1, 100));
  EXPECT_TRUE(a.Allocate(2).placements.empty());  // no new pod goes to the removed node
}

TEST_F(AllocatorTest, NotReadyNodeGetsNoMoreTasks) {
  a.UpsertNode(Node("n1", 4, 4));
  AddTasks(a, "ns/f", 2, 1, 1);
  EXPECT_EQ(a.Allocate(0).placements.size(), 2u);
  NodeSpec sick = Node("n1", 4, 4);
  sick.ready = false;
  a.UpsertNode(sick);
  a.UpsertPod(Task("ns/more", "ns/f", 1, 1, 10));
  auto result = a.Allocate(1);
  EXPECT_TRUE(result.placements.empty());
  EXPECT_EQ(FindUnplaced(result, "ns/more")->reason.code, ReasonCode::kNoEligibleNode);
}

TEST_F(AllocatorTest, ExtendedResources) {
  ResourceId gpu = *a.catalog().Intern("nvidia.com/gpu");
  NodeSpec node = Node("g1", 16, 64);
  node.allocatable[gpu] = 2;
  a.UpsertNode(node);
  for (int i = 0; i < 3; ++i) {
    PodSpec t = Task("ns/gpu-" + std::to_string(i), "ns/f", 1, 1, i);
    t.request[gpu] = 1;
    a.UpsertPod(t);
  }
  auto result = a.Allocate(0);
  EXPECT_EQ(result.placements.size(), 2u);
  EXPECT_EQ(FindUnplaced(result, "ns/gpu-2")->reason.Short(), "Insufficient nvidia.com/gpu");
}

TEST_F(AllocatorTest, TasksOfAFrameworkRunInQueueOrderAndSmallOnesPassBigOnes) {
  a.UpsertNode(Node("n1", 3, 3));
  a.UpsertPod(Task("ns/big", "ns/f", 4, 1, 1));
  a.UpsertPod(Task("ns/second", "ns/f", 1, 1, 3));
  a.UpsertPod(Task("ns/first", "ns/f", 1, 1, 2));
  auto result = a.Allocate(0);
  ASSERT_EQ(result.placements.size(), 2u);
  EXPECT_EQ(result.placements[0].pod, "ns/first");
  EXPECT_EQ(result.placements[1].pod, "ns/second");
}

}  // namespace
}  // namespace kubemesos
