// Node-affinity and taint-toleration matching (scheduler/constraints.h), table-driven against
// Kubernetes semantics: operators with missing labels and non-integers, matchFields, ORed
// terms, empty terms, tolerations by operator, key and effect, PreferNoSchedule, nodeSelector.
#include <gtest/gtest.h>

#include "scheduler/constraints.h"

namespace kubemesos {
namespace {

using Op = NodeSelectorRequirement::Op;

const std::string kNodeName = "node-1";
const Labels kLabels = {
    {"zone", "a"}, {"cores", "16"}, {"tier", "gold"}, {"weird", "x1"}, {"neg", "-4"}};
const std::vector<Taint> kNoTaints;

NodeView View(const std::vector<Taint>& taints = kNoTaints) {
  return NodeView{kNodeName, kLabels, taints};
}

struct RequirementCase {
  const char* name;
  NodeSelectorRequirement requirement;
  bool matches;
};

class MatchesTest : public ::testing::TestWithParam<RequirementCase> {};

TEST_P(MatchesTest, Matches) {
  EXPECT_EQ(Matches(GetParam().requirement, View()), GetParam().matches);
}

NodeSelectorRequirement L(std::string key, Op op, std::vector<std::string> values = {}) {
  return {std::move(key), op, std::move(values), false};
}
NodeSelectorRequirement F(std::string key, Op op, std::vector<std::string> values = {}) {
  return {std::move(key), op, std::move(values), true};
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MatchesTest,
    ::testing::Values(
        RequirementCase{"InMatches", L("zone", Op::kIn, {"b", "a"}), true},
        RequirementCase{"InOtherValue", L("zone", Op::kIn, {"b"}), false},
        RequirementCase{"InMissingLabel", L("region", Op::kIn, {"a"}), false},
        RequirementCase{"NotInOtherValue", L("zone", Op::kNotIn, {"b"}), true},
        RequirementCase{"NotInSameValue", L("zone", Op::kNotIn, {"b", "a"}), false},
        RequirementCase{"NotInMissingLabel", L("region", Op::kNotIn, {"a"}), true},
        RequirementCase{"ExistsPresent", L("tier", Op::kExists), true},
        RequirementCase{"ExistsMissing", L("region", Op::kExists), false},
        RequirementCase{"DoesNotExistMissing", L("region", Op::kDoesNotExist), true},
        RequirementCase{"DoesNotExistPresent", L("tier", Op::kDoesNotExist), false},
        RequirementCase{"GtTrue", L("cores", Op::kGt, {"8"}), true},
        RequirementCase{"GtEqualIsFalse", L("cores", Op::kGt, {"16"}), false},
        RequirementCase{"GtNegativeValue", L("cores", Op::kGt, {"-1"}), true},
        RequirementCase{"GtNegativeLabel", L("neg", Op::kGt, {"-5"}), true},
        RequirementCase{"LtTrue", L("cores", Op::kLt, {"32"}), true},
        RequirementCase{"LtEqualIsFalse", L("cores", Op::kLt, {"16"}), false},
        RequirementCase{"GtMissingLabel", L("region", Op::kGt, {"1"}), false},
        RequirementCase{"LtMissingLabel", L("region", Op::kLt, {"1"}), false},
        RequirementCase{"GtNonIntegerLabel", L("weird", Op::kGt, {"0"}), false},
        RequirementCase{"LtNonIntegerLabel", L("zone", Op::kLt, {"100"}), false},
        RequirementCase{"GtNonIntegerValue", L("cores", Op::kGt, {"abc"}), false},
        RequirementCase{"GtFractionValue", L("cores", Op::kGt, {"1.5"}), false},
        RequirementCase{"GtTwoValues", L("cores", Op::kGt, {"1", "2"}), false},
        RequirementCase{"GtNoValues", L("cores", Op::kGt), false},
        RequirementCase{"FieldNameIn", F("metadata.name", Op::kIn, {"node-1"}), true},
        RequirementCase{"FieldNameInOther", F("metadata.name", Op::kIn, {"node-2"}), false},
        RequirementCase{"FieldNameNotIn", F("metadata.name", Op::kNotIn, {"node-1"}), false},
        RequirementCase{"FieldNameNotInOther", F("metadata.name", Op::kNotIn, {"node-2"}), true},
        RequirementCase{"FieldIsNotALabel", F("zone", Op::kIn, {"a"}), false},
        RequirementCase{"LabelIsNotAField", L("metadata.name", Op::kIn, {"node-1"}), false}),
    [](const auto& info) { return std::string(info.param.name); });

struct TolerationCase {
  const char* name;
  Toleration toleration;
  Taint taint;
  bool tolerates;
};

class ToleratesTest : public ::testing::TestWithParam<TolerationCase> {};

TEST_P(ToleratesTest, Tolerates) {
  EXPECT_EQ(GetParam().toleration.Tolerates(GetParam().taint), GetParam().tolerates);
}

Toleration Equal(std::string key, std::string value) {
  return Toleration{std::move(key), false, std::move(value), true, TaintEffect::kNoSchedule};
}
Toleration Exists(std::string key) {
  return Toleration{std::move(key), true, "", true, TaintEffect::kNoSchedule};
}
Toleration WithEffect(Toleration t, TaintEffect effect) {
  t.any_effect = false;
  t.effect = effect;
  return t;
}
const Taint kGpu{"gpu", "true", TaintEffect::kNoSchedule};
const Taint kGpuExecute{"gpu", "true", TaintEffect::kNoExecute};

INSTANTIATE_TEST_SUITE_P(
    Cases, ToleratesTest,
    ::testing::Values(
        TolerationCase{"EqualSameValue", Equal("gpu", "true"), kGpu, true},
        TolerationCase{"EqualOtherValue", Equal("gpu", "false"), kGpu, false},
        TolerationCase{"EqualOtherKey", Equal("ssd", "true"), kGpu, false},
        TolerationCase{"EqualEmptyValueVsEmptyTaintValue", Equal("k", ""),
                       Taint{"k", "", TaintEffect::kNoSchedule}, true},
        TolerationCase{"ExistsAnyValue", Exists("gpu"), kGpu, true},
        TolerationCase{"ExistsOtherKey", Exists("ssd"), kGpu, false},
        TolerationCase{"EmptyKeyExistsToleratesAll", Exists(""), kGpuExecute, true},
        TolerationCase{"EmptyKeyEqualToleratesNothing", Equal("", "true"), kGpu, false},
        TolerationCase{"EffectMatches", WithEffect(Exists("gpu"), TaintEffect::kNoSchedule), kGpu,
                       true},
        TolerationCase{"EffectDiffers", WithEffect(Exists("gpu"), TaintEffect::kNoSchedule),
                       kGpuExecute, false},
        TolerationCase{"EmptyEffectMatchesAll", Equal("gpu", "true"), kGpuExecute, true},
        TolerationCase{"EmptyKeyWithEffect", WithEffect(Exists(""), TaintEffect::kNoExecute), kGpu,
                       false}),
    [](const auto& info) { return std::string(info.param.name); });

struct AdmitsCase {
  const char* name;
  PlacementConstraints constraints;
  std::vector<Taint> taints;
  bool admits;
};

class AdmitsTest : public ::testing::TestWithParam<AdmitsCase> {};

TEST_P(AdmitsTest, Admits) {
  EXPECT_EQ(Admits(GetParam().constraints, View(GetParam().taints)), GetParam().admits);
}

PlacementConstraints Selector(Labels labels) {
  PlacementConstraints c;
  c.node_selector = std::move(labels);
  return c;
}
PlacementConstraints Terms(std::vector<NodeSelectorTerm> terms) {
  PlacementConstraints c;
  c.affinity = std::move(terms);
  return c;
}
PlacementConstraints Tolerating(std::vector<Toleration> tolerations) {
  PlacementConstraints c;
  c.tolerations = std::move(tolerations);
  return c;
}
const NodeSelectorTerm kZoneA{{L("zone", Op::kIn, {"a"})}};
const NodeSelectorTerm kZoneB{{L("zone", Op::kIn, {"b"})}};
const NodeSelectorTerm kEmptyTerm{};

INSTANTIATE_TEST_SUITE_P(
    Cases, AdmitsTest,
    ::testing::Values(
        AdmitsCase{"NoConstraints", {}, {}, true},
        AdmitsCase{"SelectorMatches", Selector({{"zone", "a"}, {"tier", "gold"}}), {}, true},
        AdmitsCase{"SelectorWrongValue", Selector({{"zone", "b"}}), {}, false},
        AdmitsCase{"SelectorMissingLabel", Selector({{"gpu", "true"}}), {}, false},
        AdmitsCase{"TermMatches", Terms({kZoneA}), {}, true},
        AdmitsCase{"TermsAreOred", Terms({kZoneB, kZoneA}), {}, true},
        AdmitsCase{"NoTermMatches", Terms({kZoneB}), {}, false},
        AdmitsCase{"RequirementsAreAnded",
                   Terms({NodeSelectorTerm{{L("zone", Op::kIn, {"a"}), L("cores", Op::kGt, {"32"})}}}),
                   {}, false},
        AdmitsCase{"EmptyTermMatchesNothing", Terms({kEmptyTerm}), {}, false},
        AdmitsCase{"EmptyTermOrMatchingTerm", Terms({kEmptyTerm, kZoneA}), {}, true},
        AdmitsCase{"FieldAndLabelInOneTerm",
                   Terms({NodeSelectorTerm{{F("metadata.name", Op::kIn, {"node-1"}), L("tier", Op::kExists)}}}),
                   {}, true},
        AdmitsCase{"SelectorAndAffinityBothNeeded",
                   [] {
                     auto c = Terms({kZoneA});
                     c.node_selector = {{"tier", "silver"}};
                     return c;
                   }(),
                   {}, false},
        AdmitsCase{"UntoleratedNoSchedule", {}, {kGpu}, false},
        AdmitsCase{"UntoleratedNoExecute", {}, {kGpuExecute}, false},
        AdmitsCase{"PreferNoScheduleIgnored", {}, {Taint{"gpu", "", TaintEffect::kPreferNoSchedule}}, true},
        AdmitsCase{"ToleratedTaint", Tolerating({Equal("gpu", "true")}), {kGpu}, true},
        AdmitsCase{"EveryTaintMustBeTolerated", Tolerating({Exists("gpu")}),
                   {kGpu, Taint{"dedicated", "ml", TaintEffect::kNoSchedule}}, false},
        AdmitsCase{"EachTaintByAnyToleration", Tolerating({Exists("dedicated"), Exists("gpu")}),
                   {kGpu, Taint{"dedicated", "ml", TaintEffect::kNoExecute}}, true},
        AdmitsCase{"TolerateAll", Tolerating({Exists("")}), {kGpu, kGpuExecute}, true},
        AdmitsCase{"TolerationForOtherEffect",
                   Tolerating({WithEffect(Exists("gpu"), TaintEffect::kNoSchedule)}), {kGpuExecute},
                   false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SelectorMatchesTest, Subset) {
  EXPECT_TRUE(SelectorMatches({}, kLabels));
  EXPECT_TRUE(SelectorMatches({}, {}));
  EXPECT_TRUE(SelectorMatches({{"zone", "a"}}, kLabels));
  EXPECT_FALSE(SelectorMatches({{"zone", "a"}}, {}));
  EXPECT_FALSE(SelectorMatches({{"zone", ""}}, kLabels));
}

TEST(CanonicalKeyTest, EqualConstraintsEqualKeys) {
  auto a = Terms({kZoneA});
  a.tolerations = {Exists("gpu")};
  auto b = Terms({kZoneA});
  b.tolerations = {Exists("gpu")};
  EXPECT_EQ(a.CanonicalKey(), b.CanonicalKey());
  b.tolerations = {Equal("gpu", "")};
  EXPECT_NE(a.CanonicalKey(), b.CanonicalKey());
  EXPECT_NE(Terms({kZoneA}).CanonicalKey(), Terms({kZoneB}).CanonicalKey());
  EXPECT_NE(
      Terms({kZoneA, kZoneB}).CanonicalKey(),
      Terms({NodeSelectorTerm{{kZoneA.requirements[0], kZoneB.requirements[0]}}}).CanonicalKey());
  EXPECT_NE(Selector({{"a", "b"}}).CanonicalKey(), PlacementConstraints{}.CanonicalKey());
}

}  // namespace
}  // namespace kubemesos
