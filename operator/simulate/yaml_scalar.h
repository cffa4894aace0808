// Typing of YAML scalars as the YAML 1.2 core schema says, which is also what kubectl does for
// the values that matter here: quoted and block scalars ('1', "x", |) stay strings; plain
// scalars that look like integers (12, -3, 0x1F, 0o17), floats (0.5, 1e3, .5), booleans
// (true/false, True, TRUE...) or null (null, ~, empty) become those JSON types; everything else
// ("2Gi", "500m", "yes", ".inf") is a string. Explicit tags !!str, !!int, !!float, !!bool and
// !!null are honoured. Integers beyond 64 bits become floats.
//
// Contract: pure functions, thread-safe, no exceptions other than std::bad_alloc.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace kubemesos::simulate {

// One plain (unquoted, untagged) scalar.
nlohmann::json ResolvePlainScalar(const std::string& text);

// A scalar with the resolved tag `tag` ("!" for quoted and block scalars, or a full tag such as
// "tag:yaml.org,2002:int"). nullopt when the text does not fit the tag ("!!int abc").
std::optional<nlohmann::json> ResolveTagged(const std::string& tag, const std::string& text);

}  // namespace kubemesos::simulate
