// Evictor (issue #16, rules P7, P11, P12, P16) on the fake API client and the fake registry
// store: a plan is recorded before its first eviction, then nominations, the DisruptionTarget
// condition and Events, then the evictions, in order; a 429 (or 403) stops the plan, reverts the
// victim's condition and tells the loop; 404 is success; Delete mode DELETEs; a plan the
// registry cannot take evicts nothing; a plan the engine no longer holds is deleted from the
// registry and its nominations cleared; a plan read back by a new leader is carried on without
// new Events; a throwing request is counted and cancels the plan.
#include "operator/loop/evictor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "operator/loop/plan_record.h"
#include "operator/util/guard.h"
#include "tests/fakes/client/fake_client.h"
#include "tests/fakes/registry/fake_kv_store.h"

namespace kubemesos::loop {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// One request the fake API server saw, shortened: "PATCH team/hi status", "POST team/lo
// eviction", "DELETE team/lo", "POST event Preempted team/lo".
struct Api {
  client::FakeKubeClient kube;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> seen;
  std::vector<json> bodies;
  std::map<std::string, int> status;  // pod name -> eviction status (default 201)
  std::function<void(const std::string&)> on_evict;

  Api() {
    kube.SetHandler([this](std::string_view method, const std::string& path,
                           const std::string& body) -> std::optional<client::HttpResponse> {
      std::string m(method), line;
      int code = 200;
      json parsed = body.empty() ? json() : json::parse(body);
      auto pod = [&](const std::string& p) {  // /api/v1/namespaces/ns/pods/name[/sub]
        std::string rest = p.substr(std::string("/api/v1/namespaces/").size());
        std::string ns = rest.substr(0, rest.find('/'));
        rest = rest.substr(rest.find("/pods/") + 6);
        return ns + "/" + rest.substr(0, rest.find('/'));
      };
      if (path.ends_with("/events")) {
        line = m + " event " + parsed["reason"].get<std::string>() + " " +
               parsed["involvedObject"]["namespace"].get<std::string>() + "/" +
               parsed["involvedObject"]["name"].get<std::string>();
        code = 201;
      } else if (path.ends_with("/status")) {
        line = m + " " + pod(path) + " status";
      } else if (path.ends_with("/eviction") || m == "DELETE") {
        std::string p = pod(path);
        if (on_evict) on_evict(p);
        line = m + " " + p + (m == "DELETE" ? "" : " eviction");
        std::lock_guard<std::mutex> lock(mu);
        code = status.count(p) ? status[p] : 201;
      } else {
        return std::nullopt;
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back(line);
        bodies.push_back(parsed);
      }
      cv.notify_all();
      return client::HttpResponse{code, "{}", code >= 300 ? "refused" : "", ""};
    });
  }
  // Waits until `n` requests were seen (or 10 s passed); returns them.
  std::vector<std::string> Wait(size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, 10s, [&] { return seen.size() >= n; });
    return seen;
  }
  json Body(size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    return bodies.at(i);
  }
};

Preemption Plan() {
  Preemption p;
  p.kind = PreemptionKind::kPriority;
  p.group = "g";
  p.preemptors = {{"team/hi", "team/fw", "n1"}};
  p.victims = {{"team/lo-0", "team/fw", "n1", "g", 0, 100},
               {"team/lo-1", "team/fw", "n1", "g", 0, 50},
               {"team/lo-2", "team/fw", "n1", "g", 0, 10}};
  p.created = 100;
  p.deadline = 160;
  p.message = "team/hi (priority 1000) preempts lower-priority pods of group g";
  return p;
}

constexpr double kUnixOffset = 1'800'000'000;

std::vector<EvictionResult> Failures(EventQueue<LoopEvent>& q, size_t n) {
  std::vector<EvictionResult> out;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    for (auto& e : q.PopAll(deadline)) {
      if (e.type == LoopEvent::Type::kEvictionFailed) out.push_back(e.evict);
    }
  }
  return out;
}

TEST(Evictor, RecordsThePlanThenNominatesMarksAndEvictsInOrder) {
  Api api;
  registry::FakeKvStore store;
  registry::Registry reg(store);
  EventQueue<LoopEvent> results;
  std::vector<std::string> recorded_at_eviction;
  api.on_evict = [&](const std::string& pod) {
    auto list = reg.ListPreemptions();
    recorded_at_eviction.push_back(pod + (list.value.size() == 1 ? " recorded" : " NOT recorded"));
  };
  std::vector<int> statuses;
  std::mutex statuses_mu;
  Evictor evictor(api.kube, results, &reg,
                  {EvictionMode::kEvictionApi, 1, nullptr, [&](int status) {
                     std::lock_guard<std::mutex> lock(statuses_mu);
                     statuses.push_back(status);
                   }});
  evictor.Preempt(Plan(), kUnixOffset);
  auto seen = api.Wait(14);
  evictor.Stop();
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "PATCH team/hi status",  // nominatedNodeName
                      "POST event Preempting team/hi",
                      "PATCH team/lo-0 status",  // DisruptionTarget
                      "POST event Preempted team/lo-0",
                      "POST team/lo-0 eviction",
                      "PATCH team/lo-0 status",  // its reason again, after the API server's
                      "PATCH team/lo-1 status",
                      "POST event Preempted team/lo-1",
                      "POST team/lo-1 eviction",
                      "PATCH team/lo-1 status",
                      "PATCH team/lo-2 status",
                      "POST event Preempted team/lo-2",
                      "POST team/lo-2 eviction",
                      "PATCH team/lo-2 status",
                  }));
  EXPECT_EQ(api.Body(5)["status"]["conditions"][0]["reason"], "PreemptionByScheduler");
  EXPECT_EQ(api.Body(0)["status"]["nominatedNodeName"], "n1");
  json condition = api.Body(2)["status"]["conditions"][0];
  EXPECT_EQ(condition["type"], "DisruptionTarget");
  EXPECT_EQ(condition["status"], "True");
  EXPECT_EQ(condition["reason"], "PreemptionByScheduler");
  EXPECT_NE(condition["message"].get<std::string>().find("Preempted by team/hi on node n1"),
            std::string::npos);
  EXPECT_EQ(api.Body(4)["kind"], "Eviction");
  EXPECT_EQ(api.Body(4)["apiVersion"], "policy/v1");
  EXPECT_EQ(
      recorded_at_eviction,
      (std::vector<std::string>{"team/lo-0 recorded", "team/lo-1 recorded", "team/lo-2 recorded"}));
  auto list = reg.ListPreemptions();
  ASSERT_EQ(list.value.size(), 1u);
  EXPECT_EQ(list.value[0].name, "hi");
  EXPECT_EQ(list.value[0].victims.size(), 3u);
  EXPECT_EQ(std::chrono::duration<double>(list.value[0].deadline.time_since_epoch()).count(),
            kUnixOffset + 160);
  EXPECT_EQ(statuses, (std::vector<int>{201, 201, 201}));
  EXPECT_TRUE(Failures(results, 0).empty());
  EXPECT_EQ(results.PopAll(std::chrono::steady_clock::now()).size(), 0u);
}

TEST(Evictor, ARefusalStopsThePlanRevertsTheConditionAndTellsTheLoop) {
  for (int refusal : {429, 403, 500}) {
    Api api;
    api.status["team/lo-1"] = refusal;
    EventQueue<LoopEvent> results;
    Evictor evictor(api.kube, results, nullptr, {EvictionMode::kEvictionApi, 1});
    evictor.Preempt(Plan(), kUnixOffset);
    auto failures = Failures(results, 1);
    ASSERT_EQ(failures.size(), 1u) << refusal;
    EXPECT_EQ(failures[0].victim, "team/lo-1");
    EXPECT_EQ(failures[0].plan, "team/hi");
    EXPECT_EQ(failures[0].status, refusal);
    auto seen = api.Wait(10);
    evictor.Stop();
    ASSERT_EQ(seen.size(), 10u) << refusal;
    EXPECT_EQ(seen[8], "POST team/lo-1 eviction");
    EXPECT_EQ(seen[9], "PATCH team/lo-1 status");  // back to False
    json condition = api.Body(9)["status"]["conditions"][0];
    EXPECT_EQ(condition["status"], "False");
    EXPECT_EQ(condition["reason"], "PreemptionCancelled");
    for (const auto& s : seen) EXPECT_EQ(s.find("lo-2"), std::string::npos) << s;
  }
}

TEST(Evictor, NotFoundIsSuccessAndDeleteModeDeletes) {
  Api api;
  api.status["team/lo-0"] = 404;
  EventQueue<LoopEvent> results;
  Evictor evictor(api.kube, results, nullptr, {EvictionMode::kDelete, 1});
  evictor.Preempt(Plan(), kUnixOffset);
  auto seen = api.Wait(11);
  evictor.Stop();
  ASSERT_EQ(seen.size(), 11u);
  EXPECT_EQ(seen[4], "DELETE team/lo-0");
  EXPECT_EQ(seen[10], "DELETE team/lo-2");
  EXPECT_TRUE(Failures(results, 0).empty());
  EXPECT_EQ(results.PopAll(std::chrono::steady_clock::now()).size(), 0u);
}

TEST(Evictor, APlanThatCannotBeRecordedEvictsNothing) {
  Api api;
  registry::FakeKvStore store;
  registry::Registry reg(store);
  store.SetFailure("etcd is down");
  EventQueue<LoopEvent> results;
  Evictor evictor(api.kube, results, &reg, {EvictionMode::kEvictionApi, 1});
  evictor.Preempt(Plan(), kUnixOffset);
  auto failures = Failures(results, 1);
  evictor.Stop();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].victim, "team/lo-0");
  EXPECT_NE(failures[0].message.find("could not be recorded"), std::string::npos);
  EXPECT_TRUE(api.Wait(0).empty());  // nothing written to the API server
}

TEST(Evictor, APlanTheEngineNoLongerHoldsIsDeletedAndItsNominationsCleared) {
  Api api;
  registry::FakeKvStore store;
  registry::Registry reg(store);
  EventQueue<LoopEvent> results;
  Evictor evictor(api.kube, results, &reg, {EvictionMode::kEvictionApi, 1});
  Preemption plan = Plan();
  evictor.Preempt(plan, kUnixOffset);
  api.Wait(14);
  evictor.InFlight({plan});  // still held: nothing happens
  EXPECT_TRUE(evictor.Tracking());
  evictor.InFlight({});  // done (preemptor bound, or expired)
  auto seen = api.Wait(15);
  ASSERT_EQ(seen.size(), 15u);
  EXPECT_EQ(seen[14], "PATCH team/hi status");
  EXPECT_TRUE(api.Body(14)["status"]["nominatedNodeName"].is_null());
  EXPECT_FALSE(evictor.Tracking());
  evictor.Stop();
  EXPECT_TRUE(reg.ListPreemptions().value.empty());
}

TEST(Evictor, NominationsEndedAreClearedUnlessANewerPlanNominatesThePod) {
  Api api;
  EventQueue<LoopEvent> results;
  Evictor evictor(api.kube, results, nullptr, {EvictionMode::kEvictionApi, 1});
  evictor.Preempt(Plan(), kUnixOffset);  // nominates team/hi
  api.Wait(14);
  evictor.NominationsEnded({"team/hi", "team/other"});
  auto seen = api.Wait(15);
  evictor.Stop();
  ASSERT_EQ(seen.size(), 15u);
  EXPECT_EQ(seen[14], "PATCH team/other status");
  EXPECT_TRUE(api.Body(14)["status"]["nominatedNodeName"].is_null());
}

TEST(Evictor, APlanReadBackIsCarriedOnWithTheSameVictimsAndNoNewEvents) {
  Api api;
  registry::FakeKvStore store;
  registry::Registry reg(store);
  registry::PreemptionRecord record = ToRecord(Plan(), kUnixOffset);
  ASSERT_TRUE(reg.PutPreemption(record).ok());
  api.status["team/lo-0"] = 404;  // evicted by the old leader, gone
  EventQueue<LoopEvent> results;
  Evictor evictor(api.kube, results, &reg, {EvictionMode::kEvictionApi, 1});
  evictor.Resume(record);
  auto seen = api.Wait(4);
  evictor.Stop();
  EXPECT_EQ(seen, (std::vector<std::string>{"PATCH team/hi status", "POST team/lo-0 eviction",
                                            "POST team/lo-1 eviction", "POST team/lo-2 eviction"}));
  EXPECT_TRUE(evictor.Tracking());  // until the engine says it is done
  EXPECT_EQ(reg.ListPreemptions().value.size(), 1u);
}

TEST(Evictor, NothingIsWrittenWhileNotTheLeader) {
  Api api;
  registry::FakeKvStore store;
  registry::Registry reg(store);
  EventQueue<LoopEvent> results;
  std::atomic<int> asked{0};
  Evictor evictor(api.kube, results, &reg, {EvictionMode::kEvictionApi, 1, [&] {
                                              ++asked;
                                              return false;
                                            }});
  evictor.Preempt(Plan(), kUnixOffset);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (asked.load() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  evictor.Stop();
  EXPECT_GT(asked.load(), 0);
  EXPECT_TRUE(api.Wait(0).empty());
  EXPECT_TRUE(reg.ListPreemptions().value.empty());
}

TEST(Evictor, ARequestThatThrowsIsCountedAndCancelsThePlan) {
  client::FakeKubeClient kube;
  kube.SetHandler([](std::string_view, const std::string& path,
                     const std::string&) -> std::optional<client::HttpResponse> {
    if (path.ends_with("/eviction")) throw std::runtime_error("client broke");
    return client::HttpResponse{200, "{}", "", ""};
  });
  EventQueue<LoopEvent> results;
  uint64_t before = util::InternalErrors()["evictor"];
  Evictor evictor(kube, results, nullptr, {EvictionMode::kEvictionApi, 1});
  evictor.Preempt(Plan(), kUnixOffset);
  auto failures = Failures(results, 1);
  evictor.Stop();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].status, 0);
  EXPECT_EQ(util::InternalErrors()["evictor"], before + 1);
}

}  // namespace
}  // namespace kubemesos::loop
