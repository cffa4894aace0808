// NodePreference: preferred node affinity as a score, the sum of the weights of the matching
// preferred terms (cases after kube-scheduler's nodeaffinity TestNodeAffinityPriority).
#include "scheduler/placement/node_preference.h"

#include <gtest/gtest.h>

#include "tests/unit/scheduler/placement/plugin_cases.h"

namespace kubemesos::placement::testing {
namespace {

using Op = NodeSelectorRequirement::Op;

PreferredNodeTerm Prefer(int weight, std::vector<NodeSelectorRequirement> requirements) {
  return PreferredNodeTerm{weight, NodeSelectorTerm{std::move(requirements)}};
}

TEST(NodePreference, Table) {
  const std::vector<PreferredNodeTerm> preferences = {
      Prefer(2, {{"foo", Op::kIn, {"bar"}}}),
      Prefer(4, {{"key", Op::kIn, {"value"}}}),
      Prefer(5, {{"foo", Op::kIn, {"bar"}}, {"key", Op::kIn, {"value"}}, {"az", Op::kIn, {"az1"}}}),
  };
  struct Case {
    const char* name;
    Labels labels;
    double want;
  };
  const Case cases[] = {
      {"no label matches", {{"a", "b"}}, 0},
      {"first term", {{"foo", "bar"}}, 2},
      {"second term", {{"key", "value"}}, 4},
      {"first two terms", {{"foo", "bar"}, {"key", "value"}}, 6},
      {"all three terms", {{"foo", "bar"}, {"key", "value"}, {"az", "az1"}}, 11},
  };
  TestClass cls;
  cls.constraints.preferred_affinity = preferences;
  const ClassInfo info = cls.Info();
  const auto state = NodePreference::PreFilter(info);
  ASSERT_TRUE(NodePreference::Scores(state));
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TestNode node;
    node.spec.labels = c.labels;
    EXPECT_EQ(NodePreference::ScoreNode(state, node.Info()), c.want);
    EXPECT_TRUE(NodePreference::Filter(state, node.Info()).ok());  // never filters
  }
}

TEST(NodePreference, EmptyTermMatchesEveryNode) {
  TestClass cls;
  cls.constraints.preferred_affinity = {Prefer(7, {})};
  const ClassInfo info = cls.Info();
  const auto state = NodePreference::PreFilter(info);
  TestNode node;
  EXPECT_EQ(NodePreference::ScoreNode(state, node.Info()), 7);
}

TEST(NodePreference, NothingToScoreWithoutPreferences) {
  TestClass cls;
  const ClassInfo info = cls.Info();
  EXPECT_FALSE(NodePreference::Scores(NodePreference::PreFilter(info)));
  EXPECT_FALSE(cls.constraints.NeedsFullScan());  // plain pods keep the cursor
  cls.constraints.preferred_affinity = {Prefer(1, {})};
  EXPECT_TRUE(cls.constraints.NeedsFullScan());
}

}  // namespace
}  // namespace kubemesos::placement::testing
