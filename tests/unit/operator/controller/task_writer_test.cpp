// TaskWriter against an in-memory pod API: creates, deletes with a uid precondition, one
// result per action, and nothing sent when not the leader.
#include "operator/controller/task_writer.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>

#include "operator/util/guard.h"
#include "tests/fakes/client/fake_client.h"

namespace kubemesos::controller {
namespace {

using nlohmann::json;

// Pods by name with the API server's create and delete-with-precondition answers.
class PodApi {
 public:
  explicit PodApi(client::FakeKubeClient& api) {
    api.SetHandler([this](std::string_view method, const std::string& path,
                          const std::string& body) -> std::optional<client::HttpResponse> {
      std::lock_guard<std::mutex> lock(mu_);
      const std::string prefix = "/api/v1/namespaces/team/pods";
      if (!path.starts_with(prefix)) return std::nullopt;
      if (method == "POST") {
        std::string name = json::parse(body)["metadata"]["name"];
        if (uids_.count(name)) return client::HttpResponse{409, "{}", "", "AlreadyExists"};
        uids_[name] = "uid-" + std::to_string(uids_.size() + 1);
        return client::HttpResponse{201, "{}", "", ""};
      }
      if (method == "DELETE") {
        std::string name = path.substr(prefix.size() + 1);
        auto it = uids_.find(name);
        if (it == uids_.end()) return client::HttpResponse{404, "{}", "", "NotFound"};
        if (json::parse(body)["preconditions"]["uid"] != it->second)
          return client::HttpResponse{409, "{}", "", "precondition failed: uid"};
        uids_.erase(it);
        return client::HttpResponse{200, "{}", "", ""};
      }
      return std::nullopt;
    });
  }
  std::string Uid(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = uids_.find(name);
    return it == uids_.end() ? "" : it->second;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> uids_;
};

std::vector<loop::TaskWriteResult> Drain(loop::EventQueue<loop::LoopEvent>& q, size_t n) {
  std::vector<loop::TaskWriteResult> out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    for (auto& e : q.PopAll(deadline)) out.push_back(e.task);
  }
  return out;
}

TEST(TaskWriter, CreatesAndDeletesPodsAndReportsEachResult) {
  client::FakeKubeClient api;
  PodApi pods(api);
  loop::EventQueue<loop::LoopEvent> results;
  TaskWriter writer(api, results, 1);  // one worker: results in order
  json pod = {{"metadata", {{"name", "fw-w-0"}, {"namespace", "team"}}}};
  writer.Write({true, "team", "fw-w-0", "fw", "", pod});
  auto created = Drain(results, 1);
  ASSERT_EQ(created.size(), 1u);
  EXPECT_TRUE(created[0].ok()) << created[0].status << " " << created[0].message;
  EXPECT_EQ(created[0].framework, "fw");
  std::string uid = pods.Uid("fw-w-0");
  ASSERT_NE(uid, "");
  writer.Write({true, "team", "fw-w-0", "fw", "", pod});            // exists already
  writer.Write({false, "team", "fw-w-0", "fw", "not-" + uid, {}});  // another incarnation
  auto second = Drain(results, 2);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].status, 409);
  EXPECT_FALSE(second[1].ok());
  EXPECT_EQ(pods.Uid("fw-w-0"), uid) << "the precondition protected the pod";
  writer.Write({false, "team", "fw-w-0", "fw", uid, {}});
  writer.Write({false, "team", "gone", "fw", "x", {}});  // already gone: done
  auto deleted = Drain(results, 2);
  ASSERT_EQ(deleted.size(), 2u);
  EXPECT_TRUE(deleted[0].ok() && deleted[1].ok());
  EXPECT_EQ(pods.Uid("fw-w-0"), "");
  writer.Stop();
  EXPECT_EQ(writer.created(), 1u);
  EXPECT_EQ(writer.deleted(), 2u);
  EXPECT_EQ(writer.failures(), 1u);  // the refused delete (409 on create is not a failure)
}

TEST(TaskWriter, SendsNothingWhenNotTheLeader) {
  client::FakeKubeClient api;
  PodApi pods(api);
  loop::EventQueue<loop::LoopEvent> results;
  TaskWriter writer(api, results, 1, [] { return false; });
  writer.Write({true, "team", "p", "fw", "", json{{"metadata", {{"name", "p"}}}}});
  auto r = Drain(results, 1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 0);
  EXPECT_NE(r[0].message.find("leader"), std::string::npos);
  EXPECT_EQ(pods.Uid("p"), "");
}

// No exception leaves a thread (issue #12): a write that throws still gives the loop its
// result (status 0; the pod would otherwise stay "being written" for good), is counted as an
// internal error of "task_writer", and the worker goes on.
TEST(TaskWriter, AWriteThatThrowsGivesAFailedResultAndTheWorkerGoesOn) {
  client::FakeKubeClient api;
  api.SetHandler([](std::string_view method, const std::string&,
                    const std::string& body) -> std::optional<client::HttpResponse> {
    if (method == "POST" && json::parse(body)["metadata"]["name"] == "bad")
      throw std::runtime_error("client broke");
    return client::HttpResponse{201, "{}", "", ""};
  });
  loop::EventQueue<loop::LoopEvent> results;
  uint64_t before = util::InternalErrors()["task_writer"];
  TaskWriter writer(api, results, 1);  // one worker: it must survive the throw
  writer.Write({true, "team", "bad", "fw", "", json{{"metadata", {{"name", "bad"}}}}});
  writer.Write({true, "team", "good", "fw", "", json{{"metadata", {{"name", "good"}}}}});
  auto r = Drain(results, 2);
  writer.Stop();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].name, "bad");
  EXPECT_EQ(r[0].status, 0);
  EXPECT_TRUE(r[1].ok()) << r[1].message;
  EXPECT_EQ(writer.created(), 1u);
  EXPECT_EQ(util::InternalErrors()["task_writer"], before + 1);
}

// Bounded shutdown (issue #12, finding 9): Stop(kDrop) drops the queued creates instead of
// sending them all through the client's rate limit; the one in flight finishes.
TEST(TaskWriter, StopDropDropsQueuedCreates) {
  client::FakeKubeClient api;
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int posts = 0;
  api.SetHandler([&](std::string_view method, const std::string&,
                     const std::string&) -> std::optional<client::HttpResponse> {
    if (method != "POST") return std::nullopt;
    std::unique_lock<std::mutex> lock(mu);
    ++posts;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
    return client::HttpResponse{201, "{}", "", ""};
  });
  loop::EventQueue<loop::LoopEvent> results;
  TaskWriter writer(api, results, 1);
  for (int i = 0; i < 100; ++i) {
    std::string name = "fw-w-" + std::to_string(i);
    writer.Write({true, "team", name, "fw", "", json{{"metadata", {{"name", name}}}}});
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return posts == 1; }));
  }
  // The create in flight outlasts the deadline: Stop returns false, the 99 queued are gone.
  EXPECT_FALSE(writer.Stop(util::StopMode::kDrop,
                           std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
  EXPECT_EQ(writer.dropped(), 99u);
  {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
  }
  cv.notify_all();
  EXPECT_TRUE(writer.Stop());  // joins once the create in flight is done
  EXPECT_EQ(writer.created(), 1u);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(posts, 1);
}

}  // namespace
}  // namespace kubemesos::controller
