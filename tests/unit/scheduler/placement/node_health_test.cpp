// NodeHealth: Ready and not cordoned, or unresolvable with its counted reason.
#include "scheduler/placement/node_health.h"

#include <gtest/gtest.h>

#include "tests/unit/scheduler/placement/plugin_cases.h"

namespace kubemesos::placement::testing {
namespace {

TEST(NodeHealth, Table) {
  struct Case {
    const char* name;
    bool ready;
    bool unschedulable;
    Code want;
  };
  const Case cases[] = {
      {"ready", true, false, Code::kSuccess},
      {"not_ready", false, false, Code::kUnschedulableAndUnresolvable},
      {"cordoned", true, true, Code::kUnschedulableAndUnresolvable},
      {"not_ready_and_cordoned", false, true, Code::kUnschedulableAndUnresolvable},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TestNode node;
    node.spec.ready = c.ready;
    node.spec.unschedulable = c.unschedulable;
    Status status = RunPlugin<NodeHealth>(TestClass{}, node);
    EXPECT_STREQ(CodeName(status.code), CodeName(c.want));
    EXPECT_EQ(NodeHealth::Healthy(node.spec), c.want == Code::kSuccess);
    if (!status.ok()) {
      EXPECT_EQ(status.reason, "not ready or unschedulable");
    }
  }
}

TEST(NodeHealth, IsNodeScoped) {
  // Cached in the eligibility bitmap: must not depend on the request or the time.
  static_assert(NodeHealth::kScope == Scope::kNode);
  TestNode node;
  node.spec.ready = false;
  TestClass small, huge;
  huge.request = Res(1000, 1000, 1);
  huge.now = 1e9;
  EXPECT_EQ(RunPlugin<NodeHealth>(small, node).code, RunPlugin<NodeHealth>(huge, node).code);
}

}  // namespace
}  // namespace kubemesos::placement::testing
