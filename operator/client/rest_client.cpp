// The cpprestsdk implementation of KubeClient (see rest_client.h). This file, the etcd client
// and their private cpprest_lines.h are the only ones that include cpprestsdk headers: they
// take seconds and half a gigabyte to compile.
#include "operator/client/rest_client.h"

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include <cpprest/http_client.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <pplx/threadpool.h>

#include "operator/client/cpprest_lines.h"
#include "operator/client/tls.h"
#include "operator/proto/codec.h"

namespace kubemesos::client {
namespace {

namespace http = web::http;
using http::client::http_client;
using http::client::http_client_config;

using cpprest::DescribeException;

std::string Header(const http::http_response& r, const char* name) {
  auto it = r.headers().find(name);
  return it == r.headers().end() ? "" : it->second;
}

// The whole body as bytes: a protobuf body is binary, and extract_string would read it as
// text of the charset the Content-Type names.
std::string ReadBody(http::http_response& r) {
  std::vector<unsigned char> bytes = r.extract_vector().get();
  return std::string(bytes.begin(), bytes.end());
}

// One open watch: reads the body as bytes arrive and cuts it into events: lines (JSON) or
// length-prefixed frames (protobuf), by the response's Content-Type.
class RestWatchStream : public WatchStream {
 public:
  // A failed open: no body to read.
  RestWatchStream(int status, std::string error) : status_(status), error_(std::move(error)) {}
  RestWatchStream(pplx::cancellation_token_source cts, http::http_response response)
      : cts_(std::move(cts)),
        response_(std::move(response)),
        content_type_(Header(response_, "Content-Type")),
        lines_(proto::IsProtobuf(content_type_)
                   ? cpprest::LineReader()
                   : cpprest::LineReader(response_.body().streambuf())),
        status_(200) {
    if (proto::IsProtobuf(content_type_)) frames_.emplace(response_.body().streambuf());
  }
  ~RestWatchStream() override { Cancel(); }

  bool Next(std::string& event) override {
    return frames_ ? frames_->Next(event, cancelled_) : lines_.Next(event, cancelled_);
  }

  void Cancel() override {
    if (!cancelled_.exchange(true)) cts_.cancel();
  }
  int Status() const override { return status_; }
  std::string Error() const override {
    if (!error_.empty()) return error_;
    return frames_ ? frames_->error() : lines_.error();
  }
  std::string ContentType() const override {
    return content_type_.empty() ? std::string(kJsonMediaType) : content_type_;
  }

 private:
  pplx::cancellation_token_source cts_;
  http::http_response response_;
  std::string content_type_;
  cpprest::LineReader lines_;
  std::optional<cpprest::FrameReader> frames_;
  int status_;
  std::string error_;  // a failed open
  std::atomic<bool> cancelled_{false};
};

// An error body in protobuf (a Status) as JSON, so that messages and callers read it as
// always; anything that does not decode is left as it is.
void ErrorBodyAsJson(std::string& body, std::string& content_type) {
  if (!proto::IsProtobuf(content_type)) return;
  nlohmann::json status;
  std::string error;
  if (!proto::DecodeObject(body, status, error)) return;
  body = status.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  content_type = std::string(kJsonMediaType);
}

class RestClient : public KubeClient {
 public:
  RestClient(const KubeConfig& config, const RestClientOptions& options)
      : options_(options),
        identity_(config.Describe()),
        tokens_(config.token, config.token_file, options.token_reload_period),
        limiter_(options.qps, options.burst) {
    if (!config.tls_server_name.empty())
      throw KubeConfigError(config.Describe() + ": tls-server-name is not supported");
    bool https = config.server.rfind("https://", 0) == 0;
    bool has_token = !config.token.empty() || !config.token_file.empty();
    if (!https && has_token && !options.allow_insecure_token) {
      throw KubeConfigError(config.Describe() +
                            ": refusing to send a bearer token over plain http:// (anyone on "
                            "the path could read it); use an https:// server, or pass "
                            "--allow-insecure-token to send it anyway");
    }
    if (https && !config.insecure_skip_tls_verify) {
      tls_ = TlsMaterial::Load(config.ca_pem, config.client_cert_pem, config.client_key_pem);
    } else if (https) {
      tls_ = TlsMaterial::Load("", config.client_cert_pem, config.client_key_pem);
    }
    if (!config.token_file.empty()) tokens_.Token();  // fail now if never readable
    requests_ = MakeHttpClient(config, options.request_timeout);
    watches_ = MakeHttpClient(config, options.watch_idle_timeout);
  }

  HttpResponse Request(std::string_view method, const std::string& path_and_query,
                       const std::string& body, std::string_view content_type,
                       std::string_view accept) override {
    HttpResponse r;
    for (int attempt = 1;; ++attempt) {
      limiter_.Acquire();
      r = Once(*requests_, method, path_and_query, body, content_type, accept);
      bool unsent = r.status == 0 && RequestNeverSent(r.body);
      if (r.ok() || attempt >= options_.retry.max_attempts ||
          !options_.retry.ShouldRetry(method, r.status, unsent))
        break;
      std::this_thread::sleep_for(options_.retry.Delay(attempt, r.retry_after));
    }
    if (r.status != 0 && !r.ok()) ErrorBodyAsJson(r.body, r.content_type);
    if (r.status != 0 && !r.ok())
      r.message = DescribeHttpError(method, path_and_query, r.status, r.body, identity_);
    return r;
  }

  std::unique_ptr<WatchStream> Watch(const std::string& path_and_query,
                                     std::string_view accept) override {
    limiter_.Acquire();
    pplx::cancellation_token_source cts;
    try {
      http::http_request req = Build("GET", path_and_query, "", "", accept);
      http::http_response resp = watches_->request(req, cts.get_token()).get();
      if (resp.status_code() != http::status_codes::OK) {
        std::string body = ReadBody(resp);
        std::string content_type = Header(resp, "Content-Type");
        ErrorBodyAsJson(body, content_type);
        return std::make_unique<RestWatchStream>(
            resp.status_code(),
            DescribeHttpError("WATCH", path_and_query, resp.status_code(), body, identity_));
      }
      return std::make_unique<RestWatchStream>(std::move(cts), std::move(resp));
    } catch (const std::exception& e) {
      return std::make_unique<RestWatchStream>(0, DescribeException(e));
    }
  }

 private:
  std::unique_ptr<http_client> MakeHttpClient(const KubeConfig& config,
                                              std::chrono::seconds timeout) {
    http_client_config cfg;
    cfg.set_timeout(timeout);
    cfg.set_validate_certificates(!config.insecure_skip_tls_verify);
    if (tls_) {
      auto tls = tls_;
      cfg.set_ssl_context_callback(
          [tls](boost::asio::ssl::context& ctx) { tls->Apply(ctx.native_handle()); });
    }
    return std::make_unique<http_client>(config.server, cfg);
  }

  http::http_request Build(std::string_view method, const std::string& path_and_query,
                           const std::string& body, std::string_view content_type,
                           std::string_view accept) {
    http::http_request req{http::method(method)};
    req.set_request_uri(path_and_query);
    req.headers().add("Accept", std::string(accept));
    req.headers().add("User-Agent", options_.user_agent);
    std::string token = tokens_.Token();
    if (!token.empty()) req.headers().add("Authorization", "Bearer " + token);
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      // Bytes, not set_body(std::string): that one reads a char buffer through a uint8_t
      // interface (undefined behaviour UBSan reports). The set Content-Type is kept.
      req.headers().set_content_type(std::string(content_type));
      req.set_body(std::vector<unsigned char>(body.begin(), body.end()));
    }
    return req;
  }

  HttpResponse Once(http_client& client, std::string_view method, const std::string& path_and_query,
                    const std::string& body, std::string_view content_type,
                    std::string_view accept) {
    HttpResponse r;
    try {
      http::http_request req = Build(method, path_and_query, body, content_type, accept);
      http::http_response resp = client.request(req).get();
      r.status = resp.status_code();
      r.retry_after = Header(resp, "Retry-After");
      r.content_type = Header(resp, "Content-Type");
      r.body = ReadBody(resp);
    } catch (const std::exception& e) {
      r.status = 0;
      r.body = std::string(method) + " " + path_and_query.substr(0, path_and_query.find('?')) +
               ": " + DescribeException(e);
      r.message = r.body;
    }
    return r;
  }

  const RestClientOptions options_;
  const std::string identity_;
  TokenSource tokens_;
  TokenBucket limiter_;
  std::shared_ptr<const TlsMaterial> tls_;
  std::unique_ptr<http_client> requests_;
  std::unique_ptr<http_client> watches_;
};

}  // namespace

void InitTransport(size_t pool_threads) {
  static std::once_flag once;
  std::call_once(once, [pool_threads] {
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
    OPENSSL_init_ssl(0, nullptr);
    ShareSystemRoots();  // the system roots loaded once, not for every new connection (tls.h)
    try {
      crossplat::threadpool::initialize_with_threads(pool_threads);
    } catch (const std::exception&) {
      // Already initialized (something used the pool first): keep its size.
    }
  });
}

std::unique_ptr<KubeClient> MakeRestClient(const KubeConfig& config,
                                           const RestClientOptions& options) {
  return std::make_unique<RestClient>(config, options);
}

}  // namespace kubemesos::client
