// Fairness: weighted, hierarchical DRF with progressive filling at task granularity.
#include <gtest/gtest.h>

#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos {
namespace {

using namespace kubemesos::testing;

// The example of the DRF paper (Ghodsi et al., NSDI'11, section 4): 9 CPUs and 18 GB; user A
// runs tasks of <1 CPU, 4 GB>, user B <3 CPUs, 1 GB>. DRF gives A three tasks and B two, both
// with a dominant share of 2/3.
TEST(Drf, PaperExample) {
  Allocator a;
  a.UpsertNode(Node("n1", 9, 18));
  a.UpsertGroup(Group("ga"));
  a.UpsertGroup(Group("gb"));
  a.UpsertFramework(Framework("default/a", "ga"));
  a.UpsertFramework(Framework("default/b", "gb"));
  AddTasks(a, "default/a", 10, 1, 4);
  AddTasks(a, "default/b", 10, 3, 1);
  auto result = a.Allocate(0);
  auto placed = PlacedPerFramework(result);
  EXPECT_EQ(placed["default/a"], 3);
  EXPECT_EQ(placed["default/b"], 2);
  for (const auto& fw : a.Frameworks()) EXPECT_NEAR(fw.dominant_share, 2.0 / 3.0, 1e-9) << fw.key;
  // Every task left is explained by the resource that ran out.
  EXPECT_EQ(result.unplaced.size(), 15u);
}

struct WeightCase {
  const char* name;
  double weight_a, weight_b;
  int slots;
  int want_a, want_b;
};

class DrfWeights : public ::testing::TestWithParam<WeightCase> {};

TEST_P(DrfWeights, SharesFollowWeights) {
  const auto& c = GetParam();
  Allocator a;
  a.UpsertNode(Node("n1", c.slots, c.slots));
  a.UpsertGroup(Group("ga", c.weight_a));
  a.UpsertGroup(Group("gb", c.weight_b));
  a.UpsertFramework(Framework("default/a", "ga"));
  a.UpsertFramework(Framework("default/b", "gb"));
  AddTasks(a, "default/a", 100, 1, 1);
  AddTasks(a, "default/b", 100, 1, 1);
  auto placed = PlacedPerFramework(a.Allocate(0));
  EXPECT_EQ(placed["default/a"], c.want_a);
  EXPECT_EQ(placed["default/b"], c.want_b);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DrfWeights,
    ::testing::Values(WeightCase{"equal", 1, 1, 10, 5, 5}, WeightCase{"two_to_one", 2, 1, 9, 6, 3},
                      WeightCase{"three_to_one", 3, 1, 8, 6, 2},
                      WeightCase{"fractional", 0.5, 1, 9, 3, 6},
                      // Equal weighted shares tie; the tie goes to the group named first.
                      WeightCase{"odd_tie", 1, 1, 7, 4, 3}),
    [](const auto& info) { return std::string(info.param.name); });

// Hierarchy: eng (analytics, ml) and ops, equal weights. Eng's subtree gets half, split between
// its children; a flat DRF over three frameworks would give each a third.
TEST(Drf, HierarchicalGroupsShareAtEachLevel) {
  Allocator a;
  a.UpsertNode(Node("n1", 12, 12));
  a.UpsertGroup(Group("eng"));
  a.UpsertGroup(Group("analytics", 1, "eng"));
  a.UpsertGroup(Group("ml", 1, "eng"));
  a.UpsertGroup(Group("ops"));
  a.UpsertFramework(Framework("t/analytics", "analytics"));
  a.UpsertFramework(Framework("t/ml", "ml"));
  a.UpsertFramework(Framework("t/ops", "ops"));
  for (const char* fw : {"t/analytics", "t/ml", "t/ops"}) AddTasks(a, fw, 50, 1, 1);
  auto placed = PlacedPerFramework(a.Allocate(0));
  EXPECT_EQ(placed["t/analytics"], 3);
  EXPECT_EQ(placed["t/ml"], 3);
  EXPECT_EQ(placed["t/ops"], 6);
  for (const auto& g : a.Groups()) {
    if (g.name == "eng" || g.name == "ops") {
      EXPECT_NEAR(g.dominant_share, 0.5, 1e-9) << g.name;
    }
  }
}

TEST(Drf, FrameworksInsideAGroupShareEqually) {
  Allocator a;
  a.UpsertNode(Node("n1", 10, 10));
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(Framework("ns/x", "g"));
  a.UpsertFramework(Framework("ns/y", "g"));
  AddTasks(a, "ns/x", 20, 1, 1);
  AddTasks(a, "ns/y", 20, 1, 1);
  auto placed = PlacedPerFramework(a.Allocate(0));
  EXPECT_EQ(placed["ns/x"], 5);
  EXPECT_EQ(placed["ns/y"], 5);
}

// A framework whose next task fits nowhere is skipped; it never blocks the others.
TEST(Drf, UnplaceableFrameworkDoesNotBlockOthers) {
  Allocator a;
  a.UpsertNode(Node("n1", 4, 4));
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(Framework("ns/big", "g"));
  a.UpsertFramework(Framework("ns/small", "g"));
  AddTasks(a, "ns/big", 3, 8, 1);
  AddTasks(a, "ns/small", 10, 1, 1);
  auto result = a.Allocate(0);
  EXPECT_EQ(PlacedPerFramework(result)["ns/small"], 4);
  EXPECT_EQ(PlacedPerFramework(result)["ns/big"], 0);
  const Unplaced* u = FindUnplaced(result, "ns/big-0");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->reason.Short(), "Insufficient cpu");
  EXPECT_NE(u->reason.message.find("exceeds the allocatable"), std::string::npos)
      << u->reason.message;
}

// Shares count what a group already runs, including pods bound before this cycle.
TEST(Drf, ExistingAllocationCounts) {
  Allocator a;
  a.UpsertNode(Node("n1", 10, 10));
  a.UpsertGroup(Group("ga"));
  a.UpsertGroup(Group("gb"));
  a.UpsertFramework(Framework("ns/a", "ga"));
  a.UpsertFramework(Framework("ns/b", "gb"));
  for (int i = 0; i < 4; ++i)
    a.UpsertPod(BoundPod("ns/old-" + std::to_string(i), "n1", 1, 1, "ns/a"));
  AddTasks(a, "ns/a", 10, 1, 1);
  AddTasks(a, "ns/b", 10, 1, 1);
  auto placed = PlacedPerFramework(a.Allocate(0));
  EXPECT_EQ(placed["ns/a"], 1);  // 4 + 1 = 5
  EXPECT_EQ(placed["ns/b"], 5);
}

TEST(Drf, SameInputSameOutput) {
  auto run = [] {
    Allocator a;
    for (int n = 0; n < 5; ++n) a.UpsertNode(Node(Indexed("n", n), 4, 8));
    a.UpsertGroup(Group("g1"));
    a.UpsertGroup(Group("g2", 2));
    a.UpsertFramework(Framework("ns/a", "g1"));
    a.UpsertFramework(Framework("ns/b", "g2"));
    a.UpsertFramework(Framework("ns/c", "g2"));
    AddTasks(a, "ns/a", 20, 0.5, 1);
    AddTasks(a, "ns/b", 20, 1, 0.5);
    AddTasks(a, "ns/c", 20, 0.25, 2);
    auto result = a.Allocate(0);
    std::vector<std::string> out;
    for (const auto& p : result.placements) out.push_back(p.pod + "@" + p.node);
    return out;
  };
  auto first = run();
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, run());
}

}  // namespace
}  // namespace kubemesos
