// Lend, reclaim and preemption spec fields (see sharing.h).
#include "operator/kube/sharing.h"

#include <string>

#include "operator/kube/fields.h"

namespace kubemesos::kube {
namespace {

// The enumeration value at object[key]: `first` (-> true), `second` (-> false), or absent (->
// `fallback`); anything else is an error naming the field and the allowed values.
bool ReadChoice(const json& object, const char* key, const std::string& path, const char* first,
                const char* second, bool fallback) {
  std::optional<std::string> v = ReadString(object, key, path);
  if (!v) return fallback;
  if (*v == first) return true;
  if (*v == second) return false;
  throw FieldError(Join(path, key),
                   "unsupported value \"" + *v + "\" (" + first + " or " + second + ")");
}

// A whole number of seconds at object[key] between 0 and `max`, or `fallback` when absent.
double ReadSeconds(const json& object, const char* key, const std::string& path, int64_t fallback,
                   int64_t max) {
  int64_t v = ReadInt(object, key, path).value_or(fallback);
  if (v < 0 || v > max) {
    throw FieldError(Join(path, key), "must be between 0 and " + std::to_string(max));
  }
  return static_cast<double>(v);
}

}  // namespace

void ReadGroupSharing(const json& spec, GroupSpec& group) {
  bool lend = ReadChoice(spec, "guaranteePolicy", "spec", "Lend", "Hold", true);
  group.guarantee_policy = lend ? GuaranteePolicy::kLend : GuaranteePolicy::kHold;
  const std::string path = "spec.preemption";
  const json& preemption = *ReadObjectOrEmpty(spec, "preemption", "spec");
  GroupPreemption& p = group.preemption;
  p.reclaim = ReadChoice(preemption, "reclaim", path, "Any", "Never", true);
  p.within_group = ReadChoice(preemption, "withinGroup", path, "LowerPriority", "Never", true);
  p.delay_seconds = ReadSeconds(preemption, "delaySeconds", path, 30, kMaxPreemptionDelaySeconds);
}

void ReadFrameworkSharing(const json& spec, FrameworkSpec& framework) {
  framework.revocable = ReadChoice(spec, "revocable", "spec", "Allow", "Deny", true);
  const std::string path = "spec.preemption";
  const json& preemption = *ReadObjectOrEmpty(spec, "preemption", "spec");
  framework.preemptable = ReadBool(preemption, "preemptable", path).value_or(true);
  framework.min_runtime_seconds =
      ReadSeconds(preemption, "minRuntimeSeconds", path, 0, kMaxMinRuntimeSeconds);
}

const char* GuaranteePolicyName(GuaranteePolicy policy) {
  return policy == GuaranteePolicy::kHold ? "Hold" : "Lend";
}

const char* PreemptionReason(PreemptionKind kind) {
  return kind == PreemptionKind::kPriority ? "Priority" : "Reclaim";
}

const char* PreemptionKindLabel(PreemptionKind kind) {
  return kind == PreemptionKind::kPriority ? "priority" : "reclaim";
}

}  // namespace kubemesos::kube
