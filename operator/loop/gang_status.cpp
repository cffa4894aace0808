// A Framework gang's status block, conditions and failure Events (see gang_status.h).
#include "operator/loop/gang_status.h"

#include <cmath>
#include <ctime>

#include "operator/kube/gang_text.h"
#include "operator/loop/object_status.h"
#include "operator/loop/status_reporter.h"
#include "operator/util/time_format.h"

namespace kubemesos::loop {
namespace {

using kube::GangFailureText;
using kube::GangPhaseName;

std::string Counts(const GangStatus& gang, const char* what) {
  return std::to_string(gang.bound) + "/" + std::to_string(gang.min_member) + " members " + what;
}

}  // namespace

GangCondition GangSchedulable(const GangStatus& gang) {
  bool placed = gang.phase == GangPhase::kBinding || gang.phase == GangPhase::kRunning;
  if (placed || (gang.phase == GangPhase::kDegraded && !gang.last_failure)) {
    return {"True", "Schedulable", ""};
  }
  if (gang.last_failure) {
    return {"False", ConditionReason(*gang.last_failure), GangFailureText(*gang.last_failure)};
  }
  if (gang.phase == GangPhase::kWaitingForMembers) {
    return {"False", "WaitingForMembers",
            "fewer members exist than minMember " + std::to_string(gang.min_member)};
  }
  return {"Unknown", "NotAttempted", ""};
}

GangCondition GangScheduled(const GangStatus& gang) {
  if (gang.phase == GangPhase::kRunning) return {"True", "MinMemberBound", Counts(gang, "bound")};
  return {"False", GangPhaseName(gang.phase), Counts(gang, "bound")};
}

std::string FrameworkGangStatus::WallTime(const std::string& slot, double t, double now) {
  auto it = times_.find(slot);
  if (it != times_.end() && it->second.first == t) return it->second.second;
  double wall = static_cast<double>(std::time(nullptr)) + (t - now);
  std::string text = util::Rfc3339(static_cast<std::time_t>(std::llround(wall)));
  times_.insert_or_assign(slot, std::make_pair(t, text));
  return text;
}

std::string FrameworkGangStatus::Since(const std::string& slot, const std::string& status) {
  auto it = since_.find(slot);
  if (it == since_.end() || it->second.first != status) {
    it = since_.insert_or_assign(slot, std::make_pair(status, util::NowRfc3339())).first;
  }
  return it->second.second;
}

void FrameworkGangStatus::Add(nlohmann::json& status, const std::string& key,
                              const GangStatus& gang, const ResourceCatalog& catalog, double now) {
  nlohmann::json block = {{"phase", GangPhaseName(gang.phase)},
                          {"minMember", gang.min_member},
                          {"active", gang.active},
                          {"pending", gang.pending},
                          {"attempts", gang.attempts},
                          {"reservedResources", QuantitiesJson(gang.reserved, catalog)}};
  // Absent times and failures are null: a merge patch then removes what an earlier write set.
  block["waitingSince"] = gang.waiting_since >= 0
                              ? nlohmann::json(WallTime(key + " waiting", gang.waiting_since, now))
                              : nlohmann::json(nullptr);
  block["reservedUntil"] =
      gang.reserved_until >= 0
          ? nlohmann::json(WallTime(key + " reserved", gang.reserved_until, now))
          : nlohmann::json(nullptr);
  block["lastFailure"] = gang.last_failure ? nlohmann::json(GangFailureText(*gang.last_failure))
                                           : nlohmann::json(nullptr);
  status["gang"] = std::move(block);
  nlohmann::json& conditions = status["conditions"];
  if (!conditions.is_array()) conditions = nlohmann::json::array();
  for (auto [type, c] : {std::make_pair("GangSchedulable", GangSchedulable(gang)),
                         std::make_pair("GangScheduled", GangScheduled(gang))}) {
    conditions.push_back({{"type", type},
                          {"status", c.status},
                          {"reason", c.reason},
                          {"message", c.message},
                          {"lastTransitionTime", Since(key + " " + type, c.status)}});
  }
}

void FrameworkGangStatus::Forget(const std::string& key) {
  for (const char* slot : {" waiting", " reserved"}) times_.erase(key + slot);
  for (const char* slot : {" GangSchedulable", " GangScheduled"}) since_.erase(key + slot);
}

std::vector<GangFailureEvents::Event> GangFailureEvents::Changes(
    const std::vector<GangStatus>& gangs) {
  std::vector<Event> out;
  std::map<std::string, std::string> now;
  for (const GangStatus& gang : gangs) {
    if (gang.pod_group || !gang.last_failure) continue;
    // The reason, not the message: node counts in the message change with unrelated churn.
    std::string reason = gang.last_failure->Short();
    auto it = reported_.find(gang.key);
    if (it == reported_.end() || it->second != reason) {
      out.push_back({gang.key, "Gang" + ConditionReason(*gang.last_failure),
                     GangFailureText(*gang.last_failure)});
    }
    now.emplace(gang.key, std::move(reason));
  }
  reported_ = std::move(now);  // gangs placed or gone are forgotten: a new failure is news
  return out;
}

}  // namespace kubemesos::loop
