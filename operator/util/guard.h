// The one way a thread entry point keeps an exception from leaving its thread: run the work
// through Guarded, which catches everything, logs it with context and counts it per component.
// The counts are published as kubemesos_internal_errors_total{component} (operator/metrics).
//
// Contract:
// - Guarded(component, what, fn) runs fn(); returns true when it returned normally, false when
//   it threw (then one error line is logged and the component's count goes up by one). It never
//   throws, whatever fn throws, and never allocates in a way that can throw out of it.
// - `component` names a fixed, low-cardinality part of the process ("binder", "write_queue",
//   "informer", "election", ...): it becomes a metric label. `what` is free text for the log.
// - What to do after a failure (carry on with the next item, restart the round, step down) is
//   the caller's decision; Guarded only reports.
// Threads: everything here is thread-safe.
#pragma once

#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "operator/util/log.h"

namespace kubemesos::util {

namespace internal {
inline std::mutex& InternalErrorsMutex() {
  static std::mutex mu;
  return mu;
}
inline std::map<std::string, uint64_t, std::less<>>& InternalErrorCounts() {
  static std::map<std::string, uint64_t, std::less<>> counts;
  return counts;
}
}  // namespace internal

// Counts one internal error of `component`. Never throws (a failed allocation is not counted).
inline void CountInternalError(std::string_view component) noexcept {
  try {
    std::lock_guard<std::mutex> lock(internal::InternalErrorsMutex());
    auto& counts = internal::InternalErrorCounts();
    auto it = counts.find(component);
    if (it == counts.end()) it = counts.emplace(std::string(component), 0).first;
    ++it->second;
  } catch (...) {
  }
}

// A snapshot of every component's count so far.
inline std::map<std::string, uint64_t> InternalErrors() {
  std::lock_guard<std::mutex> lock(internal::InternalErrorsMutex());
  const auto& counts = internal::InternalErrorCounts();
  return {counts.begin(), counts.end()};
}

// Logs and counts an exception caught by the caller. Never throws.
inline void ReportInternalError(std::string_view component, std::string_view what,
                                std::exception_ptr error) noexcept {
  CountInternalError(component);
  try {
    std::string message = "unknown exception";
    try {
      if (error) std::rethrow_exception(error);
    } catch (const std::exception& e) {
      message = e.what();
    } catch (...) {
    }
    // Exception texts may carry user input: the log serialises with invalid UTF-8 replaced.
    log::Error(
        "internal error",
        {{"component", std::string(component)}, {"what", std::string(what)}, {"error", message}});
  } catch (...) {
  }
}

template <typename F>
bool Guarded(std::string_view component, std::string_view what, F&& fn) noexcept {
  try {
    std::forward<F>(fn)();
    return true;
  } catch (...) {
    ReportInternalError(component, what, std::current_exception());
    return false;
  }
}

}  // namespace kubemesos::util
