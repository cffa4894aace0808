// Reading Kubernetes-style YAML into nlohmann::json, the form the object converters
// (operator/kube/objects.h) take. Used by `kubemesos simulate`; the operator itself reads JSON
// from the API server and never needs this.
//
// Scalars are typed as the YAML 1.2 core schema says, which is also what kubectl does for the
// values that matter here: quoted and block scalars ('1', "x", |) stay strings; plain scalars
// that look like integers (12, -3, 0x1F, 0o17), floats (0.5, 1e3, .5), booleans (true/false,
// True, TRUE...) or null (null, ~, empty) become those JSON types; everything else ("2Gi",
// "500m", "yes", ".inf") is a string. Explicit tags !!str, !!int, !!float, !!bool and !!null
// are honoured. Integers beyond 64 bits become floats. Merge keys (<<) are not expanded.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kubemesos::simulate {

// One YAML document as JSON.
struct YamlDocument {
  int index = 0;  // 1-based position in the stream, counting empty documents
  nlohmann::json value;
};

// Parses every document of a multi-document YAML stream; empty documents ("---" alone) are
// dropped. On malformed YAML returns false and sets *error to "line L, column C: what" (1-based).
// Never throws. Alias expansion is bounded (a "billion laughs" document is an error, not an
// out-of-memory), and so is nesting depth.
bool ParseYamlDocuments(const std::string& text, std::vector<YamlDocument>* documents,
                        std::string* error);

// Parses one plain (unquoted, untagged) YAML scalar the way ParseYamlDocuments types it.
nlohmann::json ResolvePlainScalar(const std::string& text);

}  // namespace kubemesos::simulate
