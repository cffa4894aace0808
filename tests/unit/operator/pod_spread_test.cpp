// Topology spread constraints read from a Pod (operator/kube/pod_spread.cpp): every field, the
// API server's validation rules as errors naming the field, matchLabelKeys, and the cluster
// default constraints (which pods get them, with which selector, and the switch to turn them
// off).
#include "operator/kube/pod_spread.h"

#include <gtest/gtest.h>

#include "operator/kube/objects.h"
#include "tests/unit/operator/test_util.h"

namespace kubemesos::kube {
namespace {

using nlohmann::json;
using testing::J;
using Op = NodeSelectorRequirement::Op;

json Pod(std::string_view spread, std::string_view meta_extra = "") {
  std::string text = R"({"kind":"Pod","metadata":{"name":"x","labels":{"app":"web","tier":"fe"})";
  text += meta_extra;
  text += R"(},"spec":{"schedulerName":"kubemesos","containers":[{"name":"a"}])";
  if (!spread.empty()) text += std::string(R"(,"topologySpreadConstraints":)") + spread.data();
  return J(text + "}}");
}

TEST(PodSpread, EveryField) {
  ResourceCatalog catalog;
  auto pod =
      PodFromJson(Pod(R"([{"maxSkew":2,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule",
      "minDomains":3,"nodeAffinityPolicy":"Ignore","nodeTaintsPolicy":"Honor",
      "labelSelector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"v","operator":"NotIn","values":["1"]}]},
      "matchLabelKeys":["tier","absent"]}])"),
                  catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  ASSERT_EQ(pod.value->constraints.spread.size(), 1u);
  const SpreadConstraint& c = pod.value->constraints.spread[0];
  EXPECT_EQ(c.max_skew, 2);
  EXPECT_EQ(c.topology_key, "zone");
  EXPECT_TRUE(c.do_not_schedule);
  EXPECT_EQ(c.min_domains, 3);
  EXPECT_FALSE(c.honor_node_affinity);
  EXPECT_TRUE(c.honor_taints);
  EXPECT_FALSE(c.system_default);
  EXPECT_FALSE(c.selector.nothing);
  // matchLabels, matchExpressions, then matchLabelKeys as In with the pod's value ("absent"
  // is not a label of the pod: skipped).
  ASSERT_EQ(c.selector.requirements.size(), 3u);
  EXPECT_EQ(c.selector.requirements[1].op, Op::kNotIn);
  EXPECT_EQ(c.selector.requirements[2].key, "tier");
  EXPECT_EQ(c.selector.requirements[2].values, std::vector<std::string>{"fe"});
  EXPECT_TRUE(Selects(c.selector, {{"app", "web"}, {"tier", "fe"}}));
  EXPECT_FALSE(Selects(c.selector, {{"app", "web"}, {"tier", "be"}}));
  EXPECT_TRUE(pod.value->constraints.NeedsFullScan());
}

TEST(PodSpread, Defaults) {
  ResourceCatalog catalog;
  auto pod = PodFromJson(
      Pod(R"([{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"ScheduleAnyway"}])"), catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  const SpreadConstraint& c = pod.value->constraints.spread.at(0);
  EXPECT_FALSE(c.do_not_schedule);
  EXPECT_EQ(c.min_domains, 1);
  EXPECT_TRUE(c.honor_node_affinity);  // Honor
  EXPECT_FALSE(c.honor_taints);        // Ignore
  EXPECT_TRUE(c.selector.nothing);     // no labelSelector: selects no pod
  EXPECT_FALSE(Selects(c.selector, {{"app", "web"}}));
}

TEST(PodSpread, OnlyForPodsStillToBePlaced) {
  ResourceCatalog catalog;
  json pod = Pod(R"([{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule"}])");
  pod["spec"]["nodeName"] = "n1";
  auto bound = PodFromJson(pod, catalog);
  ASSERT_TRUE(bound.ok()) << bound.error;
  EXPECT_TRUE(bound.value->constraints.spread.empty());
}

struct SpreadError {
  const char* name;
  const char* spread;
  const char* error;
};

class PodSpreadError : public ::testing::TestWithParam<SpreadError> {};

TEST_P(PodSpreadError, NamesTheField) {
  ResourceCatalog catalog;
  auto pod = PodFromJson(Pod(GetParam().spread), catalog);
  ASSERT_FALSE(pod.ok());
  EXPECT_EQ(pod.error, std::string("Pod default/x: ") + GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PodSpreadError,
    ::testing::Values(
        SpreadError{"MaxSkewZero",
                    R"([{"maxSkew":0,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule"}])",
                    "spec.topologySpreadConstraints[0].maxSkew: required: an integer greater "
                    "than 0"},
        SpreadError{"MaxSkewMissing",
                    R"([{"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule"}])",
                    "spec.topologySpreadConstraints[0].maxSkew: required: an integer greater "
                    "than 0"},
        SpreadError{"TopologyKeyEmpty",
                    R"([{"maxSkew":1,"topologyKey":"","whenUnsatisfiable":"DoNotSchedule"}])",
                    "spec.topologySpreadConstraints[0].topologyKey: required"},
        SpreadError{"WhenUnsatisfiable",
                    R"([{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"Sometimes"}])",
                    "spec.topologySpreadConstraints[0].whenUnsatisfiable: unsupported value "
                    "\"Sometimes\" (DoNotSchedule or ScheduleAnyway)"},
        SpreadError{
            "MinDomainsWithScheduleAnyway",
            R"([{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"ScheduleAnyway","minDomains":2}])",
            "spec.topologySpreadConstraints[0].minDomains: may only be set with "
            "DoNotSchedule"},
        SpreadError{
            "MinDomainsZero",
            R"([{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","minDomains":0}])",
            "spec.topologySpreadConstraints[0].minDomains: must be greater than 0"},
        SpreadError{
            "NodeAffinityPolicy",
            R"([{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","nodeAffinityPolicy":"honor"}])",
            "spec.topologySpreadConstraints[0].nodeAffinityPolicy: unsupported value "
            "\"honor\" (Honor or Ignore)"},
        SpreadError{
            "NodeTaintsPolicy",
            R"([{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","nodeTaintsPolicy":1}])",
            "spec.topologySpreadConstraints[0].nodeTaintsPolicy: expected a string, got "
            "number"},
        SpreadError{
            "MatchLabelKeysWithoutSelector",
            R"([{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","matchLabelKeys":["app"]}])",
            "spec.topologySpreadConstraints[0].matchLabelKeys: must not be set when "
            "labelSelector is not set"},
        SpreadError{
            "SelectorOperator",
            R"([{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]}}])",
            "spec.topologySpreadConstraints[0].labelSelector.matchExpressions[0]."
            "operator: unsupported operator \"Gt\" (In, NotIn, Exists or DoesNotExist)"},
        SpreadError{
            "SelectorInWithoutValues",
            R"([{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchExpressions":[{"key":"a","operator":"In"}]}}])",
            "spec.topologySpreadConstraints[0].labelSelector.matchExpressions[0]."
            "values: must be non-empty for In and NotIn"},
        SpreadError{"NotAnObject", R"([1])",
                    "spec.topologySpreadConstraints[0]: expected an object, got number"}),
    [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------- cluster defaults

std::string Owner(const char* api, const char* kind, bool controller = true) {
  return std::string(R"(,"ownerReferences":[{"apiVersion":")") + api + R"(","kind":")" + kind +
         R"(","name":"o","uid":"u","controller":)" + (controller ? "true" : "false") + "}]";
}

TEST(PodSpread, SystemDefaultsForReplicatedPods) {
  ResourceCatalog catalog;
  for (auto [api, kind] : {std::pair{"apps/v1", "ReplicaSet"},
                           {"apps/v1", "StatefulSet"},
                           {"v1", "ReplicationController"}}) {
    auto pod = PodFromJson(Pod("", Owner(api, kind)), catalog);
    ASSERT_TRUE(pod.ok()) << pod.error;
    const auto& spread = pod.value->constraints.spread;
    ASSERT_EQ(spread.size(), 2u) << kind;
    EXPECT_EQ(spread[0].topology_key, "kubernetes.io/hostname");
    EXPECT_EQ(spread[0].max_skew, 3);
    EXPECT_EQ(spread[1].topology_key, "topology.kubernetes.io/zone");
    EXPECT_EQ(spread[1].max_skew, 5);
    for (const auto& c : spread) {
      EXPECT_FALSE(c.do_not_schedule);
      EXPECT_TRUE(c.system_default);
      EXPECT_TRUE(Selects(c.selector, {{"app", "web"}, {"tier", "fe"}}));
      EXPECT_FALSE(Selects(c.selector, {{"app", "web"}}));
    }
  }
}

TEST(PodSpread, SystemDefaultsSelectSiblingsNotThePodItself) {
  ResourceCatalog catalog;
  json pod = Pod("", Owner("apps/v1", "StatefulSet"));
  pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] = "x-0";
  pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] = "0";
  pod["metadata"]["labels"]["controller-revision-hash"] = "x-abc";
  auto converted = PodFromJson(pod, catalog);
  ASSERT_TRUE(converted.ok()) << converted.error;
  const auto& c = converted.value->constraints.spread.at(0);
  EXPECT_TRUE(Selects(c.selector, {{"app", "web"},
                                   {"tier", "fe"},
                                   {"statefulset.kubernetes.io/pod-name", "x-1"},
                                   {"apps.kubernetes.io/pod-index", "1"},
                                   {"controller-revision-hash", "x-def"}}));
}

TEST(PodSpread, NoSystemDefaults) {
  ResourceCatalog catalog;
  // Not a replicated controller, not the controller, another API group, no owner.
  for (const std::string& meta : {Owner("batch/v1", "Job"), Owner("apps/v1", "ReplicaSet", false),
                                  Owner("example.com/v1", "ReplicaSet"), std::string()}) {
    auto pod = PodFromJson(Pod("", meta), catalog);
    ASSERT_TRUE(pod.ok()) << pod.error;
    EXPECT_TRUE(pod.value->constraints.spread.empty()) << meta;
    // A plain pod keeps the engine's shared cursor (no per-task full scan).
    EXPECT_FALSE(pod.value->constraints.NeedsFullScan()) << meta;
  }
  // The pod's own constraints replace the defaults.
  auto own =
      PodFromJson(Pod(R"([{"maxSkew":1,"topologyKey":"rack","whenUnsatisfiable":"DoNotSchedule"}])",
                      Owner("apps/v1", "ReplicaSet")),
                  catalog);
  ASSERT_TRUE(own.ok()) << own.error;
  ASSERT_EQ(own.value->constraints.spread.size(), 1u);
  EXPECT_EQ(own.value->constraints.spread[0].topology_key, "rack");
  // Switched off (--default-spread none).
  auto off = PodFromJson(Pod("", Owner("apps/v1", "ReplicaSet")), catalog, PodOptions{false});
  ASSERT_TRUE(off.ok()) << off.error;
  EXPECT_TRUE(off.value->constraints.spread.empty());
}

}  // namespace
}  // namespace kubemesos::kube
