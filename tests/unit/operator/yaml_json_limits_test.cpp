// Hostile YAML: each input is refused with a clear message at its line and column, within one
// budget for all documents, and the process stays under a memory cap while it is read.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "operator/simulate/yaml_json.h"
#include "tests/unit/operator/hostile_yaml.h"
#include "tests/unit/operator/memory_cap.h"

namespace kubemesos::simulate {
namespace {

using nlohmann::json;

using testing::FortyDocumentBomb;
using testing::Laughs;
using testing::Nested;

struct HostileCase {
  const char* name;
  std::string text;
  std::string error;  // the whole message, or its start when `prefix`
  bool prefix = false;
};

std::vector<HostileCase> HostileCases() {
  const std::string long_string(1 << 20, 'x');
  std::string copies = "l: [";
  for (int i = 0; i < 200; ++i) copies += (i ? ", *s" : "*s");
  copies += "]\n";
  return {
      // yaml-cpp#1040: yaml-cpp 0.7's LoadAll allocates without bound.
      {"lone comma", ",", "line 1, column 1: unexpected \",\""},
      {"comma after a document", "a: 1\n---\n,\n", "line 3, column 1: unexpected \",\""},
      {"comma after a flow sequence", "[a, b],\n", "line 1, column 7: unexpected \",\""},
      // Alias expansion is budgeted across documents, not per document.
      {"alias bomb", Laughs(9, "all: [*a8, *a8]"),
       "line 6, column 45: aliases expand to more than 1000000 values (the limit for all "
       "documents of the input)"},
      {"alias bomb in 40 documents", FortyDocumentBomb(),
       "line 32, column 42: aliases expand to more than 1000000 values", true},
      {"a long string repeated by aliases", "s: &s " + long_string + "\n" + copies,
       "line 2, column 505: more than 128 MiB of keys and strings, aliases expanded", true},
      {"recursive alias", "a: &a [1, *a]\n",
       "line 1, column 11: the alias refers to a node that contains it (a recursive alias)"},
      // Invalid UTF-8 is refused where it is (it aborted `simulate` with exit 134).
      {"invalid UTF-8 in a value", "apiVersion: v1\nkind: Node\nmetadata: {name: \"n\xFF\"}\n",
       "line 3, column 20: invalid UTF-8 (byte 0xFF): the input must be UTF-8"},
      {"invalid UTF-8 in a key", "metadata:\n  labels: {\"k\xC3\": v}\n",
       "line 2, column 14: invalid UTF-8 (byte 0xC3): the input must be UTF-8"},
      {"invalid UTF-8 in a plain name", "metadata:\n  name: caf\xE9\n",
       "line 2, column 12: invalid UTF-8 (byte 0xE9): the input must be UTF-8"},
      {"invalid UTF-8 in a comment", "# caf\xE9\na: 1\n",
       "line 1, column 6: invalid UTF-8 (byte 0xE9): the input must be UTF-8"},
      {"an overlong form", "a: \"\xC0\xAF\"\n",
       "line 1, column 5: invalid UTF-8 (byte 0xC0): the input must be UTF-8"},
      {"an encoded surrogate", "a: \xED\xA0\x80\n",
       "line 1, column 4: invalid UTF-8 (byte 0xED): the input must be UTF-8"},
      {"a character cut at the end", "a: \xE2\x82",
       "line 1, column 4: invalid UTF-8 (byte 0xE2): the input must be UTF-8"},
      {"UTF-16",
       std::string("\xFF\xFE"
                   "a\0:\0 \0001\0",
                   10),
       "line 1, column 1: UTF-16 and UTF-32 input is not supported: convert it to UTF-8"},
      {"a control character", "a: b\x01\n",
       "line 1, column 5: control character 0x01 (YAML text may not contain it)"},
      // Duplicate keys are refused at the second one.
      {"duplicate key", "apiVersion: v1\nkind: Node\napiVersion: v2\n",
       "line 3, column 1: duplicate key \"apiVersion\""},
      {"nested duplicate key", "metadata:\n  labels:\n    a: x\n    b: y\n    a: z\n",
       "line 5, column 5: duplicate key \"a\""},
      {"duplicate key in a flow map", "m: {a: 1, b: 2, a: 3}\n",
       "line 1, column 17: duplicate key \"a\""},
      {"quoted duplicate key", "a: 1\n'a': 2\n", "line 2, column 1: duplicate key \"a\""},
      {"duplicate key in a List item", "kind: List\nitems:\n- kind: Pod\n  kind: Node\n",
       "line 4, column 3: duplicate key \"kind\""},
      // Nesting: the limit, not yaml-cpp's "bad file".
      {"flow nesting one past the limit", Nested(101, true),
       "line 1, column 103: nesting deeper than 100 levels"},
      {"block nesting one past the limit", Nested(101, false),
       "line 101, column 201: nesting deeper than 100 levels"},
      {"nesting far past the limit", Nested(600, true),
       "line 1, column 103: nesting deeper than 100 levels"},
      // Size.
      {"a flat file over the input limit", std::string((size_t{128} << 20) + 1, '#'),
       "more than 128 MiB of input (the limit for all input files together)"},
  };
}

void PrintTo(const HostileCase& c, std::ostream* os) {
  *os << c.name;
}

class HostileYamlTest : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileYamlTest, RefusedWithLineAndBoundedMemory) {
  const HostileCase& c = GetParam();
  testing::ScopedMemoryCap cap;
  std::vector<YamlDocument> docs;
  std::string error;
  EXPECT_FALSE(ParseYamlDocuments(c.text, &docs, &error));
  if (c.prefix) {
    EXPECT_EQ(error.substr(0, c.error.size()), c.error) << error;
  } else {
    EXPECT_EQ(error, c.error);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, HostileYamlTest, ::testing::ValuesIn(HostileCases()),
                         [](const ::testing::TestParamInfo<HostileCase>& info) {
                           std::string name;
                           for (const char* p = info.param.name; *p; ++p) {
                             name += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
                           }
                           return name;
                         });

TEST(YamlLimitsTest, NestingAtTheLimitIsFine) {
  for (bool flow : {true, false}) {
    std::vector<YamlDocument> docs;
    std::string error;
    EXPECT_TRUE(ParseYamlDocuments(Nested(100, flow), &docs, &error)) << error;
  }
}

TEST(YamlLimitsTest, OneDocumentOfTheFortyIsFine) {
  // What makes the 40-document file fail is the total, not any one document.
  std::string text = FortyDocumentBomb();
  std::string one = text.substr(0, text.find("---", 3));
  std::vector<YamlDocument> docs;
  std::string error;
  YamlBudget budget;
  ASSERT_TRUE(ParseYamlDocuments(one, &docs, &error, &budget)) << error;
  EXPECT_EQ(docs[0].value["data"]["all"].size(), 3u);
  EXPECT_GT(budget.alias_values, 400'000u);
  EXPECT_LT(budget.alias_values, 500'000u);
}

TEST(YamlLimitsTest, BudgetIsSharedAcrossDocumentsAndCalls) {
  YamlBudget budget;
  budget.limits.max_values = 10;
  std::vector<YamlDocument> docs;
  std::string error;
  ASSERT_TRUE(ParseYamlDocuments("a: [1, 2]\n---\nb: [3, 4]\n", &docs, &error, &budget)) << error;
  EXPECT_EQ(budget.values, 8u);  // two maps, two sequences, four numbers (keys are bytes)
  EXPECT_FALSE(ParseYamlDocuments("c: [5, 6, 7, 8, 9]\n", &docs, &error, &budget));
  EXPECT_EQ(error,
            "line 1, column 5: more than 10 values, aliases expanded (the limit for all "
            "documents of the input)");
}

TEST(YamlLimitsTest, InputBytesAreSharedAcrossCalls) {
  YamlBudget budget;
  budget.limits.max_input_bytes = 20;
  std::vector<YamlDocument> docs;
  std::string error;
  ASSERT_TRUE(ParseYamlDocuments("a: 1\nb: 2\n", &docs, &error, &budget)) << error;
  EXPECT_FALSE(ParseYamlDocuments("c: 3\nd: 4\ne: 5\n", &docs, &error, &budget));
  EXPECT_EQ(error, "more than 20 bytes of input (the limit for all input files together)");
}

TEST(YamlLimitsTest, AliasBudgetCountsEveryDocument) {
  YamlBudget budget;
  budget.limits.max_alias_values = 100;
  std::string doc = "r: &r [1, 2, 3, 4, 5, 6, 7, 8, 9]\nc: [*r, *r, *r, *r]\n";  // 40 each
  std::vector<YamlDocument> docs;
  std::string error;
  EXPECT_FALSE(ParseYamlDocuments(doc + "---\n" + doc + "---\n" + doc, &docs, &error, &budget));
  EXPECT_EQ(error.rfind("line 8, column 13: aliases expand to more than 100 values", 0), 0u)
      << error;
  EXPECT_EQ(docs.size(), 2u);  // the documents before the error
}

TEST(YamlLimitsTest, AnchorCopiesAreCharged) {
  // An anchor on each nested level would otherwise hold the innermost value once per level.
  YamlBudget budget;
  budget.limits.max_string_bytes = 3000;
  std::string text = "x: ";
  for (int i = 0; i < 10; ++i) text += "&a" + std::to_string(i) + " [";
  text += std::string(500, 'y');
  text += std::string(10, ']') + "\n";
  std::vector<YamlDocument> docs;
  std::string error;
  EXPECT_FALSE(ParseYamlDocuments(text, &docs, &error, &budget));
  EXPECT_NE(error.find("more than 3000 bytes of keys and strings"), std::string::npos) << error;
}

TEST(YamlLimitsTest, ValidStringsWithEscapesPass) {
  std::vector<YamlDocument> docs;
  std::string error;
  ASSERT_TRUE(ParseYamlDocuments("a: \"caf\\xE9 \\u20AC \\U0001F600\"\nb: café\n", &docs, &error))
      << error;
  EXPECT_EQ(docs[0].value["a"], "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(docs[0].value["b"], "caf\xC3\xA9");
}

TEST(YamlLimitsTest, LongDuplicateKeyIsQuotedShort) {
  std::string key(1000, 'k');
  std::vector<YamlDocument> docs;
  std::string error;
  EXPECT_FALSE(ParseYamlDocuments(key + ": 1\n" + key + ": 2\n", &docs, &error));
  EXPECT_EQ(error, "line 2, column 1: duplicate key \"" + std::string(64, 'k') + "...\"");
}

}  // namespace
}  // namespace kubemesos::simulate
