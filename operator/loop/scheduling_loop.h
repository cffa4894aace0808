// The single scheduling thread: drains the event queue into the SchedulerCore and runs an
// allocation cycle when something changed (batching bursts for min_interval) or at least every
// max_interval. The only thread that touches the engine.
#pragma once

#include <atomic>
#include <functional>

#include "operator/loop/event_queue.h"
#include "operator/loop/scheduler_core.h"

namespace kubemesos::loop {

struct LoopOptions {
  double min_interval_seconds = 0.02;
  double max_interval_seconds = 1.0;
  // Asked before each cycle: false (a standby replica) keeps mirroring events but allocates
  // nothing. Empty: always allowed. While it says false it is asked again every
  // standby_poll_seconds, so a new leader allocates at once instead of at the next tick.
  std::function<bool()> may_allocate;
  // Called on the loop thread with every event after the core applied it (the Framework
  // controller mirrors the same events). Optional.
  std::function<void(const LoopEvent&)> observe;
  double standby_poll_seconds = 0.1;  // see may_allocate
};

class SchedulingLoop {
 public:
  // Borrows the core and the queue. `on_cycle` (optional) is called on the loop thread at
  // every due cycle time once every watch synced, also when allocation is not allowed (then
  // with empty stats), for metrics, status and logs.
  SchedulingLoop(SchedulerCore& core, EventQueue<LoopEvent>& queue, LoopOptions options,
                 std::function<void(const CycleStats&)> on_cycle = nullptr);

  // Runs until `stop` becomes true (checked at least every max_interval, and at once when an
  // event is pushed after it is set). Errors: an event whose handling (Apply, observe) throws,
  // and a cycle (Cycle, on_cycle) that throws, are logged and counted as internal errors of
  // "scheduling_loop" (util::Guarded); the loop goes on with the next event or cycle.
  void Run(const std::atomic<bool>& stop);

  // Seconds on the loop's monotonic clock, as passed to the engine.
  static double Now();

 private:
  SchedulerCore& core_;
  EventQueue<LoopEvent>& queue_;
  LoopOptions options_;
  std::function<void(const CycleStats&)> on_cycle_;
};

}  // namespace kubemesos::loop
