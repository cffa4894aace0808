// Lend, reclaim and preemption metrics from the engine's results (see sharing_metrics.h).
#include "operator/run/sharing_metrics.h"

#include <vector>

#include "operator/metrics/preemption_metrics.h"

namespace kubemesos::run {

void SharingMetrics::Drop(uint64_t id) {
  for (auto it = preemptors_.begin(); it != preemptors_.end();) {
    it = it->second == id ? preemptors_.erase(it) : std::next(it);
  }
  plans_.erase(id);
}

void SharingMetrics::Observe(const AllocationResult& result, double now) {
  metrics::PreemptionMetrics& m = metrics_.preemption();
  for (const Preemption& plan : result.preemptions) {
    auto kind = plan.kind == PreemptionKind::kPriority ? metrics::PlanKind::kPriority
                                                       : metrics::PlanKind::kReclaim;
    m.ObservePlan(kind, plan.victims.size());
    std::map<std::string, uint64_t> by_group;
    for (const auto& v : plan.victims) {
      ++by_group[v.group];
      m.ObserveVictimRuntime(v.ran_seconds);
    }
    for (const auto& [group, count] : by_group) m.AddVictims(kind, group, plan.group, count);
    uint64_t id = next_id_++;
    Plan& p = plans_[id];
    p.created = plan.created;
    p.deadline = plan.deadline;
    for (const auto& n : plan.preemptors) {
      // A preemptor planned again: its earlier plan did not complete.
      if (auto it = preemptors_.find(n.pod); it != preemptors_.end()) Drop(it->second);
      if (preemptors_.emplace(n.pod, id).second) ++p.waiting;
    }
    if (p.waiting == 0) plans_.erase(id);
  }
  for (const auto& pod : result.nominations_ended) {
    if (auto it = preemptors_.find(pod); it != preemptors_.end()) Drop(it->second);
  }
  for (const Placement& placed : result.placements) {
    auto it = preemptors_.find(placed.pod);
    if (it == preemptors_.end()) continue;
    uint64_t id = it->second;
    preemptors_.erase(it);
    auto plan = plans_.find(id);
    if (plan == plans_.end()) continue;
    if (--plan->second.waiting <= 0) {
      m.ObservePreemptionToBind(now - plan->second.created);
      plans_.erase(plan);
    }
  }
  std::vector<uint64_t> expired;
  for (const auto& [id, p] : plans_) {
    if (p.deadline > 0 && now > p.deadline) expired.push_back(id);
  }
  for (uint64_t id : expired) Drop(id);
}

void SharingMetrics::Publish(const Allocator& allocator) {
  const ResourceCatalog& catalog = allocator.catalog();
  auto groups = allocator.Groups();
  std::map<std::string, int64_t> revocable;
  for (const auto& f : allocator.Frameworks()) revocable[f.group] += f.revocable;
  std::vector<metrics::ResourceValue> values;
  // Reserved in full up front: the spans below point into it and must not move.
  values.reserve(groups.size() * 2 * catalog.size());
  auto append = [&](const Resources& amounts) {
    size_t first = values.size();
    for (ResourceId id = 0; id < catalog.size(); ++id) {
      if (amounts[id] != 0) {
        values.push_back({catalog.Name(id), ResourceCatalog::ToDisplay(id, amounts[id])});
      }
    }
    return std::span<const metrics::ResourceValue>(values.data() + first, values.size() - first);
  };
  std::vector<metrics::GroupSharingSample> samples;
  samples.reserve(groups.size());
  for (const auto& g : groups) {
    auto r = revocable.find(g.name);
    auto borrowed = append(g.borrowed);
    samples.push_back({g.name, borrowed, append(g.lent), r == revocable.end() ? 0 : r->second});
  }
  metrics_.preemption().SetGroups(samples);
}

}  // namespace kubemesos::run
