// JSON vs protobuf for what the informers read (issue #17): a 500-pod LIST page and single
// watch events, built from pods a real kube-apiserver served (tests/unit/operator/proto/
// testdata: the same pod in both encodings, managedFields included, as the server sends them).
// JSON: nlohmann::json::parse of the body, items moved out (what the JSON informer does).
// Protobuf: proto::DecodeList / DecodeWatchEvent (the same JSON objects, fields kubemesos never
// reads left out). Counters: time per object, and bytes per object on the wire.
//   build/bench/proto_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "operator/proto/codec.h"

namespace {

using nlohmann::json;
namespace proto = kubemesos::proto;

constexpr int kPage = 500;
const char* const kPods[] = {"pod_second", "pod_rich"};  // a running pod; a pod with everything

std::string Read(const std::string& name) {
  std::ifstream f(std::string(KUBEMESOS_PROTO_TESTDATA) + "/" + name, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string Varint(uint64_t v) {
  std::string out;
  for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>(v | 0x80));
  out.push_back(static_cast<char>(v));
  return out;
}
std::string Field(int number, const std::string& bytes) {
  return Varint(uint64_t(number) << 3 | 2) + Varint(bytes.size()) + bytes;
}

// The object bytes (runtime.Unknown.raw) of a "k8s\0" body, as the server wrote them.
std::string RawOf(const std::string& body) {
  size_t at = 4;
  auto varint = [&] {
    uint64_t v = 0;
    for (int shift = 0; at < body.size(); shift += 7) {
      auto b = static_cast<unsigned char>(body[at++]);
      v |= uint64_t(b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    return v;
  };
  while (at < body.size()) {
    uint64_t tag = varint();
    uint64_t n = varint();
    if (tag >> 3 == 2) return body.substr(at, n);
    at += n;
  }
  return "";
}

struct Page {
  std::string json_body, proto_body;
};

// kPage copies of one server pod, in each encoding.
Page MakePage(const std::string& pod) {
  json object = json::parse(Read(pod + ".json"));
  object.erase("apiVersion");
  object.erase("kind");
  json list = {{"kind", "PodList"},
               {"apiVersion", "v1"},
               {"metadata", {{"resourceVersion", "12345"}}},
               {"items", json::array()}};
  for (int i = 0; i < kPage; ++i) list["items"].push_back(object);
  std::string raw = Field(1, Field(2, "12345"));
  std::string item = RawOf(Read(pod + ".pb"));
  for (int i = 0; i < kPage; ++i) raw += Field(2, item);
  std::string envelope =
      std::string("k8s\0", 4) + Field(1, Field(1, "v1") + Field(2, "PodList")) + Field(2, raw);
  return {list.dump(), envelope};
}

void Counters(benchmark::State& state, size_t bytes, int objects) {
  state.counters["per_object"] = benchmark::Counter(
      objects, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["bytes_per_object"] = static_cast<double>(bytes) / objects;
}

void BM_ListPageJson(benchmark::State& state) {
  Page page = MakePage(kPods[state.range(0)]);
  state.SetLabel(kPods[state.range(0)]);
  for (auto _ : state) {
    json body = json::parse(page.json_body);
    std::vector<json> items;
    items.reserve(body["items"].size());
    for (json& item : body["items"]) items.push_back(std::move(item));
    benchmark::DoNotOptimize(items.data());
  }
  Counters(state, page.json_body.size(), kPage);
}

void BM_ListPageProtobuf(benchmark::State& state) {
  Page page = MakePage(kPods[state.range(0)]);
  state.SetLabel(kPods[state.range(0)]);
  for (auto _ : state) {
    proto::ListPage out;
    std::string error;
    if (!proto::DecodeList(page.proto_body, out, error) || out.items.size() != kPage) {
      state.SkipWithError(error.c_str());
      break;
    }
    benchmark::DoNotOptimize(out.items.data());
  }
  Counters(state, page.proto_body.size(), kPage);
}

void BM_WatchEventJson(benchmark::State& state) {
  json object = json::parse(Read(std::string(kPods[state.range(0)]) + ".json"));
  std::string line = json{{"type", "MODIFIED"}, {"object", object}}.dump() + "\n";
  state.SetLabel(kPods[state.range(0)]);
  for (auto _ : state) {
    json event = json::parse(line);
    std::string type = event["type"];
    json got = std::move(event["object"]);
    benchmark::DoNotOptimize(got);
  }
  Counters(state, line.size(), 1);
}

void BM_WatchEventProtobuf(benchmark::State& state) {
  std::string body = Read(std::string(kPods[state.range(0)]) + ".pb");
  std::string frame = Field(1, "MODIFIED") + Field(2, Field(1, body));
  state.SetLabel(kPods[state.range(0)]);
  for (auto _ : state) {
    std::string type, error;
    json got;
    if (!proto::DecodeWatchEvent(frame, type, got, error)) {
      state.SkipWithError(error.c_str());
      break;
    }
    benchmark::DoNotOptimize(got);
  }
  Counters(state, frame.size() + 4, 1);  // + the length prefix
}

BENCHMARK(BM_ListPageJson)->DenseRange(0, 1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ListPageProtobuf)->DenseRange(0, 1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WatchEventJson)->DenseRange(0, 1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WatchEventProtobuf)->DenseRange(0, 1)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
