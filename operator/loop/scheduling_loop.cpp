// The scheduling thread's loop.
#include "operator/loop/scheduling_loop.h"

#include <algorithm>
#include <chrono>

namespace kubemesos::loop {

SchedulingLoop::SchedulingLoop(SchedulerCore& core, EventQueue<LoopEvent>& queue,
                               LoopOptions options, std::function<void(const CycleStats&)> on_cycle)
    : core_(core), queue_(queue), options_(options), on_cycle_(std::move(on_cycle)) {}

double SchedulingLoop::Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void SchedulingLoop::Run(const std::atomic<bool>& stop) {
  using std::chrono::duration;
  using std::chrono::steady_clock;
  double last_cycle = Now() - options_.max_interval_seconds;
  double last_check = last_cycle;  // of may_allocate
  bool allowed = true;             // at the last check
  // A standby does not allocate, so changes do not hurry it; it only polls may_allocate.
  auto cycle_wait = [&] {
    return allowed && core_.dirty() ? options_.min_interval_seconds : options_.max_interval_seconds;
  };
  auto due = [&] {
    double at = last_cycle + cycle_wait();
    return allowed ? at : std::min(at, last_check + options_.standby_poll_seconds);
  };
  while (!stop.load()) {
    auto deadline = steady_clock::now() + std::chrono::duration_cast<steady_clock::duration>(
                                              duration<double>(std::max(0.0, due() - Now())));
    for (auto& event : queue_.PopAll(deadline)) {
      core_.Apply(event, Now());
      if (options_.observe) options_.observe(event);
    }
    double now = Now();
    if (now < due()) continue;
    last_check = now;
    bool was_allowed = allowed;
    allowed = !options_.may_allocate || options_.may_allocate();
    bool became_leader = allowed && !was_allowed;
    if (now - last_cycle < cycle_wait() && !became_leader) continue;  // a standby's poll
    last_cycle = now;  // also while not synced, so that waiting never spins
    if (!core_.synced()) continue;
    CycleStats stats;
    if (allowed) stats = core_.Cycle(now);
    if (on_cycle_) on_cycle_(stats);
  }
}

}  // namespace kubemesos::loop
