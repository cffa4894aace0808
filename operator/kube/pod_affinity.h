// Reads a pod's inter-pod affinity and anti-affinity (spec.affinity.podAffinity and
// podAntiAffinity) into the engine's PodAffinity, resolved as kube-apiserver and kube-scheduler
// do: matchLabelKeys/mismatchLabelKeys merged into the label selector with the pod's own label
// values, and a term without namespaces and namespaceSelector defaulted to the pod's namespace.
//
// Contract: throws FieldError naming the field on malformed input (the caller decides what a
// malformed term means for a pod already on a node). Threads: none; pure.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "scheduler/constraints.h"

namespace kubemesos::kube {

// `spec` is the pod's spec object; `ns` and `labels` are the pod's own.
PodAffinity ReadPodAffinity(const nlohmann::json& spec, const std::string& ns,
                            const Labels& labels);

}  // namespace kubemesos::kube
