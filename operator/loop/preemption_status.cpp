// Framework status.preemption and the Preempted Event (see preemption_status.h).
#include "operator/loop/preemption_status.h"

#include <cmath>

#include "operator/kube/lenient.h"
#include "operator/kube/sharing.h"
#include "operator/util/time_format.h"

namespace kubemesos::loop {

int64_t PreemptedTasksOf(const nlohmann::json& framework) {
  const nlohmann::json& v = kube::lenient::Field(
      kube::lenient::Field(kube::lenient::Field(framework, "status"), "preemption"),
      "preemptedTasks");
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    return u <= (uint64_t{1} << 53) ? static_cast<int64_t>(u) : 0;
  }
  if (v.is_number_integer()) {
    int64_t i = v.get<int64_t>();
    return i >= 0 && i <= (int64_t{1} << 53) ? i : 0;
  }
  return 0;
}

void FrameworkPreemptions::Observe(const std::string& key, int64_t preempted_tasks) {
  Base& base = base_[key];
  if (!base.frozen) base.count = preempted_tasks;
}

std::string PreemptorText(const Preemption& plan) {
  if (!plan.gang.empty()) return "gang " + plan.gang;
  if (plan.preemptors.empty()) return "group " + plan.group;
  std::string text = plan.preemptors.front().pod;
  if (plan.preemptors.size() > 1) {
    text += " and " + std::to_string(plan.preemptors.size() - 1) + " more";
  }
  return text;
}

std::vector<FrameworkPreemptions::Event> FrameworkPreemptions::Note(
    const std::vector<Preemption>& plans, double now, std::time_t wall_now) {
  std::vector<Event> events;
  for (const Preemption& plan : plans) {
    std::map<std::string, int> victims;  // framework -> victims of this plan
    for (const auto& v : plan.victims) {
      if (!v.framework.empty()) ++victims[v.framework];
    }
    if (victims.empty()) continue;
    double wall = static_cast<double>(wall_now) + (plan.created - now);
    std::string time = util::Rfc3339(static_cast<std::time_t>(std::llround(wall)));
    std::string by = PreemptorText(plan);
    const char* reason = kube::PreemptionReason(plan.kind);
    for (const auto& [framework, count] : victims) {
      last_[framework] = {{"time", time},
                          {"by", by},
                          {"reason", reason},
                          {"victims", count},
                          {"message", plan.message}};
      std::string message = std::to_string(count) + (count == 1 ? " task" : " tasks") +
                            " preempted by " + by + " (" + reason + ", group " + plan.group + ")";
      if (!plan.message.empty()) message += ": " + plan.message;
      events.push_back({framework, std::move(message)});
    }
  }
  return events;
}

void FrameworkPreemptions::Add(nlohmann::json& status, const std::string& key,
                               const FrameworkStatus& framework) {
  Base& base = base_[key];
  base.frozen = true;
  nlohmann::json block = {{"preemptedTasks", base.count + framework.preempted},
                          {"revocableTasks", framework.revocable}};
  if (auto it = last_.find(key); it != last_.end()) block["lastPreempted"] = it->second;
  status["preemption"] = std::move(block);
}

}  // namespace kubemesos::loop
