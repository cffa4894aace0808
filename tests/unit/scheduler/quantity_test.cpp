// ParseQuantityMilli and FormatMilli: Kubernetes quantity grammar, exact values, rounding up,
// every suffix, the 2^62 boundary in each, and rejection of malformed, out-of-range and
// once-overflowing text (table-driven).
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "scheduler/quantity.h"
#include "scheduler/resources.h"

namespace kubemesos {
namespace {

constexpr int64_t kGi = int64_t{1} << 30;

constexpr int64_t kMax = int64_t{1} << 62;  // 4611686018427387904: kMaxAmount
static_assert(kMax == kMaxAmount);

enum class Expect { kValue, kInvalid, kTooLarge };

struct QuantityCase {
  const char* text;
  std::optional<int64_t> milli;  // nullopt: must be rejected (as `expect` says)
  Expect expect = Expect::kValue;
};

QuantityCase Ok(const char* text, int64_t milli) {
  return {text, milli, Expect::kValue};
}
QuantityCase Bad(const char* text) {
  return {text, std::nullopt, Expect::kInvalid};
}
QuantityCase TooLarge(const char* text) {
  return {text, std::nullopt, Expect::kTooLarge};
}

void PrintTo(const QuantityCase& c, std::ostream* os) {
  *os << '"' << c.text << '"';
}

class ParseQuantityTest : public ::testing::TestWithParam<QuantityCase> {};

TEST_P(ParseQuantityTest, Parses) {
  const QuantityCase& c = GetParam();
  std::string error;
  auto milli = ParseQuantityMilli(c.text, &error);
  std::string quoted = std::string("\"") + c.text + "\"";
  switch (c.expect) {
    case Expect::kValue:
      ASSERT_TRUE(milli.has_value()) << quoted << ": " << error;
      EXPECT_EQ(*milli, *c.milli) << quoted;
      break;
    case Expect::kInvalid:
      EXPECT_FALSE(milli.has_value()) << quoted << " -> " << *milli;
      EXPECT_EQ(error.rfind("invalid quantity " + quoted + ": ", 0), 0u) << error;
      break;
    case Expect::kTooLarge:
      EXPECT_FALSE(milli.has_value()) << quoted << " -> " << *milli;
      EXPECT_EQ(error, "quantity too large: " + quoted + " (max 4611686018427387904m)");
      break;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Valid, ParseQuantityTest,
    ::testing::Values(Ok("500m", 500), Ok("1.5", 1500), Ok("2Gi", 2 * kGi * 1000),
                      Ok("1G", 1'000'000'000'000), Ok("1e3", 1'000'000), Ok("1E3", 1'000'000),
                      Ok("1e-3", 1), Ok("2e+2", 200'000), Ok("128974848", 128'974'848'000),
                      Ok("0.1", 100), Ok("1Ki", 1'024'000), Ok("100n", 1), Ok("999n", 1),
                      Ok("1000001n", 2), Ok("1u", 1), Ok("1.5Gi", 3 * kGi / 2 * 1000),
                      Ok("+1", 1000), Ok("-1", -1000), Ok("-500m", -500), Ok("0", 0), Ok("0.0", 0),
                      Ok("1m", 1), Ok(".5", 500), Ok("1.", 1000), Ok("1k", 1'000'000),
                      Ok("1M", 1'000'000'000), Ok("1T", 1'000'000'000'000'000),
                      Ok("1Mi", 1'048'576'000), Ok("0.5Ki", 512'000), Ok("1.0001m", 2),
                      Ok("007", 7000), Ok("0.000000000000000000000000001", 1)));

// One value per suffix, with a fraction where the suffix allows an exact one.
INSTANTIATE_TEST_SUITE_P(
    EverySuffix, ParseQuantityTest,
    ::testing::Values(Ok("2500000n", 3), Ok("0.5n", 1), Ok("1500u", 2), Ok("1.5u", 1),
                      Ok("1500m", 1500), Ok("2", 2000), Ok("2.5k", 2'500'000),
                      Ok("1.5M", 1'500'000'000), Ok("1.5G", 1'500'000'000'000),
                      Ok("1.5T", 1'500'000'000'000'000), Ok("1.5P", 1'500'000'000'000'000'000),
                      Ok("0.001E", 1'000'000'000'000'000'000), Ok("1.5Ki", 1'536'000),
                      Ok("1.5Mi", 1'572'864'000), Ok("1.5Gi", 1'610'612'736'000),
                      Ok("1.5Ti", 1'649'267'441'664'000), Ok("1.5Pi", 1'688'849'860'263'936'000),
                      Ok("0.001Ei", 1'152'921'504'606'846'976), Ok("1e0", 1000), Ok("1E-2", 10),
                      Ok("1.5e2", 150'000), Ok("15e-1", 1500),
                      Ok("1E15", 1'000'000'000'000'000'000), Ok("1e+15", 1'000'000'000'000'000'000),
                      Ok("1e-999", 1), Ok("0e999", 0), Ok("-1.5Ki", -1'536'000),
                      Ok("+1.5Ki", 1'536'000), Ok("-2e3", -2'000'000)));

// The largest value every suffix can express (exactly 2^62 milli-units), and the next one up.
INSTANTIATE_TEST_SUITE_P(
    Boundary, ParseQuantityTest,
    ::testing::Values(Ok("4611686018427387904000000n", kMax),
                      TooLarge("4611686018427387904000001n"), Ok("4611686018427387904000u", kMax),
                      TooLarge("4611686018427387904001u"), Ok("4611686018427387904m", kMax),
                      TooLarge("4611686018427387905m"), Ok("4611686018427387.904", kMax),
                      TooLarge("4611686018427387.905"), TooLarge("4611686018427388"),
                      Ok("4611686018427.387904k", kMax), TooLarge("4611686018427.387905k"),
                      Ok("4611686018.427387904M", kMax), TooLarge("4611686018.427387905M"),
                      Ok("4611686.018427387904G", kMax), TooLarge("4611686.018427387905G"),
                      Ok("4611.686018427387904T", kMax), TooLarge("4611.686018427387905T"),
                      Ok("4.611686018427387904P", kMax), TooLarge("4.611686018427387905P"),
                      Ok("0.004611686018427387904E", kMax), TooLarge("0.004611686018427387905E"),
                      Ok("4503599627370.496Ki", kMax), TooLarge("4503599627370.497Ki"),
                      Ok("4398046511.104Mi", kMax), TooLarge("4398046511.105Mi"),
                      Ok("4294967.296Gi", kMax), TooLarge("4294967.297Gi"), Ok("4194.304Ti", kMax),
                      TooLarge("4194.305Ti"), Ok("4.096Pi", kMax), TooLarge("4.097Pi"),
                      Ok("0.004Ei", kMax), TooLarge("0.0040000000000000001Ei"),
                      Ok("4.611686018427387904e15", kMax), TooLarge("4.611686018427387905e15"),
                      Ok("4611686018427387904e-3", kMax), TooLarge("4611686018427387905e-3"),
                      Ok("-4611686018427387904m", -kMax), TooLarge("-4611686018427387905m"),
                      Ok("+4611686018427387904m", kMax), TooLarge("+4611686018427387905m")));

// Values that wrapped or overflowed 128 bits before every multiply was checked: the exact
// reproducer of issue #12 (parsed as 0), and others that reach the multiply by ten with a
// 20-digit mantissa already shifted by 2^60, or a divisor past 10^38.
INSTANTIATE_TEST_SUITE_P(
    Overflow, ParseQuantityTest,
    ::testing::Values(TooLarge("488589780479268790.24Ei"), TooLarge("99999999999999999999Ei"),
                      TooLarge("-488589780479268790.24Ei"), TooLarge("99999999999999999999Pi"),
                      TooLarge("9999999999999999999999999999999999999999999999999E"),
                      TooLarge("9223372036854775807m"), TooLarge("9223372036854775808m"),
                      TooLarge("9223372036854775.807"), TooLarge("5000000000000000"),
                      TooLarge("100Ei"), TooLarge("8Ei"), TooLarge("1E"), TooLarge("1e16"),
                      TooLarge("1e999"), TooLarge("99999999999999999999999999"),
                      Ok("0.000000000000000000000000000099999999999999999999Ei", 1),
                      Ok("0.000000000000000000000099999999999999999999Ei", 1),  // was -4
                      Ok("0.0000000000000000000000000000000000000000000001Ei", 1)));

INSTANTIATE_TEST_SUITE_P(Invalid, ParseQuantityTest,
                         ::testing::Values(Bad(""), Bad("1.2.3"), Bad("abc"), Bad("1Qi"), Bad("1e"),
                                           Bad("1e+"), Bad("1e1234"), Bad("+"), Bad("-"), Bad("."),
                                           Bad("+-1"), Bad(" 1"), Bad("1 "), Bad("1 Gi"),
                                           Bad("1gi"), Bad("1KI"), Bad("1Gb"), Bad("1e3Ki"),
                                           Bad("0x10"), Bad("1,5"), Bad("Gi"), Bad("1ei"),
                                           Bad("1e-"), Bad("--1")));

// Cases at the edges of precision and sign (once known deviations, now fixed).
INSTANTIATE_TEST_SUITE_P(
    PrecisionAndSign, ParseQuantityTest,
    ::testing::Values(Ok("0.999999999999999999999999", 1000),
                      Ok("1.000000000000000000000Ki", 1'024'000),
                      Ok("10000000000000000000000000e-10", 1'000'000'000'000'000'000),
                      Ok("-1.5m", -2),
                      // More than 20 significant digits times a power
                      // of two: these came out 1m low with a 20-digit
                      // mantissa.
                      Ok("01.25611517886509707337Pi", 1414259962867818779),
                      Ok("3.87405907763324956596Pi", 4361802754610097546),
                      Ok("1835306542.83666389179706532480Mi", 1924458393461497678),
                      Ok("-01.889727646734873325765383821227Pi", -2127644181416724954),
                      Ok("0.1000000000000000000000000000001Ki", 102401)));

// Any length is safe: a million digits neither overflow a counter nor hang.
TEST(ParseQuantityTest, VeryLongInputs) {
  std::string error;
  EXPECT_FALSE(ParseQuantityMilli(std::string(1'000'000, '9'), &error).has_value());
  EXPECT_NE(error.find("quantity too large"), std::string::npos);
  EXPECT_EQ(ParseQuantityMilli("0." + std::string(1'000'000, '0') + "1"), 1);
  EXPECT_EQ(ParseQuantityMilli(std::string(1'000'000, '0') + "1"), 1000);
}

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
