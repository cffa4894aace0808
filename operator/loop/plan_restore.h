// Failover of preemption plans (issue #16, rule P16): when a replica becomes the leader it reads
// the plans in flight from the registry before its first Allocate, hands each back to the engine
// (Allocator::RestorePreemption, deadlines converted to the engine's clock, so timers are not
// reset) and to the evictor (which carries it on with the same victims), and deletes the
// records of plans whose deadline has passed (their preemptors' nominations are cleared).
//
// Threads: the loop thread (it owns the core). Blocks on the registry (one range read and the
// expired records' deletes, once per term). Ownership: borrows everything. Errors: false with
// `error` when the registry cannot be read (then nothing was restored: call again); malformed
// records are left out and named in `skipped`.
#pragma once

#include <string>
#include <vector>

#include "operator/loop/evictor.h"
#include "operator/loop/scheduler_core.h"
#include "operator/registry/registry.h"

namespace kubemesos::loop {

struct RestoreStats {
  size_t restored = 0;
  size_t expired = 0;  // deadline passed: record deleted
  size_t known = 0;    // the engine already holds a plan with that key (this replica made it)
  std::vector<std::string> skipped;
};

// `engine_now` (Allocate's clock) and `unix_now` are the same instant.
bool RestorePlans(registry::Registry& registry, SchedulerCore& core, Evictor& evictor,
                  double engine_now, double unix_now, RestoreStats& stats, std::string& error);

}  // namespace kubemesos::loop
