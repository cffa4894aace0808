// ManualClock: a util::Clock that moves only when told (test-only). Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "operator/util/clock.h"

namespace kubemesos::util {

class ManualClock : public Clock {
 public:
  time_point Now() const override { return time_point(std::chrono::milliseconds(ms_.load())); }
  void Advance(std::chrono::milliseconds d) { ms_ += d.count(); }

 private:
  std::atomic<int64_t> ms_{1'000'000};
};

}  // namespace kubemesos::util
