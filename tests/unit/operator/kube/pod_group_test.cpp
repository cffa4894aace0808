// PodGroupFromJson: scheduling.k8s.io/v1beta1 PodGroups (issue #15) become the engine's gangs:
// gang.minCount is the minimum, basic is no gang; malformed policies are errors naming the
// field; fields kubemesos would violate are refused (unsupported), those that cannot change
// where pods go are read past.
#include "operator/kube/pod_group.h"

#include <gtest/gtest.h>

#include <string>

namespace kubemesos::kube {
namespace {

using nlohmann::json;

constexpr const char* kWhy =
    " is not enforced by kubemesos; the group's pods are refused rather than placed against it";

// A PodGroup "ml/train" with `spec` (JSON text).
json PodGroup(const std::string& spec) {
  return {{"apiVersion", "scheduling.k8s.io/v1beta1"},
          {"kind", "PodGroup"},
          {"metadata", {{"name", "train"}, {"namespace", "ml"}, {"generation", 1}}},
          {"spec", json::parse(spec)}};
}

struct AcceptedCase {
  const char* name;
  const char* spec;
  int min_member;
};

class PodGroupAcceptedTest : public ::testing::TestWithParam<AcceptedCase> {};

TEST_P(PodGroupAcceptedTest, Converts) {
  auto gang = PodGroupFromJson(PodGroup(GetParam().spec));
  ASSERT_TRUE(gang.ok()) << gang.error;
  EXPECT_EQ(gang.value->key, "ml/train");
  EXPECT_EQ(gang.value->policy.min_member, GetParam().min_member);
  // What a PodGroup cannot say keeps the engine's defaults.
  const GangPolicy defaults, &p = gang.value->policy;
  EXPECT_EQ(p.starvation_seconds, defaults.starvation_seconds);
  EXPECT_EQ(p.reservation_timeout_seconds, defaults.reservation_timeout_seconds);
  EXPECT_EQ(p.backoff_base_seconds, defaults.backoff_base_seconds);
  EXPECT_EQ(p.backoff_max_seconds, defaults.backoff_max_seconds);
  EXPECT_TRUE(p.min_resources.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Fields, PodGroupAcceptedTest,
    ::testing::Values(
        AcceptedCase{"Gang", R"({"schedulingPolicy":{"gang":{"minCount":4}}})", 4},
        AcceptedCase{"GangOfOne", R"({"schedulingPolicy":{"gang":{"minCount":1}}})", 1},
        AcceptedCase{"Basic", R"({"schedulingPolicy":{"basic":{}}})", 0},
        AcceptedCase{"NullOtherPolicy",
                     R"({"schedulingPolicy":{"basic":null,"gang":{"minCount":2}}})", 2},
        // What the Job controller writes: a workloadRef, the default disruption mode.
        AcceptedCase{"FromJobController",
                     R"({"workloadRef":{"workloadName":"job-1","templateName":"job"},
            "schedulingPolicy":{"gang":{"minCount":4}},"disruptionMode":{"single":{}}})",
                     4},
        // Cannot change where pods go under kubemesos (it does not preempt or disrupt).
        AcceptedCase{"DisruptionAll",
                     R"({"schedulingPolicy":{"gang":{"minCount":3}},"disruptionMode":{"all":{}}})",
                     3},
        AcceptedCase{"Priority", R"({"schedulingPolicy":{"gang":{"minCount":2}},
            "priorityClassName":"high","priority":1000,"preemptionPolicy":"Never"})",
                     2},
        // Empty lists ask for nothing.
        AcceptedCase{"EmptyTopologyAndClaims", R"({"schedulingPolicy":{"gang":{"minCount":2}},
            "schedulingConstraints":{"topology":[]},"resourceClaims":[]})",
                     2},
        AcceptedCase{"EmptyParentName",
                     R"({"schedulingPolicy":{"basic":{}},"parentCompositePodGroupName":""})", 0}),
    [](const auto& info) { return std::string(info.param.name); });

struct RejectedCase {
  const char* name;
  const char* spec;
  bool unsupported;     // reason Unsupported (else a malformed object: InvalidSpec)
  std::string message;  // after "PodGroup ml/train: "
};

class PodGroupRejectedTest : public ::testing::TestWithParam<RejectedCase> {};

TEST_P(PodGroupRejectedTest, NamesTheField) {
  auto gang = PodGroupFromJson(PodGroup(GetParam().spec));
  ASSERT_FALSE(gang.ok());
  EXPECT_EQ(gang.unsupported, GetParam().unsupported);
  EXPECT_EQ(gang.error, "PodGroup ml/train: " + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Fields, PodGroupRejectedTest,
    ::testing::Values(
        RejectedCase{"NoPolicy", R"({})", false, "spec.schedulingPolicy: required"},
        RejectedCase{"NeitherPolicy", R"({"schedulingPolicy":{}})", false,
                     "spec.schedulingPolicy: exactly one of basic and gang must be set"},
        RejectedCase{"BothPolicies", R"({"schedulingPolicy":{"basic":{},"gang":{"minCount":2}}})",
                     false, "spec.schedulingPolicy: exactly one of basic and gang must be set"},
        RejectedCase{"NoMinCount", R"({"schedulingPolicy":{"gang":{}}})", false,
                     "spec.schedulingPolicy.gang.minCount: required"},
        RejectedCase{"ZeroMinCount", R"({"schedulingPolicy":{"gang":{"minCount":0}}})", false,
                     "spec.schedulingPolicy.gang.minCount: must be between 1 and 1000000, got 0"},
        RejectedCase{"HugeMinCount", R"({"schedulingPolicy":{"gang":{"minCount":2147483647}}})",
                     false,
                     "spec.schedulingPolicy.gang.minCount: must be between 1 and 1000000, got "
                     "2147483647"},
        RejectedCase{"StringMinCount", R"({"schedulingPolicy":{"gang":{"minCount":"4"}}})", false,
                     "spec.schedulingPolicy.gang.minCount: expected an integer, got string"},
        RejectedCase{"PolicyNotObject", R"({"schedulingPolicy":{"gang":[]}})", false,
                     "spec.schedulingPolicy.gang: expected an object, got array"},
        // Malformed input is reported as such before any refusal.
        RejectedCase{"MalformedTopologyFirst", R"({"schedulingPolicy":{"gang":{"minCount":2}},
            "schedulingConstraints":{"topology":"zone"},"parentCompositePodGroupName":"p"})",
                     false, "spec.schedulingConstraints.topology: expected an array, got string"},
        RejectedCase{"ParentComposite", R"({"schedulingPolicy":{"gang":{"minCount":2}},
            "workloadRef":{"workloadName":"w","templateName":"t"},
            "parentCompositePodGroupName":"all-workers"})",
                     true,
                     std::string("spec.parentCompositePodGroupName: scheduling a group together "
                                 "with its siblings under a composite PodGroup (minGroupCount)") +
                         kWhy},
        RejectedCase{"Topology", R"({"schedulingPolicy":{"gang":{"minCount":2}},
            "schedulingConstraints":{"topology":[{"key":"topology.kubernetes.io/zone"}]}})",
                     true,
                     std::string("spec.schedulingConstraints.topology: placing every member in "
                                 "one topology domain") +
                         kWhy},
        RejectedCase{"ResourceClaims", R"({"schedulingPolicy":{"basic":{}},
            "resourceClaims":[{"name":"gpu","resourceClaimTemplateName":"gpus"}]})",
                     true,
                     std::string("spec.resourceClaims: dynamic resource allocation (DRA) for the "
                                 "group") +
                         kWhy}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PodGroupFromJsonTest, IdentityAndShape) {
  json pg = PodGroup(R"({"schedulingPolicy":{"gang":{"minCount":2}}})");
  pg["metadata"].erase("namespace");
  auto gang = PodGroupFromJson(pg);
  ASSERT_TRUE(gang.ok()) << gang.error;
  EXPECT_EQ(gang.value->key, "default/train");

  pg["metadata"].erase("name");
  EXPECT_EQ(PodGroupFromJson(pg).error, "PodGroup default/<unnamed>: metadata.name: required");
  EXPECT_EQ(PodGroupFromJson(json::array()).error, "PodGroup (array): expected an object");
  json no_spec = PodGroup("{}");
  no_spec.erase("spec");
  EXPECT_EQ(PodGroupFromJson(no_spec).error, "PodGroup ml/train: spec: required");
  // Another version of the kind is named in full.
  json other = PodGroup(R"({})");
  other["apiVersion"] = "scheduling.k8s.io/v1alpha2";
  EXPECT_EQ(PodGroupFromJson(other).error,
            "scheduling.k8s.io/v1alpha2 PodGroup ml/train: spec.schedulingPolicy: required");
}

}  // namespace
}  // namespace kubemesos::kube
