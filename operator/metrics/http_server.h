// The operator's HTTP endpoints (docs/design.md, "Interfaces and ports"): `/metrics` (Prometheus
// text format), `/healthz` (200 "ok" while the process serves) and `/readyz` (200 "ok" when the
// readiness callback says so, else 503 with its reason).
//
// Two listeners, each with its own worker threads (civetweb serves one connection per thread):
// - the main one (`address`, default 0.0.0.0:8080) serves all three paths;
// - the probe one (`probe_address`, optional) serves only /healthz and /readyz, so clients of
//   /metrics (slow, hostile or just many) can never take the threads the kubelet's probes need.
// Against slow clients each listener has a total deadline for the request header (a byte now
// and then does not keep a connection), no keep-alive (no idle connection holds a thread), a
// size limit on the request header (larger: 413) and bodies never read.
//
// Contract:
// - Ownership: borrows the Metrics, which must outlive the server. Owns its listening sockets
//   and worker threads; the destructor stops them.
// - Threads: Start and Stop are called by the owner's thread (not concurrently). Requests are
//   served on the server's own worker threads: Metrics::ExpositionText() and the readiness
//   callback run there, concurrently with everything else, so the callback must be
//   thread-safe and quick (read atomics; no blocking I/O).
// - Errors: Start throws HttpServerError naming the address when it cannot listen (port in
//   use, bad address, no permission); then nothing listens. Other paths answer 404; methods
//   other than GET/HEAD 405.
// - The HTTP library (civetweb) stays inside http_server.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "operator/metrics/metrics.h"

namespace kubemesos::metrics {

struct HttpServerOptions {
  // "host:port" or "port"; port 0 picks a free port (see HttpServer::port()). IPv6 hosts in
  // brackets: "[::]:8080". All interfaces by default: Prometheus scrapes the pod IP.
  std::string address = "0.0.0.0:8080";
  // Where /healthz and /readyz are also served, on a listener of their own; same syntax. ""
  // = no probe listener (the probes are then served on `address` only).
  std::string probe_address;
  // Connections served at once per listener; each holds a thread from its first byte until it
  // is answered or its header deadline passes. More connections wait in a queue. civetweb 1.15
  // starts them all at once, so they are few: Prometheus scrapes one connection at a time, and
  // the kubelet's probes have a listener of their own (probe_address) that scrapers cannot take.
  int threads = 4;
  int probe_threads = 2;  // the kubelet sends one liveness and one readiness probe at a time
  // The whole request header must arrive within this long (a total deadline, not an idle
  // timeout); also the longest one write of a reply may stall. Scrapers and the kubelet send
  // their few hundred bytes at once.
  std::chrono::milliseconds header_timeout{2000};
  std::chrono::milliseconds probe_header_timeout{1000};
  // The request line and headers together; a larger request is refused with 413.
  size_t max_header_bytes = 8192;
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

  // The ports actually listened on (useful with port 0); 0 when not started (probe_port: or
  // without a probe listener).
  int port() const;
  int probe_port() const;
  const std::string& address() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kubemesos::metrics
