// PodFromJson's inter-pod affinity and anti-affinity: selectors, namespaces and their default,
// namespaceSelector, matchLabelKeys/mismatchLabelKeys, weights, malformed terms (on a pending
// pod an error naming the field; on a bound pod only its terms are dropped).
#include <gtest/gtest.h>

#include "operator/kube/objects.h"
#include "tests/unit/operator/test_util.h"

namespace kubemesos::kube {
namespace {

using nlohmann::json;
using testing::J;
using Op = NodeSelectorRequirement::Op;

json AffinePod(std::string_view affinity, std::string_view extra_spec = "") {
  json pod = J(
      R"({"kind":"Pod","metadata":{"name":"x","namespace":"team","labels":{"app":"web","rev":"7"}},
      "spec":{"schedulerName":"kubemesos","containers":[{"name":"a"}]}})");
  pod["spec"]["affinity"] = J(affinity);
  if (!extra_spec.empty()) pod["spec"].update(J(extra_spec));
  return pod;
}

TEST(PodAffinityTest, RequiredAndPreferredTerms) {
  ResourceCatalog catalog;
  auto pod = PodFromJson(AffinePod(R"({
      "podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[
        {"labelSelector":{"matchLabels":{"app":"db"},"matchExpressions":[{"key":"tier","operator":"NotIn","values":["x"]}]},
         "topologyKey":"zone"}],
        "preferredDuringSchedulingIgnoredDuringExecution":[
        {"weight":30,"podAffinityTerm":{"labelSelector":{},"namespaces":["b","a","b"],"topologyKey":"zone"}}]},
      "podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[
        {"labelSelector":{"matchExpressions":[{"key":"app","operator":"Exists"}]},"namespaceSelector":{},
         "topologyKey":"kubernetes.io/hostname"}],
        "preferredDuringSchedulingIgnoredDuringExecution":[
        {"weight":100,"podAffinityTerm":{"topologyKey":"zone","namespaceSelector":{"matchLabels":{"env":"prod"}}}}]}})"),
                         catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  const PodAffinity& a = pod.value->constraints.pod_affinity;
  ASSERT_EQ(a.required_affinity.size(), 1u);
  const auto& req = a.required_affinity[0];
  EXPECT_EQ(req.topology_key, "zone");
  EXPECT_EQ(req.namespaces, std::vector<std::string>{"team"});  // defaulted to the pod's
  EXPECT_FALSE(req.namespace_selector);
  ASSERT_EQ(req.selector.requirements.size(), 2u);
  EXPECT_TRUE(Selects(req.selector, {{"app", "db"}}));
  EXPECT_FALSE(Selects(req.selector, {{"app", "db"}, {"tier", "x"}}));
  ASSERT_EQ(a.preferred_affinity.size(), 1u);
  EXPECT_EQ(a.preferred_affinity[0].weight, 30);
  EXPECT_EQ(a.preferred_affinity[0].namespaces, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(Selects(a.preferred_affinity[0].selector, {{"any", "thing"}}));  // empty: all
  ASSERT_EQ(a.required_anti_affinity.size(), 1u);
  EXPECT_TRUE(a.required_anti_affinity[0].namespaces.empty());  // namespaceSelector {}: all
  ASSERT_TRUE(a.required_anti_affinity[0].namespace_selector);
  EXPECT_TRUE(a.required_anti_affinity[0].namespace_selector->requirements.empty());
  ASSERT_EQ(a.preferred_anti_affinity.size(), 1u);
  EXPECT_TRUE(a.preferred_anti_affinity[0].selector.nothing);  // no labelSelector: no pod
  EXPECT_FALSE(Selects(a.preferred_anti_affinity[0].selector, {}));
  EXPECT_TRUE(pod.value->constraints.NeedsFullScan());
}

TEST(PodAffinityTest, MatchLabelKeysMergeThePodsOwnValues) {
  ResourceCatalog catalog;
  auto pod = PodFromJson(
      AffinePod(R"({"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[
        {"labelSelector":{"matchLabels":{"app":"web"}},"matchLabelKeys":["rev","missing"],
         "mismatchLabelKeys":["app"],"topologyKey":"h"}]}})"),
      catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  const auto& sel = pod.value->constraints.pod_affinity.required_anti_affinity[0].selector;
  // app In [web], rev In [7], app NotIn [web]; the label the pod lacks adds nothing.
  ASSERT_EQ(sel.requirements.size(), 3u);
  EXPECT_EQ(sel.requirements[1].key, "rev");
  EXPECT_EQ(sel.requirements[1].op, Op::kIn);
  EXPECT_EQ(sel.requirements[1].values, std::vector<std::string>{"7"});
  EXPECT_EQ(sel.requirements[2].op, Op::kNotIn);
  EXPECT_FALSE(Selects(sel, {{"app", "web"}, {"rev", "7"}}));  // In and NotIn web: never
}

// Bound pods (of any scheduler) keep their terms: they matter for symmetry. A malformed term on a
// bound pod drops only its terms; the pod itself still counts on its node.
TEST(PodAffinityTest, BoundPodsKeepTermsAndSurviveMalformedOnes) {
  ResourceCatalog catalog;
  json bound = AffinePod(
      R"({"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"topologyKey":"h","labelSelector":{}}]}})",
      R"({"nodeName":"n1","schedulerName":"default-scheduler"})");
  auto pod = PodFromJson(bound, catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  EXPECT_EQ(pod.value->constraints.pod_affinity.required_anti_affinity.size(), 1u);
  bound["spec"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
      .erase("topologyKey");
  pod = PodFromJson(bound, catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  EXPECT_TRUE(pod.value->constraints.pod_affinity.empty());
  EXPECT_EQ(pod.value->node_name, "n1");
  EXPECT_EQ(pod.value->labels.at("app"), "web");
}

struct ErrorCase {
  const char* name;
  const char* affinity;
  const char* error;
};

class PodAffinityErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(PodAffinityErrorTest, NamesTheField) {
  ResourceCatalog catalog;
  auto pod = PodFromJson(AffinePod(GetParam().affinity), catalog);
  ASSERT_FALSE(pod.ok());
  EXPECT_EQ(pod.error, std::string("Pod team/x: ") + GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PodAffinityErrorTest,
    ::testing::Values(
        ErrorCase{
            "MissingTopologyKey",
            R"({"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{}}]}})",
            "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]."
            "topologyKey: required"},
        ErrorCase{
            "EmptyTopologyKey",
            R"({"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"topologyKey":""}]}})",
            "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]."
            "topologyKey: required"},
        ErrorCase{
            "SelectorOperator",
            R"({"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"topologyKey":"h","labelSelector":{"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]}}]}})",
            "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]."
            "labelSelector.matchExpressions[0].operator: unsupported operator \"Gt\" (In, "
            "NotIn, Exists or DoesNotExist)"},
        ErrorCase{
            "InWithoutValues",
            R"({"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"topologyKey":"h","labelSelector":{"matchExpressions":[{"key":"a","operator":"In"}]}}]}})",
            "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]."
            "labelSelector.matchExpressions[0].values: must be non-empty for In and NotIn"},
        ErrorCase{
            "NamespaceSelectorValues",
            R"({"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"topologyKey":"h","namespaceSelector":{"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]}}]}})",
            "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]."
            "namespaceSelector.matchExpressions[0].values: must be empty for Exists and "
            "DoesNotExist"},
        ErrorCase{
            "NamespacesNotStrings",
            R"({"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"topologyKey":"h","namespaces":[3]}]}})",
            "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]."
            "namespaces[0]: expected a non-empty string"},
        ErrorCase{
            "MatchLabelKeysWithoutSelector",
            R"({"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"topologyKey":"h","matchLabelKeys":["rev"]}]}})",
            "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]."
            "matchLabelKeys: requires labelSelector"},
        ErrorCase{
            "PreferredWeight",
            R"({"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":101,"podAffinityTerm":{"topologyKey":"h"}}]}})",
            "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution["
            "0].weight: required: an integer from 1 to 100"},
        ErrorCase{
            "PreferredWithoutTerm",
            R"({"podAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":1}]}})",
            "spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]."
            "podAffinityTerm: required"},
        ErrorCase{"TermsNotAnArray",
                  R"({"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{}}})",
                  "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution: "
                  "expected an array, got object"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace kubemesos::kube
