// Token bucket, retry policy and error descriptions for RestClient (see request_policy.h).
#include "operator/client/request_policy.h"

#include <algorithm>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "operator/util/text.h"

namespace kubemesos::client {

using Clock = std::chrono::steady_clock;

TokenBucket::TokenBucket(double qps, int burst)
    : qps_(qps), burst_(std::max(1, burst)), tokens_(std::max(1, burst)), last_(Clock::now()) {}

void TokenBucket::Refill(Clock::time_point now) {
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
  last_ = now;
}

Clock::duration TokenBucket::Acquire() {
  if (qps_ <= 0) return Clock::duration::zero();
  Clock::duration wait;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Refill(Clock::now());
    tokens_ -= 1;  // reserve, possibly into debt
    if (tokens_ >= 0) return Clock::duration::zero();
    wait =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-tokens_ / qps_));
  }
  std::this_thread::sleep_for(wait);
  return wait;
}

bool TokenBucket::TryAcquire() {
  if (qps_ <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  Refill(Clock::now());
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

Clock::duration TokenBucket::NextTokenIn() {
  if (qps_ <= 0) return Clock::duration::zero();
  std::lock_guard<std::mutex> lock(mu_);
  Refill(Clock::now());
  if (tokens_ >= 1) return Clock::duration::zero();
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>((1 - tokens_) / qps_));
}

bool RetryPolicy::ShouldRetry(std::string_view method, int status, bool unsent) const {
  if (status == 429) return true;
  if (status == 0 && unsent) return true;
  bool idempotent = method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
                    method == "OPTIONS";
  if (!idempotent) return false;
  return status == 0 || status == 500 || status == 502 || status == 503 || status == 504;
}

bool RequestNeverSent(std::string_view transport_error) {
  // cpprestsdk's asio client's own texts for failures before the request is complete on the
  // wire (http_client_asio.cpp); every read failure has other texts.
  for (std::string_view before :
       {"Failed to write request headers", "Failed to write request body",
        "Failed to connect to any resolved endpoint", "Failed to resolve address"}) {
    if (transport_error.find(before) != std::string_view::npos) return true;
  }
  return false;
}

std::chrono::milliseconds RetryPolicy::Delay(int attempt, std::string_view retry_after) const {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  double base = static_cast<double>(initial_backoff.count());
  for (int i = 1; i < attempt && base < max_backoff.count(); ++i) base *= 2;
  base = std::min(base, static_cast<double>(max_backoff.count()));
  base *= std::uniform_real_distribution<double>(0.8, 1.2)(rng);
  auto delay = std::chrono::milliseconds(static_cast<int64_t>(base));
  if (auto server = ParseRetryAfter(retry_after, max_retry_after)) delay = std::max(delay, *server);
  return delay;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::milliseconds cap) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  const int64_t cap_ms = std::max<int64_t>(0, cap.count());
  const int64_t cap_seconds = cap_ms / 1000;
  int64_t seconds = 0;
  bool over = false;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    // Stop growing once past the cap: seconds <= cap_seconds <= INT64_MAX / 1000 here, so
    // neither this nor the conversion to milliseconds below overflows.
    if (!over) {
      seconds = seconds * 10 + (c - '0');
      over = seconds > cap_seconds;
    }
  }
  return std::chrono::milliseconds(over ? cap_ms : seconds * 1000);
}

std::string DescribeHttpError(std::string_view method, std::string_view path, int status,
                              std::string_view body, std::string_view identity) {
  std::string server;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    server = j["message"].get<std::string>();
  } else {
    server = util::SanitizeUtf8(body, 300);  // a reply may hold anything
  }
  std::string what = std::string(method) + " " + std::string(path.substr(0, path.find('?'))) + ": ";
  switch (status) {
    case 401:
      return what + "401 Unauthorized: the API server rejected the credentials of " +
             std::string(identity) +
             " (token expired, revoked or wrong, or the client certificate is not signed by a "
             "CA the server trusts)" +
             (server.empty() ? "" : ": " + server);
    case 403:
      return what + "403 Forbidden: " + std::string(identity) +
             " is authenticated but RBAC does not allow this request (check the "
             "ClusterRole/RoleBinding of this identity)" +
             (server.empty() ? "" : ": " + server);
    case 429:
      return what + "429 Too Many Requests (API Priority and Fairness): " + server;
    default:
      return what + "HTTP " + std::to_string(status) + (server.empty() ? "" : ": " + server);
  }
}

}  // namespace kubemesos::client
