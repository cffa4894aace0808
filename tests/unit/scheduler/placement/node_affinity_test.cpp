// NodeAffinity: spec.nodeSelector and required node affinity terms (ORed), never taints.
#include "scheduler/placement/node_affinity.h"

#include <gtest/gtest.h>

#include "tests/unit/scheduler/placement/plugin_cases.h"

namespace kubemesos::placement::testing {
namespace {

using Op = NodeSelectorRequirement::Op;

NodeSelectorTerm Term(std::string key, Op op, std::vector<std::string> values,
                      bool is_field = false) {
  return {{{std::move(key), op, std::move(values), is_field}}};
}

TEST(NodeAffinity, Table) {
  struct Case {
    const char* name;
    Labels selector;
    std::vector<NodeSelectorTerm> terms;
    Code want;
  };
  const Case cases[] = {
      {"no_constraints", {}, {}, Code::kSuccess},
      {"selector_matches", {{"zone", "a"}}, {}, Code::kSuccess},
      {"selector_wrong_value", {{"zone", "b"}}, {}, Code::kUnschedulableAndUnresolvable},
      {"selector_missing_label", {{"gpu", "1"}}, {}, Code::kUnschedulableAndUnresolvable},
      {"term_matches", {}, {Term("rank", Op::kGt, {"2"})}, Code::kSuccess},
      {"term_fails", {}, {Term("rank", Op::kLt, {"2"})}, Code::kUnschedulableAndUnresolvable},
      {"terms_are_ored",
       {},
       {Term("zone", Op::kIn, {"b"}), Term("zone", Op::kIn, {"a"})},
       Code::kSuccess},
      {"field_on_name", {}, {Term("metadata.name", Op::kIn, {"n"}, true)}, Code::kSuccess},
      {"empty_term_matches_nothing", {}, {NodeSelectorTerm{}}, Code::kUnschedulableAndUnresolvable},
      {"selector_and_term_both_needed",
       {{"zone", "b"}},
       {Term("rank", Op::kGt, {"2"})},
       Code::kUnschedulableAndUnresolvable},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TestClass cls;
    cls.constraints.node_selector = c.selector;
    cls.constraints.affinity = c.terms;
    TestNode node;
    node.spec.labels = {{"zone", "a"}, {"rank", "3"}};
    node.spec.taints = {{"dedicated", "x", TaintEffect::kNoSchedule}};  // not this plugin's
    Status status = RunPlugin<NodeAffinity>(cls, node);
    EXPECT_STREQ(CodeName(status.code), CodeName(c.want));
    if (!status.ok()) {
      EXPECT_EQ(status.reason, "not matching node selector, affinity or taints");
    }
  }
}

}  // namespace
}  // namespace kubemesos::placement::testing
