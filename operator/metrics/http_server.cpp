// HttpServer on civetweb's C++ wrapper (CivetServer), the same embedded server prometheus-cpp's
// Exposer uses. The Exposer of prometheus-cpp 1.0.1 offers no way to add other handlers, so
// this file serves all three paths itself and renders /metrics with Metrics::ExpositionText().
// Two CivetServers (two thread pools): the main listener and the probe listener.
#include "operator/metrics/http_server.h"

#include <CivetServer.h>
#include <civetweb.h>

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

namespace kubemesos::metrics {
namespace {

// civetweb reports why mg_start failed through log_message on the starting thread; keep that
// text for the exception instead of letting it vanish.
thread_local bool t_starting = false;
thread_local std::string t_start_error;

int LogMessage(const mg_connection*, const char* message) {
  if (!t_starting) return 0;  // civetweb's default: nothing printed without an error_log_file
  if (!t_start_error.empty()) t_start_error += "; ";
  t_start_error += message;
  return 1;
}

bool IsHead(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  return info != nullptr && info->request_method != nullptr &&
         std::strcmp(info->request_method, "HEAD") == 0;
}

void Reply(mg_connection* conn, int status, const char* status_text, const char* content_type,
           const std::string& body, const char* extra_headers = "") {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\n"
            "Content-Type: %s\r\n"
            "Content-Length: %zu\r\n"
            "Cache-Control: no-store\r\n"
            "%s"
            "Connection: close\r\n\r\n",
            status, status_text, content_type, body.size(), extra_headers);
  if (!IsHead(conn) && !body.empty()) mg_write(conn, body.data(), body.size());
}

bool NotAllowed(mg_connection* conn) {
  Reply(conn, 405, "Method Not Allowed", "text/plain; charset=utf-8", "only GET and HEAD\n",
        "Allow: GET, HEAD\r\n");
  return true;
}

// One handler for GET and HEAD of one path; other methods get 405.
class Handler : public CivetHandler {
 public:
  explicit Handler(std::function<void(mg_connection*)> serve) : serve_(std::move(serve)) {}
  bool handleGet(CivetServer*, mg_connection* conn) override {
    serve_(conn);
    return true;
  }
  bool handleHead(CivetServer*, mg_connection* conn) override {
    serve_(conn);
    return true;
  }
  bool handlePost(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePut(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handleDelete(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handleOptions(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePatch(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }

 private:
  std::function<void(mg_connection*)> serve_;
};

// civetweb 1.15's listener polls with a 2 s timeout before it sees the stop flag; a connection
// (closed at once) wakes it, so Stop returns in milliseconds. Best effort: errors are ignored.
void PokeListener(const std::string& address, int port) {
  std::string host = "127.0.0.1";
  size_t colon = address.rfind(':');
  if (colon != std::string::npos && colon > 0) {
    host = address.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    if (host == "0.0.0.0") host = "127.0.0.1";
    if (host == "::") host = "::1";
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    bool connected = ::connect(fd, a->ai_addr, a->ai_addrlen) == 0;
    ::close(fd);
    if (connected) break;
  }
  freeaddrinfo(found);
}

constexpr const char* kText = "text/plain; charset=utf-8";

// One civetweb server: its listening socket and worker threads.
struct Listener {
  std::unique_ptr<CivetServer> server;
  std::string address;
  int port = 0;
};

// Starts a listener on `address` with the given handlers; throws HttpServerError naming it.
void StartListener(Listener& l, const std::string& address, int threads,
                   std::chrono::milliseconds header_timeout, size_t max_header_bytes,
                   const std::vector<std::pair<const char*, CivetHandler*>>& handlers) {
  if (address.empty() || address.find(',') != std::string::npos) {
    throw HttpServerError("metrics HTTP server: invalid listen address '" + address +
                          "' (want host:port or port)");
  }
  // Why these: civetweb gives each connection a worker thread from accept to close, so a
  // client that sends nothing holds one. request_timeout_ms is a total deadline on the
  // request header (and bounds each stalled write); keep-alive off means no idle connection
  // waits for a next request; max_request_size bounds the header (400/413 beyond); the default
  // linger (none) lets close() return at once while the kernel flushes the reply.
  std::vector<std::string> civet_options = {
      "listening_ports",    address,
      "num_threads",        std::to_string(std::max(1, threads)),
      "request_timeout_ms", std::to_string(std::max<int64_t>(1, header_timeout.count())),
      "enable_keep_alive",  "no",
      "max_request_size",   std::to_string(std::max<size_t>(1024, max_header_bytes)),
  };
  CivetCallbacks callbacks;
  callbacks.log_message = &LogMessage;
  t_starting = true;
  t_start_error.clear();
  try {
    l.server = std::make_unique<CivetServer>(civet_options, &callbacks);
  } catch (const std::exception& e) {
    t_starting = false;
    std::string why = t_start_error.empty() ? e.what() : t_start_error;
    throw HttpServerError("metrics HTTP server cannot listen on " + address + ": " + why);
  }
  t_starting = false;
  for (const auto& [path, handler] : handlers) l.server->addHandler(path, handler);
  std::vector<int> ports = l.server->getListeningPorts();
  l.address = address;
  l.port = ports.empty() ? 0 : ports.front();
}

void StopListener(Listener& l) {
  if (!l.server) return;
  std::atomic<bool> closed{false};
  std::thread closer([&] {
    l.server->close();  // stops the listener and joins the workers
    closed = true;
  });
  while (!closed && l.port > 0) {
    PokeListener(l.address, l.port);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  closer.join();
  l.server.reset();
  l.port = 0;
}

}  // namespace

struct HttpServer::Impl {
  const Metrics& metrics;
  HttpServerOptions options;
  std::function<Readiness()> readiness;

  Handler metrics_handler{[this](mg_connection* conn) {
    Reply(conn, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", metrics.ExpositionText());
  }};
  Handler healthz_handler{[](mg_connection* conn) { Reply(conn, 200, "OK", kText, "ok\n"); }};
  Handler readyz_handler{[this](mg_connection* conn) {
    Readiness r;
    if (!readiness) {
      r.reason = "no readiness check configured";
    } else {
      try {
        r = readiness();
      } catch (const std::exception& e) {
        r = {false, std::string("readiness check failed: ") + e.what()};
      }
    }
    if (r.ready) {
      Reply(conn, 200, "OK", kText, "ok\n");
    } else {
      Reply(conn, 503, "Service Unavailable", kText,
            (r.reason.empty() ? std::string("not ready") : r.reason) + "\n");
    }
  }};

  Listener main;
  Listener probes;

  Impl(const Metrics& m, HttpServerOptions o, std::function<Readiness()> r)
      : metrics(m), options(std::move(o)), readiness(std::move(r)) {}
};

HttpServer::HttpServer(const Metrics& metrics, HttpServerOptions options,
                       std::function<Readiness()> readiness)
    : impl_(std::make_unique<Impl>(metrics, std::move(options), std::move(readiness))) {}

HttpServer::~HttpServer() {
  Stop();
}

void HttpServer::Start() {
  Impl& s = *impl_;
  const HttpServerOptions& o = s.options;
  if (s.main.server)
    throw HttpServerError("metrics HTTP server on " + o.address + " already started");
  StartListener(s.main, o.address, o.threads, o.header_timeout, o.max_header_bytes,
                {{"/metrics", &s.metrics_handler},
                 {"/healthz", &s.healthz_handler},
                 {"/readyz", &s.readyz_handler}});
  if (o.probe_address.empty()) return;
  try {
    StartListener(s.probes, o.probe_address, o.probe_threads, o.probe_header_timeout,
                  o.max_header_bytes,
                  {{"/healthz", &s.healthz_handler}, {"/readyz", &s.readyz_handler}});
  } catch (...) {
    StopListener(s.main);
    throw;
  }
}

void HttpServer::Stop() {
  StopListener(impl_->probes);
  StopListener(impl_->main);
}

int HttpServer::port() const {
  return impl_->main.port;
}

int HttpServer::probe_port() const {
  return impl_->probes.port;
}

const std::string& HttpServer::address() const {
  return impl_->options.address;
}

}  // namespace kubemesos::metrics
