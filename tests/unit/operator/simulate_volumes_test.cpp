// `simulate` with storage objects: a claim bound to a zonal PersistentVolume takes the pod to
// that zone, a pod whose claim is missing is reported WaitingForVolume (and is not a task), CSINode
// limits hold, and the order of the input does not matter.
#include <gtest/gtest.h>

#include "operator/simulate/simulate.h"

namespace kubemesos::simulate {
namespace {

using nlohmann::json;

json Simulated(const std::string& text) {
  std::vector<InputObject> objects;
  std::vector<std::string> warnings;
  std::string error;
  EXPECT_TRUE(ReadInput("in.yaml", text, &objects, &warnings, &error)) << error;
  EXPECT_TRUE(warnings.empty()) << warnings[0];
  auto report = Simulate(objects, {});
  EXPECT_TRUE(report.ok()) << report.error;
  return report.ok() ? json::parse(report.value->dump()) : json();
}

constexpr const char* kPods = R"(
apiVersion: v1
kind: Pod
metadata: {name: zonal, namespace: team, labels: {kubemesos.io/framework: f}}
spec:
  schedulerName: kubemesos
  containers: [{name: c, resources: {requests: {cpu: "1"}}}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
---
apiVersion: v1
kind: Pod
metadata: {name: waits, namespace: team, labels: {kubemesos.io/framework: f}}
spec:
  schedulerName: kubemesos
  containers: [{name: c, resources: {requests: {cpu: "1"}}}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: missing}}]
---
)";

constexpr const char* kWorld = R"(
apiVersion: v1
kind: Node
metadata: {name: n-a, labels: {topology.kubernetes.io/zone: a}}
status: {allocatable: {cpu: "4", memory: 8Gi, pods: "110"}}
---
apiVersion: v1
kind: Node
metadata: {name: n-b, labels: {topology.kubernetes.io/zone: b}}
status: {allocatable: {cpu: "4", memory: 8Gi, pods: "110"}}
---
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: g}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: f, namespace: team}
spec: {resourceGroup: g}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: team}
spec: {volumeName: pv-b, storageClassName: ""}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-b}
spec:
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [b]}]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local}
provisioner: example.com/local
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: v1
kind: Namespace
metadata: {name: team, labels: {env: prod}}
)";

void ExpectVolumesHonoured(const json& report) {
  ASSERT_EQ(report["placements"].size(), 1u) << report.dump();
  EXPECT_EQ(report["placements"][0]["pod"], "zonal");
  EXPECT_EQ(report["placements"][0]["node"], "n-b");  // binpack alone would take n-a
  ASSERT_EQ(report["unschedulable"].size(), 1u);
  EXPECT_EQ(report["unschedulable"][0]["pod"], "waits");
  EXPECT_EQ(report["unschedulable"][0]["reason"], "WaitingForVolume");
  EXPECT_EQ(report["unschedulable"][0]["message"], "persistentvolumeclaim \"missing\" not found");
  EXPECT_EQ(report["stats"]["tasks"], 1);  // the waiting pod is no task
}

TEST(SimulateVolumesTest, BoundVolumesPlaceAndMissingClaimsWait) {
  ExpectVolumesHonoured(Simulated(std::string(kWorld) + "---\n" + kPods));
}

TEST(SimulateVolumesTest, PodsBeforeTheirClaims) {
  ExpectVolumesHonoured(Simulated(std::string(kPods) + kWorld));
}

TEST(SimulateVolumesTest, CsiNodeLimits) {
  // The zone-b volume is a CSI volume, and n-b may attach no volume of its driver.
  std::string world = kWorld;
  world.replace(world.find("spec:\n  nodeAffinity:"), std::string("spec:\n").size(),
                "spec:\n  csi: {driver: ebs, volumeHandle: vol-1}\n");
  std::string zonal_only = std::string(kPods).substr(0, std::string(kPods).find("---"));
  json report = Simulated(world + R"(---
apiVersion: storage.k8s.io/v1
kind: CSINode
metadata: {name: n-b}
spec: {drivers: [{name: ebs, nodeID: n-b, allocatable: {count: 0}}]}
---
)" + zonal_only);
  EXPECT_TRUE(report["placements"].empty()) << report.dump();
  ASSERT_EQ(report["unschedulable"].size(), 1u);
  std::string message = report["unschedulable"][0]["message"];
  EXPECT_NE(message.find("exceed max volume count"), std::string::npos) << message;
}

TEST(SimulateVolumesTest, BadStorageObjectsAreErrorsNamingTheField) {
  std::vector<InputObject> objects;
  std::vector<std::string> warnings;
  std::string error;
  ASSERT_TRUE(ReadInput("in.yaml", R"(
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: odd}
volumeBindingMode: Sometimes
)",
                        &objects, &warnings, &error));
  auto report = Simulate(objects, {});
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error.find("volumeBindingMode: unsupported value \"Sometimes\""),
            std::string::npos)
      << report.error;
}

}  // namespace
}  // namespace kubemesos::simulate
