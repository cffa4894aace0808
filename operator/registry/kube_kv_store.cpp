// The registry's KvStore in sharded ConfigMaps, with resourceVersion as the CAS token (see
// kube_kv_store.h).
#include "operator/registry/kube_kv_store.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>

#include <nlohmann/json.hpp>

#include "operator/kube/lenient.h"
#include "operator/util/text.h"

namespace kubemesos::registry {

using nlohmann::json;
namespace lenient = kube::lenient;

namespace {

constexpr const char* kLabel = "kubemesos.io/registry";
constexpr const char* kRevision = "kubemesos.io/revision";
constexpr size_t kMaxShardBytes = 900 * 1024;
// Revisions are microseconds since the epoch; anything at or above this is garbage (and would
// overflow the + 1 of the next write).
constexpr int64_t kMaxRevision = int64_t{1} << 62;
constexpr size_t kMaxSkippedReported = 100;
constexpr const char* kNoLeases =
    "the kubernetes registry backend has no leases (leader election uses a "
    "coordination.k8s.io Lease)";

// A failed result of any of the store's result types (each has an `error` and defaults for
// the rest).
struct Failure {
  std::string error;
  template <typename Result>
  operator Result() const {
    Result r;
    r.error = error;
    return r;
  }
};

bool Plain(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.';
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

uint32_t Fnv1a(const std::string& s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class FailedWatch : public KvWatch {
 public:
  bool Next(std::vector<WatchEvent>&) override { return false; }
  void Cancel() override {}
  int64_t CompactRevision() const override { return 0; }
  std::string Error() const override {
    return "the kubernetes registry backend does not support watches";
  }
};

// A number that is a revision or version: an integer in [0, kMaxRevision).
bool RevisionNumber(const json& v, int64_t& out) {
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() >= uint64_t(kMaxRevision)) return false;
    out = static_cast<int64_t>(v.get<uint64_t>());
    return true;
  }
  if (!v.is_number_integer()) return false;
  out = v.get<int64_t>();
  return out >= 0 && out < kMaxRevision;
}

// Decodes one data entry, {"v": value, "c": create, "m": mod, "n": version}; "" or what is
// wrong with it. The entry was written by whoever can write ConfigMaps in the namespace.
std::string DecodeEntry(const json& entry, const std::string& key, KeyValue& kv) {
  if (!entry.is_string()) return std::string("a ") + entry.type_name() + ", not a string";
  json e = json::parse(entry.get_ref<const std::string&>(), nullptr, false);
  if (!e.is_object()) return "not a JSON object";
  const json& v = lenient::Field(e, "v");
  if (!v.is_string()) return std::string("v: a ") + v.type_name() + ", not a string";
  kv = KeyValue{key, v.get<std::string>(), 0, 0, 0, 0};
  for (auto [name, field] : {std::pair{"c", &kv.create_revision}, std::pair{"m", &kv.mod_revision},
                             std::pair{"n", &kv.version}}) {
    const json& n = lenient::Field(e, name);
    if (!n.is_null() && !RevisionNumber(n, *field))
      return std::string(name) + ": not a revision: " + util::SanitizeUtf8(util::SafeDump(n), 40);
  }
  return "";
}

// One shard as read: the ConfigMap (null if absent) and its entries.
struct Shard {
  std::string name;
  json object;  // null = does not exist
  int64_t revision = 0;
};

class KubeKvStore : public KvStore {
 public:
  KubeKvStore(client::KubeClient& client, KubeStoreOptions o) : client_(client), o_(std::move(o)) {
    if (o_.shards < 1) o_.shards = 1;
  }

  GetResult Get(const std::string& key) override {
    GetResult r;
    Shard s;
    if (!(r.error = Read(ShardOf(key), s)).empty()) return r;
    r.revision = s.revision;
    r.found = Lookup(s, key, r.kv, &r.malformed);
    return r;
  }

  RangeResult Range(const std::string& prefix) override {
    RangeResult r;
    auto resp = client_.Request(
        "GET", Collection() +
                   "?labelSelector=" + client::QueryEscape(std::string(kLabel) + "=" + o_.name));
    if (!resp.ok()) return Failure{Describe("list", resp)};
    json list = json::parse(resp.body, nullptr, false);
    const json& items = lenient::Field(list, "items");
    if (!items.is_array())
      return Failure{"kubernetes registry: list: " + std::string(kMalformedReply) +
                     ": not a ConfigMapList"};
    size_t skipped = 0;
    auto skip = [&](std::string message) {
      if (++skipped <= kMaxSkippedReported) r.skipped.push_back(std::move(message));
    };
    for (const json& item : items) {
      std::string name = lenient::Str(lenient::Field(item, "metadata"), "name");
      const json& data = lenient::Field(item, "data");
      if (!data.is_object()) continue;
      int64_t revision = RevisionOf(item);
      r.revision = std::max(r.revision, revision);
      for (const auto& [encoded, entry] : data.items()) {
        std::string key;
        if (!DecodeConfigMapKey(encoded, key)) {
          // Not a key of ours, so under no prefix; a Range of everything reports it.
          if (prefix.empty()) skip(Where(name, encoded) + ": not a registry key encoding");
          continue;
        }
        if (key.compare(0, prefix.size(), prefix) != 0) continue;
        KeyValue kv;
        if (std::string e = DecodeEntry(entry, key, kv); !e.empty()) {
          skip(Where(name, encoded) + " (key " + util::SanitizeUtf8(key, 253) +
               "): malformed: " + e);
          continue;
        }
        r.kvs.push_back(std::move(kv));
      }
    }
    if (skipped > kMaxSkippedReported)
      r.skipped.push_back("kubernetes registry: " + std::to_string(skipped - kMaxSkippedReported) +
                          " more malformed entries");
    std::sort(r.kvs.begin(), r.kvs.end(),
              [](const KeyValue& a, const KeyValue& b) { return a.key < b.key; });
    return r;
  }

  PutResult Put(const std::string& key, const std::string& value, int64_t lease) override {
    if (lease != 0) return Failure{kNoLeases};
    PutResult r;
    TxnResult t = Mutate(key, std::nullopt, value);
    r.error = t.error;
    r.revision = t.revision;
    return r;
  }

  TxnResult CompareAndPut(const std::string& key, Condition condition, const std::string& value,
                          int64_t lease) override {
    if (lease != 0) return Failure{kNoLeases};
    return Mutate(key, condition, value);
  }

  TxnResult CompareAndDelete(const std::string& key, Condition condition) override {
    return Mutate(key, condition, std::nullopt);
  }

  DeleteResult Delete(const std::string& key) override {
    DeleteResult r;
    TxnResult t = Mutate(key, std::nullopt, std::nullopt);
    r.error = t.error;
    r.revision = t.revision;
    r.deleted = t.succeeded ? 1 : 0;
    return r;
  }

  LeaseResult LeaseGrant(int64_t) override { return Failure{kNoLeases}; }
  LeaseResult LeaseKeepAlive(int64_t) override { return Failure{kNoLeases}; }
  Status LeaseRevoke(int64_t) override { return Failure{kNoLeases}; }
  std::unique_ptr<KvWatch> Watch(const std::string&, int64_t) override {
    return std::make_unique<FailedWatch>();
  }

 private:
  std::string Collection() const { return "/api/v1/namespaces/" + o_.ns + "/configmaps"; }
  std::string ShardOf(const std::string& key) const {
    return o_.name + "-" + std::to_string(Fnv1a(key) % static_cast<uint32_t>(o_.shards));
  }
  // The shard's revision annotation; 0 when absent or garbled (the next write then starts
  // from the clock: revisions only need to change on every write of a key).
  static int64_t RevisionOf(const json& object) {
    const json& annotations = lenient::Field(lenient::Field(object, "metadata"), "annotations");
    std::string text = lenient::Str(annotations, kRevision);
    int64_t rev = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), rev);
    if (ec != std::errc() || end != text.data() + text.size() || rev < 0 || rev >= kMaxRevision)
      return 0;
    return rev;
  }
  static std::string Where(const std::string& shard, const std::string& encoded) {
    return "kubernetes registry: configmap " + util::SanitizeUtf8(shard, 253) + ", entry " +
           util::SanitizeUtf8(encoded, 253);
  }
  static std::string Describe(const std::string& what, const client::HttpResponse& r) {
    return "kubernetes registry: " + what + ": " +
           (r.message.empty() ? "HTTP " + std::to_string(r.status) : r.message);
  }

  // Reads one shard; a missing one is not an error (object stays null).
  std::string Read(const std::string& name, Shard& s) {
    s = Shard{name, nullptr, 0};
    auto resp = client_.Request("GET", Collection() + "/" + name);
    if (resp.status == 404) return "";
    if (!resp.ok()) return Describe("get configmap " + name, resp);
    s.object = json::parse(resp.body, nullptr, false);
    if (!s.object.is_object() || !lenient::Field(s.object, "metadata").is_object()) {
      s.object = nullptr;
      return "kubernetes registry: configmap " + name + ": " + std::string(kMalformedReply) +
             ": not a ConfigMap";
    }
    s.revision = RevisionOf(s.object);
    return "";
  }

  // Finds `key` in the shard. A malformed entry reads as absent (so that a write replaces
  // it); `malformed`, when given, receives what is wrong with it.
  static bool Lookup(const Shard& s, const std::string& key, KeyValue& kv,
                     std::string* malformed = nullptr) {
    const json& data = lenient::Field(s.object, "data");
    if (!data.is_object()) return false;
    const std::string encoded = EncodeConfigMapKey(key);
    auto it = data.find(encoded);
    if (it == data.end()) return false;
    if (std::string e = DecodeEntry(*it, key, kv); !e.empty()) {
      if (malformed) *malformed = Where(s.name, encoded) + ": malformed: " + e;
      return false;
    }
    return true;
  }

  // The one write path: reads the shard, checks `condition` (none = unconditional), writes
  // `value` (none = delete) with the shard's resourceVersion, retries on 409.
  TxnResult Mutate(const std::string& key, std::optional<Condition> condition,
                   std::optional<std::string> value) {
    const std::string encoded = EncodeConfigMapKey(key);
    if (encoded.size() > 253)
      return Failure{"kubernetes registry: key too long: " + util::SanitizeUtf8(key, 253)};
    if (value && !util::IsValidUtf8(*value))
      return Failure{"kubernetes registry: " + util::SanitizeUtf8(key, 253) +
                     ": value is not UTF-8 text"};
    const std::string name = ShardOf(key);
    for (int attempt = 0; attempt < o_.max_attempts; ++attempt) {
      TxnResult r;
      Shard s;
      if (!(r.error = Read(name, s)).empty()) return r;
      KeyValue cur;
      bool found = Lookup(s, key, cur);
      if (condition) {
        int64_t have = !found                                            ? 0
                       : condition->target == Condition::kCreateRevision ? cur.create_revision
                                                                         : cur.mod_revision;
        if (have != condition->revision) {
          r.revision = s.revision;
          r.found = found;
          if (found) r.current = cur;
          return r;  // a failed compare is not an error
        }
      }
      if (!value && !found) {  // nothing to delete; a held condition still succeeded
        r.revision = s.revision;
        r.succeeded = condition.has_value();
        return r;
      }
      int64_t rev = std::max({s.revision + 1, NowMicros(), found ? cur.mod_revision + 1 : 0});
      bool create = s.object.is_null();
      json obj = create ? json{{"apiVersion", "v1"},
                               {"kind", "ConfigMap"},
                               {"metadata", {{"name", name}, {"namespace", o_.ns}}},
                               {"data", json::object()}}
                        : s.object;
      for (const char* map : {"labels", "annotations"})
        if (!obj["metadata"][map].is_object()) obj["metadata"][map] = json::object();
      obj["metadata"]["labels"][kLabel] = o_.name;
      obj["metadata"]["annotations"][kRevision] = std::to_string(rev);
      if (!obj.contains("data") || !obj["data"].is_object()) obj["data"] = json::object();
      if (value) {
        json e = {{"v", *value},
                  {"c", found ? cur.create_revision : rev},
                  {"m", rev},
                  {"n", found ? cur.version + 1 : 1}};
        obj["data"][encoded] = util::SafeDump(e);
      } else {
        obj["data"].erase(encoded);
      }
      // The value is UTF-8 (checked above); other entries came from the API server as JSON.
      std::string body = util::SafeDump(obj);
      if (value && body.size() > kMaxShardBytes)
        return Failure{"kubernetes registry: configmap " + name + " is full (" +
                       std::to_string(body.size()) + " bytes): raise the number of shards"};
      auto resp = create ? client_.Request("POST", Collection(), body)
                         : client_.Request("PUT", Collection() + "/" + name, body);
      if (resp.status == 409) continue;  // written meanwhile (or created): read again
      if (!resp.ok())
        return Failure{Describe((create ? "create configmap " : "update configmap ") + name, resp)};
      r.succeeded = true;
      r.revision = rev;
      return r;
    }
    return Failure{"kubernetes registry: configmap " + name + ": too many concurrent writes"};
  }

  client::KubeClient& client_;
  KubeStoreOptions o_;
};

}  // namespace

std::string EncodeConfigMapKey(const std::string& key) {
  std::string out;
  out.reserve(key.size() + 8);
  for (unsigned char c : key) {
    if (Plain(c)) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "_%02x", c);
      out += buf;
    }
  }
  return out;
}

bool DecodeConfigMapKey(const std::string& encoded, std::string& key) {
  key.clear();
  for (size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c != '_') {
      if (!Plain(static_cast<unsigned char>(c))) return false;
      key += c;
      continue;
    }
    if (i + 2 >= encoded.size()) return false;
    int hi = Hex(encoded[i + 1]), lo = Hex(encoded[i + 2]);
    if (hi < 0 || lo < 0) return false;
    key += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

std::unique_ptr<KvStore> MakeKubeKvStore(client::KubeClient& client, KubeStoreOptions options) {
  return std::make_unique<KubeKvStore>(client, std::move(options));
}

}  // namespace kubemesos::registry
