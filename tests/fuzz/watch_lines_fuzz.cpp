// Fuzzes the watch-stream line splitter (operator/client/line_splitter.h) against a reference:
// the stream is the input after two control bytes, repeated (byte 1: 1..64 times, so that the
// buffer compaction past 64 KiB runs), and delivered in pieces of pseudo-random sizes (byte 0
// seeds them), draining lines after every piece. The lines must be exactly those of splitting
// the whole stream at once.
#include <cstdint>
#include <string>
#include <vector>

#include "operator/client/line_splitter.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

// Every non-blank line of `s`, without "\n" / "\r\n"; a last line without "\n" counts (a
// "\r" ending it is dropped too).
std::vector<std::string> Reference(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    size_t stop = nl == std::string::npos ? s.size() : nl;
    std::string line = s.substr(start, stop - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t\r") != std::string::npos) out.push_back(line);
    start = stop + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kubemesos;
  if (size < 2) return -1;
  uint32_t rng = data[0] * 2654435761u + 1;
  int repeat = 1 + data[1] % 64;
  std::string_view unit = fuzz::AsText(data + 2, size - 2);
  std::string stream;
  for (int i = 0; i < repeat; ++i) stream.append(unit);

  client::LineSplitter splitter;
  std::vector<std::string> got;
  std::string line;
  for (size_t off = 0; off < stream.size();) {
    rng = rng * 1103515245u + 12345u;
    size_t piece = 1 + (rng >> 16) % 4096;
    splitter.Append(std::string_view(stream).substr(off, piece));
    off += piece;
    while (splitter.Next(line)) got.push_back(line);
  }
  splitter.Finish();
  while (splitter.Next(line)) got.push_back(line);
  FUZZ_CHECK(!splitter.Next(line), "an exhausted splitter stays exhausted");

  std::vector<std::string> want = Reference(stream);
  FUZZ_CHECK(got.size() == want.size(),
             std::to_string(got.size()) + " lines, want " + std::to_string(want.size()));
  for (size_t i = 0; i < got.size(); ++i)
    FUZZ_CHECK(got[i] == want[i], "line " + std::to_string(i));
  return 0;
}
