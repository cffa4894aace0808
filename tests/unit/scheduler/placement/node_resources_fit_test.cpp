// NodeResourcesFit: the request must fit the node's free resources; what is short is reported
// per resource, and whether the node could never fit it. Its Score ranks nodes by allocation.
#include "scheduler/placement/node_resources_fit.h"

#include <gtest/gtest.h>

#include "tests/unit/scheduler/placement/plugin_cases.h"

namespace kubemesos::placement::testing {
namespace {

TEST(NodeResourcesFit, Table) {
  struct Case {
    const char* name;
    Resources request;
    Resources free;  // of a node with 4 cpu, 4 GiB, 110 pods
    Code want;
    uint32_t short_of;
    bool beyond_allocatable;
  };
  const uint32_t cpu = 1u << kCpu, mem = 1u << kMemory, pods = 1u << kPods;
  const Case cases[] = {
      {"fits", Res(1, 1, 1), Res(4, 4, 110), Code::kSuccess, 0, false},
      {"fits_exactly", Res(4, 4, 110), Res(4, 4, 110), Code::kSuccess, 0, false},
      {"cpu_in_use", Res(2, 1, 1), Res(1, 4, 100), Code::kUnschedulable, cpu, false},
      {"cpu_and_memory", Res(2, 2, 1), Res(1, 1, 100), Code::kUnschedulable, cpu | mem, false},
      {"no_pod_slot", Res(1, 1, 1), Res(4, 4, 0), Code::kUnschedulable, pods, false},
      {"over_committed", Res(1, 1, 1), Res(-1, 4, 100), Code::kUnschedulable, cpu, false},
      {"beyond_allocatable", Res(5, 1, 1), Res(4, 4, 110), Code::kUnschedulable, cpu, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TestClass cls;
    cls.request = c.request;
    TestNode node;
    node.free = c.free;
    Status status = RunPlugin<NodeResourcesFit>(cls, node);
    EXPECT_STREQ(CodeName(status.code), CodeName(c.want));
    EXPECT_EQ(status.short_of, c.short_of);
    EXPECT_EQ(status.beyond_allocatable, c.beyond_allocatable);
  }
}

TEST(NodeResourcesFit, ScoreIsTheMeanOfCpuAndMemoryInUse) {
  struct Case {
    const char* name;
    NodeSpec node;
    Resources used;
    double want;
  };
  const Case cases[] = {
      {"idle", Node("n", 4, 4), Res(0, 0), 0.0},
      {"half_cpu", Node("n", 4, 4), Res(2, 0), 0.25},
      {"full", Node("n", 4, 4), Res(4, 4), 1.0},
      {"pods_do_not_count", Node("n", 4, 4), Res(0, 0, 100), 0.0},
      {"no_memory_kind", Node("n", 4, 0), Res(1, 0), 0.25},
      {"no_cpu_or_memory", Node("n", 0, 0), Res(0, 0), 0.0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_DOUBLE_EQ(NodeResourcesFit::Score(c.node, ResourceSum(c.used)), c.want);
  }
}

}  // namespace
}  // namespace kubemesos::placement::testing
