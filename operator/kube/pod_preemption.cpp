// The Pod fields preemption reads (see pod_preemption.h).
#include "operator/kube/pod_preemption.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <string>

#include "operator/util/time_format.h"

namespace kubemesos::kube {

void ReadPreemptionFields(const json& meta, const json& spec, const json& status, bool placed,
                          const PodOptions& options, PodSpec& out) {
  // A pod being deleted still holds its node until its object is gone (the engine keeps it,
  // never choosing it as a victim again).
  out.terminating = !ReadString(meta, "deletionTimestamp", "metadata").value_or("").empty();
  out.preempt_never = ReadString(spec, "preemptionPolicy", "spec").value_or("") == "Never";
  if (auto grace = ReadInt(spec, "terminationGracePeriodSeconds", "spec")) {
    if ((*grace < 0 || *grace > kMaxGraceSeconds) && !placed) {
      throw FieldError("spec.terminationGracePeriodSeconds",
                       "out of range [0, " + std::to_string(kMaxGraceSeconds) + "]");
    }
    out.grace_seconds = static_cast<double>(std::clamp<int64_t>(*grace, 0, kMaxGraceSeconds));
  }
  // status.startTime is the kubelet's: read leniently (a placed pod must keep counting, so an
  // odd value means "unknown", not an error).
  out.started = -1;
  if (!placed || !std::isfinite(options.engine_now) || !std::isfinite(options.unix_now)) return;
  const json* start = Find(status, "startTime");
  std::time_t unix_start = 0;
  if (!start || !start->is_string() || !util::ParseRfc3339(start->get<std::string>(), unix_start))
    return;
  double ago = std::max(0.0, options.unix_now - static_cast<double>(unix_start));
  out.started = std::max(0.0, options.engine_now - ago);
}

}  // namespace kubemesos::kube
