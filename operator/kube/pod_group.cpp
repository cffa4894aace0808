// PodGroup -> GangSpec (see pod_group.h). Each field of PodGroupSpec in the pinned v1.37 API
// (k8s.io/api scheduling/v1beta1) is decided here:
// - schedulingPolicy.gang.minCount: enforced (all or nothing for the first minCount members).
// - schedulingPolicy.basic: no gang; the pods are placed one by one.
// - workloadRef: which Workload template made the group; bookkeeping, read past.
// - disruptionMode (Single/All): how the group may be disrupted (preemption, eviction).
//   kubemesos never disrupts a placed pod (it does not preempt), so either mode holds: read past.
// - priorityClassName, priority, preemptionPolicy: queue order and preemption, not where pods
//   go; like the pod fields of the same names (README, constraint table): read past.
// - parentCompositePodGroupName (CompositePodGroup, alpha): the group is one of several that a
//   parent's minGroupCount schedules together; kubemesos would place this group alone, against
//   that rule: refused.
// - schedulingConstraints.topology: every member in one topology domain (one rack, one zone);
//   not enforced, so placing the members anywhere would break it: refused (an empty list asks
//   for nothing and passes).
// - resourceClaims: devices shared by the group (DRA), as a pod's own resourceClaims: refused.
#include "operator/kube/pod_group.h"

#include <string>

#include "operator/kube/convert_guard.h"
#include "operator/kube/fields.h"
#include "operator/kube/object_key.h"

namespace kubemesos::kube {
namespace {

constexpr const char* kWhy =
    " is not enforced by kubemesos; the group's pods are refused rather than placed against it";

// The largest minCount accepted: kube-apiserver accepts any positive int32; more members than
// this could never exist in one cluster (and the engine counts members in an int).
constexpr int64_t kMaxMinCount = 1'000'000;

bool NonEmptyArray(const json& object, std::string_view key, std::string_view path) {
  const json* v = ReadArray(object, key, path);
  return v && !v->empty();
}

GangPolicy ReadPolicy(const json& spec) {
  const json* policy = ReadObject(spec, "schedulingPolicy", "spec");
  if (!policy) throw FieldError("spec.schedulingPolicy", "required");
  const std::string path = "spec.schedulingPolicy";
  const json* gang = ReadObject(*policy, "gang", path);
  const json* basic = ReadObject(*policy, "basic", path);
  if ((gang != nullptr) == (basic != nullptr)) {
    throw FieldError(path, "exactly one of basic and gang must be set");
  }
  GangPolicy out;
  if (basic) return out;  // min_member 0: no gang
  const std::string gang_path = Join(path, "gang");
  std::optional<int64_t> min_count = ReadInt(*gang, "minCount", gang_path);
  if (!min_count) throw FieldError(Join(gang_path, "minCount"), "required");
  if (*min_count < 1 || *min_count > kMaxMinCount) {
    throw FieldError(Join(gang_path, "minCount"), "must be between 1 and " +
                                                      std::to_string(kMaxMinCount) + ", got " +
                                                      std::to_string(*min_count));
  }
  out.min_member = static_cast<int>(*min_count);
  return out;
}

GangSpec ConvertPodGroup(const json& pod_group) {
  const json& meta = *ReadObjectOrEmpty(pod_group, "metadata");
  std::string name = RequireString(meta, "name", "metadata");
  GangSpec out;
  out.key =
      ObjectKey::Namespaced(ReadString(meta, "namespace", "metadata").value_or(""), name).String();
  const json* spec = ReadObject(pod_group, "spec", "");
  if (!spec) throw FieldError("spec", "required");
  out.policy = ReadPolicy(*spec);
  // Validated before any refusal, so a malformed object is reported as such.
  std::optional<std::string> parent = ReadString(*spec, "parentCompositePodGroupName", "spec");
  const json* constraints = ReadObject(*spec, "schedulingConstraints", "spec");
  bool topology =
      constraints && NonEmptyArray(*constraints, "topology", "spec.schedulingConstraints");
  bool claims = NonEmptyArray(*spec, "resourceClaims", "spec");
  if (parent && !parent->empty()) {
    throw UnsupportedError("spec.parentCompositePodGroupName",
                           std::string("scheduling a group together with its siblings under a "
                                       "composite PodGroup (minGroupCount)") +
                               kWhy);
  }
  if (topology) {
    throw UnsupportedError("spec.schedulingConstraints.topology",
                           std::string("placing every member in one topology domain") + kWhy);
  }
  if (claims) {
    throw UnsupportedError("spec.resourceClaims",
                           std::string("dynamic resource allocation (DRA) for the group") + kWhy);
  }
  return out;
}

}  // namespace

Converted<GangSpec> PodGroupFromJson(const json& pod_group) {
  return Guard<GangSpec>("PodGroup", pod_group, [&] { return ConvertPodGroup(pod_group); });
}

}  // namespace kubemesos::kube
