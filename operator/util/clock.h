// Clock: the one way time is injected into the operator's components. A component that decides
// on elapsed time (leases, fencing deadlines) takes a `const util::Clock&`; production passes a
// SystemClock, tests a ManualClock (tests/fakes/util/manual_clock.h, test-only).
//
// The scheduling loop passes its time to the engine as an argument instead (the engine has no
// clock at all), which is the same idea one level down.
//
// Threads: Now() may be called from any thread. Ownership: callers borrow the clock; it must
// outlive them.
#pragma once

#include <chrono>

namespace kubemesos::util {

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point Now() const = 0;  // monotonic
};

class SystemClock : public Clock {
 public:
  time_point Now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace kubemesos::util
