// NodeReservation: reserved nodes take only the classes whose group may use the reservation.
#include "scheduler/placement/node_reservation.h"

#include <gtest/gtest.h>

#include "tests/unit/scheduler/placement/plugin_cases.h"

namespace kubemesos::placement::testing {
namespace {

TEST(NodeReservation, Table) {
  // The class's group is 5 under 2: it may use reservations of 5 and 2 only.
  struct Case {
    const char* name;
    int reserved_for;
    Code want;
  };
  const Case cases[] = {
      {"unreserved", -1, Code::kSuccess},
      {"reserved_for_own_group", 5, Code::kSuccess},
      {"reserved_for_ancestor", 2, Code::kSuccess},
      {"reserved_for_other_group", 3, Code::kUnschedulableAndUnresolvable},
      {"reserved_for_descendant", 7, Code::kUnschedulableAndUnresolvable},
  };
  TestClass cls;
  cls.may_use = [](int group) { return group == 5 || group == 2; };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TestNode node;
    node.reserved_for = c.reserved_for;
    Status status = RunPlugin<NodeReservation>(cls, node);
    EXPECT_STREQ(CodeName(status.code), CodeName(c.want));
    if (!status.ok()) {
      EXPECT_EQ(status.reason, "reserved for other groups");
    }
  }
}

TEST(NodeReservation, ClassWithoutGroupUsesNoReservedNode) {
  TestClass cls;  // may_use answers false: the framework's group is unknown
  TestNode node;
  node.reserved_for = 1;
  EXPECT_EQ(RunPlugin<NodeReservation>(cls, node).code, Code::kUnschedulableAndUnresolvable);
  node.reserved_for = -1;
  EXPECT_TRUE(RunPlugin<NodeReservation>(cls, node).ok());
}

}  // namespace
}  // namespace kubemesos::placement::testing
