// The Framework controller's part of gang scheduling (see framework_controller.h): what happens
// after the engine decided a gang. Binds that fail leave a gang partly bound; the engine retries
// the missing members all or nothing, and this file makes sure the gang is never left so past
// its timeout (rule G2), releases a gang that ran and stays below its minimum (G8), and counts
// finished members the way the rules say (G9).
#include <algorithm>

#include "operator/controller/framework_controller.h"
#include "operator/kube/object_key.h"

namespace kubemesos::controller {

void FrameworkController::ObserveBind(const loop::BindResult& result) {
  // Only a failure matters (409: already bound, the watch tells), and only for a Framework's
  // own gang (its key is the Framework's; PodGroup gangs are not this controller's).
  if (result.gang.empty() || result.ok() || result.status == 409) return;
  auto it = states_.find(result.gang);
  if (it == states_.end() || !gang_frameworks_.count(result.gang)) return;
  GangTrack& t = it->second.gang;
  t.bind_failed = true;
  t.last_bind_failure =
      kube::ObjectKey::Parse(result.pod).name + " on " + result.node + ": " +
      (result.message.empty() ? "HTTP " + std::to_string(result.status) : result.message);
}

std::vector<TaskAction> FrameworkController::ReconcileGangs(const std::vector<GangStatus>& gangs,
                                                            double now, bool leader) {
  std::vector<TaskAction> out;
  if (gang_frameworks_.empty()) return out;
  for (const GangStatus& gang : gangs) {
    if (gang.pod_group || !gang_frameworks_.count(gang.key)) continue;
    auto it = states_.find(gang.key);
    if (it == states_.end()) continue;
    ReconcileGang(it->first, it->second, gang, now, leader, out);
  }
  return out;
}

void FrameworkController::ReconcileGang(const std::string& key, State& s, const GangStatus& gang,
                                        double now, bool leader, std::vector<TaskAction>& out) {
  const int min_member = s.spec.framework.gang.min_member;
  if (!s.exists || !s.valid || s.over_cap || s.gang_failed || min_member <= 0) return;
  // G9: members that Succeeded count toward the minimum, as the engine counts them (every
  // Succeeded member that still exists; a Failed one never counts). Task pods are restartPolicy
  // Never pods (the OnFailure relaunch is a new pod), so a Succeeded one completed normally and
  // is never rerun. Counting exactly as the engine does keeps both sides agreeing on Running.
  int finished = 0;
  for (const auto& [name, pod] : s.pods) finished += pod.pod.phase == "Succeeded";
  const int counted = gang.bound + finished;
  GangTrack& t = s.gang;
  if (counted >= min_member) {  // at its minimum: whatever failed before was made good
    if (t.below_since >= 0 && t.bind_failed && !t.reached && !t.acted)
      gang_outcomes_.push_back(GangPartialOutcome::kRecovered);
    t = GangTrack{};
    t.reached = true;
    return;
  }
  if (gang.bound == 0) {  // nothing on a node: not partial; the gang is decided afresh
    t = GangTrack{};
    return;
  }
  // 0 < counted < minMember. A standby only remembers whether the gang had reached its
  // minimum; timers start from what the leader observes (also after a failover). Degraded is
  // decided on members bound, as seen here, not on the engine's phase: the engine counts
  // assumed placements too, so a gang whose binds failed may have been "at its minimum" there.
  const bool degraded = t.reached;
  if (!leader) {
    t.below_since = -1;
    t.acted = false;
    return;
  }
  if (t.below_since < 0) t.below_since = now;
  const kube::FrameworkGangActions& a = s.spec.gang_actions;
  const double timeout = degraded ? a.recovery_timeout_seconds : a.bind_timeout_seconds;
  const bool report =
      !degraded && a.on_bind_failure == kube::FrameworkGangActions::OnBindFailure::kReport;
  if (now - t.below_since < timeout || (t.acted && report)) return;  // Report: said once
  // Re-armed: a gang still below its minimum one more timeout later (a delete was refused)
  // gets the same action again; the episode ends when it is at its minimum or unbound.
  t.acted = true;
  t.below_since = now;
  s.view_dirty = true;
  const std::string state = std::to_string(counted) + "/" + std::to_string(min_member) +
                            " members bound for " + std::to_string(static_cast<int>(timeout)) + "s";
  if (!degraded) {
    std::string why =
        t.last_bind_failure.empty() ? "" : " (last failed bind: " + t.last_bind_failure + ")";
    if (report) {
      gang_outcomes_.push_back(GangPartialOutcome::kReported);
      problems_.push_back(
          {s.ns, s.name,
           "gang partly bound: " + state + why + "; left as is (onBindFailure Report)",
           "GangPartiallyBound"});
      return;
    }
    int deleted = DeleteMembers(s, /*bound_only=*/true, out);
    gang_outcomes_.push_back(GangPartialOutcome::kRestarted);
    problems_.push_back({s.ns, s.name,
                         "gang partly bound: " + state + why + " (bindTimeoutSeconds); deleted " +
                             std::to_string(deleted) +
                             " bound task pods to re-create them and place the gang again",
                         "GangBindTimeout"});
    return;
  }
  int deleted = DeleteMembers(s, /*bound_only=*/false, out);
  std::string message = "gang below its minimum: " + state + " (recoveryTimeoutSeconds); deleted " +
                        std::to_string(deleted) + " task pods";
  if (a.on_timeout == kube::FrameworkGangActions::OnTimeout::kFail) {
    s.gang_failed = true;
    s.view.gang_failure = message + "; no task is launched again (onTimeout Fail)";
    problems_.push_back({s.ns, s.name, s.view.gang_failure, loop::kGangTimeout});
    return;
  }
  // Requeue: the pods come back after the relaunch backoff, doubling per requeue.
  s.create_retry_at = std::max(s.create_retry_at, now + RetryDelay(s.requeues++));
  Schedule(key, s.create_retry_at);
  problems_.push_back({s.ns, s.name,
                       message + "; re-created in " +
                           std::to_string(static_cast<int>(s.create_retry_at - now)) +
                           "s (onTimeout Requeue)",
                       "GangRequeued"});
}

int FrameworkController::DeleteMembers(State& s, bool bound_only, std::vector<TaskAction>& out) {
  // Only the Framework's own task pods: adopted pods (Spark executors) are their owner's to
  // re-create, never this controller's to delete.
  int n = 0;
  for (auto& [name, pod] : s.pods) {
    const TaskPod& p = pod.pod;
    if (p.owner_uid.empty() || p.owner_uid != s.uid) continue;
    if (bound_only && (!p.bound || p.terminal())) continue;
    ++n;
    if (p.deleting || !s.deleting.insert(p.name).second) continue;  // already going
    out.push_back({false, s.ns, p.name, s.name, p.uid, {}});
  }
  return n;
}

std::vector<GangPartialOutcome> FrameworkController::TakeGangOutcomes() {
  std::vector<GangPartialOutcome> out;
  out.swap(gang_outcomes_);
  return out;
}

}  // namespace kubemesos::controller
