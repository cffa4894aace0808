// Helpers shared by the operator tests: JSON literals and substring matching of errors.
#pragma once

#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kubemesos::testing {

inline nlohmann::json J(std::string_view text) {
  return nlohmann::json::parse(text);
}

// A v1 Pod named x in namespace default with the given spec (JSON text).
inline nlohmann::json PodWithSpec(std::string_view spec) {
  nlohmann::json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "x"}}}};
  pod["spec"] = J(spec);
  return pod;
}

inline constexpr int64_t kGi = int64_t{1} << 30;
inline constexpr int64_t kMi = int64_t{1} << 20;

}  // namespace kubemesos::testing
