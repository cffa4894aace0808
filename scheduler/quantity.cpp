// Exact parsing of Kubernetes quantities with integer arithmetic (no floating point, no digit
// limit). Every multiply and add is checked before it happens (CheckedMul/CheckedAdd), so no
// input can wrap.
#include "scheduler/quantity.h"

#include <algorithm>
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

bool FailTooLarge(std::string* error, std::string_view text, bool* too_large) {
  if (too_large) *too_large = true;
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

std::optional<int64_t> ParseQuantityMilli(std::string_view text, std::string* error,
                                          bool* too_large) {
  if (too_large) *too_large = false;
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
  // The number: digits with at most one '.'; `point` is how many digits precede it.
  size_t end = 0, dot = std::string_view::npos;
  for (; end < s.size(); ++end) {
    if (s[end] == '.' && dot == std::string_view::npos) {
      dot = end;
    } else if (!std::isdigit(static_cast<unsigned char>(s[end]))) {
      break;
    }
  }
  const std::string_view number = s.substr(0, end);
  const int64_t digits =
      static_cast<int64_t>(number.size()) - (dot == std::string_view::npos ? 0 : 1);
  if (digits == 0) {
    Fail(error, text, "no digits");
    return std::nullopt;
  }
  const int64_t point = dot == std::string_view::npos ? digits : static_cast<int64_t>(dot);
  int pow10 = 0, pow2 = 0;
  if (!ParseSuffix(s.substr(end), pow10, pow2)) {
    Fail(error, text, "unknown suffix");
    return std::nullopt;
  }
  // The k-th digit of the number (0-based, the '.' skipped).
  auto digit = [&](int64_t k) -> int {
    return number[static_cast<size_t>(k + (dot != std::string_view::npos && k >= point))] - '0';
  };
  // milli-value = number * 10^(pow10 + 3) * 2^pow2, rounded up in magnitude, computed exactly:
  // move the decimal point by pow10 + 3, then the integer part I times 2^pow2 (checked before
  // every multiply and add) plus floor(F * 2^pow2) for the fraction F, plus one if anything is
  // left over. Lengths are int64: no counter can overflow on any input that fits in memory.
  const int64_t split = point + pow10 + 3;  // digits [0, split) form the integer part
  i128 integer = 0;
  for (int64_t k = 0; k < std::min(split, digits); ++k) {
    if (integer > kLimit || !CheckedMul(integer, i128{10}, &integer) ||
        !CheckedAdd(integer, i128{digit(k)}, &integer)) {
      FailTooLarge(error, text, too_large);
      return std::nullopt;
    }
  }
  for (int64_t k = digits; k < split && integer != 0; ++k) {  // zeros past the last digit
    if (integer > kLimit || !CheckedMul(integer, i128{10}, &integer)) {
      FailTooLarge(error, text, too_large);
      return std::nullopt;
    }
  }
  if (integer > kLimit || !CheckedMul(integer, i128{1} << pow2, &integer)) {
    FailTooLarge(error, text, too_large);
    return std::nullopt;
  }
  // F * 2^pow2 by long multiplication from the last digit: carry < 2^pow2 <= 2^60, so
  // digit * 2^pow2 + carry < 10 * 2^60 fits in 64 bits. The final carry is floor(F * 2^pow2);
  // a non-zero digit left behind means the value is not whole.
  const uint64_t scale = uint64_t{1} << pow2;
  uint64_t carry = 0;
  bool inexact = false;
  for (int64_t k = digits - 1; k >= std::max<int64_t>(split, 0); --k) {
    uint64_t t = static_cast<uint64_t>(digit(k)) * scale + carry;
    inexact |= t % 10 != 0;
    carry = t / 10;
  }
  for (int64_t k = std::min<int64_t>(split, digits); k < 0 && carry != 0; ++k) {  // leading zeros
    inexact |= carry % 10 != 0;
    carry /= 10;
  }
  i128 value = 0;
  if (!CheckedAdd(integer, static_cast<i128>(carry) + (inexact ? 1 : 0), &value) ||
      value > kLimit) {
    FailTooLarge(error, text, too_large);
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
