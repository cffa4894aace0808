// Exact parsing of Kubernetes quantities using 128-bit integer arithmetic.
#include "scheduler/quantity.h"

#include <cctype>

namespace kubemesos {
namespace {

using i128 = __int128;
constexpr i128 kLimit = static_cast<i128>(INT64_MAX);

bool Fail(std::string* error, std::string_view text, const char* why) {
  if (error) *error = "invalid quantity \"" + std::string(text) + "\": " + why;
  return false;
}

// Suffix -> (power of ten, power of two).
bool ParseSuffix(std::string_view s, int& pow10, int& pow2) {
  pow10 = 0;
  pow2 = 0;
  if (s.empty()) return true;
  static constexpr struct {
    std::string_view name;
    int p10, p2;
  } kSuffixes[] = {{"n", -9, 0},  {"u", -6, 0},  {"m", -3, 0},  {"k", 3, 0},   {"M", 6, 0},
                   {"G", 9, 0},   {"T", 12, 0},  {"P", 15, 0},  {"E", 18, 0},  {"Ki", 0, 10},
                   {"Mi", 0, 20}, {"Gi", 0, 30}, {"Ti", 0, 40}, {"Pi", 0, 50}, {"Ei", 0, 60}};
  for (const auto& suffix : kSuffixes) {
    if (s == suffix.name) {
      pow10 = suffix.p10;
      pow2 = suffix.p2;
      return true;
    }
  }
  if (s[0] != 'e' && s[0] != 'E') return false;
  std::string_view exp = s.substr(1);
  bool negative = false;
  if (!exp.empty() && (exp[0] == '+' || exp[0] == '-')) {
    negative = exp[0] == '-';
    exp.remove_prefix(1);
  }
  if (exp.empty() || exp.size() > 3) return false;
  int value = 0;
  for (char c : exp) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + (c - '0');
  }
  pow10 = negative ? -value : value;
  return true;
}

}  // namespace

std::optional<int64_t> ParseQuantityMilli(std::string_view text, std::string* error) {
  std::string_view s = text;
  if (s.empty()) {
    Fail(error, text, "empty");
    return std::nullopt;
  }
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  // Digits with an optional fraction; at least one digit overall.
  i128 mantissa = 0;
  int scale = 0;  // number of fraction digits kept
  int digits = 0;
  size_t i = 0;
  bool seen_dot = false;
  bool overflow = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.') {
      if (seen_dot) break;
      seen_dot = true;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    ++digits;
    if (mantissa > kLimit * 1000) {
      // More integer digits than any valid value; more fraction digits only matter for
      // rounding up, which one extra non-zero digit already decides.
      if (!seen_dot) overflow = true;
      if (c != '0' && seen_dot) {
        mantissa += 1;  // sticky: anything non-zero past precision rounds up
      }
      continue;
    }
    mantissa = mantissa * 10 + (c - '0');
    if (seen_dot) ++scale;
  }
  if (digits == 0) {
    Fail(error, text, "no digits");
    return std::nullopt;
  }
  int pow10 = 0, pow2 = 0;
  if (!ParseSuffix(s.substr(i), pow10, pow2)) {
    Fail(error, text, "unknown suffix");
    return std::nullopt;
  }
  if (overflow) {
    Fail(error, text, "too large");
    return std::nullopt;
  }
  // value * 1000 = mantissa * 10^(pow10 - scale + 3) * 2^pow2
  int exp10 = pow10 - scale + 3;
  i128 value = mantissa;
  for (int k = 0; k < pow2; ++k) {
    value *= 2;
    if (value > kLimit * 1000) {
      Fail(error, text, "too large");
      return std::nullopt;
    }
  }
  for (; exp10 > 0; --exp10) {
    value *= 10;
    if (value > kLimit) {
      Fail(error, text, "too large");
      return std::nullopt;
    }
  }
  if (exp10 < 0) {
    // Divide, rounding up (away from zero for positives, as MilliValue does for positives).
    i128 divisor = 1;
    for (; exp10 < 0 && divisor <= kLimit * 1000; ++exp10) divisor *= 10;
    i128 quotient = value / divisor;
    if (value % divisor != 0 || exp10 < 0) {
      if (value != 0) quotient += negative ? 0 : 1;
    }
    value = quotient;
  }
  if (value > kLimit) {
    Fail(error, text, "too large");
    return std::nullopt;
  }
  int64_t result = static_cast<int64_t>(value);
  return negative ? -result : result;
}

std::string FormatMilli(int64_t milli) {
  if (milli % 1000 == 0) return std::to_string(milli / 1000);
  return std::to_string(milli) + "m";
}

}  // namespace kubemesos
