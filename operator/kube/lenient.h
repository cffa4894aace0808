// Lenient reads of Kubernetes object fields held as nlohmann::json, for code that only looks
// (controllers reading pods and statuses): a missing field or one of the wrong type reads as
// null, "" or 0. Never throws. Validating conversions use fields.h instead.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace kubemesos::kube::lenient {

// object[key], or a null JSON value when `object` is not an object or has no such key.
inline const nlohmann::json& Field(const nlohmann::json& object, const char* key) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

// object[key] as a string; "" when absent or not a string.
inline std::string Str(const nlohmann::json& object, const char* key) {
  const nlohmann::json& v = Field(object, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

// object[key] as an int; 0 when absent or not an integer.
inline int Int(const nlohmann::json& object, const char* key) {
  const nlohmann::json& v = Field(object, key);
  return v.is_number_integer() ? v.get<int>() : 0;
}

}  // namespace kubemesos::kube::lenient
