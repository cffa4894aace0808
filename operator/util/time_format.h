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

// Reads "2026-11-27T04:03:18Z" (the form Kubernetes writes metav1.Time in) into seconds since
// the epoch. False (and `out` untouched) for any other form, or a year outside 1970..2200.
// Thread-safe; never throws.
inline bool ParseRfc3339(const std::string& text, std::time_t& out) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end != '\0' || tm.tm_year < 70 || tm.tm_year > 300) return false;
  out = timegm(&tm);
  return true;
}

}  // namespace kubemesos::util
