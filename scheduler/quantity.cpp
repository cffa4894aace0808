// Exact parsing of Kubernetes quantities using 128-bit integer arithmetic. Every multiply and
// add is checked before it happens (CheckedMul/CheckedAdd), so no input can wrap.
#include "scheduler/quantity.h"

#include <cctype>

#include "scheduler/resources.h"

namespace kubemesos {
namespace {

using i128 = __int128;
constexpr i128 kLimit = kMaxAmount;

bool Fail(std::string* error, std::string_view text, const char* why) {
  if (error) *error = "invalid quantity \"" + std::string(text) + "\": " + why;
  return false;
}

bool FailTooLarge(std::string* error, std::string_view text) {
  if (error) {
    *error = "quantity too large: \"" + std::string(text) + "\" (max " +
             std::to_string(kMaxAmount) + "m)";
  }
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
  // Keep at most kMaxDigits significant digits; `shift` is the power of ten of the kept
  // mantissa's last digit (negative inside the fraction) and `sticky` records whether a
  // dropped digit was non-zero (the true value is then a little more than what is kept).
  // `shift` and `digits` count characters, so int64 cannot overflow on any input that fits in
  // memory.
  constexpr int kMaxDigits = 20;  // 10^20 * 2^60 still fits in 127 bits
  i128 mantissa = 0;
  int kept = 0;
  int64_t digits = 0, shift = 0;
  bool seen_dot = false, sticky = false;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.') {
      if (seen_dot) break;
      seen_dot = true;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    ++digits;
    if (kept < kMaxDigits) {
      // Below 10^20: cannot overflow, checked all the same.
      if (!CheckedMul(mantissa, i128{10}, &mantissa) ||
          !CheckedAdd(mantissa, i128{c - '0'}, &mantissa)) {
        FailTooLarge(error, text);
        return std::nullopt;
      }
      if (mantissa != 0) ++kept;  // leading zeros are not significant
      if (seen_dot) --shift;
    } else {
      sticky |= c != '0';
      if (!seen_dot) ++shift;  // a dropped integer digit still scales the value
    }
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
  // milli-value = mantissa * 10^(shift + pow10 + 3) * 2^pow2, rounded up in magnitude.
  i128 value = 0;
  if (!CheckedMul(mantissa, i128{1} << pow2, &value)) {
    FailTooLarge(error, text);
    return std::nullopt;
  }
  int64_t exp10 = shift + pow10 + 3;
  if (value != 0 && exp10 > 0) {
    // Check before every multiply: a value already above the limit stays above it, and one at
    // or below it (< 2^63) times 10 cannot leave 128 bits.
    for (; exp10 > 0; --exp10) {
      if (value > kLimit || !CheckedMul(value, i128{10}, &value)) {
        FailTooLarge(error, text);
        return std::nullopt;
      }
    }
  } else if (exp10 < 0) {
    i128 divisor = 1;
    bool underflow = false;
    for (; exp10 < 0; ++exp10) {
      // Once the divisor exceeds the value (or would leave 128 bits, which is more than any
      // value), the quotient is 0 whatever comes next.
      if (divisor > value || !CheckedMul(divisor, i128{10}, &divisor)) {
        underflow = true;
        break;
      }
    }
    i128 quotient = underflow ? 0 : value / divisor;
    bool inexact = underflow ? value != 0 : value % divisor != 0;
    value = quotient + ((inexact || sticky) ? 1 : 0);
  } else if (sticky) {
    value += 1;  // value < 2^127 - 1 here (see the shift above)
  }
  if (value > kLimit) {
    FailTooLarge(error, text);
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
