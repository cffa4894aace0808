// How `kubemesos run` stops, within a bound: SIGTERM or SIGINT sets a flag and wakes a thread of
// ShutdownSignals through a pipe (the handler does only async-signal-safe things). That thread
// calls `on_signal` (run: push a wake-up into the loop's queue, so the loop stops now rather
// than at its next tick) and from then on holds the hard limit: a process still running
// `hard_limit` after the signal logs an error and exits with status 1 at once, finishing
// nothing (what was in flight is lost; the next leader re-creates it).
//
// The orderly path (run_command.cpp) stays well inside the limit: it drops queued task-pod
// writes, sends queued binds until kShutdownDrain, then stops the rest, resigns and exits 0
// (without waiting for requests still in flight past kShutdownDrain: they cannot be
// interrupted, and nothing depends on them any more).
//
// Threads: the constructor installs the handlers and starts the thread; the destructor (from
// the thread that constructed it) disarms the limit, restores the default handlers and joins.
// One instance at a time per process. Errors: the constructor throws std::system_error when
// the pipe or the thread cannot be made.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace kubemesos::run {

// The chart's terminationGracePeriodSeconds is 30 s (the Kubernetes default): binds in flight
// get kShutdownDrain, everything kShutdownHardLimit, both counted from the signal.
inline constexpr std::chrono::seconds kShutdownDrain{10};
inline constexpr std::chrono::seconds kShutdownHardLimit{20};

class ShutdownSignals {
 public:
  ShutdownSignals(std::chrono::steady_clock::duration hard_limit, std::function<void()> on_signal);
  ~ShutdownSignals();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  // True once SIGTERM or SIGINT arrived (or Request was called).
  const std::atomic<bool>& requested() const;
  // Acts as if a signal arrived (for tests).
  void Request();
  // Names the shutdown step under way (a string literal), for the error at the hard limit.
  void Stage(const char* step) { stage_ = step; }

 private:
  void Run();

  const std::chrono::steady_clock::duration hard_limit_;
  const std::function<void()> on_signal_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;  // the orderly shutdown finished (the destructor runs)
  std::atomic<const char*> stage_{"stopping the loop"};
  std::thread thread_;
};

}  // namespace kubemesos::run
