// Converts a scheduling.k8s.io/v1beta1 PodGroup (Kubernetes' own gang, feature gate
// GenericWorkload; made by hand or by the Job controller for a Job with spec.scheduling) into
// the engine's GangSpec (scheduler/allocator.h). Pods join it through
// spec.schedulingGroup.podGroupName (PodSpec::gang, pod.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include "operator/kube/objects.h"
#include "scheduler/allocator.h"

namespace kubemesos::kube {

inline constexpr const char* kPodGroupApiVersion = "scheduling.k8s.io/v1beta1";

// A PodGroup: key "namespace/name"; spec.schedulingPolicy holds exactly one of `gang`
// (minCount >= 1 becomes policy.min_member) and `basic` (no gang: min_member 0, its pods are
// placed one by one, as kube-scheduler does). The other GangPolicy fields keep their defaults.
// Fields whose meaning kubemesos would violate by placing the pods anyway (a parent composite
// group, topology constraints, group-level DRA claims) make the result `unsupported`, naming
// the field; fields that cannot change where pods go are read past (see pod_group.cpp).
// Reads only fixed fields: the result has a constant size whatever the object holds. Never
// throws.
Converted<GangSpec> PodGroupFromJson(const nlohmann::json& pod_group);

}  // namespace kubemesos::kube
