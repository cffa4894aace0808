// Strict decoding of etcd v3 gateway replies (see etcd_reply.h): one Decoder records the first
// problem and every reader returns a harmless default after it, so each decoder reads
// straight through and checks once at the end.
#include "operator/registry/etcd_reply.h"

#include <charconv>
#include <limits>

#include <nlohmann/json.hpp>

#include "operator/util/text.h"

namespace kubemesos::registry {

using nlohmann::json;

namespace {

// A short, printable quote of a bad value for an error message.
std::string Quote(const json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : util::SafeDump(v);
  std::string out = "\"";
  out.append(util::SanitizeUtf8(s, 40));
  out.append(s.size() > 40 ? "...\"" : "\"");
  return out;
}

class Decoder {
 public:
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  void Fail(const std::string& path, const std::string& what) {
    if (error_.empty()) error_ = std::string(kMalformedReply) + ": " + path + ": " + what;
  }

  // The body as a JSON object (an empty object after a failure).
  json Parse(std::string_view body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) {
      Fail("body", "not JSON");
      return json::object();
    }
    if (!j.is_object()) {
      Fail("body", std::string("a JSON ") + j.type_name() + ", not an object");
      return json::object();
    }
    return j;
  }

  // obj[name] when present and not null, else nullptr. `obj` is an object.
  static const json* Member(const json& obj, const char* name) {
    auto it = obj.find(name);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
  }

  // An object member; absent reads as an empty object, unless `required`.
  const json& Object(const json& obj, const char* name, const std::string& path,
                     bool required = false) {
    static const json kEmpty = json::object();
    const json* v = Member(obj, name);
    if (!v) {
      if (required) Fail(Join(path, name), "missing");
      return kEmpty;
    }
    if (!v->is_object()) {
      Fail(Join(path, name), std::string("a ") + v->type_name() + ", not an object");
      return kEmpty;
    }
    return *v;
  }

  // An array member whose elements are objects; absent reads as an empty array.
  const json& Objects(const json& obj, const char* name, const std::string& path) {
    static const json kEmpty = json::array();
    const json* v = Member(obj, name);
    if (!v) return kEmpty;
    if (!v->is_array()) {
      Fail(Join(path, name), std::string("a ") + v->type_name() + ", not an array");
      return kEmpty;
    }
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_object()) {
        Fail(Join(path, name) + "[" + std::to_string(i) + "]", "not an object");
        return kEmpty;
      }
    }
    return *v;
  }

  // A non-negative int64: a decimal string or a JSON integer; absent reads as 0.
  int64_t Int(const json& obj, const char* name, const std::string& path) {
    const json* v = Member(obj, name);
    if (!v || !ok()) return 0;
    int64_t out = 0;
    if (v->is_string()) {
      const std::string& s = v->get_ref<const std::string&>();
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
        Fail(Join(path, name), "not a decimal int64: " + Quote(*v));
        return 0;
      }
    } else if (v->is_number_unsigned()) {
      if (v->get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())) {
        Fail(Join(path, name), "out of the int64 range: " + Quote(*v));
        return 0;
      }
      out = static_cast<int64_t>(v->get<uint64_t>());
    } else if (v->is_number_integer()) {
      out = v->get<int64_t>();
    } else {
      Fail(Join(path, name), std::string("a ") + v->type_name() + ", not an integer");
      return 0;
    }
    if (out < 0) {
      Fail(Join(path, name), "negative: " + Quote(*v));
      return 0;
    }
    return out;
  }

  // A base64 member decoded; absent reads as "".
  std::string Bytes(const json& obj, const char* name, const std::string& path) {
    const json* v = Member(obj, name);
    if (!v || !ok()) return "";
    std::string out;
    if (!v->is_string()) {
      Fail(Join(path, name), std::string("a ") + v->type_name() + ", not a base64 string");
    } else if (!Base64Decode(v->get_ref<const std::string&>(), out)) {
      Fail(Join(path, name), "not base64: " + Quote(*v));
      out.clear();
    }
    return out;
  }

  bool Bool(const json& obj, const char* name, const std::string& path) {
    const json* v = Member(obj, name);
    if (!v) return false;
    if (!v->is_boolean()) {
      Fail(Join(path, name), std::string("a ") + v->type_name() + ", not a boolean");
      return false;
    }
    return v->get<bool>();
  }

  std::string Str(const json& obj, const char* name, const std::string& path) {
    const json* v = Member(obj, name);
    if (!v) return "";
    if (!v->is_string()) {
      Fail(Join(path, name), std::string("a ") + v->type_name() + ", not a string");
      return "";
    }
    return util::SanitizeUtf8(v->get_ref<const std::string&>(), 1024);
  }

  // header.revision, required and > 0 (etcd's revisions start at 1).
  int64_t Revision(const json& reply, const std::string& path = "") {
    const json& header = Object(reply, "header", path, /*required=*/true);
    int64_t rev = Int(header, "revision", Join(path, "header"));
    if (ok() && rev <= 0) Fail(Join(Join(path, "header"), "revision"), "missing or zero");
    return rev;
  }

  // One mvccpb.KeyValue; its key must lie under `prefix`, which is stripped.
  KeyValue Kv(const json& j, const std::string& prefix, const std::string& path) {
    KeyValue kv;
    std::string full = Bytes(j, "key", path);
    if (ok() && full.compare(0, prefix.size(), prefix) != 0)
      Fail(Join(path, "key"), "outside the prefix " + prefix + ": " + Quote(json(full)));
    if (ok()) kv.key = full.substr(prefix.size());
    kv.value = Bytes(j, "value", path);
    kv.create_revision = Int(j, "create_revision", path);
    kv.mod_revision = Int(j, "mod_revision", path);
    kv.version = Int(j, "version", path);
    kv.lease = Int(j, "lease", path);
    return kv;
  }

  std::vector<KeyValue> Kvs(const json& reply, const std::string& prefix, const std::string& path) {
    std::vector<KeyValue> out;
    const json& kvs = Objects(reply, "kvs", path);
    out.reserve(kvs.size());
    for (size_t i = 0; i < kvs.size() && ok(); ++i)
      out.push_back(Kv(kvs[i], prefix, Join(path, "kvs") + "[" + std::to_string(i) + "]"));
    return out;
  }

  static std::string Join(const std::string& path, const char* name) {
    return path.empty() ? name : path + "." + name;
  }

 private:
  std::string error_;
};

// A result of any type carrying only the decoder's error (each has `error` and defaults).
template <typename Result>
Result Failed(const Decoder& d) {
  Result r;
  r.error = d.error();
  return r;
}

}  // namespace

GetResult DecodeGetReply(std::string_view body, const std::string& prefix, const std::string& key) {
  Decoder d;
  json j = d.Parse(body);
  GetResult r;
  r.revision = d.Revision(j);
  std::vector<KeyValue> kvs = d.Kvs(j, prefix, "");
  if (d.ok() && kvs.size() > 1) d.Fail("kvs", std::to_string(kvs.size()) + " keys for one key");
  if (d.ok() && kvs.size() == 1 && prefix + kvs[0].key != key)
    d.Fail("kvs[0].key", "not the key asked for");
  if (!d.ok()) return Failed<GetResult>(d);
  if (!kvs.empty()) {
    r.found = true;
    r.kv = std::move(kvs[0]);
  }
  return r;
}

RangeResult DecodeRangeReply(std::string_view body, const std::string& prefix) {
  Decoder d;
  json j = d.Parse(body);
  RangeResult r;
  r.revision = d.Revision(j);
  r.kvs = d.Kvs(j, prefix, "");
  if (!d.ok()) return Failed<RangeResult>(d);
  return r;
}

PutResult DecodePutReply(std::string_view body) {
  Decoder d;
  json j = d.Parse(body);
  PutResult r;
  r.revision = d.Revision(j);
  if (!d.ok()) return Failed<PutResult>(d);
  return r;
}

TxnResult DecodeTxnReply(std::string_view body, const std::string& prefix) {
  Decoder d;
  json j = d.Parse(body);
  TxnResult r;
  r.revision = d.Revision(j);
  r.succeeded = d.Bool(j, "succeeded", "");
  const json& responses = d.Objects(j, "responses", "");
  for (size_t i = 0; i < responses.size() && d.ok(); ++i) {
    std::string path = "responses[" + std::to_string(i) + "]";
    const json& range = d.Object(responses[i], "response_range", path);
    std::vector<KeyValue> kvs = d.Kvs(range, prefix, Decoder::Join(path, "response_range"));
    if (d.ok() && !kvs.empty()) {
      r.found = true;
      r.current = std::move(kvs[0]);
    }
  }
  if (!d.ok()) return Failed<TxnResult>(d);
  return r;
}

DeleteResult DecodeDeleteReply(std::string_view body) {
  Decoder d;
  json j = d.Parse(body);
  DeleteResult r;
  r.revision = d.Revision(j);
  r.deleted = d.Int(j, "deleted", "");
  if (!d.ok()) return Failed<DeleteResult>(d);
  return r;
}

LeaseResult DecodeLeaseGrantReply(std::string_view body) {
  Decoder d;
  json j = d.Parse(body);
  LeaseResult r;
  std::string refused = d.Str(j, "error", "");
  if (d.ok() && !refused.empty()) {
    r.error = "lease grant refused: " + refused;
    return r;
  }
  r.id = d.Int(j, "ID", "");
  r.ttl = d.Int(j, "TTL", "");
  if (d.ok() && r.id == 0) d.Fail("ID", "missing or zero");
  if (d.ok() && r.ttl == 0) d.Fail("TTL", "missing or zero");
  if (!d.ok()) return Failed<LeaseResult>(d);
  return r;
}

LeaseResult DecodeLeaseKeepAliveReply(std::string_view body, int64_t id) {
  Decoder d;
  json j = d.Parse(body);
  LeaseResult r;
  r.id = id;
  if (const json* e = Decoder::Member(j, "error")) {  // a gRPC status: {"code","message"}
    std::string message = e->is_object() ? d.Str(*e, "message", "error") : "";
    if (d.ok()) r.error = "lease keepalive: " + (message.empty() ? Quote(*e) : message);
    if (!d.ok()) return Failed<LeaseResult>(d);
    return r;
  }
  const json& result = d.Object(j, "result", "", /*required=*/true);
  int64_t got = d.Int(result, "ID", "result");
  if (d.ok() && got != 0 && got != id) d.Fail("result.ID", "not the lease asked about");
  r.ttl = d.Int(result, "TTL", "result");  // absent: the lease has expired or was revoked
  if (!d.ok()) return Failed<LeaseResult>(d);
  return r;
}

WatchLine DecodeWatchLine(std::string_view line, const std::string& prefix) {
  Decoder d;
  json j = d.Parse(line);
  WatchLine w;
  if (const json* e = Decoder::Member(j, "error")) {
    std::string message = e->is_object() ? d.Str(*e, "message", "error") : "";
    w.canceled = true;
    w.error = d.ok() ? "etcd watch: " + (message.empty() ? Quote(*e) : message) : d.error();
    return w;
  }
  const json& r = d.Object(j, "result", "", /*required=*/true);
  if (d.Bool(r, "canceled", "result")) {
    w.canceled = true;
    w.compact_revision = d.Int(r, "compact_revision", "result");
    std::string reason = d.Str(r, "cancel_reason", "result");
    if (!d.ok()) {
      w.error = d.error();
      w.compact_revision = 0;
    } else if (w.compact_revision == 0) {
      w.error = "etcd watch canceled: " + reason;
    }
    return w;
  }
  const json& events = d.Objects(r, "events", "result");
  for (size_t i = 0; i < events.size() && d.ok(); ++i) {
    std::string path = "result.events[" + std::to_string(i) + "]";
    WatchEvent ev;
    std::string type = d.Str(events[i], "type", path);
    if (d.ok() && !type.empty() && type != "PUT" && type != "DELETE")
      d.Fail(Decoder::Join(path, "type"), "neither PUT nor DELETE: " + Quote(json(type)));
    ev.type = type == "DELETE" ? WatchEvent::kDelete : WatchEvent::kPut;  // PUT is omitted (0)
    ev.kv =
        d.Kv(d.Object(events[i], "kv", path, /*required=*/true), prefix, Decoder::Join(path, "kv"));
    w.events.push_back(std::move(ev));
  }
  if (!d.ok()) {
    w.events.clear();
    w.canceled = true;
    w.error = "etcd watch: " + d.error();
  }
  return w;
}

}  // namespace kubemesos::registry
