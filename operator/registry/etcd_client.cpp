// The cpprestsdk implementation of KvStore over etcd's v3 JSON gateway (see etcd_client.h).
// The only file of operator/registry that includes cpprestsdk headers.
#include "operator/registry/etcd_client.h"

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <cpprest/http_client.h>
#include <nlohmann/json.hpp>

#include "operator/client/cpprest_lines.h"
#include "operator/client/tls.h"

namespace kubemesos::registry {
namespace {

namespace http = web::http;
using http::client::http_client;
using http::client::http_client_config;
using nlohmann::json;

std::string B64(const std::string& s) {
  return utility::conversions::to_base64(std::vector<unsigned char>(s.begin(), s.end()));
}
std::string UnB64(const std::string& s) {
  auto v = utility::conversions::from_base64(s);
  return std::string(v.begin(), v.end());
}
// The gateway sends int64 as strings and omits zeros.
int64_t Int(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return 0;
  if (it->is_string()) return std::stoll(it->get<std::string>());
  return it->get<int64_t>();
}
std::string Str(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}
using client::cpprest::DescribeException;
std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
http::http_request Post(const std::string& path, const json& body) {
  http::http_request req(http::methods::POST);
  req.set_request_uri(path);
  req.headers().set_content_type("application/json");
  std::string s = body.dump();
  req.set_body(std::vector<unsigned char>(s.begin(), s.end()));
  return req;
}

struct Reply {
  std::string error;
  json body;
};

// One open /v3/watch stream: reads bytes as they arrive, one JSON object per line.
class EtcdWatch : public KvWatch {
 public:
  EtcdWatch(std::string error) : error_(std::move(error)), ended_(true) {}
  EtcdWatch(pplx::cancellation_token_source cts, http::http_response resp, std::string prefix)
      : cts_(std::move(cts)),
        resp_(std::move(resp)),
        lines_(resp_.body().streambuf()),
        prefix_(std::move(prefix)) {}
  ~EtcdWatch() override { Cancel(); }

  bool Next(std::vector<WatchEvent>& events) override {
    std::string line;
    while (NextLine(line)) {
      json j = json::parse(line, nullptr, false);
      if (j.is_discarded()) return Fail("etcd watch: unparseable line: " + line.substr(0, 200));
      if (j.contains("error")) return Fail("etcd watch: " + Str(j["error"], "message"));
      const json& r = j.value("result", json::object());
      if (r.value("canceled", false)) {
        compact_revision_ = Int(r, "compact_revision");
        if (compact_revision_ > 0) return Fail("");
        return Fail("etcd watch canceled: " + Str(r, "cancel_reason"));
      }
      auto evs = r.find("events");
      if (evs == r.end() || evs->empty()) continue;  // created, or a progress notification
      events.clear();
      for (const json& e : *evs) {
        WatchEvent ev;
        ev.type = Str(e, "type") == "DELETE" ? WatchEvent::kDelete : WatchEvent::kPut;
        const json& kv = e.value("kv", json::object());
        ev.kv.key = UnB64(Str(kv, "key")).substr(prefix_.size());
        ev.kv.value = UnB64(Str(kv, "value"));
        ev.kv.create_revision = Int(kv, "create_revision");
        ev.kv.mod_revision = Int(kv, "mod_revision");
        ev.kv.version = Int(kv, "version");
        ev.kv.lease = Int(kv, "lease");
        events.push_back(std::move(ev));
      }
      return true;
    }
    return false;
  }
  void Cancel() override {
    if (!cancelled_.exchange(true)) cts_.cancel();
  }
  int64_t CompactRevision() const override { return compact_revision_; }
  std::string Error() const override { return error_; }

 private:
  bool Fail(std::string error) {
    if (error_.empty()) error_ = std::move(error);
    ended_ = true;
    Cancel();
    return false;
  }
  bool NextLine(std::string& line) {
    if (ended_) return false;
    if (lines_.Next(line, cancelled_)) return true;
    ended_ = true;
    if (!cancelled_ && error_.empty()) {
      error_ = lines_.error().empty() ? "etcd watch: the server closed the stream"
                                      : "etcd watch: " + lines_.error();
    }
    return false;
  }

  pplx::cancellation_token_source cts_;
  http::http_response resp_;
  client::cpprest::LineReader lines_;
  std::string prefix_;
  std::string error_;
  int64_t compact_revision_ = 0;
  std::atomic<bool> cancelled_{false};
  bool ended_ = false;
};

class EtcdClient : public KvStore {
 public:
  explicit EtcdClient(EtcdOptions o) : o_(std::move(o)) {
    if (o_.endpoints.empty()) throw std::invalid_argument("etcd: no endpoints configured");
    if (o_.ca_pem.empty() && !o_.ca_file.empty()) o_.ca_pem = ReadFile(o_.ca_file);
    if (o_.cert_pem.empty() && !o_.cert_file.empty()) o_.cert_pem = ReadFile(o_.cert_file);
    if (o_.key_pem.empty() && !o_.key_file.empty()) o_.key_pem = ReadFile(o_.key_file);
    for (auto& e : o_.endpoints) {
      bool https = e.rfind("https://", 0) == 0;
      if (!https && e.rfind("http://", 0) != 0)
        throw std::invalid_argument("etcd endpoint " + e + ": expected http:// or https://");
      if (https && !tls_) tls_ = client::TlsMaterial::Load(o_.ca_pem, o_.cert_pem, o_.key_pem);
    }
    for (auto& e : o_.endpoints) {
      requests_.push_back(Make(e, o_.request_timeout));
      watches_.push_back(Make(e, o_.watch_idle_timeout));
    }
  }

  GetResult Get(const std::string& key) override {
    GetResult r;
    Reply x = Call("/v3/kv/range", {{"key", B64(o_.prefix + key)}});
    if (!(r.error = x.error).empty()) return r;
    r.revision = Int(x.body.value("header", json::object()), "revision");
    auto kvs = x.body.find("kvs");
    if (kvs != x.body.end() && !kvs->empty()) {
      r.found = true;
      r.kv = ToKv((*kvs)[0]);
    }
    return r;
  }

  RangeResult Range(const std::string& prefix) override {
    RangeResult r;
    std::string full = o_.prefix + prefix;
    Reply x = Call("/v3/kv/range", {{"key", B64(full)}, {"range_end", B64(PrefixRangeEnd(full))}});
    if (!(r.error = x.error).empty()) return r;
    r.revision = Int(x.body.value("header", json::object()), "revision");
    for (const json& kv : x.body.value("kvs", json::array())) r.kvs.push_back(ToKv(kv));
    return r;
  }

  PutResult Put(const std::string& key, const std::string& value, int64_t lease) override {
    PutResult r;
    Reply x = Call("/v3/kv/put", PutOp(key, value, lease));
    if (!(r.error = x.error).empty()) return r;
    r.revision = Int(x.body.value("header", json::object()), "revision");
    return r;
  }

  TxnResult CompareAndPut(const std::string& key, Condition c, const std::string& value,
                          int64_t lease) override {
    return Txn(key, c, {{"request_put", PutOp(key, value, lease)}});
  }

  TxnResult CompareAndDelete(const std::string& key, Condition c) override {
    return Txn(key, c, {{"request_delete_range", {{"key", B64(o_.prefix + key)}}}});
  }

  DeleteResult Delete(const std::string& key) override {
    DeleteResult r;
    Reply x = Call("/v3/kv/deleterange", {{"key", B64(o_.prefix + key)}});
    if (!(r.error = x.error).empty()) return r;
    r.revision = Int(x.body.value("header", json::object()), "revision");
    r.deleted = Int(x.body, "deleted");
    return r;
  }

  LeaseResult LeaseGrant(int64_t ttl_seconds) override {
    LeaseResult r;
    Reply x = Call("/v3/lease/grant", {{"TTL", std::to_string(ttl_seconds)}});
    if (!(r.error = x.error).empty()) return r;
    if (!Str(x.body, "error").empty()) {
      r.error = "etcd lease grant: " + Str(x.body, "error");
      return r;
    }
    r.id = Int(x.body, "ID");
    r.ttl = Int(x.body, "TTL");
    return r;
  }

  LeaseResult LeaseKeepAlive(int64_t id) override {
    LeaseResult r;
    r.id = id;
    Reply x = Call("/v3/lease/keepalive", {{"ID", std::to_string(id)}});
    if (!(r.error = x.error).empty()) return r;
    const json& res = x.body.value("result", json::object());
    if (x.body.contains("error")) {
      r.error = "etcd lease keepalive: " + Str(x.body["error"], "message");
      return r;
    }
    r.ttl = Int(res, "TTL");  // absent for an expired or revoked lease
    return r;
  }

  Status LeaseRevoke(int64_t id) override {
    Reply x = Call("/v3/lease/revoke", {{"ID", std::to_string(id)}});
    if (x.error.find("lease not found") != std::string::npos) return {};
    return {x.error};
  }

  std::unique_ptr<KvWatch> Watch(const std::string& prefix, int64_t from_revision) override {
    std::string full = o_.prefix + prefix;
    json create = {
        {"key", B64(full)}, {"range_end", B64(PrefixRangeEnd(full))}, {"progress_notify", true}};
    if (from_revision > 0) create["start_revision"] = std::to_string(from_revision);
    json body = {{"create_request", create}};
    std::string errors;
    size_t first = current_.load();
    for (size_t n = 0; n < watches_.size(); ++n) {
      size_t i = (first + n) % watches_.size();
      pplx::cancellation_token_source cts;
      try {
        http::http_response resp =
            watches_[i]->request(Post("/v3/watch", body), cts.get_token()).get();
        if (resp.status_code() == http::status_codes::OK) {
          current_ = i;
          return std::make_unique<EtcdWatch>(std::move(cts), std::move(resp), o_.prefix);
        }
        std::string text = resp.extract_string(true).get();
        Append(errors, i, "HTTP " + std::to_string(resp.status_code()) + ": " + text);
        if (resp.status_code() != http::status_codes::ServiceUnavailable) break;
      } catch (const std::exception& e) {
        Append(errors, i, DescribeException(e));
      }
    }
    return std::make_unique<EtcdWatch>("etcd watch: " + errors);
  }

 private:
  std::unique_ptr<http_client> Make(const std::string& endpoint, std::chrono::seconds timeout) {
    http_client_config cfg;
    cfg.set_timeout(timeout);
    if (tls_) {
      auto tls = tls_;
      cfg.set_ssl_context_callback(
          [tls](boost::asio::ssl::context& ctx) { tls->Apply(ctx.native_handle()); });
    }
    return std::make_unique<http_client>(endpoint, cfg);
  }

  void Append(std::string& errors, size_t i, const std::string& what) {
    if (!errors.empty()) errors += "; ";
    errors += o_.endpoints[i] + ": " + what;
  }

  // POSTs `body` to `path`, failing over between endpoints on transport errors and 503.
  Reply Call(const std::string& path, const json& body) {
    Reply r;
    std::string errors;
    size_t first = current_.load();
    for (size_t n = 0; n < requests_.size(); ++n) {
      size_t i = (first + n) % requests_.size();
      try {
        http::http_response resp = requests_[i]->request(Post(path, body)).get();
        std::string text = resp.extract_string(true).get();
        int status = resp.status_code();
        if (status == http::status_codes::OK) {
          current_ = i;
          r.body = json::parse(text, nullptr, false);
          if (r.body.is_discarded()) r.error = "etcd " + path + ": unparseable answer";
          return r;
        }
        json err = json::parse(text, nullptr, false);
        std::string msg = !err.is_discarded() && err.is_object() && err.contains("message")
                              ? Str(err, "message")
                              : text.substr(0, 300);
        Append(errors, i, "HTTP " + std::to_string(status) + ": " + msg);
        if (status != http::status_codes::ServiceUnavailable) break;  // the server answered
      } catch (const std::exception& e) {
        Append(errors, i, DescribeException(e));
      }
    }
    r.error = "etcd " + path + ": " + errors;
    return r;
  }

  TxnResult Txn(const std::string& key, Condition c, const json& success_op) {
    TxnResult r;
    std::string k = B64(o_.prefix + key);
    json cmp = {{"key", k}, {"result", "EQUAL"}};
    if (c.target == Condition::kCreateRevision) {
      cmp["target"] = "CREATE";
      cmp["create_revision"] = std::to_string(c.revision);
    } else {
      cmp["target"] = "MOD";
      cmp["mod_revision"] = std::to_string(c.revision);
    }
    json range = {{"request_range", {{"key", k}}}};
    json body = {{"compare", json::array({cmp})},
                 {"success", json::array({success_op, range})},
                 {"failure", json::array({range})}};
    Reply x = Call("/v3/kv/txn", body);
    if (!(r.error = x.error).empty()) return r;
    r.succeeded = x.body.value("succeeded", false);
    r.revision = Int(x.body.value("header", json::object()), "revision");
    for (const json& resp : x.body.value("responses", json::array())) {
      auto rr = resp.find("response_range");
      if (rr == resp.end()) continue;
      auto kvs = rr->find("kvs");
      if (kvs != rr->end() && !kvs->empty()) {
        r.found = true;
        r.current = ToKv((*kvs)[0]);
      }
    }
    return r;
  }

  json PutOp(const std::string& key, const std::string& value, int64_t lease) {
    json p = {{"key", B64(o_.prefix + key)}, {"value", B64(value)}};
    if (lease != 0) p["lease"] = std::to_string(lease);
    return p;
  }

  KeyValue ToKv(const json& j) const {
    KeyValue kv;
    std::string full = UnB64(Str(j, "key"));
    kv.key =
        full.compare(0, o_.prefix.size(), o_.prefix) == 0 ? full.substr(o_.prefix.size()) : full;
    kv.value = UnB64(Str(j, "value"));
    kv.create_revision = Int(j, "create_revision");
    kv.mod_revision = Int(j, "mod_revision");
    kv.version = Int(j, "version");
    kv.lease = Int(j, "lease");
    return kv;
  }

  EtcdOptions o_;
  std::shared_ptr<const client::TlsMaterial> tls_;
  std::vector<std::unique_ptr<http_client>> requests_;
  std::vector<std::unique_ptr<http_client>> watches_;
  std::atomic<size_t> current_{0};
};

}  // namespace

std::unique_ptr<KvStore> MakeEtcdClient(const EtcdOptions& options) {
  return std::make_unique<EtcdClient>(options);
}

}  // namespace kubemesos::registry
