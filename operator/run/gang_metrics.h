// GangMetrics: the gang series of the operator's metrics, derived on the loop thread from the
// engine's gang view (Allocator::Gangs(): PodGroups and Framework gangs) as it changes from one
// cycle to the next: kubemesos_gangs{phase}, kubemesos_gang_reserved_resources{resource},
// kubemesos_gang_time_to_schedule_seconds and kubemesos_gang_schedule_attempts_total{result}.
//
// Threads: Observe is called by the loop thread only, after each cycle. Ownership: borrows the
// metrics, which must outlive it. Errors: none (beyond std::bad_alloc).
//
// Precision: transitions are seen at cycle granularity. Time to schedule runs from the start of
// the gang's wait (GangStatus::waiting_since; for a gang first seen already placed, the cycle
// it was seen in) to the first cycle that sees it Running (minMember bound). A gang first seen
// Running (a new leader, a restart) is not observed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "operator/metrics/metrics.h"
#include "scheduler/allocator.h"

namespace kubemesos::run {

class GangMetrics {
 public:
  explicit GangMetrics(metrics::Metrics& metrics) : metrics_(metrics) {}

  // Feeds the metrics from `gangs` at engine time `now` (Allocate's clock).
  void Observe(const std::vector<GangStatus>& gangs, const ResourceCatalog& catalog, double now);

 private:
  struct Track {
    double wait_start = -1;  // -1: not waiting (Running, or not seen yet)
    int attempts = 0;        // GangStatus::attempts last seen
    GangPhase phase = GangPhase::kPending;
    uint64_t seen = 0;
  };
  metrics::Metrics& metrics_;
  std::map<std::string, Track> tracks_;  // "PodGroup ns/x" or "Framework ns/x"
  uint64_t generation_ = 0;
};

}  // namespace kubemesos::run
