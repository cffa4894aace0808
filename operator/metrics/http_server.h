// The operator's HTTP endpoint (DESIGN.md, "Interfaces and ports"): `/metrics` (Prometheus
// text format), `/healthz` (200 "ok" while the process serves) and `/readyz` (200 "ok" when the
// readiness callback says so, else 503 with its reason), all on one address, default
// 0.0.0.0:8080.
//
// Contract:
// - Ownership: borrows the Metrics, which must outlive the server. Owns its listening socket
//   and worker threads; the destructor stops them.
// - Threads: Start and Stop are called by the owner's thread (not concurrently). Requests are
//   served on the server's own worker threads: Metrics::ExpositionText() and the readiness
//   callback run there, concurrently with everything else, so the callback must be
//   thread-safe and quick (read atomics; no blocking I/O).
// - Errors: Start throws HttpServerError naming the address when it cannot listen (port in
//   use, bad address, no permission). Other paths answer 404; methods other than GET/HEAD 405.
// - The HTTP library (civetweb) stays inside http_server.cpp.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "operator/metrics/metrics.h"

namespace kubemesos::metrics {

struct HttpServerOptions {
  // "host:port" or "port"; port 0 picks a free port (see HttpServer::port()). IPv6 hosts in
  // brackets: "[::]:8080".
  std::string address = "0.0.0.0:8080";
  int threads = 4;  // concurrent requests (a scrape and two probes need three)
};

// What /readyz answers: ready, or not ready and why (the body of the 503).
struct Readiness {
  bool ready = false;
  std::string reason;
};

class HttpServerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class HttpServer {
 public:
  // `readiness` may be empty: /readyz is then always 503 "no readiness check configured".
  HttpServer(const Metrics& metrics, HttpServerOptions options,
             std::function<Readiness()> readiness);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Listens and serves until Stop. Throws HttpServerError if it cannot listen, or if already
  // started.
  void Start();
  // Stops listening and waits for requests in flight. Idempotent.
  void Stop();

  // The port actually listened on (useful with port 0); 0 when not started.
  int port() const;
  const std::string& address() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kubemesos::metrics
