// UTF-8 validation, sanitising and truncation on character boundaries (operator/util/text.h).
#include "operator/util/text.h"

#include <gtest/gtest.h>

namespace kubemesos::util {
namespace {

TEST(Utf8, ValidAndInvalidSequences) {
  struct Case {
    std::string text;
    bool valid;
  };
  const Case cases[] = {
      {"", true},
      {"plain ascii", true},
      {"\xC3\xA9", true},              // é
      {"\xE2\x82\xAC", true},          // €
      {"\xF0\x9F\x98\x80", true},      // 😀
      {"\xC3", false},                 // cut short
      {"\xE2\x82", false},             // cut short
      {"\x80", false},                 // lone continuation
      {"\xC0\xAF", false},             // overlong '/'
      {"\xE0\x80\xAF", false},         // overlong
      {"\xED\xA0\x80", false},         // surrogate
      {"\xF4\x90\x80\x80", false},     // above U+10FFFF
      {"\xFF", false},                 // never valid
      {std::string("a\0b", 3), true},  // NUL is valid UTF-8
  };
  for (const auto& c : cases)
    EXPECT_EQ(IsValidUtf8(c.text), c.valid) << testing::PrintToString(c.text);
}

TEST(Utf8, SanitizeReplacesInvalidBytes) {
  EXPECT_EQ(SanitizeUtf8("a\xFF"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(SanitizeUtf8("\xC3"), "\xEF\xBF\xBD");
  EXPECT_TRUE(IsValidUtf8(SanitizeUtf8("\xE2\x82\xE2\x82\xAC\xF0")));
}

TEST(Utf8, TruncatesOnACharacterBoundary) {
  std::string euros;
  for (int i = 0; i < 400; ++i) euros += "\xE2\x82\xAC";  // 1,200 bytes
  for (size_t max : {0u, 1u, 2u, 3u, 4u, 1023u, 1024u, 1025u}) {
    std::string cut = SanitizeUtf8(euros, max);
    EXPECT_LE(cut.size(), max);
    EXPECT_GT(cut.size() + 3, max);  // no more than one character short of the budget
    EXPECT_EQ(cut.size() % 3, 0u);
    EXPECT_TRUE(IsValidUtf8(cut));
  }
}

TEST(Utf8, SafeDumpNeverThrows) {
  nlohmann::json value = {{"message", std::string("cut \xE2\x82")}};
  EXPECT_THROW(value.dump(), nlohmann::json::type_error);
  std::string dumped;
  EXPECT_NO_THROW(dumped = SafeDump(value));
  EXPECT_TRUE(IsValidUtf8(dumped));
}

}  // namespace
}  // namespace kubemesos::util
