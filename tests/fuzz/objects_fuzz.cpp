// Fuzzes object conversion (operator/kube/objects.h) with arbitrary JSON: the same document is
// converted as a Node, a Pod, a ResourceGroup and a Framework (and each pod a Framework's
// tasks describe as a Pod, as the controller does), and as each storage kind (claim, volume,
// class, CSINode, Namespace, a pod's volumes), fed to a VolumeTracker and resolved. Nothing may
// throw, and what converts is sane: no negative resource amount (an overflowing sum must be an
// error, not a wrapped number), a finite positive weight, finite offer filters.
#include <cmath>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "operator/kube/objects.h"
#include "operator/kube/volume_tracker.h"
#include "operator/kube/volumes.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace kubemesos;

void CheckAmounts(const Resources& r, const std::string& what) {
  for (int id = 0; id < kMaxResourceKinds; ++id)
    FUZZ_CHECK(r[id] >= 0,
               what + ": resource " + std::to_string(id) + " is " + std::to_string(r[id]));
}

template <typename T>
void CheckShape(const kube::Converted<T>& c) {
  FUZZ_CHECK(c.ok() == c.error.empty(), "a Converted holds a value or an error: " + c.error);
}

void ConvertPod(const nlohmann::json& pod, ResourceCatalog& catalog) {
  auto p = kube::PodFromJson(pod, catalog);
  CheckShape(p);
  if (p.ok()) {
    CheckAmounts(p.value->request, "pod request");
    FUZZ_CHECK(p.value->request[kPods] == 1, "a pod takes one pod slot");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json object = nlohmann::json::parse(data, data + size, nullptr, false);
  if (object.is_discarded()) return -1;  // the API server only sends JSON

  ResourceCatalog catalog;
  (void)kube::DescribeObject(object);
  (void)kube::IsKubemesosPod(object);

  auto node = kube::NodeFromJson(object, catalog);
  CheckShape(node);
  if (node.ok()) CheckAmounts(node.value->allocatable, "node allocatable");

  ConvertPod(object, catalog);

  auto group = kube::GroupFromJson(object, catalog);
  CheckShape(group);
  if (group.ok()) {
    CheckAmounts(group.value->guarantee.amount, "group guarantee");
    CheckAmounts(group.value->limit.amount, "group limit");
    FUZZ_CHECK(std::isfinite(group.value->weight) && group.value->weight > 0, "group weight");
  }

  auto framework = kube::FrameworkFromJson(object, &catalog);
  CheckShape(framework);
  if (framework.ok()) {
    double refuse = framework.value->framework.refuse_seconds;
    FUZZ_CHECK(std::isfinite(refuse) && refuse >= 0, "refuseSeconds");
    const GangPolicy& gang = framework.value->framework.gang;
    CheckAmounts(gang.min_resources.amount, "gang minResources");
    FUZZ_CHECK(gang.min_member >= 0 && gang.min_member <= kube::kMaxFrameworkInstances,
               "gang minMember");
    FUZZ_CHECK(
        framework.value->tasks.empty() || gang.min_member <= framework.value->total_instances,
        "gang minMember within the instances");
    for (double t :
         {gang.starvation_seconds, gang.reservation_timeout_seconds, gang.backoff_base_seconds,
          gang.backoff_max_seconds, framework.value->gang_actions.bind_timeout_seconds,
          framework.value->gang_actions.recovery_timeout_seconds}) {
      FUZZ_CHECK(std::isfinite(t) && t >= 0, "gang times");
    }
    FUZZ_CHECK(gang.backoff_base_seconds <= gang.backoff_max_seconds, "gang backoff");
    // Pods are built only when created: convert the first few instances of each task, as the
    // controller would when it launches them.
    for (const auto& task : framework.value->tasks) {
      for (int64_t k = 0; k < task.instances && k < 4; ++k) {
        ConvertPod(kube::TaskPodJson(*framework.value, task, k), catalog);
      }
    }
  }
  CheckShape(kube::NamespaceFromJson(object));
  CheckShape(kube::StorageClassFromJson(object));
  auto csi_node = kube::CsiNodeFromJson(object);
  CheckShape(csi_node);
  if (csi_node.ok()) {
    for (const auto& [driver, count] : csi_node.value->limits)
      FUZZ_CHECK(count >= 0, "CSINode count of " + driver);
  }
  auto volumes = kube::PodVolumesFromJson(object);
  CheckShape(volumes);
  kube::VolumeTracker tracker;
  std::string error;
  tracker.ApplyClaim(false, object, &error);
  tracker.ApplyVolume(false, object, &error);
  tracker.ApplyStorageClass(false, object, &error);
  tracker.ApplyCsiNode(false, object, &error);
  if (volumes.ok() && !volumes.value->empty()) {
    tracker.SetPod("default/p", *volumes.value, "", 1, false, false);
    (void)tracker.Resolve("default/p");
  }
  return 0;
}
