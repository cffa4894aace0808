// Pod priority inside a framework (issue #16, the ordering part; nothing is preempted): a
// framework's pending tasks go highest spec.priority first, then in creation order; between
// frameworks the DRF order decides, whatever the priorities.
#include <gtest/gtest.h>

#include <set>

#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos {
namespace {

using testing::Framework;
using testing::Group;
using testing::Node;
using testing::Task;

PodSpec Prioritized(const std::string& key, const std::string& fw, int32_t priority,
                    uint64_t order) {
  PodSpec p = Task(key, fw, 1, 1, order);
  p.priority = priority;
  return p;
}

std::set<std::string> Placed(const AllocationResult& result) {
  std::set<std::string> out;
  for (const auto& p : result.placements) out.insert(p.pod);
  return out;
}

TEST(Priority, HigherPriorityTasksOfAFrameworkGoFirst) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(Framework("ns/f", "g"));
  a.UpsertNode(Node("n0", 2, 64));  // room for two of the four
  a.UpsertPod(Prioritized("ns/old-low", "ns/f", 0, 0));
  a.UpsertPod(Prioritized("ns/old-mid", "ns/f", 10, 1));
  a.UpsertPod(Prioritized("ns/new-high", "ns/f", 100, 2));
  a.UpsertPod(Prioritized("ns/new-mid", "ns/f", 10, 3));
  // 100 first; between the two of priority 10, the older.
  EXPECT_EQ(Placed(a.Allocate(0)), (std::set<std::string>{"ns/new-high", "ns/old-mid"}));
}

TEST(Priority, ApplyAcrossClassesOfOneFramework) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(Framework("ns/f", "g"));
  a.UpsertNode(Node("n0", 3, 64));
  a.UpsertPod(Prioritized("ns/small-low", "ns/f", -1, 0));  // a class of 1 cpu
  PodSpec big = Task("ns/big-high", "ns/f", 3, 1, 1);       // another class, 3 cpu
  big.priority = 5;
  a.UpsertPod(big);
  // The 3-cpu high-priority task goes first although the 1-cpu one is older (in creation
  // order the small one would go first and the big one would no longer fit).
  EXPECT_EQ(Placed(a.Allocate(0)), (std::set<std::string>{"ns/big-high"}));
}

TEST(Priority, AChangedPriorityReordersAPendingTask) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(Framework("ns/f", "g"));
  a.UpsertPod(Prioritized("ns/a", "ns/f", 0, 0));
  a.UpsertPod(Prioritized("ns/b", "ns/f", 0, 1));
  a.UpsertPod(Prioritized("ns/b", "ns/f", 7, 1));  // not the same pod to the engine any more
  a.UpsertNode(Node("n0", 1, 64));
  EXPECT_EQ(Placed(a.Allocate(0)), (std::set<std::string>{"ns/b"}));
}

TEST(Priority, DoesNotCrossFrameworks) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(Framework("ns/a", "g"));
  a.UpsertFramework(Framework("ns/b", "g"));
  a.UpsertNode(Node("n0", 2, 64));
  PodSpec running = Task("ns/a-run", "ns/a", 1, 1);
  running.node_name = "n0";
  a.UpsertPod(running);  // ns/a has the larger share
  a.UpsertPod(Prioritized("ns/a-high", "ns/a", 1000, 1));
  a.UpsertPod(Prioritized("ns/b-low", "ns/b", 0, 2));
  // Fair share first: the priority of ns/a's task does not jump ns/b's turn.
  EXPECT_EQ(Placed(a.Allocate(0)), (std::set<std::string>{"ns/b-low"}));
}

}  // namespace
}  // namespace kubemesos
