// Pod conditions and Events for pending pods and bad objects, coalesced and rate-limited.
#include "operator/loop/status_reporter.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

namespace kubemesos::loop {
namespace {

std::string NowRfc3339() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string UniqueSuffix() {
  static std::atomic<uint64_t> counter{0};
  auto ns = std::chrono::system_clock::now().time_since_epoch().count();
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%llx%llx", static_cast<unsigned long long>(ns),
                static_cast<unsigned long long>(counter++));
  return buf;
}

}  // namespace

std::string ConditionReason(const Reason& reason) {
  switch (reason.code) {
    case ReasonCode::kInsufficient:
    case ReasonCode::kNoEligibleNode:
      return "Unschedulable";
    case ReasonCode::kQuotaLimit:
      return "QuotaExceeded";
    case ReasonCode::kUnknownGroup:
      return "UnknownGroup";
    case ReasonCode::kUnknownFramework:
      return "UnknownFramework";
    case ReasonCode::kSuspended:
      return "Suspended";
  }
  return "Unschedulable";
}

StatusReporter::StatusReporter(client::KubeClient& client, double writes_per_second, int burst)
    : client_(client), rate_(writes_per_second), burst_(std::max(1, burst)) {
  worker_ = std::thread([this] { Work(); });
}

StatusReporter::~StatusReporter() {
  Stop();
}

void StatusReporter::PodPending(const Unplaced& pending) {
  Item item;
  auto slash = pending.pod.find('/');
  item.ns = pending.pod.substr(0, slash);
  item.name = pending.pod.substr(slash + 1);
  item.reason = ConditionReason(pending.reason);
  item.message = pending.reason.Short() + ": " + pending.reason.message;
  std::string key = "Pod " + pending.pod;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.insert_or_assign(key, std::move(item)).second) order_.push_back(key);
  }
  cv_.notify_one();
}

void StatusReporter::ObjectProblem(ObjectKind kind, const std::string& ns, const std::string& name,
                                   const std::string& message) {
  Item item;
  item.is_pod = false;
  item.kind = kind;
  item.ns = ns;
  item.name = name;
  item.reason = "Invalid";
  item.message = message;
  std::string key = std::string(KindName(kind)) + " " + ns + "/" + name;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.insert_or_assign(key, std::move(item)).second) order_.push_back(key);
  }
  cv_.notify_one();
}

void StatusReporter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

uint64_t StatusReporter::writes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return writes_;
}

uint64_t StatusReporter::failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

void StatusReporter::Work() {
  using Clock = std::chrono::steady_clock;
  double tokens = burst_;
  auto refilled = Clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !order_.empty(); });
    if (order_.empty()) return;
    // Token bucket: wait for a token (interruptible by Stop, which then drops the rest).
    auto now = Clock::now();
    tokens =
        std::min(burst_, tokens + rate_ * std::chrono::duration<double>(now - refilled).count());
    refilled = now;
    if (tokens < 1.0) {
      auto wait = std::chrono::duration<double>((1.0 - tokens) / rate_);
      if (cv_.wait_for(lock, wait, [&] { return stopping_; })) return;
      continue;
    }
    tokens -= 1.0;
    std::string key = order_.front();
    order_.pop_front();
    auto it = pending_.find(key);
    if (it == pending_.end()) continue;
    Item item = std::move(it->second);
    pending_.erase(it);
    lock.unlock();
    Write(item);
    lock.lock();
  }
}

void StatusReporter::Write(const Item& item) {
  if (item.is_pod) {
    nlohmann::json patch = {
        {"status",
         {{"conditions", nlohmann::json::array({{{"type", "PodScheduled"},
                                                 {"status", "False"},
                                                 {"reason", item.reason},
                                                 {"message", item.message},
                                                 {"lastTransitionTime", NowRfc3339()}}})}}}};
    auto response =
        client_.Request("PATCH", "/api/v1/namespaces/" + item.ns + "/pods/" + item.name + "/status",
                        patch.dump(), "application/strategic-merge-patch+json");
    std::lock_guard<std::mutex> lock(mu_);
    ++writes_;
    if (!response.ok()) ++failures_;
  }
  bool is_crd = !item.is_pod &&
                (item.kind == ObjectKind::kResourceGroup || item.kind == ObjectKind::kFramework);
  PostEvent(item, item.is_pod ? "Pod" : KindName(item.kind),
            is_crd ? "kubemesos.io/v1alpha1" : "v1",
            item.is_pod ? (item.reason == "Unschedulable" ? "FailedScheduling" : item.reason)
                        : "InvalidSpec");
}

void StatusReporter::PostEvent(const Item& item, const std::string& kind,
                               const std::string& api_version, const std::string& event_reason) {
  std::string ns = item.ns.empty() ? "default" : item.ns;
  std::string now = NowRfc3339();
  nlohmann::json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", item.name + "." + UniqueSuffix()}, {"namespace", ns}}},
      {"involvedObject", {{"apiVersion", api_version}, {"kind", kind}, {"name", item.name}}},
      {"reason", event_reason},
      {"message", item.message.substr(0, 1024)},
      {"type", "Warning"},
      {"source", {{"component", "kubemesos"}}},
      {"reportingComponent", "kubemesos"},
      {"firstTimestamp", now},
      {"lastTimestamp", now},
      {"count", 1}};
  if (!item.ns.empty()) event["involvedObject"]["namespace"] = item.ns;
  auto response = client_.Request("POST", "/api/v1/namespaces/" + ns + "/events", event.dump());
  std::lock_guard<std::mutex> lock(mu_);
  ++writes_;
  if (!response.ok()) ++failures_;
}

}  // namespace kubemesos::loop
