// YAML 1.2 core-schema typing of scalars (see yaml_scalar.h).
#include "operator/simulate/yaml_scalar.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace kubemesos::simulate {
namespace {

using nlohmann::json;

bool IsNull(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// Hand-written matchers (std::regex recurses per character and can overflow the stack on long
// scalars such as base64 annotations).
bool AllOf(std::string_view s, int (*pred)(int)) {
  if (s.empty()) return false;
  for (char c : s)
    if (!pred(static_cast<unsigned char>(c))) return false;
  return true;
}
int IsOctalDigit(int c) {
  return c >= '0' && c <= '7';
}
std::string_view WithoutSign(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  return s;
}
// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool LooksLikeFloat(std::string_view s) {
  s = WithoutSign(s);
  size_t i = 0, int_digits = 0, frac_digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i == s.size()) return true;
  if (s[i] != 'e' && s[i] != 'E') return false;
  return AllOf(WithoutSign(s.substr(i + 1)), isdigit);
}

std::optional<bool> AsBool(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

std::optional<json> AsInt(const std::string& s) {
  int base = 10;
  std::string digits = s;
  if (s.size() > 2 && s.compare(0, 2, "0o") == 0 && AllOf(s.substr(2), IsOctalDigit)) {
    base = 8;
    digits = s.substr(2);
  } else if (s.size() > 2 && s.compare(0, 2, "0x") == 0 && AllOf(s.substr(2), isxdigit)) {
    base = 16;
    digits = s.substr(2);
  } else if (!AllOf(WithoutSign(s), isdigit)) {
    return std::nullopt;
  }
  bool negative = !digits.empty() && digits[0] == '-';
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits = digits.substr(1);
  uint64_t magnitude = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
  if (ec == std::errc() && ptr == digits.data() + digits.size()) {
    if (!negative && magnitude <= static_cast<uint64_t>(INT64_MAX)) {
      return json(static_cast<int64_t>(magnitude));
    }
    if (negative && magnitude <= static_cast<uint64_t>(INT64_MAX) + 1) {
      return json(static_cast<int64_t>(0 - magnitude));
    }
  }
  if (base != 10) return std::nullopt;           // out of range: stays a string
  return json(std::strtod(s.c_str(), nullptr));  // a decimal beyond 64 bits: a float
}

std::optional<json> AsFloat(const std::string& s) {
  if (!LooksLikeFloat(s)) return std::nullopt;
  return json(std::strtod(s.c_str(), nullptr));
}

}  // namespace

std::optional<json> ResolveTagged(const std::string& tag, const std::string& text) {
  if (tag == "tag:yaml.org,2002:null") return json(nullptr);
  if (tag == "tag:yaml.org,2002:bool") {
    if (auto b = AsBool(text)) return json(*b);
    return std::nullopt;
  }
  if (tag == "tag:yaml.org,2002:int") return AsInt(text);
  if (tag == "tag:yaml.org,2002:float") {
    if (auto i = AsInt(text)) return json(i->get<double>());
    return AsFloat(text);
  }
  return json(text);  // "!" (quoted or block scalar), !!str and unknown tags: a string
}

json ResolvePlainScalar(const std::string& text) {
  if (IsNull(text)) return nullptr;
  if (auto b = AsBool(text)) return *b;
  if (auto i = AsInt(text)) return *i;
  if (auto f = AsFloat(text)) return *f;
  return text;
}

}  // namespace kubemesos::simulate
