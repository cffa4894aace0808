// The policies RestClient applies around every request, kept apart from the HTTP stack so they
// are unit-tested without a server: client-side rate limiting (token bucket), the retry policy
// (what is retried, how long to wait) and readable descriptions of failed responses.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace kubemesos::client {

// A token bucket: `qps` tokens per second, at most `burst` saved up. Acquire() blocks the
// caller until a token is available; waiting callers are served in arrival order (each one
// reserves its token, possibly going into debt, and sleeps until the debt is paid).
// Thread-safe. qps <= 0 disables the limit.
class TokenBucket {
 public:
  TokenBucket(double qps, int burst);

  // Takes one token, sleeping as long as needed. Returns how long it waited.
  std::chrono::steady_clock::duration Acquire();
  // Takes one token if one is available now; never blocks.
  bool TryAcquire();
  // How long until TryAcquire can succeed (zero: now), for callers that wait on their own
  // terms (interruptibly, e.g. until a stop flag): wait that long, then TryAcquire again.
  std::chrono::steady_clock::duration NextTokenIn();

 private:
  void Refill(std::chrono::steady_clock::time_point now);

  std::mutex mu_;
  const double qps_;
  const double burst_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

struct RetryPolicy {
  int max_attempts = 5;  // attempts in total, the first one included
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{10000};
  std::chrono::milliseconds max_retry_after{60000};  // cap on a server's Retry-After

  // Whether a response with `status` (0 = transport failure) is worth another attempt.
  // 429 is retried for every method (API Priority and Fairness rejects before any effect);
  // transport failures and 500/502/503/504 only for idempotent methods (GET, HEAD, PUT,
  // DELETE, OPTIONS), since a POST or PATCH may have taken effect. A transport failure with
  // `unsent` (the request never fully reached the server: RequestNeverSent) is retried for
  // every method, as Go's net/http retries a request nothing of which was written: a server
  // does not act on a request whose head or body it never received.
  bool ShouldRetry(std::string_view method, int status, bool unsent = false) const;

  // The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed:
  // exponential from initial_backoff with ±20% jitter, capped at max_backoff; at least the
  // server's Retry-After (ParseRetryAfter) when given, capped at max_retry_after.
  std::chrono::milliseconds Delay(int attempt, std::string_view retry_after) const;
};

// Whether a transport error (cpprestsdk's exception text) says the request never fully
// reached the server: resolving or connecting failed, or writing its head or body failed (a
// pooled keep-alive connection the server closed, e.g. across an API server restart). A
// failure while reading the response is not: the server may have acted.
bool RequestNeverSent(std::string_view transport_error);

// A Retry-After header value as a wait: delay-seconds only (decimal digits, surrounding spaces
// allowed), as client-go reads it; an HTTP-date, a sign, a fraction or any other text gives
// nullopt (ignored). Never overflows: any value above `cap` (however many digits) is `cap`.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::milliseconds cap);

// A readable description of a failed response for HttpResponse::message, e.g.
// `GET /api/v1/pods: 403 Forbidden: <identity> is authenticated but RBAC does not allow this
// request: pods is forbidden: User "x" cannot list resource "pods"...`. `body` is the server's
// body (its v1 Status message is used when present); `identity` names the credentials
// (KubeConfig::Describe()).
std::string DescribeHttpError(std::string_view method, std::string_view path, int status,
                              std::string_view body, std::string_view identity);

}  // namespace kubemesos::client
