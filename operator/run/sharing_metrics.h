// SharingMetrics: the lend, reclaim and preemption series (metrics/preemption_metrics.h) fed on
// the loop thread from each cycle's AllocationResult (plans made, placements, nominations
// ended) and, once a second, from the engine's group and framework view (borrowed, lent,
// revocable tasks).
//
// Threads: the loop thread only. Ownership: borrows the metrics, which must outlive it.
// Errors: none (beyond std::bad_alloc).
//
// Precision: a plan's time to bind runs from its `created` (engine clock) to the cycle whose
// placements include its last preemptor (seen at cycle granularity; the bind itself follows
// within the binder's latency). A plan whose nomination ends unplaced (expired, cancelled) or
// whose deadline passes is dropped unobserved. Plans made by an earlier leader are not seen.
#pragma once

#include <map>
#include <string>
#include <unordered_map>

#include "operator/metrics/metrics.h"
#include "scheduler/allocator.h"

namespace kubemesos::run {

class SharingMetrics {
 public:
  explicit SharingMetrics(metrics::Metrics& metrics) : metrics_(metrics) {}

  // One cycle's result at engine time `now` (Allocate's clock).
  void Observe(const AllocationResult& result, double now);
  // The group gauges from the engine's view.
  void Publish(const Allocator& allocator);
  // Plans whose preemptors are still awaited (for tests).
  size_t plans_in_flight() const { return plans_.size(); }

 private:
  struct Plan {
    double created = 0;
    double deadline = 0;
    int waiting = 0;  // preemptors not placed yet
  };
  void Drop(uint64_t id);

  metrics::Metrics& metrics_;
  uint64_t next_id_ = 0;
  std::map<uint64_t, Plan> plans_;
  std::unordered_map<std::string, uint64_t> preemptors_;  // pod key -> its plan
};

}  // namespace kubemesos::run
