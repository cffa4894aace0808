// PodFromJson: the effective request (init containers, sidecars, overhead, limits-only,
// extended and pod-level resources), constraints, identity, and validation errors.
#include <gtest/gtest.h>

#include "operator/kube/objects.h"
#include "tests/unit/operator/test_util.h"

namespace kubemesos::kube {
namespace {

using nlohmann::json;
using testing::J;
using testing::kGi;
using testing::kMi;
using testing::PodWithSpec;

struct RequestCase {
  const char* name;
  const char* spec;
  int64_t cpu_milli;
  int64_t memory;
  int64_t gpu = 0;
};

class EffectiveRequestTest : public ::testing::TestWithParam<RequestCase> {};

TEST_P(EffectiveRequestTest, MatchesKubernetes) {
  const RequestCase& c = GetParam();
  ResourceCatalog catalog;
  auto pod = PodFromJson(PodWithSpec(c.spec), catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  EXPECT_EQ(pod.value->request[kCpu], c.cpu_milli);
  EXPECT_EQ(pod.value->request[kMemory], c.memory);
  EXPECT_EQ(pod.value->request[kPods], 1);
  auto gpu = catalog.Find("nvidia.com/gpu");
  EXPECT_EQ(gpu ? pod.value->request[*gpu] : 0, c.gpu);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EffectiveRequestTest,
    ::testing::Values(
        RequestCase{
            "OneContainer",
            R"({"containers":[{"name":"a","resources":{"requests":{"cpu":"500m","memory":"1Gi"}}}]})",
            500, kGi},
        RequestCase{"NoResources", R"({"containers":[{"name":"a"}]})", 0, 0},
        RequestCase{"ContainersAdd",
                    R"({"containers":[{"name":"a","resources":{"requests":{"cpu":"500m"}}},
                                      {"name":"b","resources":{"requests":{"cpu":"250m","memory":"64Mi"}}}]})",
                    750, 64 * kMi},
        RequestCase{"LargerInitContainerWins",
                    R"({"initContainers":[{"name":"i","resources":{"requests":{"cpu":"2"}}}],
                        "containers":[{"name":"a","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]})",
                    2000, kGi},
        RequestCase{"SmallerInitContainerIgnored",
                    R"({"initContainers":[{"name":"i","resources":{"requests":{"cpu":"100m"}}}],
                        "containers":[{"name":"a","resources":{"requests":{"cpu":"1"}}}]})",
                    1000, 0},
        RequestCase{
            "InitMaxIsPerResource",
            R"({"initContainers":[{"name":"i","resources":{"requests":{"cpu":"2","memory":"1Gi"}}}],
                        "containers":[{"name":"a","resources":{"requests":{"cpu":"1","memory":"2Gi"}}}]})",
            2000, 2 * kGi},
        RequestCase{"InitContainersDoNotAdd",
                    R"({"initContainers":[{"name":"i","resources":{"requests":{"cpu":"2"}}},
                                          {"name":"j","resources":{"requests":{"cpu":"3"}}}],
                        "containers":[{"name":"a","resources":{"requests":{"cpu":"1"}}}]})",
                    3000, 0},
        RequestCase{
            "SidecarAddsToContainers",
            R"({"initContainers":[{"name":"s","restartPolicy":"Always","resources":{"requests":{"cpu":"500m"}}}],
                        "containers":[{"name":"a","resources":{"requests":{"cpu":"1"}}}]})",
            1500, 0},
        RequestCase{
            "InitAfterSidecarRunsBesideIt",
            R"({"initContainers":[{"name":"s","restartPolicy":"Always","resources":{"requests":{"cpu":"500m"}}},
                                          {"name":"i","resources":{"requests":{"cpu":"2"}}}],
                        "containers":[{"name":"a","resources":{"requests":{"cpu":"1"}}}]})",
            2500, 0},
        RequestCase{"InitBeforeSidecarRunsAlone",
                    R"({"initContainers":[{"name":"i","resources":{"requests":{"cpu":"2"}}},
                                          {"name":"s","restartPolicy":"Always","resources":{"requests":{"cpu":"500m"}}}],
                        "containers":[{"name":"a","resources":{"requests":{"cpu":"1"}}}]})",
                    2000, 0},
        RequestCase{
            "TwoSidecarsThenInit",
            R"({"initContainers":[{"name":"s1","restartPolicy":"Always","resources":{"requests":{"memory":"1Gi"}}},
                                          {"name":"s2","restartPolicy":"Always","resources":{"requests":{"memory":"1Gi"}}},
                                          {"name":"i","resources":{"requests":{"memory":"3Gi"}}}],
                        "containers":[{"name":"a","resources":{"requests":{"memory":"1Gi"}}}]})",
            0, 5 * kGi},
        RequestCase{"OverheadAdded",
                    R"({"overhead":{"cpu":"250m","memory":"120Mi"},
                        "containers":[{"name":"a","resources":{"requests":{"cpu":"1"}}}]})",
                    1250, 120 * kMi},
        RequestCase{"OverheadAddedAfterInitMax",
                    R"({"overhead":{"cpu":"250m"},
                        "initContainers":[{"name":"i","resources":{"requests":{"cpu":"2"}}}],
                        "containers":[{"name":"a","resources":{"requests":{"cpu":"1"}}}]})",
                    2250, 0},
        RequestCase{
            "LimitsOnlyDefaultRequests",
            R"({"containers":[{"name":"a","resources":{"limits":{"cpu":"2","memory":"1Gi"}}}]})",
            2000, kGi},
        RequestCase{
            "RequestBelowLimitWins",
            R"({"containers":[{"name":"a","resources":{"requests":{"memory":"1Gi"},"limits":{"cpu":"2","memory":"2Gi"}}}]})",
            2000, kGi},
        RequestCase{"LimitsOnlyInInitContainer",
                    R"({"initContainers":[{"name":"i","resources":{"limits":{"cpu":"4"}}}],
                        "containers":[{"name":"a","resources":{"requests":{"cpu":"1"}}}]})",
                    4000, 0},
        RequestCase{"ExtendedResourceFromLimits",
                    R"({"containers":[{"name":"a","resources":{"limits":{"nvidia.com/gpu":"2"}}},
                                      {"name":"b","resources":{"limits":{"nvidia.com/gpu":1}}}]})",
                    0, 0, 3},
        RequestCase{"PodLevelResourcesReplaceAggregate",
                    R"({"resources":{"requests":{"cpu":"3"},"limits":{"memory":"2Gi"}},
                        "containers":[{"name":"a","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]})",
                    3000, 2 * kGi},
        RequestCase{
            "JsonNumbers",
            R"({"containers":[{"name":"a","resources":{"requests":{"cpu":0.1,"memory":1048576}}}]})",
            100, kMi},
        RequestCase{
            "FractionalBytesRoundUp",
            R"({"containers":[{"name":"a","resources":{"requests":{"cpu":"100n","memory":"1500m"}}}]})",
            1, 2}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PodFromJsonTest, IdentityFrameworkAndState) {
  ResourceCatalog catalog;
  auto pod = PodFromJson(J(R"({"apiVersion":"v1","kind":"Pod",
      "metadata":{"name":"w-0","namespace":"team","labels":{"kubemesos.io/framework":"spark"}},
      "spec":{"schedulerName":"kubemesos","nodeName":"n1","containers":[{"name":"a"}]},
      "status":{"phase":"Running"}})"),
                         catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  EXPECT_EQ(pod.value->key, "team/w-0");
  EXPECT_EQ(pod.value->framework, "team/spark");
  EXPECT_EQ(pod.value->node_name, "n1");
  EXPECT_FALSE(pod.value->terminal);
  EXPECT_EQ(pod.value->order, 0u);
}

TEST(PodFromJsonTest, FrameworkOnlyForKubemesosScheduler) {
  ResourceCatalog catalog;
  json object = J(R"({"metadata":{"name":"p","labels":{"kubemesos.io/framework":"spark"}},
                      "spec":{"containers":[{"name":"a"}]}})");
  auto pod = PodFromJson(object, catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  EXPECT_EQ(pod.value->key, "default/p");
  EXPECT_EQ(pod.value->framework, "");
  EXPECT_FALSE(IsKubemesosPod(object));

  object["spec"]["schedulerName"] = "kubemesos";
  object["metadata"]["labels"] = json::object();
  pod = PodFromJson(object, catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  EXPECT_EQ(pod.value->framework, "");
  EXPECT_TRUE(IsKubemesosPod(object));
}

// Issue #14: the refusal is only for what would be placed against it. Bound pods, other
// schedulers' pods and preferences (preferred terms, ScheduleAnyway) convert as before.
TEST(PodFromJsonTest, EnforcedConstraintsConvertAndUnsupportedRefuseOnlyOurPendingPods) {
  ResourceCatalog catalog;
  nlohmann::json pod = J(R"({"kind":"Pod","metadata":{"name":"x"},"spec":{
      "schedulerName":"kubemesos","containers":[{"name":"a","ports":[{"hostPort":80}]}],
      "topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{}}],
      "affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"topologyKey":"h","labelSelector":{}}]}}}})");
  // Everything once refused here (issue #14) is enforced now and converts into constraints.
  auto converted = PodFromJson(pod, catalog);
  ASSERT_TRUE(converted.ok()) << converted.error;
  EXPECT_EQ(converted.value->constraints.host_ports.size(), 1u);
  EXPECT_EQ(converted.value->constraints.spread.size(), 1u);
  EXPECT_EQ(converted.value->constraints.pod_affinity.required_anti_affinity.size(), 1u);
  // What stays unsupported (here dynamic resource allocation) refuses our pending pods only.
  pod["spec"]["resourceClaims"] = J(R"([{"name":"gpu","resourceClaimName":"gpu-0"}])");
  auto refused = PodFromJson(pod, catalog);
  EXPECT_FALSE(refused.ok());
  EXPECT_TRUE(refused.unsupported);
  nlohmann::json bound = pod;
  bound["spec"]["nodeName"] = "n1";
  EXPECT_TRUE(PodFromJson(bound, catalog).ok()) << PodFromJson(bound, catalog).error;
  nlohmann::json other = pod;
  other["spec"]["schedulerName"] = "default-scheduler";
  EXPECT_TRUE(PodFromJson(other, catalog).ok());
}

// Issue #15: spec.schedulingGroup.podGroupName names the PodGroup (gang) the pod joins, in the
// pod's namespace; read for every pod (bound members count towards their gang, whoever placed
// them), and no longer refused.
TEST(PodFromJsonTest, SchedulingGroupNamesTheGang) {
  struct Case {
    const char* name;
    const char* pod;
    const char* gang;
  } cases[] = {
      {"Pending", R"({"metadata":{"name":"p","namespace":"ml"},"spec":{"schedulerName":"kubemesos",
          "schedulingGroup":{"podGroupName":"train-0"},"containers":[{"name":"a"}]}})",
       "ml/train-0"},
      {"DefaultNamespace", R"({"metadata":{"name":"p"},"spec":{"schedulerName":"kubemesos",
          "schedulingGroup":{"podGroupName":"g"},"containers":[{"name":"a"}]}})",
       "default/g"},
      {"BoundByAnother", R"({"metadata":{"name":"p","namespace":"ml"},"spec":{"nodeName":"n1",
          "schedulingGroup":{"podGroupName":"g"},"containers":[{"name":"a"}]}})",
       "ml/g"},
      {"NoGroup", R"({"metadata":{"name":"p"},"spec":{"schedulerName":"kubemesos",
          "containers":[{"name":"a"}]}})",
       ""},
      {"EmptyGroup", R"({"metadata":{"name":"p"},"spec":{"schedulerName":"kubemesos",
          "schedulingGroup":{},"containers":[{"name":"a"}]}})",
       ""},
  };
  for (const auto& c : cases) {
    ResourceCatalog catalog;
    auto pod = PodFromJson(J(c.pod), catalog);
    ASSERT_TRUE(pod.ok()) << c.name << ": " << pod.error;
    EXPECT_EQ(pod.value->gang, c.gang) << c.name;
  }
  // Malformed: an error naming the field.
  ResourceCatalog catalog;
  auto bad = PodFromJson(J(R"({"metadata":{"name":"p"},"spec":{"schedulerName":"kubemesos",
      "schedulingGroup":{"podGroupName":3},"containers":[{"name":"a"}]}})"),
                         catalog);
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(bad.unsupported);
  EXPECT_EQ(bad.error,
            "Pod default/p: spec.schedulingGroup.podGroupName: expected a string, got number");
}

TEST(PodFromJsonTest, TerminalPhases) {
  for (const auto& [phase, terminal] : std::vector<std::pair<std::string, bool>>{
           {"Pending", false}, {"Running", false}, {"Succeeded", true}, {"Failed", true}}) {
    ResourceCatalog catalog;
    json object = PodWithSpec(R"({"containers":[{"name":"a"}]})");
    object["status"]["phase"] = phase;
    auto pod = PodFromJson(object, catalog);
    ASSERT_TRUE(pod.ok()) << pod.error;
    EXPECT_EQ(pod.value->terminal, terminal) << phase;
  }
}

TEST(PodFromJsonTest, PriorityIsReadAndRangeChecked) {
  ResourceCatalog catalog;
  for (int64_t priority :
       {int64_t{0}, int64_t{1000}, int64_t{-5}, int64_t{INT32_MAX}, int64_t{INT32_MIN}}) {
    json object = PodWithSpec(R"({"containers":[{"name":"a"}]})");
    object["spec"]["priority"] = priority;
    auto pod = PodFromJson(object, catalog);
    ASSERT_TRUE(pod.ok()) << pod.error;
    EXPECT_EQ(pod.value->priority, priority);
  }
  auto absent = PodFromJson(PodWithSpec(R"({"containers":[{"name":"a"}]})"), catalog);
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(absent.value->priority, 0);
  json big = PodWithSpec(R"({"containers":[{"name":"a"}]})");
  big["spec"]["priority"] = int64_t{INT32_MAX} + 1;
  auto bad = PodFromJson(big, catalog);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error.find("spec.priority: out of the int32 range"), std::string::npos)
      << bad.error;
  big["spec"]["priority"] = 1.5;
  EXPECT_FALSE(PodFromJson(big, catalog).ok());
}

TEST(PodFromJsonTest, Constraints) {
  ResourceCatalog catalog;
  auto pod = PodFromJson(PodWithSpec(R"({"containers":[{"name":"a"}],
      "nodeSelector":{"pool":"batch"},
      "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{
        "nodeSelectorTerms":[
          {"matchExpressions":[{"key":"zone","operator":"In","values":["a","b"]},
                               {"key":"cores","operator":"Gt","values":["8"]}]},
          {"matchFields":[{"key":"metadata.name","operator":"NotIn","values":["n1"]}]},
          {}]}}},
      "tolerations":[{"key":"gpu","operator":"Exists","effect":"NoSchedule"},
                     {"key":"team","value":"x"},
                     {"operator":"Exists"}]})"),
                         catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  const PlacementConstraints& c = pod.value->constraints;
  EXPECT_EQ(c.node_selector, (Labels{{"pool", "batch"}}));
  ASSERT_EQ(c.affinity.size(), 3u);
  ASSERT_EQ(c.affinity[0].requirements.size(), 2u);
  EXPECT_EQ(c.affinity[0].requirements[0].key, "zone");
  EXPECT_EQ(c.affinity[0].requirements[0].op, NodeSelectorRequirement::Op::kIn);
  EXPECT_EQ(c.affinity[0].requirements[0].values, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.affinity[0].requirements[1].op, NodeSelectorRequirement::Op::kGt);
  ASSERT_EQ(c.affinity[1].requirements.size(), 1u);
  EXPECT_TRUE(c.affinity[1].requirements[0].is_field);
  EXPECT_EQ(c.affinity[1].requirements[0].op, NodeSelectorRequirement::Op::kNotIn);
  EXPECT_TRUE(c.affinity[2].requirements.empty());  // an empty term: matches nothing
  ASSERT_EQ(c.tolerations.size(), 3u);
  EXPECT_TRUE(c.tolerations[0].exists);
  EXPECT_FALSE(c.tolerations[0].any_effect);
  EXPECT_EQ(c.tolerations[0].effect, TaintEffect::kNoSchedule);
  EXPECT_FALSE(c.tolerations[1].exists);
  EXPECT_EQ(c.tolerations[1].value, "x");
  EXPECT_TRUE(c.tolerations[1].any_effect);
  EXPECT_TRUE(c.tolerations[2].key.empty());
  EXPECT_TRUE(c.tolerations[2].exists);
}

struct ErrorCase {
  const char* name;
  const char* pod;    // a whole object
  const char* error;  // expected exactly
};

class PodErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(PodErrorTest, NamesObjectAndField) {
  ResourceCatalog catalog;
  auto pod = PodFromJson(J(GetParam().pod), catalog);
  ASSERT_FALSE(pod.ok());
  EXPECT_EQ(pod.error, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PodErrorTest,
    ::testing::Values(
        ErrorCase{
            "BadQuantity",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a","resources":{"requests":{"cpu":"abc"}}}]}})",
            R"(Pod default/x: spec.containers[0].resources.requests.cpu: invalid quantity "abc": no digits)"},
        ErrorCase{
            "NegativeQuantity",
            R"({"kind":"Pod","metadata":{"name":"x","namespace":"t"},"spec":{"containers":[{"name":"a","resources":{"limits":{"memory":"-1Gi"}}}]}})",
            R"(Pod t/x: spec.containers[0].resources.limits.memory: invalid quantity "-1Gi": must not be negative)"},
        ErrorCase{
            "ExtendedResourcePath",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a"},{"name":"b","resources":{"requests":{"nvidia.com/gpu":"1Qi"}}}]}})",
            R"(Pod default/x: spec.containers[1].resources.requests[nvidia.com/gpu]: invalid quantity "1Qi": unknown suffix)"},
        ErrorCase{
            "QuantityWrongType",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a","resources":{"requests":{"cpu":true}}}]}})",
            R"(Pod default/x: spec.containers[0].resources.requests.cpu: expected a quantity (string or number), got boolean)"},
        ErrorCase{
            "InitContainerQuantity",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a"}],"initContainers":[{"name":"i","resources":{"requests":{"cpu":""}}}]}})",
            R"(Pod default/x: spec.initContainers[0].resources.requests.cpu: invalid quantity "": empty)"},
        ErrorCase{
            "OverheadQuantity",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a"}],"overhead":{"cpu":"1.2.3"}}})",
            R"(Pod default/x: spec.overhead.cpu: invalid quantity "1.2.3": unknown suffix)"},
        ErrorCase{"MissingName",
                  R"({"kind":"Pod","metadata":{},"spec":{"containers":[{"name":"a"}]}})",
                  "Pod default/<unnamed>: metadata.name: required"},
        ErrorCase{"MissingSpec", R"({"kind":"Pod","metadata":{"name":"x"}})",
                  "Pod default/x: spec: required"},
        ErrorCase{"NoContainers",
                  R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[]}})",
                  "Pod default/x: spec.containers: required: at least one container"},
        ErrorCase{"ContainersNotArray",
                  R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":{"name":"a"}}})",
                  "Pod default/x: spec.containers: expected an array, got object"},
        ErrorCase{"ContainerNotObject",
                  R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":["a"]}})",
                  "Pod default/x: spec.containers[0]: expected an object, got string"},
        ErrorCase{
            "LabelNotString",
            R"({"kind":"Pod","metadata":{"name":"x","labels":{"v":1}},"spec":{"containers":[{"name":"a"}]}})",
            "Pod default/x: metadata.labels.v: expected a string, got number"},
        ErrorCase{
            "NodeNameNotString",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"nodeName":5,"containers":[{"name":"a"}]}})",
            "Pod default/x: spec.nodeName: expected a string, got number"},
        ErrorCase{
            "SidecarPolicy",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a"}],"initContainers":[{"name":"i","restartPolicy":"Never"}]}})",
            R"(Pod default/x: spec.initContainers[0].restartPolicy: unsupported value "Never" (only Always is allowed))"},
        ErrorCase{
            "AffinityOperator",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a"}],"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"k","operator":"Near","values":["a"]}]}]}}}}})",
            R"(Pod default/x: spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator: unsupported operator "Near" (In, NotIn, Exists, DoesNotExist, Gt or Lt))"},
        ErrorCase{
            "AffinityNoTerms",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a"}],"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[]}}}}})",
            "Pod default/x: "
            "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
            "nodeSelectorTerms: required: at least one term"},
        ErrorCase{
            "GtNeedsInteger",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a"}],"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"k","operator":"Gt","values":["a"]}]}]}}}}})",
            "Pod default/x: "
            "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
            "nodeSelectorTerms[0].matchExpressions[0].values: must be a single integer for Gt and "
            "Lt"},
        ErrorCase{
            "MatchFieldsKey",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a"}],"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchFields":[{"key":"metadata.uid","operator":"In","values":["a"]}]}]}}}}})",
            "Pod default/x: "
            "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
            "nodeSelectorTerms[0].matchFields[0].key: only metadata.name is supported in "
            "matchFields"},
        ErrorCase{
            "TolerationEffect",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a"}],"tolerations":[{"key":"k","effect":"Sometimes"}]}})",
            R"(Pod default/x: spec.tolerations[0].effect: unsupported effect "Sometimes")"},
        ErrorCase{
            "TolerationEmptyKeyEqual",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a"}],"tolerations":[{"value":"v"}]}})",
            "Pod default/x: spec.tolerations[0].operator: must be Exists when key is empty"},
        ErrorCase{"NotAnObject", R"(["Pod"])", "Pod (array): expected an object"},
        // Issue #14: DoNotSchedule spread is enforced now (PodTopologySpread): a malformed one is
        // the error, not the field itself (more cases in pod_spread_test.cpp; what stays
        // unsupported is in pod_support_test.cpp).
        ErrorCase{
            "SpreadMaxSkew",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"schedulerName":"kubemesos","containers":[{"name":"a"}],"topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"ScheduleAnyway"},{"maxSkew":0,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule"}]}})",
            "Pod default/x: spec.topologySpreadConstraints[1].maxSkew: required: an integer "
            "greater than 0"},
        ErrorCase{
            "HostPortRange",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"schedulerName":"kubemesos","containers":[{"name":"a","ports":[{"containerPort":80},{"containerPort":81,"hostPort":70000}]}]}})",
            "Pod default/x: spec.containers[0].ports[1].hostPort: must be between 1 and 65535"},
        ErrorCase{
            "PreferredWeight",
            R"({"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a"}],"affinity":{"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":0,"preference":{}}]}}}})",
            "Pod default/x: spec.affinity.nodeAffinity."
            "preferredDuringSchedulingIgnoredDuringExecution[0].weight: required: an integer from "
            "1 "
            "to 100"}),
    [](const auto& info) { return std::string(info.param.name); });

// Issue #12: requests that do not fit the per-object maximum of 2^62 milli-units are an error
// on the pod, naming the field or the part that pushed the total over; before, they were
// summed in int64 and wrapped (the reproducer became a negative cpu request and was placed on
// a full 4-core node).
INSTANTIATE_TEST_SUITE_P(
    TooLarge, PodErrorTest,
    ::testing::Values(
        ErrorCase{
            "IssueReproducer",
            R"({"kind":"Pod","metadata":{"name":"big"},"spec":{"containers":[{"name":"a","resources":{"requests":{"cpu":"5000000000000000"}}},{"name":"b","resources":{"requests":{"cpu":"5000000000000000"}}}]}})",
            R"(Pod default/big: spec.containers[0].resources.requests.cpu: quantity too large: "5000000000000000" (max 4611686018427387904m))"},
        ErrorCase{
            "ContainersSum",
            R"({"kind":"Pod","metadata":{"name":"big"},"spec":{"containers":[{"name":"a","resources":{"requests":{"cpu":"3000000000000000"}}},{"name":"b","resources":{"requests":{"cpu":"3000000000000000"}}}]}})",
            "Pod default/big: spec.containers[1]: total cpu request too large (max "
            "4611686018427387904m)"},
        ErrorCase{
            "ContainersSumLeavesInt64",
            R"({"kind":"Pod","metadata":{"name":"big"},"spec":{"containers":[{"name":"a","resources":{"requests":{"cpu":"4611686018427387904m"}}},{"name":"b","resources":{"requests":{"cpu":"4611686018427387904m"}}}]}})",
            "Pod default/big: spec.containers[1]: total cpu request too large (max "
            "4611686018427387904m)"},
        ErrorCase{
            "MemorySum",
            R"({"kind":"Pod","metadata":{"name":"big"},"spec":{"containers":[{"name":"a","resources":{"requests":{"memory":"4Pi"}}},{"name":"b","resources":{"limits":{"memory":"4Pi"}}}]}})",
            "Pod default/big: spec.containers[1]: total memory request too large (max "
            "4611686018427387904m)"},
        ErrorCase{
            "ExtendedSum",
            R"({"kind":"Pod","metadata":{"name":"big"},"spec":{"containers":[{"name":"a","resources":{"limits":{"example.com/x":"3e15"}}},{"name":"b","resources":{"limits":{"example.com/x":"3e15"}}}]}})",
            "Pod default/big: spec.containers[1]: total example.com/x request too large (max "
            "4611686018427387904m)"},
        ErrorCase{
            "Sidecar",
            R"({"kind":"Pod","metadata":{"name":"big"},"spec":{"initContainers":[{"name":"s","restartPolicy":"Always","resources":{"requests":{"cpu":"3e15"}}}],"containers":[{"name":"a","resources":{"requests":{"cpu":"3e15"}}}]}})",
            "Pod default/big: spec.initContainers[0]: total cpu request too large (max "
            "4611686018427387904m)"},
        ErrorCase{
            "InitBesideSidecar",
            R"({"kind":"Pod","metadata":{"name":"big"},"spec":{"initContainers":[{"name":"s","restartPolicy":"Always","resources":{"requests":{"cpu":"3e15"}}},{"name":"i","resources":{"requests":{"cpu":"3e15"}}}],"containers":[{"name":"a"}]}})",
            "Pod default/big: spec.initContainers[1]: total cpu request too large (max "
            "4611686018427387904m)"},
        ErrorCase{
            "Overhead",
            R"({"kind":"Pod","metadata":{"name":"big"},"spec":{"containers":[{"name":"a","resources":{"requests":{"cpu":"4e15"}}}],"overhead":{"cpu":"1e15"}}})",
            "Pod default/big: spec.overhead: total cpu request too large (max "
            "4611686018427387904m)"},
        ErrorCase{
            "LimitOnly",
            R"({"kind":"Pod","metadata":{"name":"big"},"spec":{"containers":[{"name":"a","resources":{"limits":{"cpu":"488589780479268790.24Ei"}}}]}})",
            R"(Pod default/big: spec.containers[0].resources.limits.cpu: quantity too large: "488589780479268790.24Ei" (max 4611686018427387904m))"},
        ErrorCase{
            "PodLevel",
            R"({"kind":"Pod","metadata":{"name":"big"},"spec":{"containers":[{"name":"a"}],"resources":{"requests":{"memory":1e300}}}})",
            R"(Pod default/big: spec.resources.requests.memory: quantity too large: "1e+300" (max 4611686018427387904m))"}),
    [](const auto& info) { return std::string(info.param.name); });

// A pod already on a node (another scheduler's, or spec.nodeName) holds whatever it holds
// there: one whose request does not fit counts as the maximum of every kind, so its node is
// full for kubemesos, instead of an error that would leave the node looking free. A pending or
// finished pod with the same request is an error; a malformed quantity is an error anywhere.
TEST(PodFromJsonTest, BoundPodAboveTheMaximumFillsItsNode) {
  const char* containers =
      R"([{"name":"a","resources":{"requests":{"cpu":"5000000000000000"}}},
          {"name":"b","resources":{"requests":{"cpu":"5000000000000000"}}}])";
  ResourceCatalog catalog;
  json pod = PodWithSpec(std::string(R"({"nodeName":"n1","containers":)") + containers + "}");
  auto bound = PodFromJson(pod, catalog);
  ASSERT_TRUE(bound.ok()) << bound.error;
  EXPECT_EQ(bound.value->node_name, "n1");
  for (ResourceId id = 0; id < catalog.size(); ++id)
    EXPECT_EQ(bound.value->request[id], ResourceCatalog::MaxAmount(id)) << catalog.Name(id);
  EXPECT_EQ(bound.value->request[kCpu], kMaxAmount);

  pod["status"]["phase"] = "Succeeded";
  EXPECT_FALSE(PodFromJson(pod, catalog).ok());
  EXPECT_FALSE(
      PodFromJson(PodWithSpec(std::string(R"({"containers":)") + containers + "}"), catalog).ok());
  auto malformed = PodFromJson(
      PodWithSpec(
          R"({"nodeName":"n1","containers":[{"name":"a","resources":{"requests":{"cpu":"lots"}}}]})"),
      catalog);
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(
      malformed.error,
      R"(Pod default/x: spec.containers[0].resources.requests.cpu: invalid quantity "lots": no digits)");
}

// The largest effective request that fits: exactly 2^62 milli-units of each kind.
TEST(PodFromJsonTest, TotalAtTheMaximum) {
  ResourceCatalog catalog;
  auto pod = PodFromJson(
      PodWithSpec(
          R"({"containers":[{"name":"a","resources":{"requests":{"cpu":"2305843009213693952m","memory":"2305843009213693952m"}}},
                            {"name":"b","resources":{"requests":{"cpu":"2305843009213693952m","memory":"2305843009213693952m"}}}]})"),
      catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  EXPECT_EQ(pod.value->request[kCpu], kMaxAmount);
  EXPECT_EQ(pod.value->request[kMemory], ResourceCatalog::MaxAmount(kMemory));
  EXPECT_EQ(ResourceCatalog::MaxAmount(kMemory), 4'611'686'018'427'388);  // bytes, rounded up
}

TEST(PodFromJsonTest, TooManyResourceKinds) {
  ResourceCatalog catalog;
  json requests = json::object();
  for (int i = 0; i < 13; ++i) requests["example.com/r" + std::to_string(i)] = "1";
  json pod = PodWithSpec(R"({"containers":[{"name":"a"}]})");
  pod["spec"]["containers"][0]["resources"]["requests"] = requests;
  auto converted = PodFromJson(pod, catalog);
  ASSERT_FALSE(converted.ok());
  EXPECT_NE(converted.error.find("Pod default/x: spec.containers[0].resources.requests"),
            std::string::npos)
      << converted.error;
  EXPECT_NE(converted.error.find("too many resource kinds (at most 16"), std::string::npos)
      << converted.error;
}

TEST(PodFromJsonTest, ZeroRequestOfUnknownKind) {
  ResourceCatalog catalog;
  // An explicit zero request beats the limit, even for a kind first seen in this pod.
  auto pod = PodFromJson(PodWithSpec(R"({"containers":[{"name":"a","resources":{
      "requests":{"example.com/x":"0"},"limits":{"example.com/x":"2","example.com/y":"0"}}}]})"),
                         catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  auto x = catalog.Find("example.com/x");
  ASSERT_TRUE(x);
  EXPECT_EQ(pod.value->request[*x], 0);
  EXPECT_FALSE(catalog.Find("example.com/y"));  // zero and unknown: takes no slot
}

TEST(PodFromJsonTest, NeverThrowsOnOddInput) {
  ResourceCatalog catalog;
  for (const char* text :
       {"null", "1", "\"x\"", "{}", R"({"metadata":1})", R"({"metadata":{"name":"x"},"spec":1})",
        R"({"metadata":{"name":"x"},"spec":{"containers":[{"resources":1}]}})",
        R"({"metadata":{"name":"x"},"spec":{"containers":[{"resources":{"requests":[]}}]}})",
        R"({"metadata":{"name":"x"},"spec":{"containers":[{}],"tolerations":[1]}})",
        R"({"metadata":{"name":"x"},"spec":{"containers":[{}],"affinity":{"nodeAffinity":[]}}})",
        R"({"metadata":{"name":"x"},"spec":{"containers":[{}]},"status":[]})"}) {
    auto pod = PodFromJson(J(text), catalog);
    EXPECT_FALSE(pod.ok()) << text;
    EXPECT_FALSE(pod.error.empty()) << text;
  }
}

}  // namespace
}  // namespace kubemesos::kube
