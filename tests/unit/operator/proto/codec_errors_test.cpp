// The protobuf codec on input a server should not send, or that a newer server may: unknown
// fields of every wire type are skipped; truncated, oversized, mislabelled and garbage input is
// refused with a readable error, never a crash or an exception.
#include <sys/mman.h>

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "operator/proto/codec.h"
#include "operator/util/text.h"
#include "tests/unit/operator/proto/testdata.h"

namespace kubemesos::proto {
namespace {

using nlohmann::json;
using testing::ReadTestdata;

// Minimal wire writers, independent of the codec's own.
std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string Tag(int number, int wire_type) {
  return Varint(uint64_t(number) << 3 | wire_type);
}
std::string Bytes(int number, const std::string& b) {
  return Tag(number, 2) + Varint(b.size()) + b;
}
std::string Envelope(const std::string& api_version, const std::string& kind,
                     const std::string& raw) {
  return std::string("k8s\0", 4) + Bytes(1, Bytes(1, api_version) + Bytes(2, kind)) + Bytes(2, raw);
}

// Unknown fields of each wire type: varint, fixed64, length-delimited, group, fixed32.
std::string Unknowns() {
  return Tag(901, 0) + Varint(1ull << 60) + Tag(902, 1) + std::string(8, '\x7f') +
         Bytes(903, "anything \xff") + Tag(904, 3) + Tag(1, 0) + Varint(5) + Tag(904, 4) +
         Tag(905, 5) + std::string(4, '\x01');
}

// Pod{metadata{name: "p"}, spec{nodeName: "n"}}: ObjectMeta.name = 1, Pod.spec = 2,
// PodSpec.nodeName = 10.
TEST(UnknownFields, OfEveryWireTypeAreSkippedAtEveryLevel) {
  const std::string meta = Bytes(1, "p");
  const std::string spec = Bytes(10, "n");
  json want = {{"apiVersion", "v1"},
               {"kind", "Pod"},
               {"metadata", {{"name", "p"}}},
               {"spec", {{"nodeName", "n"}}}};
  for (const std::string& raw :
       {Bytes(1, meta) + Bytes(2, spec), Unknowns() + Bytes(1, meta) + Bytes(2, spec) + Unknowns(),
        Bytes(1, meta + Unknowns()) + Bytes(2, Unknowns() + spec),
        // A known field number with another wire type than declared is an unknown field too.
        Bytes(1, meta) + Bytes(2, spec + Tag(10, 0) + Varint(7))}) {
    json got;
    std::string error;
    ASSERT_TRUE(DecodeObject(Envelope("v1", "Pod", raw), got, error)) << error;
    EXPECT_EQ(got, want);
  }
  // Unknown fields in the envelope and in the watch event, too.
  std::string body = Envelope("v1", "Pod", Bytes(1, meta)) + Unknowns();
  json got;
  std::string error, type;
  ASSERT_TRUE(DecodeObject(body, got, error)) << error;
  std::string event = Unknowns() + Bytes(1, "ADDED") + Bytes(2, Bytes(1, body) + Unknowns());
  ASSERT_TRUE(DecodeWatchEvent(event, type, got, error)) << error;
  EXPECT_EQ(got["metadata"]["name"], "p");
}

TEST(Strings, InvalidUtf8IsReplacedSoTheJsonDumps) {
  json got;
  std::string error;
  ASSERT_TRUE(DecodeObject(Envelope("v1", "Pod",
                                    Bytes(1, Bytes(1,
                                                   "a\xff\xfe"
                                                   "b"))),
                           got, error))
      << error;
  std::string name = got["metadata"]["name"];
  EXPECT_TRUE(util::IsValidUtf8(name));
  EXPECT_EQ(name, "a\uFFFD\uFFFDb");
  EXPECT_NO_THROW(got.dump());
}

TEST(Truncated, EveryCutOfARealBodyIsRefused) {
  const std::string body = ReadTestdata("pod_rich.pb");
  // The envelope ends with contentEncoding and contentType (2 bytes each, empty); a cut
  // anywhere before them is inside the object.
  ASSERT_EQ(body.substr(body.size() - 4), std::string("\x1a\x00\x22\x00", 4));
  for (size_t n = 0; n + 4 < body.size(); ++n) {
    json got;
    std::string error;
    ASSERT_FALSE(DecodeObject(std::string_view(body).substr(0, n), got, error)) << n;
    ASSERT_FALSE(error.empty()) << n;
  }
}

TEST(Truncated, AFrameWaitsForTheRestAndSaysHowMuchItHas) {
  std::string frame, error;
  json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "p"}}}};
  ASSERT_TRUE(EncodeWatchEvent("ADDED", pod, frame, error)) << error;
  FrameSplitter splitter;
  splitter.Append(std::string_view(frame).substr(0, frame.size() - 1));
  std::string out;
  EXPECT_FALSE(splitter.Next(out));
  EXPECT_EQ(splitter.pending(), frame.size() - 1);  // the stream ended mid-frame
  EXPECT_EQ(splitter.error(), "");
  splitter.Append(std::string_view(frame).substr(frame.size() - 1));
  EXPECT_TRUE(splitter.Next(out));
  EXPECT_EQ(splitter.pending(), 0u);
  // A frame cut short on its own (no splitter) is refused by the decoder.
  std::string type;
  json got;
  EXPECT_FALSE(DecodeWatchEvent(std::string_view(out).substr(0, out.size() - 3), type, got, error));
  EXPECT_FALSE(error.empty());
}

TEST(Oversized, AHugeLengthPrefixBreaksTheStream) {
  FrameSplitter splitter(1024);
  splitter.Append(std::string("\xff\xff\xff\xff", 4));
  std::string out;
  EXPECT_FALSE(splitter.Next(out));
  EXPECT_NE(splitter.error().find("above the limit"), std::string::npos) << splitter.error();
  splitter.Append(std::string(8, '\0'));  // nothing after an error is used
  EXPECT_FALSE(splitter.Next(out));
  // Just above the limit is refused as well; the limit itself is accepted.
  FrameSplitter exact(4);
  exact.Append(
      std::string("\0\0\0\x04"
                  "abcd",
                  8));
  EXPECT_TRUE(exact.Next(out));
  EXPECT_EQ(out, "abcd");
  exact.Append(std::string("\0\0\0\x05", 4));
  EXPECT_FALSE(exact.Next(out));
  EXPECT_FALSE(exact.error().empty());
}

TEST(Oversized, ALengthPastTheEndOfTheBody) {
  json got;
  std::string error;
  std::string raw = Tag(1, 2) + Varint(1u << 30) + "x";
  EXPECT_FALSE(DecodeObject(Envelope("v1", "Pod", Bytes(1, Bytes(1, "p"))) + raw, got, error));
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(DecodeObject(Envelope("v1", "Pod", raw), got, error));
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
}

TEST(Oversized, ABodyAboveTheCapIsRefusedUnread) {
  // Untouched anonymous pages: the size is real, the memory is never committed.
  size_t size = kMaxBodyBytes + 1;
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  std::string_view body(static_cast<const char*>(p), size);
  json got;
  ListPage page;
  std::string error, type;
  EXPECT_FALSE(DecodeObject(body, got, error));
  EXPECT_NE(error.find("above the limit"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(DecodeList(body, page, error));
  EXPECT_NE(error.find("above the limit"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(DecodeWatchEvent(body, type, got, error));
  EXPECT_NE(error.find("above the limit"), std::string::npos) << error;
  munmap(p, size);
}

TEST(Refused, WrongMagicUnknownKindAndEncodings) {
  json got;
  std::string error;
  std::string good = ReadTestdata("namespace.pb");
  ASSERT_TRUE(DecodeObject(good, got, error)) << error;
  std::string bad = good;
  bad[2] = 'x';
  EXPECT_FALSE(DecodeObject(bad, got, error));
  EXPECT_NE(error.find("magic"), std::string::npos) << error;
  EXPECT_FALSE(DecodeObject(ReadTestdata("namespace.json"), got, error));  // JSON is not protobuf
  EXPECT_FALSE(DecodeObject("", got, error));
  error.clear();
  EXPECT_FALSE(DecodeObject(Envelope("apps/v1", "Deployment", ""), got, error));
  EXPECT_NE(error.find("unknown kind \"Deployment\""), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(DecodeObject(Envelope("v1", "Container", ""), got, error));
  EXPECT_NE(error.find("unknown kind"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(DecodeObject(Envelope("v1", "Pod", "") + Bytes(3, "gzip"), got, error));
  EXPECT_NE(error.find("contentEncoding"), std::string::npos) << error;
  error.clear();
  std::string type;
  EXPECT_FALSE(DecodeWatchEvent(Bytes(1, "EXPLODED") + Bytes(2, Bytes(1, good)), type, got, error));
  EXPECT_NE(error.find("EXPLODED"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(DecodeWatchEvent(Bytes(1, "ADDED"), type, got, error));
  EXPECT_NE(error.find("without an object"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(DecodeWatchEvent(Bytes(1, "ADDED") + Bytes(2, Bytes(1, "junk")), type, got, error));
  EXPECT_NE(error.find("magic"), std::string::npos) << error;
}

TEST(Refused, GarbageNeverCrashes) {
  std::mt19937 rng(17);
  std::string real = ReadTestdata("pod_rich.pb");
  for (int i = 0; i < 3000; ++i) {
    std::string body;
    if (i % 2 == 0) {
      body = std::string("k8s\0", 4);
      size_t n = rng() % 300;
      for (size_t j = 0; j < n; ++j) body.push_back(static_cast<char>(rng()));
    } else {
      body = real;  // a real body with a few bytes flipped
      for (int j = 0; j < 4; ++j) body[4 + rng() % (body.size() - 4)] = static_cast<char>(rng());
    }
    json got;
    ListPage page;
    std::string error, type;
    if (!DecodeObject(body, got, error)) {
      EXPECT_FALSE(error.empty());
    } else {
      EXPECT_NO_THROW(got.dump());
    }
    DecodeList(body, page, error);
    DecodeWatchEvent(std::string_view(body).substr(4), type, got, error);
  }
}

}  // namespace
}  // namespace kubemesos::proto
