// The placement-relevant PodSpec fields kubemesos does not enforce, refused (see pod_support.h).
// Each check names the kube-scheduler plugin that reads the field:
// - DynamicResources: spec.resourceClaims, containers[].resources.claims (devices a node must
//   offer, allocated by the scheduler).
// - NodeDeclaredFeatures (beta, on by default): the node features its feature registry infers
//   from a pod: restartPolicyRules with RestartAllContainers, volumeMounts[].bindMountOptions,
//   hostNetwork with hostUsers false.
// - VolumeRestrictions: inline disks two pods on one node may not share (gcePersistentDisk,
//   awsElasticBlockStore, rbd, iscsi).
// - DefaultPreemption: spec.preemptionPolicy values other than PreemptLowerPriority and Never.
#include "operator/kube/pod_support.h"

#include <string>

#include "operator/util/text.h"

namespace kubemesos::kube {
namespace {

constexpr const char* kWhy =
    " is not enforced by kubemesos; the pod is refused rather than placed against it";

bool NonEmptyArray(const json& object, std::string_view key) {
  const json* v = Find(object, key);
  return v && v->is_array() && !v->empty();
}

const json* ArrayOrNull(const json& object, std::string_view key) {
  const json* v = Find(object, key);
  return v && v->is_array() ? v : nullptr;
}

// Each container object of spec.<list>, with its path.
template <typename Fn>
void ForEachContainer(const json& spec, const char* list, Fn&& fn) {
  const json* containers = ArrayOrNull(spec, list);
  for (size_t i = 0; containers && i < containers->size(); ++i) {
    const json& c = (*containers)[i];
    if (c.is_object()) fn(c, Join(Join("spec", list), i));
  }
}

void RefuseContainerFields(const json& spec) {
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
    ForEachContainer(spec, list, [&](const json& c, const std::string& path) {
      const json* resources = Find(c, "resources");
      if (resources && resources->is_object() && NonEmptyArray(*resources, "claims")) {
        throw UnsupportedError(Join(Join(path, "resources"), "claims"),
                               std::string("dynamic resource allocation (DRA)") + kWhy);
      }
      if (const json* rules = ArrayOrNull(c, "restartPolicyRules")) {
        for (size_t j = 0; j < rules->size(); ++j) {
          const json& rule = (*rules)[j];
          const json* action = rule.is_object() ? Find(rule, "action") : nullptr;
          if (action && action->is_string() && *action == "RestartAllContainers") {
            throw UnsupportedError(
                Join(Join(Join(path, "restartPolicyRules"), j), "action"),
                std::string("RestartAllContainers needs a node that declares the feature, "
                            "which") +
                    kWhy);
          }
        }
      }
      if (const json* mounts = ArrayOrNull(c, "volumeMounts")) {
        for (size_t j = 0; j < mounts->size(); ++j) {
          const json& m = (*mounts)[j];
          if (m.is_object() && NonEmptyArray(m, "bindMountOptions")) {
            throw UnsupportedError(
                Join(Join(Join(path, "volumeMounts"), j), "bindMountOptions"),
                std::string("bind mount options need a node that declares the feature, which") +
                    kWhy);
          }
        }
      }
    });
  }
}

}  // namespace

void RefuseUnsupported(const json& spec) {
  if (!spec.is_object()) return;
  if (const json* volumes = ArrayOrNull(spec, "volumes")) {
    for (size_t i = 0; i < volumes->size(); ++i) {
      const json& v = (*volumes)[i];
      if (!v.is_object()) continue;
      for (const char* disk : {"gcePersistentDisk", "awsElasticBlockStore", "rbd", "iscsi"}) {
        const json* source = Find(v, disk);
        if (source && source->is_object()) {
          throw UnsupportedError(
              Join(Join("spec.volumes", i), disk),
              std::string("the rule that pods on one node may not share this disk") + kWhy);
        }
      }
    }
  }
  RefuseContainerFields(spec);
  const json* host_network = Find(spec, "hostNetwork");
  const json* host_users = Find(spec, "hostUsers");
  if (host_network && *host_network == true && host_users && *host_users == false) {
    throw UnsupportedError("spec.hostUsers",
                           std::string("a user namespace with hostNetwork needs a node that "
                                       "declares the feature, which") +
                               kWhy);
  }
  // kube-apiserver knows PreemptLowerPriority (the default) and Never; a value from a newer API
  // would ask for a preemption rule kubemesos does not apply.
  if (const json* policy = Find(spec, "preemptionPolicy");
      policy && policy->is_string() && *policy != "PreemptLowerPriority" && *policy != "Never") {
    throw UnsupportedError(
        "spec.preemptionPolicy",
        "preemption policy \"" + util::SanitizeUtf8(policy->get<std::string>(), 64) + "\"" + kWhy);
  }
  if (NonEmptyArray(spec, "resourceClaims")) {
    throw UnsupportedError("spec.resourceClaims",
                           std::string("dynamic resource allocation (DRA)") + kWhy);
  }
}

}  // namespace kubemesos::kube
