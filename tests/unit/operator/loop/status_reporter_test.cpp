// StatusReporter: an object problem becomes an Event on the object, and a standby replica
// (may_write false) reports nothing, so each problem gets one Event, from the leader.
#include "operator/loop/status_reporter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "operator/client/fake_client.h"

namespace kubemesos::loop {
namespace {

using nlohmann::json;

TEST(StatusReporter, OnlyTheLeaderPostsEvents) {
  client::FakeKubeClient kube;
  std::mutex mu;
  std::vector<json> events;
  kube.SetHandler([&](std::string_view method, const std::string& path,
                      const std::string& body) -> std::optional<client::HttpResponse> {
    if (method != "POST" || path.find("/events") == std::string::npos) return std::nullopt;
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(json::parse(body));
    return client::HttpResponse{201, "{}", "", ""};
  });
  std::atomic<bool> leader{false};
  StatusReporter reporter(kube, 1000, 1000, [&] { return leader.load(); });
  reporter.ObjectProblem(ObjectKind::kFramework, "team", "standby-saw-this", "bad spec");
  leader = true;
  reporter.ObjectProblem(ObjectKind::kFramework, "team", "leader-saw-this", "bad spec");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (reporter.writes() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  reporter.Stop();
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(events.size(), 1u);  // FIFO: had the standby's report been queued, it came first
  EXPECT_EQ(events[0]["involvedObject"]["name"], "leader-saw-this");
  EXPECT_EQ(events[0]["involvedObject"]["kind"], "Framework");
  EXPECT_EQ(events[0]["message"], "bad spec");
  EXPECT_EQ(events[0]["reason"], "InvalidSpec");
}

TEST(StatusReporter, WarningsCarryTheirReason) {
  client::FakeKubeClient kube;
  std::mutex mu;
  json event;
  kube.SetHandler([&](std::string_view method, const std::string& path,
                      const std::string& body) -> std::optional<client::HttpResponse> {
    if (method != "POST" || path.find("/events") == std::string::npos) return std::nullopt;
    std::lock_guard<std::mutex> lock(mu);
    event = json::parse(body);
    return client::HttpResponse{201, "{}", "", ""};
  });
  StatusReporter reporter(kube, 1000, 1000);
  reporter.ObjectWarning(ObjectKind::kFramework, "team", "fw", "TaskCreateFailed",
                         "cannot create pod fw-a-0: forbidden");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (reporter.writes() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  reporter.Stop();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(event["reason"], "TaskCreateFailed");
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["involvedObject"]["apiVersion"], "kubemesos.io/v1alpha1");
}

}  // namespace
}  // namespace kubemesos::loop
