// Fuzzes the quantity parser (scheduler/quantity.h): any text parses or is refused, never
// overflows (UBSan), and what parses is consistent: FormatMilli round-trips exactly, the sign
// follows the text, and a non-zero mantissa never becomes 0 (values round up in magnitude).
#include <cstdint>
#include <string>

#include "scheduler/quantity.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kubemesos;
  std::string_view text = fuzz::AsText(data, size);
  if (text.size() > 256) return -1;  // quantities are short; long inputs only slow the search
  std::string error;
  std::optional<int64_t> milli = ParseQuantityMilli(text, &error);
  if (!milli) {
    FUZZ_CHECK(!error.empty(), "a refused quantity has an error");
    return 0;
  }
  FUZZ_CHECK(*milli != INT64_MIN, "the milli-value fits in 63 bits");
  std::string formatted = FormatMilli(*milli);
  std::optional<int64_t> again = ParseQuantityMilli(formatted);
  FUZZ_CHECK(again && *again == *milli, "FormatMilli round-trips: " + formatted);

  bool negative = !text.empty() && text[0] == '-';
  bool nonzero_digit = false;
  for (char c : text) {
    if (c >= '1' && c <= '9') nonzero_digit = true;
    if (c != '.' && c != '+' && c != '-' && (c < '0' || c > '9')) break;  // the suffix
  }
  FUZZ_CHECK(negative ? *milli <= 0 : *milli >= 0, "the sign follows the text: " + formatted);
  FUZZ_CHECK(!nonzero_digit || *milli != 0, "a non-zero quantity is not 0: " + formatted);
  return 0;
}
