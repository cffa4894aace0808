// What `kubemesos simulate` says about lend and reclaim (issue #16): the preemption plans the
// engine would make (the `preemptions` section of the report), and the pieces that let a
// one-shot simulation reach them: the moment pending tasks have waited long enough to preempt,
// the running pods' start times in the simulation's clock, and merging two cycles' results.
// See docs/simulate.md, "Preemption".
#pragma once

#include <ctime>
#include <vector>

#include <nlohmann/json.hpp>

#include "scheduler/allocator.h"

namespace kubemesos::simulate {

// The simulation's clock: the first cycle runs at kSimulationStart, so that pods on nodes can
// have started up to that long before it (the engine reads a negative start as "first seen").
// It is also how long a running pod without status.startTime is taken to have run: long past
// any minRuntimeSeconds (hand-written input describes pods that are simply running).
inline constexpr double kSimulationStart = 30 * 86400;

// [{kind (reclaim|priority), group, gang (when the preemptor is a gang), preemptors [{namespace,
// pod, framework, node}], nodes (distinct, in order), victims [{namespace, pod, framework,
// group, node, priority, ranSeconds}], message}] in plan order.
nlohmann::ordered_json PreemptionsJson(const std::vector<Preemption>& plans);

// How long after the first cycle every pending task has waited the longest
// spec.preemption.delaySeconds of `groups` (30 without groups), plus one second.
double PreemptionCheckAt(const std::vector<GroupSpec>& groups);

// How long a Pod object already on a node has run at `wall_now`: the seconds since its
// status.startTime (RFC 3339; 0 when it lies ahead), at most kSimulationStart, which is also
// the answer when it has none or it does not parse. Never throws.
double RanSeconds(const nlohmann::json& pod, std::time_t wall_now);

// Appends `next`'s placements and plans to `into`'s; `next`'s pending reasons replace those of
// the same pods in `into` (a later cycle reports only reasons that changed).
void MergeResult(AllocationResult& into, AllocationResult next);

}  // namespace kubemesos::simulate
