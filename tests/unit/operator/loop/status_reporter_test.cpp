// StatusReporter: an object problem becomes an Event on the object, and a standby replica
// (may_write false) reports nothing, so each problem gets one Event, from the leader.
#include "operator/loop/status_reporter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "operator/util/guard.h"
#include "operator/util/text.h"
#include "tests/fakes/client/fake_client.h"

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

// A pending pod whose spec the engine cannot use: PodScheduled=False with reason InvalidSpec
// (not Unschedulable: the autoscaler must not react) and an InvalidSpec Event, not
// FailedScheduling. A valid one asking for what kubemesos does not enforce (issue #14): the
// same with reason Unsupported.
TEST(StatusReporter, ARefusedPodSaysWhyOnItsCondition) {
  for (const char* reason : {"InvalidSpec", "Unsupported"}) {
    SCOPED_TRACE(reason);
    client::FakeKubeClient kube;
    std::mutex mu;
    json patch, event;
    kube.SetHandler([&](std::string_view method, const std::string& path,
                        const std::string& body) -> std::optional<client::HttpResponse> {
      std::lock_guard<std::mutex> lock(mu);
      if (method == "PATCH" && path == "/api/v1/namespaces/team/pods/p/status") {
        patch = json::parse(body);
      } else if (method == "POST" && path == "/api/v1/namespaces/team/events") {
        event = json::parse(body);
      } else {
        return std::nullopt;
      }
      return client::HttpResponse{200, "{}", "", ""};
    });
    StatusReporter reporter(kube, 1000, 1000);
    if (std::string_view(reason) == "Unsupported") {
      reporter.PodUnsupported("team", "p", "Pod team/p: spec.resourceClaims: not enforced");
    } else {
      reporter.PodInvalid("team", "p", "Pod team/p: quantity too large");
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (reporter.writes() < 1 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    reporter.Stop();
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_TRUE(patch.is_object()) << "no status patch";
    const json& condition = patch["status"]["conditions"][0];
    EXPECT_EQ(condition["type"], "PodScheduled");
    EXPECT_EQ(condition["status"], "False");
    EXPECT_EQ(condition["reason"], reason);
    EXPECT_EQ(condition["message"], std::string_view(reason) == "Unsupported"
                                        ? "Pod team/p: spec.resourceClaims: not enforced"
                                        : "Pod team/p: quantity too large");
    ASSERT_TRUE(event.is_object()) << "no Event";
    EXPECT_EQ(event["reason"], reason);
    EXPECT_EQ(event["involvedObject"]["kind"], "Pod");
  }
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

// `prefix`, then `piece` `times` times.
std::string Repeat(std::string_view piece, size_t times, std::string_view prefix = "") {
  std::string out(prefix);
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

// Finding 1 of issue #12: a message over 1,024 bytes was cut in the middle of a character and
// the Event's dump() threw on the writer thread, which aborted the process. Each message here
// is cut (or cleaned) into a valid, shorter one, and the reporter goes on writing.
TEST(StatusReporter, LongOrInvalidMessagesBecomeValidUtf8EventsOfAtMost1024Bytes) {
  struct Case {
    const char* name;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"2-byte characters, 1,200 bytes", Repeat("\xC3\xA9", 600)},           // é
      {"3-byte characters after 1 byte", Repeat("\xE2\x82\xAC", 400, "x")},  // €
      {"4-byte characters after 2 bytes", Repeat("\xF0\x9D\x84\x9E", 300, "xy")},
      {"a label key quoted by the server",
       "pods \"fw-0\" is invalid: metadata.labels: Invalid "
       "value: \"" +
           Repeat("\xD0\xB6", 700) + "\""},
      {"invalid bytes (a reply cut elsewhere)", "bad \xC3 and \xFF\xFE end"},
      {"short and valid", "cannot create pod fw-a-0: forbidden"},
  };
  client::FakeKubeClient kube;
  std::mutex mu;
  std::map<std::string, std::string> bodies;  // object name -> Event body as sent
  kube.SetHandler([&](std::string_view method, const std::string& path,
                      const std::string& body) -> std::optional<client::HttpResponse> {
    if (method != "POST" || path.find("/events") == std::string::npos) return std::nullopt;
    std::lock_guard<std::mutex> lock(mu);
    bodies[json::parse(body)["involvedObject"]["name"]] = body;
    return client::HttpResponse{201, "{}", "", ""};
  });
  uint64_t errors_before = util::InternalErrors()["status_reporter"];
  StatusReporter reporter(kube, 1000, 1000);
  for (size_t i = 0; i < cases.size(); ++i) {
    reporter.ObjectWarning(ObjectKind::kFramework, "team", "fw-" + std::to_string(i),
                           "TaskCreateFailed", cases[i].message);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (reporter.writes() < cases.size() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  reporter.Stop();
  EXPECT_EQ(reporter.failures(), 0u);
  EXPECT_EQ(util::InternalErrors()["status_reporter"], errors_before);
  std::lock_guard<std::mutex> lock(mu);
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    auto it = bodies.find("fw-" + std::to_string(i));
    ASSERT_NE(it, bodies.end()) << "no Event posted";
    ASSERT_TRUE(util::IsValidUtf8(it->second));
    std::string message = json::parse(it->second)["message"];
    EXPECT_LE(message.size(), kMaxEventMessageBytes);
    EXPECT_TRUE(util::IsValidUtf8(message));
    // As much of the message as fits, cut on a character boundary, invalid bytes replaced.
    std::string clean = util::SanitizeUtf8(cases[i].message);
    EXPECT_TRUE(clean.starts_with(message));
    EXPECT_GT(message.size() + 4, std::min(clean.size(), kMaxEventMessageBytes));
  }
}

}  // namespace
}  // namespace kubemesos::loop
