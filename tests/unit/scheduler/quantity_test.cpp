// ParseQuantityMilli and FormatMilli: Kubernetes quantity grammar, exact values, rounding up,
// and rejection of malformed or out-of-range text (table-driven).
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "scheduler/quantity.h"

namespace kubemesos {
namespace {

constexpr int64_t kGi = int64_t{1} << 30;

struct QuantityCase {
  const char* text;
  std::optional<int64_t> milli;  // nullopt: must be rejected
};

void PrintTo(const QuantityCase& c, std::ostream* os) {
  *os << '"' << c.text << '"';
}

class ParseQuantityTest : public ::testing::TestWithParam<QuantityCase> {};

TEST_P(ParseQuantityTest, Parses) {
  const QuantityCase& c = GetParam();
  std::string error;
  auto milli = ParseQuantityMilli(c.text, &error);
  if (c.milli) {
    ASSERT_TRUE(milli.has_value()) << '"' << c.text << "\": " << error;
    EXPECT_EQ(*milli, *c.milli) << '"' << c.text << '"';
  } else {
    EXPECT_FALSE(milli.has_value()) << '"' << c.text << "\" -> " << *milli;
    EXPECT_NE(error.find("invalid quantity"), std::string::npos) << error;
    EXPECT_NE(error.find(std::string("\"") + c.text + "\""), std::string::npos) << error;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Valid, ParseQuantityTest,
    ::testing::Values(QuantityCase{"500m", 500}, QuantityCase{"1.5", 1500},
                      QuantityCase{"2Gi", 2 * kGi * 1000}, QuantityCase{"1G", 1'000'000'000'000},
                      QuantityCase{"1e3", 1'000'000}, QuantityCase{"1E3", 1'000'000},
                      QuantityCase{"1e-3", 1}, QuantityCase{"2e+2", 200'000},
                      QuantityCase{"128974848", 128'974'848'000}, QuantityCase{"0.1", 100},
                      QuantityCase{"1Ki", 1'024'000}, QuantityCase{"100n", 1},
                      QuantityCase{"999n", 1}, QuantityCase{"1000001n", 2}, QuantityCase{"1u", 1},
                      QuantityCase{"1.5Gi", 3 * kGi / 2 * 1000}, QuantityCase{"+1", 1000},
                      QuantityCase{"-1", -1000}, QuantityCase{"-500m", -500}, QuantityCase{"0", 0},
                      QuantityCase{"0.0", 0}, QuantityCase{"1m", 1}, QuantityCase{".5", 500},
                      QuantityCase{"1.", 1000}, QuantityCase{"1k", 1'000'000},
                      QuantityCase{"1M", 1'000'000'000}, QuantityCase{"1T", 1'000'000'000'000'000},
                      QuantityCase{"1Mi", 1'048'576'000}, QuantityCase{"0.5Ki", 512'000},
                      QuantityCase{"1.0001m", 2}, QuantityCase{"007", 7000},
                      QuantityCase{"9223372036854775807m", INT64_MAX},
                      QuantityCase{"9223372036854775.807", INT64_MAX},
                      QuantityCase{"0.000000000000000000000000001", 1}));

INSTANTIATE_TEST_SUITE_P(
    Invalid, ParseQuantityTest,
    ::testing::Values(QuantityCase{"", std::nullopt}, QuantityCase{"1.2.3", std::nullopt},
                      QuantityCase{"abc", std::nullopt}, QuantityCase{"1Qi", std::nullopt},
                      QuantityCase{"1e", std::nullopt}, QuantityCase{"1e+", std::nullopt},
                      QuantityCase{"1e1234", std::nullopt}, QuantityCase{"100Ei", std::nullopt},
                      QuantityCase{"8Ei", std::nullopt}, QuantityCase{"1E", std::nullopt},
                      QuantityCase{"9223372036854775808m", std::nullopt},
                      QuantityCase{"99999999999999999999999999", std::nullopt},
                      QuantityCase{"+", std::nullopt}, QuantityCase{"-", std::nullopt},
                      QuantityCase{".", std::nullopt}, QuantityCase{"+-1", std::nullopt},
                      QuantityCase{" 1", std::nullopt}, QuantityCase{"1 ", std::nullopt},
                      QuantityCase{"1 Gi", std::nullopt}, QuantityCase{"1gi", std::nullopt},
                      QuantityCase{"1KI", std::nullopt}, QuantityCase{"1Gb", std::nullopt},
                      QuantityCase{"1e3Ki", std::nullopt}, QuantityCase{"0x10", std::nullopt},
                      QuantityCase{"1,5", std::nullopt}, QuantityCase{"Gi", std::nullopt}));

// Cases at the edges of precision and sign (once known deviations, now fixed).
INSTANTIATE_TEST_SUITE_P(PrecisionAndSign, ParseQuantityTest,
                         ::testing::Values(QuantityCase{"0.999999999999999999999999", 1000},
                                           QuantityCase{"1.000000000000000000000Ki", 1'024'000},
                                           QuantityCase{"10000000000000000000000000e-10",
                                                        1'000'000'000'000'000'000},
                                           QuantityCase{"-1.5m", -2}));

TEST(ParseQuantityTest, ErrorPointerIsOptional) {
  EXPECT_FALSE(ParseQuantityMilli("abc").has_value());
  EXPECT_EQ(ParseQuantityMilli("2"), 2000);
}

TEST(FormatMilliTest, ShortestExactForm) {
  EXPECT_EQ(FormatMilli(0), "0");
  EXPECT_EQ(FormatMilli(1500), "1500m");
  EXPECT_EQ(FormatMilli(2000), "2");
  EXPECT_EQ(FormatMilli(1), "1m");
  EXPECT_EQ(FormatMilli(-3000), "-3");
  for (int64_t v : {int64_t{0}, int64_t{7}, int64_t{1500}, int64_t{123456789000}}) {
    EXPECT_EQ(ParseQuantityMilli(FormatMilli(v)), v) << v;
  }
}

}  // namespace
}  // namespace kubemesos
