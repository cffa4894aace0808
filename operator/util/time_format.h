// Wall-clock timestamps in the form Kubernetes objects use (RFC 3339, UTC, seconds).
#pragma once

#include <ctime>
#include <string>

namespace kubemesos::util {

// "2026-11-27T04:03:18Z" for `t` (seconds since the epoch). Thread-safe.
inline std::string Rfc3339(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The same for now. Thread-safe.
inline std::string NowRfc3339() {
  return Rfc3339(std::time(nullptr));
}

}  // namespace kubemesos::util
