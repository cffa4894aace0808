// PodGroup status: its PodGroupInitiallyScheduled condition, built and written (see
// pod_group_status.h).
#include "operator/loop/pod_group_status.h"

#include "operator/kube/lenient.h"
#include "operator/kube/object_key.h"
#include "operator/util/text.h"
#include "operator/util/time_format.h"

namespace kubemesos::loop {
namespace {

namespace lenient = kube::lenient;

// The longest condition message written, in bytes (cut on a character boundary): reasons quote
// user text and an API object must stay small.
constexpr size_t kMaxMessageBytes = 1024;

nlohmann::json Condition(const char* status, const char* reason, const std::string& message) {
  return {{"type", kPodGroupScheduledCondition},
          {"status", status},
          {"reason", reason},
          {"message", util::SanitizeUtf8(message, kMaxMessageBytes)}};
}

std::string StatusPath(const std::string& key) {
  kube::ObjectKey k = kube::ObjectKey::Parse(key);
  return "/apis/scheduling.k8s.io/v1beta1/namespaces/" + k.ns + "/podgroups/" + k.name + "/status";
}

}  // namespace

PodGroupObserved ObservePodGroup(const nlohmann::json& pod_group) {
  PodGroupObserved out;
  const nlohmann::json& generation =
      lenient::Field(lenient::Field(pod_group, "metadata"), "generation");
  if (generation.is_number_integer()) out.generation = generation.get<int64_t>();
  const nlohmann::json& conditions =
      lenient::Field(lenient::Field(pod_group, "status"), "conditions");
  if (!conditions.is_array()) return out;
  for (const auto& c : conditions) {
    if (lenient::Str(c, "type") != kPodGroupScheduledCondition) continue;
    // Bounded like what we write: the message is only compared with ours.
    out.status = util::SanitizeUtf8(lenient::Str(c, "status"), 16);
    out.reason = util::SanitizeUtf8(lenient::Str(c, "reason"), 64);
    out.message = util::SanitizeUtf8(lenient::Str(c, "message"), kMaxMessageBytes);
    break;
  }
  return out;
}

nlohmann::json PodGroupCondition(const GangStatus* gang, const PodGroupObserved& observed) {
  // kube-scheduler's rule: once True, the condition never goes back to False, even when
  // members are lost later (the Job controller and users read it as "started").
  if (observed.status == "True") return nullptr;
  if (!observed.refused.empty()) return Condition("False", "SchedulerError", observed.refused);
  if (!gang || gang->min_member <= 0) return nullptr;
  // Running: the minimum is bound (succeeded members count: a Job's pods may finish between two
  // looks). Degraded: it was reached before (kube-scheduler says Scheduled at that moment).
  if (gang->phase == GangPhase::kRunning || gang->phase == GangPhase::kDegraded)
    return Condition("True", "Scheduled", "");
  if ((gang->phase == GangPhase::kPending || gang->phase == GangPhase::kReserving) &&
      gang->last_failure) {
    return Condition("False", "Unschedulable",
                     gang->last_failure->Short() + ": " + gang->last_failure->message);
  }
  return nullptr;  // waiting for members, binding, or not attempted yet: nothing new to say
}

PodGroupStatusWriter::PodGroupStatusWriter(client::KubeClient& client, double writes_per_second,
                                           int burst)
    : client_(client), queue_(writes_per_second, burst, 1, "pod_group_status") {}

void PodGroupStatusWriter::Publish(
    const Allocator& allocator, const std::unordered_map<std::string, PodGroupObserved>& observed,
    const Warn& warn) {
  {
    std::lock_guard<std::mutex> lock(failed_mu_);
    for (const auto& key : failed_) written_.erase(key);
    failed_.clear();
  }
  std::unordered_map<std::string, GangStatus> gangs;
  for (auto& g : allocator.Gangs()) {
    if (g.pod_group && observed.count(g.key)) gangs.emplace(g.key, std::move(g));
  }
  std::set<std::string> seen;
  for (const auto& [key, pg] : observed) {
    if (!pg.ours) continue;
    seen.insert(key);
    auto gang = gangs.find(key);
    nlohmann::json condition = PodGroupCondition(gang == gangs.end() ? nullptr : &gang->second, pg);
    if (condition.is_null() || condition["reason"] != "Unschedulable") warned_.erase(key);
    if (condition.is_null()) continue;
    const std::string status = condition["status"], reason = condition["reason"],
                      message = condition["message"];
    if (reason == "Unschedulable" && warn) {
      auto [last, added] = warned_.try_emplace(key, message);
      if (added || last->second != message) {
        last->second = message;
        warn(key, message);
      }
    }
    // Already on the object (written by us before a restart, or by kube-scheduler): no write.
    if (pg.status == status && pg.reason == reason && pg.message == message) continue;
    std::string text = util::SafeDump(condition);
    auto& last = written_[key];
    if (last == text) continue;  // queued already; its watch event has not come back yet
    last = text;
    condition["lastTransitionTime"] = util::NowRfc3339();
    if (pg.generation > 0) condition["observedGeneration"] = pg.generation;
    // A strategic merge patch: conditions merge by type, so other writers' conditions
    // (DisruptionTarget) stay.
    nlohmann::json patch = {{"status", {{"conditions", nlohmann::json::array({condition})}}}};
    queue_.Submit(key, [this, key, path = StatusPath(key), body = util::SafeDump(patch)] {
      auto response =
          client_.Request("PATCH", path, body, "application/strategic-merge-patch+json");
      if (!response.ok() && response.status != 404) {  // 404: the group is gone
        std::lock_guard<std::mutex> lock(failed_mu_);
        failed_.insert(key);
      }
      return response.ok();
    });
  }
  // Groups that are gone: forget them (a re-created group is written afresh).
  std::erase_if(written_, [&](const auto& entry) { return !seen.count(entry.first); });
  std::erase_if(warned_, [&](const auto& entry) { return !seen.count(entry.first); });
}

}  // namespace kubemesos::loop
