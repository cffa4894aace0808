// The text forms of Time, MicroTime, Duration and bytes, against what apimachinery's Go
// marshalers print for the same values.
#include "operator/proto/wire_text.h"

#include <gtest/gtest.h>

namespace kubemesos::proto::internal {
namespace {

TEST(WireText, TimeAsMetaV1TimeAndMicroTime) {
  std::string s;
  ASSERT_TRUE(FormatTime(1796464800, -1, s));
  EXPECT_EQ(s, "2026-12-05T10:00:00Z");
  ASSERT_TRUE(FormatTime(1796464800, 123456789, s));
  EXPECT_EQ(s, "2026-12-05T10:00:00.123456Z");  // MicroTime: truncated to microseconds
  ASSERT_TRUE(FormatTime(0, 0, s));
  EXPECT_EQ(s, "1970-01-01T00:00:00.000000Z");
  ASSERT_TRUE(FormatTime(-1, -1, s));
  EXPECT_EQ(s, "1969-12-31T23:59:59Z");
  ASSERT_TRUE(FormatTime(951782400, -1, s));  // a leap day
  EXPECT_EQ(s, "2000-02-29T00:00:00Z");
  EXPECT_FALSE(FormatTime(INT64_MAX, -1, s));
  EXPECT_FALSE(FormatTime(INT64_MIN, -1, s));
}

TEST(WireText, ParseTimeIsTheReverse) {
  int64_t seconds = 0;
  int32_t nanos = 0;
  ASSERT_TRUE(ParseTime("2026-12-05T10:00:00Z", seconds, nanos));
  EXPECT_EQ(seconds, 1796464800);
  EXPECT_EQ(nanos, 0);
  ASSERT_TRUE(ParseTime("2026-12-05T10:00:00.123456Z", seconds, nanos));
  EXPECT_EQ(nanos, 123456000);
  ASSERT_TRUE(ParseTime("2026-12-05T12:00:00+02:00", seconds, nanos));
  EXPECT_EQ(seconds, 1796464800);
  for (const char* bad : {"", "2026-12-05", "2026-12-05T10:00:00", "2026-13-05T10:00:00Z",
                          "2026-12-05T10:00:00.Z", "2026-12-05T10:00:00Zjunk", "yesterday"}) {
    EXPECT_FALSE(ParseTime(bad, seconds, nanos)) << bad;
  }
}

TEST(WireText, DurationAsGoPrintsIt) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(1), "1ns");
  EXPECT_EQ(FormatDuration(1500), "1.5\u00b5s");
  EXPECT_EQ(FormatDuration(300000000), "300ms");
  EXPECT_EQ(FormatDuration(1500000000), "1.5s");
  EXPECT_EQ(FormatDuration(3600000000000), "1h0m0s");
  EXPECT_EQ(FormatDuration(-90000000000), "-1m30s");
}

TEST(WireText, Base64) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  std::string out;
  ASSERT_TRUE(Base64Decode("Zm9vYg==", out));
  EXPECT_EQ(out, "foob");
  EXPECT_FALSE(Base64Decode("Zm9v!", out));
  EXPECT_FALSE(Base64Decode("Zg=a", out));
}

}  // namespace
}  // namespace kubemesos::proto::internal
