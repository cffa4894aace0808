// Fuzzes the decoding of registry records (operator/registry/registry.h) from both stores:
// - lines before a line "%%" are records "KEY VALUE" put into an in-memory KvStore as they
//   are (what a bad writer or an older version may have left in etcd);
// - lines after it are ConfigMaps (JSON, one a line) served by a KubeClient to the ConfigMap
//   store (kube_kv_store.h), as a user with write access to the namespace could leave them.
// Every Registry call on each store then returns a value or an error: no exception escapes,
// and the writes on top of what was read (register, mark deleted, upsert agent, trim, a
// preemption plan written back) too; a plan read back is written back the same.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/client/kube_client.h"
#include "operator/registry/kube_kv_store.h"
#include "operator/registry/registry.h"
#include "tests/fakes/registry/fake_kv_store.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace kubemesos;
using nlohmann::json;

client::HttpResponse Answer(int status, std::string body) {
  client::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  if (!r.ok()) r.message = "HTTP " + std::to_string(status);
  return r;
}

// Serves ConfigMaps from the input: LIST returns them all, GET one by name (404 if absent),
// POST and PUT store the body (so a write is read back by the next read).
class ConfigMapClient : public client::KubeClient {
 public:
  explicit ConfigMapClient(std::vector<json> items) : items_(std::move(items)) {}

  client::HttpResponse Request(std::string_view method, const std::string& path,
                               const std::string& body = "", std::string_view = "",
                               std::string_view = "") override {
    const std::string collection = "/api/v1/namespaces/default/configmaps";
    if (method == "GET" && path.rfind(collection + "?", 0) == 0)
      return Answer(200, json{{"kind", "ConfigMapList"}, {"items", items_}}.dump(
                             -1, ' ', false, json::error_handler_t::replace));
    if (method == "GET" && path.rfind(collection + "/", 0) == 0) {
      std::string name = path.substr(collection.size() + 1);
      for (const json& item : items_)
        if (NameOf(item) == name)
          return Answer(200, item.dump(-1, ' ', false, json::error_handler_t::replace));
      return Answer(404, "{}");
    }
    if (method == "POST" || method == "PUT") {
      json object = json::parse(body, nullptr, false);
      FUZZ_CHECK(object.is_object(), "the store writes a JSON object");
      std::string name = NameOf(object);
      for (json& item : items_)
        if (NameOf(item) == name) {
          item = object;
          return Answer(200, body);
        }
      items_.push_back(object);
      return Answer(201, body);
    }
    return Answer(405, "{}");
  }
  std::unique_ptr<client::WatchStream> Watch(const std::string&, std::string_view) override {
    return nullptr;
  }

 private:
  static std::string NameOf(const json& item) {
    if (!item.is_object()) return "";
    auto md = item.find("metadata");
    if (md == item.end() || !md->is_object()) return "";
    auto name = md->find("name");
    return name != md->end() && name->is_string() ? name->get<std::string>() : "";
  }
  std::vector<json> items_;
};

template <typename R>
void Check(const R& r) {
  FUZZ_CHECK(r.ok() == r.error.empty(), "ok() agrees with error");
}

// Every read of the registry, then writes over what was read.
void Exercise(registry::KvStore& store) {
  registry::Registry reg(store, registry::RegistryOptions{2});
  auto t0 = std::chrono::system_clock::from_time_t(1700000000);
  std::set<std::pair<std::string, std::string>> frameworks;
  auto list = reg.ListFrameworks();
  Check(list);
  for (const auto& f : list.value) frameworks.insert({f.ns, f.name});
  auto range = store.Range("");  // every key, also the ones ListFrameworks refused
  for (const auto& kv : range.kvs) {
    std::string rest;
    for (const char* prefix : {"frameworks/", "tasks/"})
      if (kv.key.rfind(prefix, 0) == 0) rest = kv.key.substr(std::string(prefix).size());
    size_t slash = rest.find('/');
    if (slash != std::string::npos) {
      size_t end = rest.find('/', slash + 1);
      frameworks.insert({rest.substr(0, slash), rest.substr(slash + 1, end - slash - 1)});
    }
  }
  Check(reg.ListAgents());
  Check(reg.ListGroupSettings());
  Check(reg.GetGroupSettings("g"));
  for (const auto& [ns, name] : frameworks) {
    if (frameworks.size() > 8) break;  // bounded work per input
    Check(reg.GetFramework(ns, name));
    Check(reg.ListTaskResults(ns, name));
    Check(reg.RegisterFramework(ns, name, 30, t0));
    (void)reg.MarkFrameworkDeleted(ns, name, t0);
    (void)reg.TrimTaskResults(ns, name);
  }
  for (const auto& kv : range.kvs)
    if (kv.key.rfind("agents/", 0) == 0) (void)reg.UpsertAgent(kv.key.substr(7), "g", t0);
  // Preemption plans: what was read is written back unchanged and reads back the same.
  auto plans = reg.ListPreemptions();
  Check(plans);
  for (const auto& p : plans.value) {
    if (!reg.PutPreemption(p).ok()) continue;  // a failing store
    auto again = reg.ListPreemptions();
    for (const auto& q : again.value) {
      if (q.ns != p.ns || q.name != p.name) continue;
      FUZZ_CHECK(q.victims.size() == p.victims.size() &&
                     q.preemptors.size() == p.preemptors.size() && q.deadline == p.deadline &&
                     q.message == p.message,
                 "a plan read back is written back the same");
    }
    (void)reg.DeletePreemption(p.ns, p.name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> lines = fuzz::Lines(fuzz::AsText(data, size));
  if (lines.size() > 64) return -1;
  registry::FakeKvStore fake;
  std::vector<json> configmaps;
  bool kube_part = false;
  for (const std::string& line : lines) {
    if (line == "%%") {
      kube_part = true;
    } else if (kube_part) {
      json item = json::parse(line, nullptr, false);
      if (!item.is_discarded()) configmaps.push_back(std::move(item));
    } else if (size_t space = line.find(' '); space != std::string::npos) {
      fake.Put(line.substr(0, space), line.substr(space + 1));
    }
  }
  Exercise(fake);
  ConfigMapClient client(std::move(configmaps));
  registry::KubeStoreOptions options;
  options.shards = 2;
  options.max_attempts = 3;
  auto store = registry::MakeKubeKvStore(client, options);
  Exercise(*store);
  return 0;
}
