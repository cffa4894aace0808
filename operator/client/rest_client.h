// The real KubeClient: HTTPS to the API server through cpprestsdk (inside rest_client.cpp
// only; this header does not expose it).
//
// What it adds around each request (see kube_client.h for the shared contract):
// - TLS: with a CA bundle in the kubeconfig only those CAs are trusted (as client-go; without
//   one, the system roots), the client certificate/key is presented, and the server
//   certificate is verified (host name or IP) unless insecure_skip_tls_verify.
// - Authentication: "Authorization: Bearer" from a static token or a token file re-read every
//   token_reload_period (projected service-account tokens rotate). A token is never sent to an
//   http:// server unless allow_insecure_token (MakeRestClient refuses the configuration).
// - A client-side rate limit (token bucket, qps/burst) shared by requests and watch opens.
// - Retries with exponential backoff (RetryPolicy in request_policy.h): 429 for every method,
//   transport errors and 5xx for idempotent ones, honouring Retry-After, bounded attempts.
// - Encodings: the Accept header is the caller's; a response's Content-Type is handed back;
//   bodies are bytes (protobuf is binary).
// - Watches: the response body is read as bytes arrive and split into lines (JSON) or
//   length-prefixed frames (protobuf), by the response's Content-Type; the connection
//   idle timeout (watch_idle_timeout) ends a silent watch; Cancel() aborts a read at once.
//
// Threads: Request may be called from many threads concurrently; each Watch stream is read by
// one thread of the caller's (never a cpprestsdk pool thread). Blocking calls block the caller.
// Lifetime: the client must outlive its open watch streams.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "operator/client/kube_client.h"
#include "operator/client/kubeconfig.h"
#include "operator/client/request_policy.h"

namespace kubemesos::client {

// Process-wide transport set-up; main calls it first, before any thread starts:
// OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT) (avoids a rare exit-time hang when a pool thread
// races OpenSSL's atexit cleanup), ShareSystemRoots() (tls.h: the system roots are loaded once,
// not for every new connection; $SSL_CERT_FILE/$SSL_CERT_DIR count as they are now) and sizes
// cpprestsdk's shared thread pool to `pool_threads` (it runs I/O completions and continuations;
// long watches do not occupy it because each is read on its caller's thread). Idempotent: later
// calls do nothing.
void InitTransport(size_t pool_threads = 8);

struct RestClientOptions {
  double qps = 500;  // client-side rate limit; <= 0 disables it
  int burst = 1000;
  RetryPolicy retry;
  std::chrono::seconds request_timeout{60};      // idle timeout of a plain request
  std::chrono::seconds watch_idle_timeout{120};  // a watch silent this long ends with an error
  std::chrono::seconds token_reload_period{60};
  std::string user_agent = "kubemesos";
  // Send the bearer token to an http:// server (anyone on the path can read it). Off: such a
  // configuration is refused (`kubemesos run --allow-insecure-token` turns this on).
  bool allow_insecure_token = false;
};

// Builds a client for `config`. Throws TlsError (tls.h) or KubeConfigError for unusable TLS
// material, an unsupported setting (tls-server-name), a token file never readable or a token
// for an http:// server without allow_insecure_token; it does not contact the server.
std::unique_ptr<KubeClient> MakeRestClient(const KubeConfig& config,
                                           const RestClientOptions& options = {});

}  // namespace kubemesos::client
