// proto_wire_check DIR: for every DIR/NAME.pb next to DIR/NAME.json (one GET in each
// encoding), decodes the protobuf with the codec and compares it with the API server's JSON
// field by field (tests/unit/operator/proto/compare.h); NAME.watch.pb / NAME.watch.json are
// the same watch in each encoding, compared event by event. Prints one line per object and
// every difference; exits 1 on any. Run by wire_test.sh against the live kube-apiserver.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "operator/proto/codec.h"
#include "tests/unit/operator/proto/compare.h"

namespace {

using nlohmann::json;
namespace proto = kubemesos::proto;
namespace testing = kubemesos::proto::testing;

std::string Read(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

size_t Leaves(const json& v) {
  if (v.is_object() || v.is_array()) {
    size_t n = 0;
    for (const auto& x : v) n += Leaves(x);
    return n;
  }
  return 1;
}

// Compares and reports one decoded object; returns the number of differences.
size_t Check(const std::string& what, json want, const json& got) {
  testing::Prune(want);
  std::vector<std::string> diffs;
  testing::Compare(want, got, "", diffs);
  std::cout << (diffs.empty() ? "ok   " : "DIFF ") << what << " (" << Leaves(want)
            << " JSON fields)\n";
  for (const auto& d : diffs) std::cout << "     " << d << "\n";
  return diffs.size();
}

size_t CheckObject(const std::string& name, const std::string& pb, const json& want) {
  std::string error;
  const std::string kind = want.value("kind", "");
  if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "List") == 0) {
    proto::ListPage page;
    if (!proto::DecodeList(pb, page, error)) {
      std::cout << "FAIL " << name << ": " << error << "\n";
      return 1;
    }
    size_t bad = 0;
    const json& meta = want["metadata"];
    if (page.resource_version != meta.value("resourceVersion", "") ||
        page.continue_token != meta.value("continue", "") ||
        page.remaining_item_count != meta.value("remainingItemCount", int64_t{-1}) ||
        page.items.size() != want["items"].size()) {
      std::cout << "DIFF " << name << ": list metadata or item count\n";
      return 1;
    }
    for (size_t i = 0; i < page.items.size(); ++i) {
      json item = want["items"][i];
      item["apiVersion"] = want["apiVersion"];
      item["kind"] = page.kind;
      bad += Check(name + ".items[" + std::to_string(i) + "]", item, page.items[i]);
    }
    return bad;
  }
  json got;
  if (!proto::DecodeObject(pb, got, error)) {
    std::cout << "FAIL " << name << ": " << error << "\n";
    return 1;
  }
  return Check(name, want, got);
}

// Periodic BOOKMARKs reach each watcher on its own timer: only the one that ends the initial
// events (annotated k8s.io/initial-events-end) is part of what both streams must agree on.
bool Periodic(const std::string& type, const json& object) {
  if (type != "BOOKMARK") return false;
  const json* a = object.contains("metadata") ? &object["metadata"] : nullptr;
  return !(a && a->contains("annotations") &&
           (*a)["annotations"].value("k8s.io/initial-events-end", "") == "true");
}

size_t CheckWatch(const std::string& name, const std::string& pb, const std::string& lines) {
  std::vector<json> want;
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);) {
    json e = json::parse(line);
    if (!Periodic(e.value("type", ""), e["object"])) want.push_back(std::move(e));
  }
  proto::FrameSplitter splitter;
  splitter.Append(pb);
  size_t n = 0, bad = 0;
  std::string frame;
  while (splitter.Next(frame)) {
    std::string type, error;
    json object;
    if (!proto::DecodeWatchEvent(frame, type, object, error)) {
      std::cout << "FAIL " << name << " event " << n << ": " << error << "\n";
      return bad + 1;
    }
    if (Periodic(type, object)) continue;
    if (n >= want.size() || want[n]["type"] != type) {
      std::cout << "DIFF " << name << " event " << n << ": " << type << "\n";
      return bad + 1;
    }
    bad += Check(name + " event " + std::to_string(n) + " " + type, want[n]["object"], object);
    ++n;
  }
  if (n != want.size() || splitter.pending() != 0 || !splitter.error().empty()) {
    std::cout << "DIFF " << name << ": " << n << " protobuf events, " << want.size()
              << " JSON events, " << splitter.pending() << " bytes left " << splitter.error()
              << "\n";
    return bad + 1;
  }
  return bad;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: proto_wire_check DIR\n";
    return 2;
  }
  std::filesystem::path dir = argv[1];
  size_t bad = 0, checked = 0;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    if (p.extension() != ".pb") continue;
    std::filesystem::path json_path = p;
    json_path.replace_extension(".json");
    if (!std::filesystem::exists(json_path)) continue;
    std::string name = p.stem().string();
    ++checked;
    if (name.size() > 6 && name.compare(name.size() - 6, 6, ".watch") == 0) {
      bad += CheckWatch(name, Read(p), Read(json_path));
    } else {
      bad += CheckObject(name, Read(p), json::parse(Read(json_path)));
    }
  }
  std::cout << checked << " captures compared, " << bad << " differences\n";
  return bad == 0 && checked > 0 ? 0 : 1;
}
