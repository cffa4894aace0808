// YAML to JSON: scalar typing (YAML 1.2 core schema), documents, errors, bounded expansion.
// Hostile input (budgets, duplicate keys, UTF-8, nesting) is in yaml_json_limits_test.cpp.
#include <gtest/gtest.h>

#include "operator/simulate/yaml_json.h"

namespace kubemesos::simulate {
namespace {

using nlohmann::json;

struct ScalarCase {
  const char* yaml;  // the value of key v
  json expected;
};

class ScalarTypingTest : public ::testing::TestWithParam<ScalarCase> {};

TEST_P(ScalarTypingTest, Typed) {
  std::vector<YamlDocument> docs;
  std::string error;
  ASSERT_TRUE(ParseYamlDocuments(std::string("v: ") + GetParam().yaml + "\n", &docs, &error))
      << error;
  ASSERT_EQ(docs.size(), 1u);
  const json& v = docs[0].value["v"];
  EXPECT_EQ(v.type(), GetParam().expected.type()) << GetParam().yaml << " -> " << v.dump();
  EXPECT_EQ(v, GetParam().expected) << GetParam().yaml << " -> " << v.dump();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ScalarTypingTest,
    ::testing::Values(ScalarCase{"1", json(1)}, ScalarCase{"-3", json(-3)},
                      ScalarCase{"+7", json(7)}, ScalarCase{"0x1F", json(31)},
                      ScalarCase{"0o17", json(15)}, ScalarCase{"128974848", json(128974848)},
                      ScalarCase{"9223372036854775807", json(INT64_MAX)},
                      ScalarCase{"99999999999999999999", json(1e20)}, ScalarCase{"1.5", json(1.5)},
                      ScalarCase{"0.1", json(0.1)}, ScalarCase{".5", json(0.5)},
                      ScalarCase{"1e3", json(1000.0)}, ScalarCase{"-2.5E-1", json(-0.25)},
                      ScalarCase{"true", json(true)}, ScalarCase{"False", json(false)},
                      ScalarCase{"TRUE", json(true)}, ScalarCase{"null", json(nullptr)},
                      ScalarCase{"~", json(nullptr)}, ScalarCase{"", json(nullptr)},
                      ScalarCase{"'1'", json("1")}, ScalarCase{"\"true\"", json("true")},
                      ScalarCase{"''", json("")}, ScalarCase{"!!str 5", json("5")},
                      ScalarCase{"!!int \"5\"", json(5)}, ScalarCase{"!!float 2", json(2.0)},
                      ScalarCase{"2Gi", json("2Gi")}, ScalarCase{"500m", json("500m")},
                      ScalarCase{"1e", json("1e")}, ScalarCase{"1.2.3", json("1.2.3")},
                      ScalarCase{"yes", json("yes")}, ScalarCase{"on", json("on")},
                      ScalarCase{".inf", json(".inf")}, ScalarCase{"0x", json("0x")},
                      ScalarCase{"0o9", json("0o9")},
                      ScalarCase{"[1, '2', b]", json::array({1, "2", "b"})},
                      ScalarCase{"{a: 1}", json::object({{"a", 1}})},
                      ScalarCase{"|\n  text\n", json("text\n")}));

TEST(ParseYamlDocumentsTest, MultipleDocumentsSkipEmpty) {
  std::vector<YamlDocument> docs;
  std::string error;
  ASSERT_TRUE(ParseYamlDocuments("a: 1\n---\n---\n# only a comment\n---\nb: 2\n", &docs, &error))
      << error;
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].index, 1);
  EXPECT_EQ(docs[0].value, json({{"a", 1}}));
  EXPECT_EQ(docs[1].value, json({{"b", 2}}));
  EXPECT_GT(docs[1].index, 2);
  EXPECT_EQ(docs[0].line, 1);
  EXPECT_EQ(docs[1].line, 6);  // the object's first line, not its "---"
}

TEST(ParseYamlDocumentsTest, ListItemLines) {
  std::vector<YamlDocument> docs;
  std::string error;
  ASSERT_TRUE(ParseYamlDocuments("kind: List\nitems:\n- a: 1\n\n- [x]\n- b\n", &docs, &error))
      << error;
  EXPECT_EQ(docs[0].item_lines, (std::vector<int>{3, 5, 6}));
}

TEST(ParseYamlDocumentsTest, EmptyInput) {
  std::vector<YamlDocument> docs;
  std::string error;
  EXPECT_TRUE(ParseYamlDocuments("", &docs, &error));
  EXPECT_TRUE(docs.empty());
}

TEST(ParseYamlDocumentsTest, AnchorsAndAliases) {
  std::vector<YamlDocument> docs;
  std::string error;
  ASSERT_TRUE(ParseYamlDocuments("r: &r {cpu: '1'}\na: *r\n", &docs, &error)) << error;
  EXPECT_EQ(docs[0].value["a"], json({{"cpu", "1"}}));
}

TEST(ParseYamlDocumentsTest, MalformedYamlReportsLineAndColumn) {
  for (const char* text : {"a: [1,\nb: c\n", "a: b: c\n", "a: {b: 1\n", "\t- x\n"}) {
    std::vector<YamlDocument> docs;
    std::string error;
    EXPECT_FALSE(ParseYamlDocuments(text, &docs, &error)) << text;
    EXPECT_EQ(error.rfind("line ", 0), 0u) << error;
  }
}

TEST(ParseYamlDocumentsTest, NonScalarKeyIsAnError) {
  std::vector<YamlDocument> docs;
  std::string error;
  EXPECT_FALSE(ParseYamlDocuments("? [a, b]\n: 1\n", &docs, &error));
  EXPECT_EQ(error, "line 1, column 3: a map key must be a string, not a sequence");
}

TEST(ParseYamlDocumentsTest, AliasBombIsBounded) {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string prev = "a";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string name(1, c);
    text += name + ": &" + name + " [";
    for (int i = 0; i < 10; ++i) text += (i ? ", *" : "*") + prev;
    text += "]\n";
    prev = name;
  }
  std::vector<YamlDocument> docs;
  std::string error;
  EXPECT_FALSE(ParseYamlDocuments(text, &docs, &error));
  EXPECT_NE(error.find("aliases expand to more than 1000000 values"), std::string::npos) << error;
}

TEST(ParseYamlDocumentsTest, LongPlainScalarDoesNotOverflowTheStack) {
  std::string big(1 << 20, '7');
  std::vector<YamlDocument> docs;
  std::string error;
  ASSERT_TRUE(ParseYamlDocuments("v: " + big + "x\n", &docs, &error)) << error;
  EXPECT_TRUE(docs[0].value["v"].is_string());
}

}  // namespace
}  // namespace kubemesos::simulate
