// The scheduling thread's loop.
#include "operator/loop/scheduling_loop.h"

#include <algorithm>
#include <chrono>

#include "operator/util/guard.h"

namespace kubemesos::loop {
namespace {

// What an event is about, for the log line of an event whose handling threw. Never throws (the
// fallback fits the small-string buffer).
std::string Describe(const LoopEvent& event) noexcept {
  try {
    switch (event.type) {
      case LoopEvent::Type::kObject: {
        const auto& md = event.object.at("metadata");
        std::string ns = md.value("namespace", "");
        return "applying an event of " + std::string(KindName(event.kind)) + " " +
               (ns.empty() ? "" : ns + "/") + md.value("name", "");
      }
      case LoopEvent::Type::kBindResult:
        return "applying the bind result of pod " + event.bind.pod;
      case LoopEvent::Type::kTaskWrite:
        return "applying the write result of pod " + event.task.ns + "/" + event.task.name;
      case LoopEvent::Type::kEvictionFailed:
        return "applying the failed eviction of pod " + event.evict.victim;
      case LoopEvent::Type::kSynced:
      case LoopEvent::Type::kWake:
        break;
    }
  } catch (...) {
  }
  return "an event";  // 8 bytes: no allocation
}

}  // namespace

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
      // One event whose handling throws is reported and skipped; the loop goes on.
      try {
        core_.Apply(event, Now());
        if (options_.observe) options_.observe(event);
      } catch (...) {
        util::ReportInternalError("scheduling_loop", Describe(event), std::current_exception());
      }
    }
    double now = Now();
    if (now < due()) continue;
    last_check = now;
    bool was_allowed = allowed;
    allowed = !options_.may_allocate;
    if (options_.may_allocate) {  // a throw means "not now", like a lease that cannot be read
      util::Guarded("scheduling_loop", "asking whether to allocate",
                    [&] { allowed = options_.may_allocate(); });
    }
    bool became_leader = allowed && !was_allowed;
    if (now - last_cycle < cycle_wait() && !became_leader) continue;  // a standby's poll
    last_cycle = now;  // also while not synced, so that waiting never spins
    if (!core_.synced()) continue;
    // A cycle that throws is reported; the next one runs when due (last_cycle is set).
    util::Guarded("scheduling_loop", "an allocation cycle", [&] {
      CycleStats stats;
      if (allowed) stats = core_.Cycle(now);
      if (on_cycle_) on_cycle_(stats);
    });
  }
}

}  // namespace kubemesos::loop
