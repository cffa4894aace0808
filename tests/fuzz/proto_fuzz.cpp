// Fuzzes the Kubernetes protobuf codec (operator/proto/codec.h) on what an API server sends.
// Two control bytes, then the bytes: byte 0 seeds the sizes of the pieces the stream arrives in,
// byte 1 >= 128 sets a small frame cap (1..1017 bytes; else the default).
// - The bytes as a body: DecodeObject and DecodeList never throw, fail only with an error, and
//   what they accept dumps as JSON.
// - The bytes as a watch stream through FrameSplitter in pieces: the frames are exactly those of
//   cutting the whole stream at once (up to a frame over the cap, which stops the stream); each
//   frame through DecodeWatchEvent as above.
// - Whatever decodes and encodes again (EncodeObject) decodes to the same JSON: decode is
//   stable on its own output.
#include <cstdint>
#include <string>
#include <vector>

#include "operator/proto/codec.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using nlohmann::json;
namespace proto = kubemesos::proto;

void CheckDecoded(bool ok, const json& object, const std::string& error) {
  if (!ok) {
    FUZZ_CHECK(!error.empty(), "a failure without an error");
    return;
  }
  std::string dumped;
  try {
    dumped = object.dump();
  } catch (...) {
    FUZZ_CHECK(false, "decoded JSON does not dump (invalid UTF-8?)");
  }
  // Stable: encoding what was decoded and decoding it again gives the same JSON.
  std::string body, e2;
  if (!proto::EncodeObject(object, body, e2)) return;  // e.g. a Duration, or a NaN
  json again;
  std::string e3;
  FUZZ_CHECK(proto::DecodeObject(body, again, e3), "re-encoded object does not decode: " + e3);
  FUZZ_CHECK(again.dump() == dumped, "decode(encode(x)) != x: " + dumped + " vs " + again.dump());
}

// Frames of `s` cut at once, up to the first over `max_frame` (*stopped then).
std::vector<std::string> Reference(const std::string& s, size_t max_frame, bool* stopped) {
  std::vector<std::string> out;
  *stopped = false;
  size_t at = 0;
  while (s.size() - at >= 4) {
    auto b = [&](size_t i) { return static_cast<size_t>(static_cast<unsigned char>(s[at + i])); };
    size_t n = b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
    if (n > max_frame) {
      *stopped = true;
      break;
    }
    if (s.size() - at - 4 < n) break;
    out.push_back(s.substr(at + 4, n));
    at += 4 + n;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return -1;
  uint32_t rng = data[0] * 2654435761u + 1;
  size_t max_frame =
      data[1] >= 128 ? 1 + (data[1] - 128) * 8u : proto::FrameSplitter::kDefaultMaxFrame;
  std::string bytes(kubemesos::fuzz::AsText(data + 2, size - 2));

  json object;
  std::string error;
  bool ok = proto::DecodeObject(bytes, object, error);
  CheckDecoded(ok, object, error);
  proto::ListPage page;
  error.clear();
  if (proto::DecodeList(bytes, page, error)) {
    for (const json& item : page.items) CheckDecoded(true, item, "");
  } else {
    FUZZ_CHECK(!error.empty(), "a list failure without an error");
  }

  proto::FrameSplitter splitter(max_frame);
  std::vector<std::string> frames;
  std::string frame;
  for (size_t off = 0; off < bytes.size();) {
    rng = rng * 1103515245u + 12345u;
    size_t piece = 1 + (rng >> 16) % 512;
    splitter.Append(std::string_view(bytes).substr(off, piece));
    off += piece;
    while (splitter.Next(frame)) frames.push_back(frame);
  }
  bool stopped = false;
  std::vector<std::string> want = Reference(bytes, max_frame, &stopped);
  FUZZ_CHECK(stopped == !splitter.error().empty(), stopped ? "a frame over the cap passed" : "cut");
  FUZZ_CHECK(frames == want,
             std::to_string(frames.size()) + " frames, want " + std::to_string(want.size()));
  for (const std::string& f : frames) {
    std::string type;
    error.clear();
    ok = proto::DecodeWatchEvent(f, type, object, error);
    if (ok) FUZZ_CHECK(!type.empty(), "an event without a type");
    CheckDecoded(ok, object, error);
  }
  return 0;
}
