// Hostile YAML inputs shared by the reader's unit tests and the `simulate` binary tests.
#pragma once

#include <string>

namespace kubemesos::testing {

// A "billion laughs" mapping: a0 is 10 strings, each a(i) is 10 aliases of a(i-1), then the
// line `top`. `indent` prefixes every line (to nest it under a key).
inline std::string Laughs(int levels, const std::string& top, const std::string& indent = "") {
  std::string text = indent + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < levels; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    text += indent + "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", " : "") + prev;
    text += "]\n";
  }
  return text + indent + top + "\n";
}

// 40 documents of 11 lines (16 KB), each expanding to about 456,000 values: under a
// per-document budget each one is fine, together they are 18 million values (the issue's
// 16 KB file reached 6 GB). With one budget of 1,000,000 alias values the third document
// fails, at line 32, column 42.
inline std::string FortyDocumentBomb() {
  std::string text;
  for (int d = 0; d < 40; ++d) {
    text += "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb-" + std::to_string(d) +
            "}\ndata:\n" + Laughs(5, "all: [*a4, *a4, *a4]", "  ");
  }
  return text;
}

// `depth` nested collections: flow sequences on one line, or block mappings.
inline std::string Nested(int depth, bool flow) {
  if (flow) return "x: " + std::string(depth - 1, '[') + "1" + std::string(depth - 1, ']') + "\n";
  std::string text;
  for (int i = 0; i < depth; ++i) text += std::string(2 * i, ' ') + "k:\n";
  return text + std::string(2 * depth, ' ') + "v\n";
}

}  // namespace kubemesos::testing
