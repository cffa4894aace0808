// Lend, reclaim and preemption settings of ResourceGroups and Frameworks (issue #16): the spec
// fields users set, read into the engine's GroupSpec and FrameworkSpec with the CRDs' defaults
// and bounds (crds/*.yaml), and their names for status and output.
//
// Contract: the readers throw FieldError (fields.h) naming the field on a wrong type, an
// unknown enumeration value or an out-of-range number; the converters in objects.h catch it,
// so a bad value makes the whole object fail to convert (a condition on it, everything else
// keeps being scheduled). Absent or null fields take the CRD's defaults.
#pragma once

#include <nlohmann/json.hpp>

#include "scheduler/allocator.h"

namespace kubemesos::kube {

// The CRDs' bounds on the two durations.
inline constexpr int64_t kMaxPreemptionDelaySeconds = 86400;  // a day
inline constexpr int64_t kMaxMinRuntimeSeconds = 604800;      // a week

// ResourceGroup `spec`: guaranteePolicy Lend|Hold (default Lend) and preemption {reclaim
// Any|Never (Any), withinGroup LowerPriority|Never (LowerPriority), delaySeconds 0..86400
// (30)}. A Hold group may still reclaim (what it lent before it switched to Hold).
void ReadGroupSharing(const nlohmann::json& spec, GroupSpec& group);

// Framework `spec`: revocable Allow|Deny (default Allow) and preemption {preemptable (true),
// minRuntimeSeconds 0..604800 (0)}.
void ReadFrameworkSharing(const nlohmann::json& spec, FrameworkSpec& framework);

// "Lend" or "Hold".
const char* GuaranteePolicyName(GuaranteePolicy policy);
// "Reclaim" or "Priority": Framework status.preemption.lastPreempted.reason, Events.
const char* PreemptionReason(PreemptionKind kind);
// "reclaim" or "priority": the metrics' `kind` label and simulate's output.
const char* PreemptionKindLabel(PreemptionKind kind);

}  // namespace kubemesos::kube
