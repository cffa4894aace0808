// A preemption plan (the engine's Preemption, in Allocate's clock) as the registry stores it
// (registry::PreemptionRecord, on the wall clock), and back: the evictor writes plans before
// their first eviction, a new leader reads them back (issue #16, rule P16).
#pragma once

#include <string>

#include "operator/registry/registry.h"
#include "scheduler/allocator.h"

namespace kubemesos::loop {

// The plan's key, "namespace/name": its gang's key when it places a gang's minimum, else its
// first preemptor's pod key. One plan per preemptor (or gang) is in flight at a time.
std::string PlanKey(const Preemption& plan);

// `unix_offset`: Unix time minus Allocate's clock (the plan's wall times are its times plus
// this). Times are kept within what a record holds (1970..2200). Threads: pure functions.
registry::PreemptionRecord ToRecord(const Preemption& plan, double unix_offset);
Preemption FromRecord(const registry::PreemptionRecord& record, double unix_offset);

// Seconds since the epoch now (the wall clock the offsets above are taken against).
double UnixNow();

}  // namespace kubemesos::loop
