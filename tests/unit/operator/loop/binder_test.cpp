// Binder: every bind it starts gives the loop exactly one result, also when sending it throws
// (counted as an internal error of "binder"; the worker goes on), and Stop with a deadline
// sends queued binds until then and drops the rest (bounded shutdown, issue #12). A gang's
// batch is sent in a row, its results name the gang, and the last one carries the bind span.
#include "operator/loop/binder.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>

#include "operator/util/guard.h"
#include "tests/fakes/client/fake_client.h"

namespace kubemesos::loop {
namespace {

std::vector<BindResult> Results(EventQueue<LoopEvent>& q, size_t n) {
  std::vector<BindResult> out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    for (auto& e : q.PopAll(deadline)) out.push_back(e.bind);
  }
  return out;
}

TEST(Binder, ABindThatThrowsGivesAFailedResultAndTheWorkerGoesOn) {
  client::FakeKubeClient kube;
  kube.SetHandler([](std::string_view method, const std::string& path,
                     const std::string&) -> std::optional<client::HttpResponse> {
    if (method != "POST" || !path.ends_with("/binding")) return std::nullopt;
    if (path.find("/pods/bad/") != std::string::npos) throw std::runtime_error("client broke");
    return client::HttpResponse{201, "{}", "", ""};
  });
  EventQueue<LoopEvent> results;
  uint64_t before = util::InternalErrors()["binder"];
  Binder binder(kube, results, 1);  // one worker: it must survive the throw
  binder.Bind({"team/bad", "fw", "node-1", {}});
  binder.Bind({"team/good", "fw", "node-1", {}});
  auto got = Results(results, 2);
  binder.Stop();
  ASSERT_EQ(got.size(), 2u);
  std::map<std::string, BindResult> by_pod;
  for (const auto& r : got) by_pod[r.pod] = r;
  EXPECT_EQ(by_pod["team/bad"].status, 0);
  EXPECT_EQ(by_pod["team/bad"].node, "node-1");
  EXPECT_TRUE(by_pod["team/good"].ok()) << by_pod["team/good"].message;
  EXPECT_EQ(util::InternalErrors()["binder"], before + 1);
}

TEST(Binder, ARevocablePlacementIsAnnotatedInItsBinding) {
  client::FakeKubeClient kube;
  std::mutex mu;
  std::map<std::string, nlohmann::json> bodies;
  kube.SetHandler([&](std::string_view method, const std::string& path,
                      const std::string& body) -> std::optional<client::HttpResponse> {
    if (method != "POST" || !path.ends_with("/binding")) return std::nullopt;
    std::lock_guard<std::mutex> lock(mu);
    bodies[path] = nlohmann::json::parse(body);
    return client::HttpResponse{201, "{}", "", ""};
  });
  EventQueue<LoopEvent> results;
  Binder binder(kube, results, 1);
  binder.Bind({"team/lent", "fw", "node-1", {}, /*revocable=*/true});
  binder.Bind({"team/own", "fw", "node-1", {}, /*revocable=*/false});
  ASSERT_EQ(Results(results, 2).size(), 2u);
  binder.Stop();
  const auto& lent = bodies["/api/v1/namespaces/team/pods/lent/binding"];
  EXPECT_EQ(lent["metadata"]["annotations"]["kubemesos.io/revocable"], "true");
  EXPECT_EQ(lent["target"]["name"], "node-1");
  EXPECT_FALSE(
      bodies["/api/v1/namespaces/team/pods/own/binding"]["metadata"].contains("annotations"));
}

TEST(Binder, StopSendsQueuedBindsUntilTheDeadlineAndDropsTheRest) {
  client::FakeKubeClient kube;
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int sent = 0;
  kube.SetHandler([&](std::string_view method, const std::string& path,
                      const std::string&) -> std::optional<client::HttpResponse> {
    if (method != "POST" || !path.ends_with("/binding")) return std::nullopt;
    std::unique_lock<std::mutex> lock(mu);
    ++sent;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });  // a slow API server
    return client::HttpResponse{201, "{}", "", ""};
  });
  EventQueue<LoopEvent> results;
  Binder binder(kube, results, 1);
  for (int i = 0; i < 10; ++i) binder.Bind({"team/p" + std::to_string(i), "fw", "node-1", {}});
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return sent == 1; }));
  }
  // The deadline passes with the first bind still in flight: the 9 queued ones are dropped.
  EXPECT_FALSE(binder.Stop(std::chrono::steady_clock::now() + std::chrono::milliseconds(50)));
  EXPECT_EQ(binder.dropped(), 9u);
  {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
  }
  cv.notify_all();
  EXPECT_TRUE(binder.Stop());  // the bind in flight finishes; the worker is joined
  auto got = Results(results, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].pod, "team/p0");
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(sent, 1);
}

TEST(Binder, GangBatchGoesOutInARowAndItsLastResultCarriesTheSpan) {
  client::FakeKubeClient kube;
  std::mutex mu;
  std::vector<std::string> order;
  kube.SetHandler([&](std::string_view method, const std::string& path,
                      const std::string&) -> std::optional<client::HttpResponse> {
    if (method != "POST" || !path.ends_with("/binding")) return std::nullopt;
    std::lock_guard<std::mutex> lock(mu);
    std::string pod = path.substr(path.find("/pods/") + 6);
    order.push_back(pod.substr(0, pod.find('/')));
    if (path.find("/pods/g-1/") != std::string::npos) {
      return client::HttpResponse{403, "{}", "denied", ""};  // a failed member still counts
    }
    return client::HttpResponse{201, "{}", "", ""};
  });
  EventQueue<LoopEvent> results;
  Binder binder(kube, results, 1);  // one worker: the order of the requests is the queue's
  binder.Bind({"team/before", "fw", "node-1", {}});
  binder.BindGang({{"team/g-0", "gfw", "node-1", "team/gfw"},
                   {"team/g-1", "gfw", "node-2", "team/gfw"},
                   {"team/g-2", "gfw", "node-3", "team/gfw"}});
  binder.Bind({"team/after", "fw", "node-1", {}});
  auto got = Results(results, 5);
  binder.Stop();
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(order, (std::vector<std::string>{"before", "g-0", "g-1", "g-2", "after"}));
  int spans = 0;
  for (const auto& r : got) {
    bool member = r.pod.rfind("team/g-", 0) == 0;
    EXPECT_EQ(r.gang, member ? "team/gfw" : "") << r.pod;
    if (r.gang_span_seconds >= 0) {
      ++spans;
      EXPECT_EQ(r.pod, "team/g-2") << "the last member answered completes the batch";
    }
  }
  EXPECT_EQ(spans, 1);
}

}  // namespace
}  // namespace kubemesos::loop
