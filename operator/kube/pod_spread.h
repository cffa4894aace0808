// A pending pod's topology spread constraints, as kube-scheduler's PodTopologySpread reads them:
// spec.topologySpreadConstraints, or, for a pod without any, the cluster's default constraints.
//
// Contract: the readers throw FieldError naming the field (never anything else) on a malformed
// constraint; the Pod converter (pod.cpp) turns it into the pod's error. Threads: none.
#pragma once

#include <string_view>
#include <vector>

#include "operator/kube/fields.h"
#include "scheduler/constraints.h"

namespace kubemesos::kube {

// spec.topologySpreadConstraints, checked as the API server validates them: maxSkew > 0,
// topologyKey non-empty, whenUnsatisfiable DoNotSchedule or ScheduleAnyway, minDomains > 0 and
// only with DoNotSchedule, nodeAffinityPolicy and nodeTaintsPolicy Honor or Ignore (defaults
// Honor and Ignore), matchLabelKeys only with a labelSelector. matchLabelKeys are merged into
// the selector as In with the pod's own values; keys the pod lacks are skipped, as upstream.
std::vector<SpreadConstraint> ReadSpreadConstraints(const json& spec, const Labels& labels);

// kube-scheduler's system default constraints (defaultingType: System) for a pod without
// constraints of its own: hostname maxSkew 3 and zone maxSkew 5, both ScheduleAnyway, marked
// system_default. Upstream selects with the selectors of the Services, ReplicaSets,
// StatefulSets and ReplicationControllers that select the pod; kubemesos watches none of them,
// so it approximates: only a pod whose controller ownerReference is a ReplicaSet, StatefulSet
// or ReplicationController gets the defaults, selecting the pod's own labels minus the per-pod
// ones those controllers add (statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index,
// controller-revision-hash), i.e. its siblings. Empty for any other pod (bare pods, Jobs,
// Framework tasks) and for a pod without such labels. `meta` is the pod's metadata.
std::vector<SpreadConstraint> SystemDefaultSpread(const json& meta, const Labels& labels);

}  // namespace kubemesos::kube
