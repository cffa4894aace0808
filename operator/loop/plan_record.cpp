// Preemption plans to registry records and back (see plan_record.h).
#include "operator/loop/plan_record.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "operator/kube/object_key.h"

namespace kubemesos::loop {
namespace {

// The bounds of a stored time (registry.h: 1970..2200), in Unix seconds.
constexpr double kMaxUnix = 7'258'118'400.0;  // 2200-01-01T00:00:00Z

// Whole seconds within the bounds (NaN reads as the upper bound), rounded up or down.
registry::TimePoint ToTime(double unix_seconds, bool up) {
  double s = std::isfinite(unix_seconds) ? std::clamp(unix_seconds, 0.0, kMaxUnix) : kMaxUnix;
  return registry::TimePoint(
      std::chrono::seconds(static_cast<int64_t>(up ? std::ceil(s) : std::floor(s))));
}

double ToUnix(registry::TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string PlanKey(const Preemption& plan) {
  if (!plan.gang.empty()) return plan.gang;
  return plan.preemptors.empty() ? "" : plan.preemptors.front().pod;
}

registry::PreemptionRecord ToRecord(const Preemption& plan, double unix_offset) {
  registry::PreemptionRecord r;
  kube::ObjectKey key = kube::ObjectKey::Parse(PlanKey(plan));
  r.ns = key.ns;
  r.name = key.name;
  r.reclaim = plan.kind == PreemptionKind::kReclaim;
  r.group = plan.group;
  r.gang = plan.gang;
  for (const auto& n : plan.preemptors) r.preemptors.push_back({n.pod, n.framework, n.node});
  for (const auto& v : plan.victims) {
    r.victims.push_back({v.pod, v.framework, v.node, v.group, v.priority,
                         std::isfinite(v.ran_seconds) ? std::max(0.0, v.ran_seconds) : 0.0});
  }
  // Whole seconds: the creation rounds down, the deadline up (never earlier than planned).
  r.created = ToTime(plan.created + unix_offset, false);
  r.deadline = std::max(r.created, ToTime(plan.deadline + unix_offset, true));
  r.message = plan.message;
  return r;
}

Preemption FromRecord(const registry::PreemptionRecord& r, double unix_offset) {
  Preemption plan;
  plan.kind = r.reclaim ? PreemptionKind::kReclaim : PreemptionKind::kPriority;
  plan.group = r.group;
  plan.gang = r.gang;
  for (const auto& n : r.preemptors) plan.preemptors.push_back({n.pod, n.framework, n.node});
  for (const auto& v : r.victims)
    plan.victims.push_back({v.pod, v.framework, v.node, v.group, v.priority, v.ran_seconds});
  plan.created = ToUnix(r.created) - unix_offset;
  plan.deadline = ToUnix(r.deadline) - unix_offset;
  plan.message = r.message;
  return plan;
}

}  // namespace kubemesos::loop
