// The pending Reason and its message, byte for byte, for every kind of node check: pins the
// text that the placement plugins (scheduler/placement/) produce when they explain a pending
// task, so that moving a check cannot change what users read.
#include <gtest/gtest.h>

#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos::testing {
namespace {

NodeSpec With(NodeSpec node, bool ready, bool cordoned, std::vector<Taint> taints = {}) {
  node.ready = ready;
  node.unschedulable = cordoned;
  node.taints = std::move(taints);
  return node;
}

// One node failing each check in turn, for a framework in group "g" whose task wants zone=a.
void AddEveryKindOfNode(Allocator& a) {
  GroupSpec gpu = Group("gpu");
  gpu.node_selector = {{"pool", "gpu"}};
  a.UpsertGroup(gpu);
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(Framework("ns/f", "g"));
  a.UpsertNode(With(Node("down", 4, 4, {{"zone", "a"}}), false, false));
  a.UpsertNode(With(Node("cordoned", 4, 4, {{"zone", "a"}}), true, true));
  a.UpsertNode(Node("reserved", 4, 4, {{"zone", "a"}, {"pool", "gpu"}}));
  a.UpsertNode(Node("other-zone", 4, 4, {{"zone", "b"}}));
  a.UpsertNode(With(Node("tainted", 4, 4, {{"zone", "a"}}), true, false,
                    {{"dedicated", "x", TaintEffect::kNoExecute}}));
}

PodSpec ZoneA(const std::string& key, double cpu, double mem, uint64_t order) {
  PodSpec p = Task(key, "ns/f", cpu, mem, order);
  p.constraints.node_selector = {{"zone", "a"}};
  return p;
}

TEST(PendingMessage, NoNodes) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(Framework("ns/f", "g"));
  a.UpsertPod(Task("ns/t", "ns/f", 1, 1));
  auto result = a.Allocate(0);
  const Unplaced* u = FindUnplaced(result, "ns/t");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->reason.code, ReasonCode::kNoEligibleNode);
  EXPECT_EQ(u->reason.subject, "");
  EXPECT_EQ(u->reason.message, "0/0 nodes are available: the cluster has no nodes.");
}

TEST(PendingMessage, EveryNodeCheckFails) {
  Allocator a;
  AddEveryKindOfNode(a);
  // A node that fits, declined by the framework: filtered for refuse_seconds.
  a.UpsertNode(Node("declined", 4, 4, {{"zone", "a"}}));
  a.UpsertPod(ZoneA("ns/first", 1, 1, 0));
  auto first = a.Allocate(0);
  ASSERT_EQ(first.placements.size(), 1u);
  EXPECT_EQ(first.placements[0].node, "declined");
  a.BindFailed("ns/first", 0);
  auto result = a.Allocate(1);
  const Unplaced* u = FindUnplaced(result, "ns/first");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->reason.code, ReasonCode::kNoEligibleNode);
  EXPECT_FALSE(u->reason.BlockedByPolicy());
  EXPECT_EQ(u->reason.message,
            "0/6 nodes are available: 2 not ready or unschedulable, 1 reserved for other groups, "
            "2 not matching node selector, affinity or taints, 1 declined by the framework "
            "recently.");
}

TEST(PendingMessage, InsufficientOnEligibleNodes) {
  Allocator a;
  AddEveryKindOfNode(a);
  a.UpsertNode(Node("small", 2, 8, {{"zone", "a"}}));
  a.UpsertNode(Node("tiny", 1, 1, {{"zone", "a"}}));
  a.UpsertPod(ZoneA("ns/big", 3, 2, 0));
  auto result = a.Allocate(0);
  const Unplaced* u = FindUnplaced(result, "ns/big");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->reason.code, ReasonCode::kInsufficient);
  EXPECT_EQ(u->reason.subject, "cpu");
  EXPECT_EQ(u->reason.message,
            "0/7 nodes are available: 2 Insufficient cpu, 1 Insufficient memory, 5 not eligible, "
            "the request exceeds the allocatable of every eligible node.");
}

TEST(PendingMessage, InsufficientBecauseOfUse) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(Framework("ns/f", "g"));
  a.UpsertNode(Node("n1", 2, 2));
  a.UpsertNode(Node("n2", 2, 2));
  a.UpsertPod(BoundPod("ns/other-1", "n1", 2, 1));
  a.UpsertPod(BoundPod("ns/other-2", "n2", 1, 2));
  a.UpsertPod(Task("ns/t", "ns/f", 1, 1));
  auto result = a.Allocate(0);
  const Unplaced* u = FindUnplaced(result, "ns/t");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->reason.code, ReasonCode::kInsufficient);
  EXPECT_EQ(u->reason.subject, "cpu");
  EXPECT_EQ(u->reason.message,
            "0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.");
}

}  // namespace
}  // namespace kubemesos::testing
