// Issue #14, "nothing silently ignored": each PodSpec field that can change where kube-scheduler
// places a pod and that kubemesos does not enforce refuses a pending kubemesos pod with reason
// Unsupported and a message naming the field (operator/kube/pod_support.cpp); malformed input
// stays a plain (InvalidSpec) error; bound pods and other schedulers' pods are only read.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "operator/kube/objects.h"
#include "tests/unit/operator/test_util.h"

namespace kubemesos::kube {
namespace {

using nlohmann::json;
using testing::J;

constexpr const char* kWhy =
    " is not enforced by kubemesos; the pod is refused rather than placed against it";

// A pending kubemesos pod "x" with `spec` (one container "a" is added when absent).
json OurPod(const std::string& spec) {
  json pod = {{"kind", "Pod"}, {"metadata", {{"name", "x"}, {"namespace", "team"}}}};
  pod["spec"] = J(spec);
  pod["spec"]["schedulerName"] = "kubemesos";
  if (!pod["spec"].contains("containers")) {
    pod["spec"]["containers"] = json::array({{{"name", "a"}}});
  }
  return pod;
}

struct RefusedCase {
  const char* name;
  const char* spec;
  std::string message;  // after "Pod team/x: "
};

class UnsupportedFieldTest : public ::testing::TestWithParam<RefusedCase> {};

TEST_P(UnsupportedFieldTest, RefusedNamingTheField) {
  ResourceCatalog catalog;
  json pod = OurPod(GetParam().spec);
  auto converted = PodFromJson(pod, catalog);
  ASSERT_FALSE(converted.ok());
  EXPECT_TRUE(converted.unsupported);  // reason Unsupported, not InvalidSpec
  EXPECT_EQ(converted.error, "Pod team/x: " + GetParam().message);
  // Only a pending pod of ours is refused: bound, another scheduler's or finished, it is read.
  json bound = pod;
  bound["spec"]["nodeName"] = "n1";
  EXPECT_TRUE(PodFromJson(bound, catalog).ok()) << PodFromJson(bound, catalog).error;
  json other = pod;
  other["spec"]["schedulerName"] = "default-scheduler";
  EXPECT_TRUE(PodFromJson(other, catalog).ok()) << PodFromJson(other, catalog).error;
  json done = pod;
  done["status"]["phase"] = "Succeeded";
  EXPECT_TRUE(PodFromJson(done, catalog).ok()) << PodFromJson(done, catalog).error;
}

INSTANTIATE_TEST_SUITE_P(
    Fields, UnsupportedFieldTest,
    ::testing::Values(
        // DynamicResources.
        RefusedCase{"ResourceClaims",
                    R"({"resourceClaims":[{"name":"gpu","resourceClaimName":"gpu-0"}]})",
                    std::string("spec.resourceClaims: dynamic resource allocation (DRA)") + kWhy},
        RefusedCase{
            "ContainerClaims",
            R"({"containers":[{"name":"a"},{"name":"b","resources":{"claims":[{"name":"gpu"}]}}]})",
            std::string("spec.containers[1].resources.claims: dynamic resource allocation (DRA)") +
                kWhy},
        // NodeDeclaredFeatures.
        RefusedCase{
            "RestartAllContainers",
            R"({"initContainers":[{"name":"i","restartPolicyRules":[{"action":"Restart"},{"action":"RestartAllContainers"}]}]})",
            std::string("spec.initContainers[0].restartPolicyRules[1].action: "
                        "RestartAllContainers needs a node that declares the feature, which") +
                kWhy},
        RefusedCase{
            "BindMountOptions",
            R"({"containers":[{"name":"a","volumeMounts":[{"name":"v","mountPath":"/v","bindMountOptions":["ro"]}]}]})",
            std::string("spec.containers[0].volumeMounts[0].bindMountOptions: bind mount options "
                        "need a node that declares the feature, which") +
                kWhy},
        RefusedCase{"HostNetworkUserNamespace", R"({"hostNetwork":true,"hostUsers":false})",
                    std::string("spec.hostUsers: a user namespace with hostNetwork needs a node "
                                "that declares the feature, which") +
                        kWhy},
        // VolumeRestrictions.
        RefusedCase{
            "GcePersistentDisk",
            R"({"volumes":[{"name":"a","emptyDir":{}},{"name":"d","gcePersistentDisk":{"pdName":"d"}}]})",
            std::string("spec.volumes[1].gcePersistentDisk: the rule that pods on one node may not "
                        "share this disk") +
                kWhy},
        RefusedCase{"AwsElasticBlockStore",
                    R"({"volumes":[{"name":"d","awsElasticBlockStore":{"volumeID":"v"}}]})",
                    std::string("spec.volumes[0].awsElasticBlockStore: the rule that pods on one "
                                "node may not share this disk") +
                        kWhy},
        RefusedCase{"Rbd", R"({"volumes":[{"name":"d","rbd":{"image":"i","monitors":["m"]}}]})",
                    std::string("spec.volumes[0].rbd: the rule that pods on one node may not "
                                "share this disk") +
                        kWhy},
        RefusedCase{
            "Iscsi", R"({"volumes":[{"name":"d","iscsi":{"targetPortal":"t","iqn":"q","lun":0}}]})",
            std::string("spec.volumes[0].iscsi: the rule that pods on one node may not share "
                        "this disk") +
                kWhy}),
    [](const auto& info) { return std::string(info.param.name); });

// Fields that cannot change placement under kube-scheduler, or that kubemesos enforces, or
// that only reach kube-scheduler already merged into enforced fields (runtimeClassName: its
// scheduling is merged into nodeSelector, tolerations and overhead by admission): read.
TEST(UnsupportedFieldTest, FieldsThatCannotChangePlacementPass) {
  for (const char* spec : {
           R"({"hostNetwork":true})",
           R"({"hostNetwork":true,"hostUsers":true})",
           R"({"hostUsers":false})",
           R"({"os":{"name":"windows"}})",
           R"({"runtimeClassName":"gvisor"})",
           R"({"priority":1000,"priorityClassName":"high","preemptionPolicy":"Never"})",
           R"({"resourceClaims":[]})",
           R"({"schedulingGroup":null})",
           // Enforced since issue #15: the pod joins its PodGroup's gang (pod_group.h).
           R"({"schedulingGroup":{"podGroupName":"job-0"}})",
           R"({"volumes":[{"name":"c","configMap":{"name":"c"}},{"name":"e","emptyDir":{}}]})",
           R"({"containers":[{"name":"a","restartPolicyRules":[{"action":"Restart"}]}]})",
           R"({"ephemeralContainers":[{"name":"debug"}],"readinessGates":[{"conditionType":"x"}]})",
       }) {
    ResourceCatalog catalog;
    auto converted = PodFromJson(OurPod(spec), catalog);
    EXPECT_TRUE(converted.ok()) << spec << ": " << converted.error;
  }
}

// Malformed input stays InvalidSpec, also when the pod asks for an unsupported field too: the
// converters that read it run first.
TEST(UnsupportedFieldTest, MalformedInputIsNotUnsupported) {
  ResourceCatalog catalog;
  auto converted = PodFromJson(
      OurPod(R"({"resourceClaims":[{"name":"g"}],"tolerations":[{"effect":"Sometimes"}]})"),
      catalog);
  ASSERT_FALSE(converted.ok());
  EXPECT_FALSE(converted.unsupported);
  EXPECT_EQ(converted.error,
            R"(Pod team/x: spec.tolerations[0].operator: must be Exists when key is empty)");
}

// With hostNetwork the API server makes every container port a host port; hand-written input
// (simulate) is not defaulted, so the converter does it: NodePorts then covers hostNetwork.
TEST(UnsupportedFieldTest, HostNetworkPortsAreHostPorts) {
  ResourceCatalog catalog;
  auto converted = PodFromJson(
      OurPod(
          R"({"hostNetwork":true,"containers":[{"name":"a","ports":[{"containerPort":8080},{"containerPort":53,"protocol":"UDP","hostPort":53}]}]})"),
      catalog);
  ASSERT_TRUE(converted.ok()) << converted.error;
  const auto& ports = converted.value->constraints.host_ports;
  std::set<std::pair<int32_t, std::string>> got;
  for (const auto& p : ports) got.emplace(p.port, p.protocol);
  EXPECT_EQ(got, (std::set<std::pair<int32_t, std::string>>{{53, "UDP"}, {8080, "TCP"}}));
  auto plain = PodFromJson(
      OurPod(R"({"containers":[{"name":"a","ports":[{"containerPort":8080}]}]})"), catalog);
  ASSERT_TRUE(plain.ok()) << plain.error;
  EXPECT_TRUE(plain.value->constraints.host_ports.empty());
}

}  // namespace
}  // namespace kubemesos::kube
