// Kubernetes resource quantities ("500m", "1.5", "2Gi", "1G", "1e3", "128974848") parsed
// exactly, without floating point.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kubemesos {

// Parses a Kubernetes quantity and returns its value in milli-units, rounded up (as
// Quantity.MilliValue() does), e.g. "500m" -> 500, "2Ki" -> 2048000, "1e3" -> 1000000.
// Accepts the full grammar: optional sign, digits with an optional fraction, and a binary
// (Ki..Ei), decimal SI (n, u, m, "", k, M, G, T, P, E) or exponent (e3, E-2) suffix.
// Returns nullopt and sets *error (when given) on malformed text ("invalid quantity \"x\": no
// digits") or a value whose milli-value exceeds kMaxAmount = 2^62 in magnitude
// ("quantity too large: \"8Ei\" (max 4611686018427387904m)"; see scheduler/resources.h).
// Never wraps: every multiply and add is checked first. Any length of input is safe; the cost
// is linear in it. Negative values parse; callers decide whether they are allowed.
// *too_large (when given) says whether a failure was the maximum rather than malformed text.
std::optional<int64_t> ParseQuantityMilli(std::string_view text, std::string* error = nullptr,
                                          bool* too_large = nullptr);

// Formats a quantity in milli-units the shortest exact way Kubernetes would accept:
// "1500m", "2", "0".
std::string FormatMilli(int64_t milli);

}  // namespace kubemesos
