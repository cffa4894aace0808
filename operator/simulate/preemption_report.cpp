// The preemption part of `kubemesos simulate` (see preemption_report.h).
#include "operator/simulate/preemption_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "operator/kube/lenient.h"
#include "operator/kube/sharing.h"
#include "operator/simulate/report_json.h"

namespace kubemesos::simulate {
namespace {

using nlohmann::ordered_json;

// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SSZ" (fractions and offsets are not accepted:
// Kubernetes writes startTime in exactly this form), or -1.
double ParseRfc3339(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != static_cast<int>(text.size())) {
    return -1;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t t = timegm(&tm);
  return t < 0 ? -1 : static_cast<double>(t);
}

}  // namespace

ordered_json PreemptionsJson(const std::vector<Preemption>& plans) {
  ordered_json out = ordered_json::array();
  for (const Preemption& plan : plans) {
    ordered_json preemptors = ordered_json::array(), nodes = ordered_json::array(),
                 victims = ordered_json::array();
    std::vector<std::string> seen;
    for (const auto& n : plan.preemptors) {
      ordered_json ref = PodRef(n.pod, n.framework);
      ref["node"] = n.node;
      preemptors.push_back(std::move(ref));
      if (std::find(seen.begin(), seen.end(), n.node) == seen.end()) {
        seen.push_back(n.node);
        nodes.push_back(n.node);
      }
    }
    for (const auto& v : plan.victims) {
      ordered_json ref = PodRef(v.pod, v.framework);
      ref["group"] = v.group;
      ref["node"] = v.node;
      ref["priority"] = v.priority;
      ref["ranSeconds"] = std::round(v.ran_seconds);
      victims.push_back(std::move(ref));
    }
    ordered_json entry = {{"kind", kube::PreemptionKindLabel(plan.kind)}, {"group", plan.group}};
    if (!plan.gang.empty()) entry["gang"] = plan.gang;
    entry["preemptors"] = std::move(preemptors);
    entry["nodes"] = std::move(nodes);
    entry["victims"] = std::move(victims);
    entry["message"] = plan.message;
    out.push_back(std::move(entry));
  }
  return out;
}

double PreemptionCheckAt(const std::vector<GroupSpec>& groups) {
  double delay = groups.empty() ? GroupPreemption{}.delay_seconds : 0;
  for (const auto& g : groups) delay = std::max(delay, g.preemption.delay_seconds);
  return delay + 1;
}

double RanSeconds(const nlohmann::json& pod, std::time_t wall_now) {
  std::string start = kube::lenient::Str(kube::lenient::Field(pod, "status"), "startTime");
  double t = start.empty() ? -1 : ParseRfc3339(start);
  if (t < 0) return kSimulationStart;
  return std::clamp(static_cast<double>(wall_now) - t, 0.0, kSimulationStart);
}

void MergeResult(AllocationResult& into, AllocationResult next) {
  std::unordered_map<std::string, size_t> index;  // pod -> its entry in into.unplaced
  for (size_t i = 0; i < into.unplaced.size(); ++i) index.emplace(into.unplaced[i].pod, i);
  for (auto& u : next.unplaced) {
    if (auto it = index.find(u.pod); it != index.end()) {
      into.unplaced[it->second] = std::move(u);
    } else {
      index.emplace(u.pod, into.unplaced.size());
      into.unplaced.push_back(std::move(u));
    }
  }
  // A task placed in the later cycle is no longer pending.
  std::unordered_set<std::string> placed;
  for (const auto& p : next.placements) placed.insert(p.pod);
  std::erase_if(into.unplaced, [&](const Unplaced& u) { return placed.count(u.pod) > 0; });
  for (auto& p : next.placements) into.placements.push_back(std::move(p));
  for (auto& plan : next.preemptions) into.preemptions.push_back(std::move(plan));
}

}  // namespace kubemesos::simulate
