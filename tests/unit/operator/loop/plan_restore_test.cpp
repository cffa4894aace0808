// A new leader's restore of preemption plans (loop/plan_restore.h, issue #16 rule P16), on the
// fake registry store and the fake API client: a plan in flight is handed back to the engine
// with its deadline converted to the engine's clock and carried on by the evictor with the same
// victims (no new Events); an expired plan's record is deleted and its nomination cleared; an
// unreadable registry restores nothing and says why.
#include "operator/loop/plan_restore.h"

#include <gtest/gtest.h>

#include <mutex>

#include "operator/loop/plan_record.h"
#include "tests/fakes/client/fake_client.h"
#include "tests/fakes/registry/fake_kv_store.h"
#include "tests/unit/operator/loop/recording_sinks.h"

namespace kubemesos::loop {
namespace {

using namespace std::chrono_literals;

constexpr double kEngineNow = 500;
constexpr double kUnixNow = 1'800'000'000;

Preemption Plan(const std::string& preemptor, double created, double deadline) {
  Preemption p;
  p.kind = PreemptionKind::kReclaim;
  p.group = "ml";
  p.preemptors = {{"ml/" + preemptor, "ml/train", "n1"}};
  p.victims = {{"batch/" + preemptor + "-victim", "batch/b", "n1", "batch", 0, 30}};
  p.created = created;
  p.deadline = deadline;
  p.message = "ml reclaims its guarantee";
  return p;
}

struct Fixture {
  client::FakeKubeClient kube;
  std::mutex mu;
  std::vector<std::string> seen;  // "METHOD path"
  registry::FakeKvStore store;
  registry::Registry reg{store};
  EventQueue<LoopEvent> results;
  test_support::RecordingSinks sinks;
  SchedulerCore core{AllocatorOptions{}, sinks, sinks};
  Evictor evictor{kube, results, &reg, {EvictionMode::kEvictionApi, 1}};
  Fixture() {
    kube.SetHandler([this](std::string_view method, const std::string& path,
                           const std::string&) -> std::optional<client::HttpResponse> {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back(std::string(method) + " " + path);
      return client::HttpResponse{200, "{}", "", ""};
    });
  }
  std::vector<std::string> Wait(size_t n) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (seen.size() >= n) return seen;
      }
      std::this_thread::yield();
    }
    std::lock_guard<std::mutex> lock(mu);
    return seen;
  }
};

TEST(PlanRestore, PlansInFlightAreResumedAndExpiredOnesDeleted) {
  Fixture f;
  // Written by the old leader, whose engine clock started elsewhere: only wall times count.
  const double old_offset = kUnixNow - 9000;  // the old leader's engine read 9000 "now"
  ASSERT_TRUE(f.reg.PutPreemption(ToRecord(Plan("live", 8990, 9030), old_offset)).ok());
  ASSERT_TRUE(f.reg.PutPreemption(ToRecord(Plan("late", 8900, 8990), old_offset)).ok());
  RestoreStats stats;
  std::string error;
  ASSERT_TRUE(RestorePlans(f.reg, f.core, f.evictor, kEngineNow, kUnixNow, stats, error)) << error;
  EXPECT_EQ(stats.restored, 1u);
  EXPECT_EQ(stats.expired, 1u);
  auto left = f.reg.ListPreemptions();
  ASSERT_EQ(left.value.size(), 1u);
  EXPECT_EQ(left.value[0].name, "live");
  // The live plan's deadline, 30 s from now on the wall clock, is 30 s from now for the engine.
  Preemption back = FromRecord(left.value[0], kUnixNow - kEngineNow);
  EXPECT_EQ(back.deadline, kEngineNow + 30);
  EXPECT_EQ(back.created, kEngineNow - 10);
  // The evictor carries the live plan on (nomination, eviction; no Events) and clears the
  // expired plan's nomination.
  auto seen = f.Wait(3);
  f.evictor.Stop();
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "PATCH /api/v1/namespaces/ml/pods/late/status",
                      "PATCH /api/v1/namespaces/ml/pods/live/status",
                      "POST /api/v1/namespaces/batch/pods/live-victim/eviction",
                  }));
  EXPECT_TRUE(f.evictor.Tracking());
}

// The engine side: with the pods and node mirrored, the plan is the engine's again, with its
// deadline in the engine's clock; a second restore in a later term finds it known.
TEST(PlanRestore, TheEngineHoldsTheRestoredPlanWithItsDeadline) {
  Fixture f;
  auto add = [&](loop::ObjectKind kind, nlohmann::json object) {
    f.core.Apply(LoopEvent::Object(kind, WatchType::kAdded, std::move(object)), kEngineNow);
  };
  add(ObjectKind::kNode,
      {{"metadata", {{"name", "n1"}}},
       {"status",
        {{"allocatable", {{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}}},
         {"conditions", nlohmann::json::array({{{"type", "Ready"}, {"status", "True"}}})}}}});
  for (const char* g : {"ml", "batch"}) {
    add(ObjectKind::kResourceGroup,
        {{"metadata", {{"name", g}}}, {"spec", nlohmann::json::object()}});
  }
  add(ObjectKind::kFramework, {{"metadata", {{"name", "train"}, {"namespace", "ml"}}},
                               {"spec", {{"resourceGroup", "ml"}}}});
  add(ObjectKind::kFramework, {{"metadata", {{"name", "b"}, {"namespace", "batch"}}},
                               {"spec", {{"resourceGroup", "batch"}}}});
  auto pod = [](const std::string& ns, const std::string& name, const std::string& fw,
                const std::string& node) {
    nlohmann::json p = {
        {"metadata",
         {{"name", name}, {"namespace", ns}, {"labels", {{"kubemesos.io/framework", fw}}}}},
        {"spec",
         {{"schedulerName", "kubemesos"},
          {"containers", nlohmann::json::array(
                             {{{"name", "c"}, {"resources", {{"requests", {{"cpu", "2"}}}}}}})}}},
        {"status", {{"phase", node.empty() ? "Pending" : "Running"}}}};
    if (!node.empty()) p["spec"]["nodeName"] = node;
    return p;
  };
  add(ObjectKind::kPod, pod("ml", "live", "train", ""));
  add(ObjectKind::kPod, pod("batch", "live-victim", "b", "n1"));
  ASSERT_TRUE(f.reg.PutPreemption(ToRecord(Plan("live", 8990, 9030), kUnixNow - 9000)).ok());
  RestoreStats stats;
  std::string error;
  ASSERT_TRUE(RestorePlans(f.reg, f.core, f.evictor, kEngineNow, kUnixNow, stats, error)) << error;
  EXPECT_EQ(stats.restored, 1u);
  auto held = f.core.allocator().Preemptions();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].preemptors.at(0).pod, "ml/live");
  EXPECT_EQ(held[0].victims.at(0).pod, "batch/live-victim");
  EXPECT_EQ(held[0].deadline, kEngineNow + 30);  // not reset by the leader change
  RestoreStats again;
  ASSERT_TRUE(RestorePlans(f.reg, f.core, f.evictor, kEngineNow, kUnixNow, again, error));
  EXPECT_EQ(again.restored, 0u);
  EXPECT_EQ(again.known, 1u);
  EXPECT_EQ(f.core.allocator().Preemptions().size(), 1u);
  f.evictor.Stop();
}

TEST(PlanRestore, AnUnreadableRegistryRestoresNothing) {
  Fixture f;
  ASSERT_TRUE(f.reg.PutPreemption(ToRecord(Plan("live", 8990, 9030), kUnixNow - 9000)).ok());
  f.store.SetFailure("etcd is down");
  RestoreStats stats;
  std::string error;
  EXPECT_FALSE(RestorePlans(f.reg, f.core, f.evictor, kEngineNow, kUnixNow, stats, error));
  EXPECT_NE(error.find("etcd is down"), std::string::npos) << error;
  EXPECT_EQ(stats.restored, 0u);
  EXPECT_FALSE(f.evictor.Tracking());
  f.store.SetFailure("");
  EXPECT_TRUE(RestorePlans(f.reg, f.core, f.evictor, kEngineNow, kUnixNow, stats, error));
  EXPECT_EQ(stats.restored, 1u);
  f.evictor.Stop();
}

}  // namespace
}  // namespace kubemesos::loop
