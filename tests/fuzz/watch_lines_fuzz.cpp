// Fuzzes the watch-stream line splitter (operator/client/line_splitter.h) against a reference.
// Three control bytes, then the stream: byte 0 seeds the sizes of the pieces it arrives in
// (lines are drained after every piece), byte 1 repeats the stream 1..64 times (so that the
// buffer compaction past 64 KiB runs), byte 2 >= 128 sets a small line cap (1..1017 bytes;
// else the default). The lines must be exactly those of splitting the whole stream at once,
// up to the first line over the cap, which must stop the stream.
#include <cstdint>
#include <string>
#include <vector>

#include "operator/client/line_splitter.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

// Every non-blank line of `s`, without "\n" / "\r\n"; a last line without "\n" counts (a
// "\r" ending it is dropped too). Stops at the first line longer than `max_line` (blank or
// not); *too_long tells whether one was.
std::vector<std::string> Reference(const std::string& s, size_t max_line, bool* too_long) {
  std::vector<std::string> out;
  *too_long = false;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    size_t stop = nl == std::string::npos ? s.size() : nl;
    std::string line = s.substr(start, stop - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > max_line) {
      *too_long = true;
      break;
    }
    if (line.find_first_not_of(" \t\r") != std::string::npos) out.push_back(line);
    start = stop + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kubemesos;
  if (size < 3) return -1;
  uint32_t rng = data[0] * 2654435761u + 1;
  int repeat = 1 + data[1] % 64;
  size_t max_line =
      data[2] >= 128 ? 1 + (data[2] - 128) * 8u : client::LineSplitter::kDefaultMaxLine;
  std::string_view unit = fuzz::AsText(data + 3, size - 3);
  std::string stream;
  for (int i = 0; i < repeat; ++i) stream.append(unit);

  client::LineSplitter splitter(max_line);
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

  bool too_long = false;
  std::vector<std::string> want = Reference(stream, max_line, &too_long);
  FUZZ_CHECK(splitter.too_long() == too_long,
             too_long ? "a line over the cap passed" : "cut short");
  FUZZ_CHECK(got.size() == want.size(),
             std::to_string(got.size()) + " lines, want " + std::to_string(want.size()));
  for (size_t i = 0; i < got.size(); ++i)
    FUZZ_CHECK(got[i] == want[i], "line " + std::to_string(i));
  return 0;
}
