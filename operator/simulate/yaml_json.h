// Reading Kubernetes-style YAML streams into nlohmann::json, the form the object converters
// (operator/kube/objects.h) take, with a bounded cost. Used by `kubemesos simulate`; the
// operator itself reads JSON from the API server and never needs this.
//
// The input is untrusted: every document of a stream, and every stream read with the same
// YamlBudget, draws on one budget of input bytes, values, string bytes and alias expansions,
// so that neither one large document nor many small ones (a "billion laughs" split into 40
// documents) can take more than the budget. Nesting depth is limited, duplicate keys and
// invalid UTF-8 are refused, and every error names the line and column.
//
// yaml-cpp 0.7's LoadAll loops for ever, allocating, on some invalid input (a lone ",":
// yaml-cpp#1040, fixed upstream after 0.7 by checking that each document consumed a token).
// This reader does not use LoadAll or YAML::Node: it drives YAML::Parser with its own event
// handler, builds JSON directly, and refuses a document that made no progress.
//
// Scalars are typed by yaml_scalar.h (YAML 1.2 core schema). Map keys are the key's text.
// Merge keys (<<) are not expanded. A map key must be a scalar (not a collection, null or
// alias).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/simulate/yaml_scalar.h"

namespace kubemesos::simulate {

// Limits of one budget. The defaults are documented in docs/simulate.md.
struct YamlLimits {
  size_t max_input_bytes = size_t{128} << 20;   // raw text of all streams together
  size_t max_values = 8'000'000;                // JSON values built (alias copies included)
  size_t max_string_bytes = size_t{128} << 20;  // bytes of keys and scalars built (ditto)
  size_t max_alias_values = 1'000'000;          // values built by expanding aliases
  int max_depth = 100;                          // nested collections
};

// What has been drawn from the limits so far. One budget may be shared by several calls (all
// the files of one `simulate` run); it is not thread-safe.
struct YamlBudget {
  YamlLimits limits;
  size_t input_bytes = 0;
  size_t values = 0;
  size_t string_bytes = 0;
  size_t alias_values = 0;
};

// One YAML document as JSON.
struct YamlDocument {
  int index = 0;  // 1-based position in the stream, counting empty documents
  int line = 0;   // 1-based line where the document starts
  nlohmann::json value;
  // When the document is a mapping with an `items` sequence (kind: List), the 1-based line of
  // each item, for messages.
  std::vector<int> item_lines;
};

// Parses every document of a multi-document YAML stream, drawing on *budget (a fresh default
// budget when null); empty documents ("---" alone, or only comments) are dropped. On error
// returns false and sets *error to "line L, column C: what" (1-based; column in bytes), or for
// the input size "more than N bytes of input ...". *documents then holds the documents read
// before the error. Throws nothing but std::bad_alloc.
//
// Refused: malformed YAML; text that is not UTF-8 (invalid bytes, a UTF-16/32 byte order
// mark, control characters other than tab, CR and LF); a string whose escapes make invalid
// UTF-8 ("\uD800"); a key repeated in one mapping; nesting deeper than max_depth; exceeding
// any limit of the budget.
bool ParseYamlDocuments(const std::string& text, std::vector<YamlDocument>* documents,
                        std::string* error, YamlBudget* budget = nullptr);

// Empties `value` (leaving null) without allocating. nlohmann::json's destructor allocates a
// stack as large as the largest container it destroys; after std::bad_alloc that allocation
// fails inside a destructor and terminates the process. Recursion is as deep as the tree (at
// most YamlLimits::max_depth for trees from ParseYamlDocuments).
void ReleaseJson(nlohmann::json& value);

// The error for input beyond limits.max_input_bytes, for readers that stop reading there.
std::string InputTooLarge(const YamlLimits& limits);

}  // namespace kubemesos::simulate
