// The lend, reclaim and preemption series of the operator's metrics (issue #16), part of the
// same registry as metrics.h:
//   kubemesos_preemptions_total{kind}                                    plans made
//   kubemesos_preemption_victims_total{kind,victim_group,preemptor_group} tasks chosen as victims
//   kubemesos_preemption_victims_per_plan                                histogram
//   kubemesos_preemption_to_bind_seconds        histogram: plan made -> every preemptor placed
//   kubemesos_preempted_task_runtime_seconds    histogram: how long victims had run (lost work)
//   kubemesos_group_borrowed{group,resource}, kubemesos_group_lent{group,resource},
//   kubemesos_group_revocable_tasks{group}
// `kind` is reclaim or priority.
//
// Contract:
// - Threads: every method is safe from any thread (one internal mutex); the loop thread calls
//   them. Ownership: series live in the registry given at construction, which must outlive it.
// - Cardinality: the group series follow SetGroups' complete set (a group that is gone loses
//   its series, victims series included). Victim series are per (kind, victim group,
//   preemptor group) pair that actually happened, at most kMaxVictimSeries; pairs beyond that
//   are counted under victim_group and preemptor_group "_other".
// - Errors: nothing throws except std::bad_alloc; negative or NaN durations are ignored.
// - prometheus-cpp stays in the .cpp (a forward declaration here).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "operator/metrics/metrics.h"

namespace prometheus {
class Registry;
}

namespace kubemesos::metrics {

enum class PlanKind { kReclaim, kPriority };

// The sharing state of one ResourceGroup after a cycle. Views valid during the call.
struct GroupSharingSample {
  std::string_view group;
  std::span<const ResourceValue> borrowed;  // only non-zero amounts
  std::span<const ResourceValue> lent;      // only non-zero amounts
  int64_t revocable_tasks = 0;              // of the frameworks registered directly under it
};

inline constexpr size_t kMaxVictimSeries = 1000;

class PreemptionMetrics {
 public:
  // Registers the families and the series that always exist (preemptions_total for both
  // kinds, the histograms).
  explicit PreemptionMetrics(prometheus::Registry& registry);
  ~PreemptionMetrics();
  PreemptionMetrics(const PreemptionMetrics&) = delete;
  PreemptionMetrics& operator=(const PreemptionMetrics&) = delete;

  // One plan made: preemptions_total{kind} += 1, victims_per_plan observes `victims`.
  void ObservePlan(PlanKind kind, size_t victims);
  // preemption_victims_total{kind,victim_group,preemptor_group} += count.
  void AddVictims(PlanKind kind, std::string_view victim_group, std::string_view preemptor_group,
                  uint64_t count = 1);
  // preempted_task_runtime_seconds: a victim had run this long.
  void ObserveVictimRuntime(double seconds);
  // preemption_to_bind_seconds: from a plan made to its last preemptor placed.
  void ObservePreemptionToBind(double seconds);
  // group_borrowed, group_lent and group_revocable_tasks for the complete set of groups.
  void SetGroups(std::span<const GroupSharingSample> groups);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kubemesos::metrics
