// The text forms of the messages whose Go types marshal JSON by hand (schema.h's Special):
// meta/v1 Time and MicroTime, Duration, and base64 for bytes. Pure functions; never throw
// except std::bad_alloc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kubemesos::proto::internal {

// RFC 3339 in UTC: "2026-12-05T10:00:00Z" when `nanos` < 0 (meta/v1 Time, whole seconds), else
// with 6 decimals, "2026-12-05T10:00:00.123456Z" (MicroTime; nanos truncated to microseconds).
// False for a time outside years 0..9999.
bool FormatTime(int64_t seconds, int64_t nanos, std::string& out);
// The reverse: "2026-12-05T10:00:00Z", with optional decimals and a numeric offset
// ("+02:00"). False for anything else.
bool ParseTime(std::string_view text, int64_t& seconds, int32_t& nanos);

// Go's time.Duration.String() of `nanos` ("1h0m0s", "1.5s", "300ms", "0s").
std::string FormatDuration(int64_t nanos);

// Standard base64 with padding, and back (false on a byte outside the alphabet).
std::string Base64Encode(std::string_view bytes);
bool Base64Decode(std::string_view text, std::string& bytes);

}  // namespace kubemesos::proto::internal
