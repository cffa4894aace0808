// Quota: guarantees served first and then held as headroom; limits never exceeded, for a group
// or any of its ancestors.
#include <gtest/gtest.h>

#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos {
namespace {

using namespace kubemesos::testing;

GroupSpec WithGuarantee(GroupSpec g, double cpu) {
  g.guarantee.Set(kCpu, static_cast<int64_t>(cpu * 1000));
  return g;
}

GroupSpec WithLimit(GroupSpec g, double cpu) {
  g.limit.Set(kCpu, static_cast<int64_t>(cpu * 1000));
  return g;
}

// Group "heavy" has a big weight, but "steady" is guaranteed 6 of the 10 cpus: the quota
// stage serves steady first, then the fair-share stage gives heavy the rest.
TEST(Quota, GuaranteeIsServedBeforeFairShare) {
  Allocator a;
  a.UpsertNode(Node("n1", 10, 100));
  a.UpsertGroup(Group("heavy", 100));
  a.UpsertGroup(WithGuarantee(Group("steady"), 6));
  a.UpsertFramework(Framework("ns/heavy", "heavy"));
  a.UpsertFramework(Framework("ns/steady", "steady"));
  AddTasks(a, "ns/heavy", 20, 1, 1);
  AddTasks(a, "ns/steady", 20, 1, 1);
  auto placed = PlacedPerFramework(a.Allocate(0));
  EXPECT_EQ(placed["ns/steady"], 6);
  EXPECT_EQ(placed["ns/heavy"], 4);
}

GroupSpec Holding(GroupSpec g) {
  g.guarantee_policy = GuaranteePolicy::kHold;
  return g;
}

// Under guaranteePolicy Hold the unmet part of a guarantee is held back as headroom, so other
// groups cannot take it even when the guaranteed group has no demand right now (Mesos' quota
// headroom).
TEST(Quota, UnmetGuaranteeIsHeldAsHeadroom) {
  Allocator a;
  a.UpsertNode(Node("n1", 10, 100));
  a.UpsertGroup(Holding(WithGuarantee(Group("reserved"), 6)));
  a.UpsertGroup(Group("other"));
  a.UpsertFramework(Framework("ns/reserved", "reserved"));
  a.UpsertFramework(Framework("ns/other", "other"));
  AddTasks(a, "ns/reserved", 2, 1, 1);
  AddTasks(a, "ns/other", 20, 1, 1);
  auto result = a.Allocate(0);
  auto placed = PlacedPerFramework(result);
  EXPECT_EQ(placed["ns/reserved"], 2);
  EXPECT_EQ(placed["ns/other"], 4);  // 10 - 2 used - 4 headroom
  const Unplaced* u = FindUnplaced(result, "ns/other-10");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->reason.Short(), "Insufficient cpu");
  EXPECT_NE(u->reason.message.find("headroom"), std::string::npos);
  EXPECT_FALSE(u->reason.BlockedByPolicy());
  for (const auto& g : a.Groups()) {
    if (g.name == "reserved") {
      EXPECT_EQ(g.lent[kCpu], 4000);  // held idle, not lent, under Hold
    }
  }

  // When the guaranteed group's demand arrives, the headroom is there for it.
  for (int i = 10; i < 14; ++i)
    a.UpsertPod(Task("ns/reserved-x" + std::to_string(i), "ns/reserved", 1, 1));
  auto second = a.Allocate(1);
  EXPECT_EQ(PlacedPerFramework(second)["ns/reserved"], 4);
  EXPECT_EQ(PlacedPerFramework(second)["ns/other"], 0);
}

TEST(Quota, LimitIsNeverExceeded) {
  Allocator a;
  a.UpsertNode(Node("n1", 10, 100));
  a.UpsertGroup(WithLimit(Group("capped"), 3));
  a.UpsertFramework(Framework("ns/capped", "capped"));
  AddTasks(a, "ns/capped", 10, 1, 1);
  auto result = a.Allocate(0);
  EXPECT_EQ(PlacedPerFramework(result)["ns/capped"], 3);
  const Unplaced* u = FindUnplaced(result, "ns/capped-5");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->reason.Short(), "QuotaLimit capped");
  EXPECT_TRUE(u->reason.BlockedByPolicy());  // the autoscaler must not buy nodes for it
}

TEST(Quota, AncestorLimitBindsChildren) {
  Allocator a;
  a.UpsertNode(Node("n1", 10, 100));
  a.UpsertGroup(WithLimit(Group("eng"), 4));
  a.UpsertGroup(Group("a", 1, "eng"));
  a.UpsertGroup(Group("b", 1, "eng"));
  a.UpsertFramework(Framework("ns/a", "a"));
  a.UpsertFramework(Framework("ns/b", "b"));
  AddTasks(a, "ns/a", 10, 1, 1);
  AddTasks(a, "ns/b", 10, 1, 1);
  auto result = a.Allocate(0);
  auto placed = PlacedPerFramework(result);
  EXPECT_EQ(placed["ns/a"] + placed["ns/b"], 4);
  EXPECT_EQ(placed["ns/a"], 2);
  const Unplaced* u = FindUnplaced(result, "ns/b-9");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->reason.Short(), "QuotaLimit eng");
}

// When a task of a capped group finishes, the next one takes its place in the next cycle.
TEST(Quota, FinishedTaskMakesRoomUnderTheLimit) {
  Allocator a;
  a.UpsertNode(Node("n1", 10, 100));
  a.UpsertGroup(WithLimit(Group("capped"), 2));
  a.UpsertFramework(Framework("ns/capped", "capped"));
  AddTasks(a, "ns/capped", 5, 1, 1);
  auto first = a.Allocate(0);
  ASSERT_EQ(first.placements.size(), 2u);
  EXPECT_TRUE(a.Allocate(1).placements.empty());  // nothing changed: nothing to do
  PodSpec done = Task(first.placements[0].pod, "ns/capped", 1, 1);
  done.node_name = first.placements[0].node;
  done.terminal = true;
  a.UpsertPod(done);
  auto second = a.Allocate(2);
  ASSERT_EQ(second.placements.size(), 1u);
  EXPECT_EQ(a.Frameworks()[0].running, 2);
}

TEST(Quota, GuaranteeWithinParentHierarchy) {
  // The child's guarantee is honoured inside its parent: it is served first.
  Allocator a;
  a.UpsertNode(Node("n1", 8, 100));
  a.UpsertGroup(Group("eng"));
  a.UpsertGroup(WithGuarantee(Group("prod", 1, "eng"), 5));
  a.UpsertGroup(Group("dev", 1, "eng"));
  a.UpsertFramework(Framework("ns/prod", "prod"));
  a.UpsertFramework(Framework("ns/dev", "dev"));
  AddTasks(a, "ns/prod", 20, 1, 1);
  AddTasks(a, "ns/dev", 20, 1, 1);
  auto placed = PlacedPerFramework(a.Allocate(0));
  EXPECT_EQ(placed["ns/prod"], 5);
  EXPECT_EQ(placed["ns/dev"], 3);
}

// Under Lend (the default) the unused guarantee goes to work: the other group takes all of it,
// and every task it placed beyond what no guarantee covers is revocable.
TEST(Quota, UnmetGuaranteeIsLentUnderLend) {
  Allocator a;
  a.UpsertNode(Node("n1", 10, 100));
  a.UpsertGroup(WithGuarantee(Group("reserved"), 6));
  a.UpsertGroup(Group("other"));
  a.UpsertFramework(Framework("ns/reserved", "reserved"));
  a.UpsertFramework(Framework("ns/other", "other"));
  AddTasks(a, "ns/reserved", 2, 1, 1);
  AddTasks(a, "ns/other", 20, 1, 1);
  auto result = a.Allocate(0);
  auto placed = PlacedPerFramework(result);
  EXPECT_EQ(placed["ns/reserved"], 2);
  EXPECT_EQ(placed["ns/other"], 8);  // nothing held back
  for (const auto& p : result.placements)
    EXPECT_EQ(p.revocable, p.framework == "ns/other") << p.pod;
  for (const auto& g : a.Groups()) {
    if (g.name == "reserved") {
      EXPECT_EQ(g.lent[kCpu], 4000);
      EXPECT_EQ(g.borrowed[kCpu], 0);
    } else {
      EXPECT_EQ(g.borrowed[kCpu], 8000);  // no guarantee: all of it is borrowed
      EXPECT_EQ(g.reclaimable[kCpu], 8000);
    }
  }
  for (const auto& f : a.Frameworks()) EXPECT_EQ(f.revocable, f.key == "ns/other" ? 8 : 0);
}

}  // namespace
}  // namespace kubemesos
