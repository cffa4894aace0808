// The cpprestsdk implementation of KvStore over etcd's v3 JSON gateway (see etcd_client.h):
// the transport (endpoints, TLS, bounded reads); replies are decoded by etcd_reply.cpp.
// The only file of operator/registry that includes cpprestsdk headers.
#include "operator/registry/etcd_client.h"

#include <atomic>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <cpprest/http_client.h>
#include <nlohmann/json.hpp>

#include "operator/client/cpprest_lines.h"
#include "operator/client/tls.h"
#include "operator/registry/etcd_reply.h"
#include "operator/util/text.h"

namespace kubemesos::registry {
namespace {

namespace http = web::http;
using client::cpprest::DescribeException;
using http::client::http_client;
using http::client::http_client_config;
using nlohmann::json;

constexpr size_t kMaxErrorBodyBytes = 64 * 1024;  // only its start is shown

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
  std::string s = util::SafeDump(body);
  req.set_body(std::vector<unsigned char>(s.begin(), s.end()));
  return req;
}

// Whether a Content-Type names JSON ("application/json", parameters allowed).
bool IsJson(std::string type) {
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type.rfind("application/json", 0) == 0;
}

// Reads the body of `resp` into `out`, at most `limit` bytes. False when it is longer: the
// rest is not read (the request is cancelled, which closes the connection), so a server
// sending without end costs at most `limit`. Transport errors throw (callers catch them).
bool ReadBody(http::http_response& resp, size_t limit, std::string& out,
              pplx::cancellation_token_source& cts) {
  out.clear();
  auto& headers = resp.headers();
  if (headers.has(http::header_names::content_length) && headers.content_length() > limit) {
    cts.cancel();
    return false;
  }
  auto buf = resp.body().streambuf();
  std::vector<uint8_t> chunk(64 * 1024);
  for (;;) {
    size_t n = buf.getn(chunk.data(), chunk.size()).get();
    if (n == 0) return true;
    if (out.size() + n > limit) {
      cts.cancel();
      return false;
    }
    out.append(reinterpret_cast<const char*>(chunk.data()), n);
  }
}

// A server's error text, printable and short, for a message.
std::string Snippet(const std::string& text) {
  return util::SanitizeUtf8(text, 300);
}

struct Reply {
  std::string error;
  std::string body;  // a 200 reply's JSON text
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
      WatchLine w = DecodeWatchLine(line, prefix_);
      if (w.canceled) {
        compact_revision_ = w.compact_revision;
        return Fail(w.error);
      }
      if (w.events.empty()) continue;  // created, or a progress notification
      events = std::move(w.events);
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
    const std::string full = o_.prefix + key;
    Reply x = Call("/v3/kv/range", {{"key", Base64Encode(full)}});
    return Decoded<GetResult>("/v3/kv/range", x,
                              [&] { return DecodeGetReply(x.body, o_.prefix, full); });
  }

  RangeResult Range(const std::string& prefix) override {
    std::string full = o_.prefix + prefix;
    Reply x = Call("/v3/kv/range",
                   {{"key", Base64Encode(full)}, {"range_end", Base64Encode(PrefixRangeEnd(full))}},
                   o_.max_range_reply_bytes);
    return Decoded<RangeResult>("/v3/kv/range", x,
                                [&] { return DecodeRangeReply(x.body, o_.prefix); });
  }

  PutResult Put(const std::string& key, const std::string& value, int64_t lease) override {
    Reply x = Call("/v3/kv/put", PutOp(key, value, lease));
    return Decoded<PutResult>("/v3/kv/put", x, [&] { return DecodePutReply(x.body); });
  }

  TxnResult CompareAndPut(const std::string& key, Condition c, const std::string& value,
                          int64_t lease) override {
    return Txn(key, c, {{"request_put", PutOp(key, value, lease)}});
  }

  TxnResult CompareAndDelete(const std::string& key, Condition c) override {
    return Txn(key, c, {{"request_delete_range", {{"key", Base64Encode(o_.prefix + key)}}}});
  }

  DeleteResult Delete(const std::string& key) override {
    Reply x = Call("/v3/kv/deleterange", {{"key", Base64Encode(o_.prefix + key)}});
    return Decoded<DeleteResult>("/v3/kv/deleterange", x,
                                 [&] { return DecodeDeleteReply(x.body); });
  }

  LeaseResult LeaseGrant(int64_t ttl_seconds) override {
    Reply x = Call("/v3/lease/grant", {{"TTL", std::to_string(ttl_seconds)}});
    return Decoded<LeaseResult>("/v3/lease/grant", x,
                                [&] { return DecodeLeaseGrantReply(x.body); });
  }

  LeaseResult LeaseKeepAlive(int64_t id) override {
    Reply x = Call("/v3/lease/keepalive", {{"ID", std::to_string(id)}});
    LeaseResult r = Decoded<LeaseResult>("/v3/lease/keepalive", x,
                                         [&] { return DecodeLeaseKeepAliveReply(x.body, id); });
    r.id = id;
    return r;
  }

  Status LeaseRevoke(int64_t id) override {
    Reply x = Call("/v3/lease/revoke", {{"ID", std::to_string(id)}});
    if (x.error.find("lease not found") != std::string::npos) return {};
    return {x.error};
  }

  std::unique_ptr<KvWatch> Watch(const std::string& prefix, int64_t from_revision) override {
    std::string full = o_.prefix + prefix;
    json create = {{"key", Base64Encode(full)},
                   {"range_end", Base64Encode(PrefixRangeEnd(full))},
                   {"progress_notify", true}};
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
        std::string text;
        ReadBody(resp, kMaxErrorBodyBytes, text, cts);
        Append(errors, i, "HTTP " + std::to_string(resp.status_code()) + ": " + Snippet(text));
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

  // POSTs `body` to `path`, failing over between endpoints on transport errors and 503. A 200
  // reply must be JSON of at most `limit` bytes; its text is in `body`.
  Reply Call(const std::string& path, const json& body, size_t limit = kMaxKeyReplyBytes) {
    Reply r;
    std::string errors;
    size_t first = current_.load();
    for (size_t n = 0; n < requests_.size(); ++n) {
      size_t i = (first + n) % requests_.size();
      pplx::cancellation_token_source cts;
      try {
        http::http_response resp = requests_[i]->request(Post(path, body), cts.get_token()).get();
        int status = resp.status_code();
        if (status == http::status_codes::OK) {
          current_ = i;
          std::string type = resp.headers().content_type();
          if (!IsJson(type)) {
            cts.cancel();
            r.error = "etcd " + path + ": " + std::string(kMalformedReply) + ": content type \"" +
                      Snippet(type) + "\", not application/json";
          } else if (!ReadBody(resp, limit, r.body, cts)) {
            r.body.clear();
            r.error = "etcd " + path + ": " + std::string(kMalformedReply) + ": longer than " +
                      std::to_string(limit) + " bytes";
          }
          return r;
        }
        std::string text;
        ReadBody(resp, kMaxErrorBodyBytes, text, cts);
        json err = json::parse(text, nullptr, false);
        std::string msg = err.is_object() && err.contains("message") && err["message"].is_string()
                              ? err["message"].get<std::string>()
                              : text;
        Append(errors, i, "HTTP " + std::to_string(status) + ": " + Snippet(msg));
        if (status != http::status_codes::ServiceUnavailable) break;  // the server answered
      } catch (const std::exception& e) {
        Append(errors, i, DescribeException(e));
      }
    }
    r.error = "etcd " + path + ": " + errors;
    return r;
  }

  // The call's error, or the decoded reply with its error named after the path.
  template <typename Result, typename Decode>
  static Result Decoded(const char* path, const Reply& x, Decode&& decode) {
    Result r;
    if (!x.error.empty()) {
      r.error = x.error;
      return r;
    }
    r = decode();
    if (!r.error.empty()) r.error = std::string("etcd ") + path + ": " + r.error;
    return r;
  }

  TxnResult Txn(const std::string& key, Condition c, const json& success_op) {
    std::string k = Base64Encode(o_.prefix + key);
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
    return Decoded<TxnResult>("/v3/kv/txn", x, [&] { return DecodeTxnReply(x.body, o_.prefix); });
  }

  json PutOp(const std::string& key, const std::string& value, int64_t lease) {
    json p = {{"key", Base64Encode(o_.prefix + key)}, {"value", Base64Encode(value)}};
    if (lease != 0) p["lease"] = std::to_string(lease);
    return p;
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
