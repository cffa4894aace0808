// Private to operator/kube: the Pod fields preemption reads (issue #16): whether the pod is
// terminating, whether it may preempt, how long it may take to leave, and when it started.
#pragma once

#include <cstdint>

#include "operator/kube/fields.h"
#include "operator/kube/objects.h"

namespace kubemesos::kube {

// The largest spec.terminationGracePeriodSeconds read (int32's maximum, 68 years). Above it
// (or below 0) a pod still to be placed is an error naming the field; a placed pod's is clamped
// into [0, kMaxGraceSeconds], because a placed pod must keep counting on its node.
inline constexpr int64_t kMaxGraceSeconds = INT32_MAX;

// Fills out.terminating, out.preempt_never, out.grace_seconds and out.started from the pod's
// metadata, spec and status objects (see objects.h, PodOptions). `placed`: out.node_name is
// set. Throws FieldError naming the field for a malformed value (a wrong JSON type; an
// out-of-range grace period of a pod still to be placed). spec.preemptionPolicy values other
// than Never and PreemptLowerPriority are refused as Unsupported by pod_support.h, not here.
void ReadPreemptionFields(const json& meta, const json& spec, const json& status, bool placed,
                          const PodOptions& options, PodSpec& out);

}  // namespace kubemesos::kube
