// YAML (yaml-cpp) to nlohmann::json conversion with YAML 1.2 core-schema scalar typing.
#include "operator/simulate/yaml_json.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string_view>

#include <yaml-cpp/yaml.h>

namespace kubemesos::simulate {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 200;
constexpr size_t kMaxNodes = 5'000'000;  // after alias expansion, per document

class ConvertError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

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

json ResolveTagged(const std::string& tag, const std::string& text) {
  if (tag == "tag:yaml.org,2002:null") return nullptr;
  if (tag == "tag:yaml.org,2002:bool") {
    if (auto b = AsBool(text)) return *b;
    throw ConvertError("invalid !!bool value \"" + text + "\"");
  }
  if (tag == "tag:yaml.org,2002:int") {
    if (auto i = AsInt(text)) return *i;
    throw ConvertError("invalid !!int value \"" + text + "\"");
  }
  if (tag == "tag:yaml.org,2002:float") {
    if (auto i = AsInt(text)) return i->get<double>();
    if (auto f = AsFloat(text)) return *f;
    throw ConvertError("invalid !!float value \"" + text + "\"");
  }
  return text;  // "!" (quoted or block scalar), !!str and unknown tags: a string
}

std::string Where(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return "";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) +
         ": ";
}

json Convert(const YAML::Node& node, int depth, size_t& budget) {
  if (depth > kMaxDepth) throw ConvertError(Where(node) + "nesting too deep");
  if (budget == 0) throw ConvertError("document too large (alias expansion?)");
  --budget;
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      if (node.Tag() == "?" || node.Tag().empty()) return ResolvePlainScalar(node.Scalar());
      try {
        return ResolveTagged(node.Tag(), node.Scalar());
      } catch (const ConvertError& e) {
        throw ConvertError(Where(node) + e.what());
      }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(Convert(item, depth + 1, budget));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) throw ConvertError(Where(entry.first) + "non-scalar map key");
        out[entry.first.Scalar()] = Convert(entry.second, depth + 1, budget);
      }
      return out;
    }
  }
  return nullptr;
}

}  // namespace

json ResolvePlainScalar(const std::string& text) {
  if (IsNull(text)) return nullptr;
  if (auto b = AsBool(text)) return *b;
  if (auto i = AsInt(text)) return *i;
  if (auto f = AsFloat(text)) return *f;
  return text;
}

bool ParseYamlDocuments(const std::string& text, std::vector<YamlDocument>* documents,
                        std::string* error) {
  try {
    std::vector<YAML::Node> nodes = YAML::LoadAll(text);
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].IsNull() || !nodes[i].IsDefined()) continue;
      size_t budget = kMaxNodes;
      try {
        documents->push_back({static_cast<int>(i + 1), Convert(nodes[i], 0, budget)});
      } catch (const ConvertError& e) {
        *error = "document " + std::to_string(i + 1) + ": " + e.what();
        return false;
      }
    }
    return true;
  } catch (const YAML::Exception& e) {
    *error = e.mark.is_null() ? e.msg
                              : "line " + std::to_string(e.mark.line + 1) + ", column " +
                                    std::to_string(e.mark.column + 1) + ": " + e.msg;
  } catch (const std::exception& e) {
    *error = std::string("cannot parse YAML: ") + e.what();
  }
  return false;
}

}  // namespace kubemesos::simulate
