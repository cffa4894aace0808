// TaintToleration: NoSchedule and NoExecute taints must be tolerated; labels are not its concern.
#include "scheduler/placement/taint_toleration.h"

#include <gtest/gtest.h>

#include "tests/unit/scheduler/placement/plugin_cases.h"

namespace kubemesos::placement::testing {
namespace {

Toleration Tolerate(std::string key, std::string value, bool exists = false) {
  Toleration t;
  t.key = std::move(key);
  t.value = std::move(value);
  t.exists = exists;
  return t;
}

TEST(TaintToleration, Table) {
  struct Case {
    const char* name;
    std::vector<Taint> taints;
    std::vector<Toleration> tolerations;
    Code want;
  };
  const Taint no_schedule{"dedicated", "gpu", TaintEffect::kNoSchedule};
  const Taint no_execute{"dedicated", "gpu", TaintEffect::kNoExecute};
  const Taint prefer{"dedicated", "gpu", TaintEffect::kPreferNoSchedule};
  const Case cases[] = {
      {"untainted", {}, {}, Code::kSuccess},
      {"no_schedule", {no_schedule}, {}, Code::kUnschedulableAndUnresolvable},
      {"no_execute", {no_execute}, {}, Code::kUnschedulableAndUnresolvable},
      {"prefer_no_schedule_is_soft", {prefer}, {}, Code::kSuccess},
      {"tolerated", {no_schedule}, {Tolerate("dedicated", "gpu")}, Code::kSuccess},
      {"wrong_value",
       {no_schedule},
       {Tolerate("dedicated", "cpu")},
       Code::kUnschedulableAndUnresolvable},
      {"exists_any_value", {no_execute}, {Tolerate("dedicated", "", true)}, Code::kSuccess},
      {"empty_key_exists_tolerates_all",
       {no_schedule, no_execute},
       {Tolerate("", "", true)},
       Code::kSuccess},
      {"one_of_two_untolerated",
       {no_schedule, {"other", "x", TaintEffect::kNoSchedule}},
       {Tolerate("dedicated", "gpu")},
       Code::kUnschedulableAndUnresolvable},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TestClass cls;
    cls.constraints.tolerations = c.tolerations;
    cls.constraints.node_selector = {{"absent", "label"}};  // not this plugin's
    TestNode node;
    node.spec.taints = c.taints;
    Status status = RunPlugin<TaintToleration>(cls, node);
    EXPECT_STREQ(CodeName(status.code), CodeName(c.want));
    if (!status.ok()) {
      EXPECT_EQ(status.reason, "not matching node selector, affinity or taints");
    }
  }
}

}  // namespace
}  // namespace kubemesos::placement::testing
