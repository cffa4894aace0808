// A leader change in the middle of a preemption plan (issue #16, rule P16), replayed through two
// replicas' real scheduling cores (engine included), the registry on the fake store and the
// new leader's evictor on the fake API client: the old leader records its plan and evicts one
// victim, then dies; the new leader reads the plan back before its first cycle, makes no
// second, different plan, carries the same one on (the same victims evicted again: 404 or
// already terminating is fine), and binds the preemptor on the nominated node once its victims
// are gone. Without the restore the new leader would choose another victim set.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>

#include "operator/loop/evictor.h"
#include "operator/loop/plan_record.h"
#include "operator/loop/plan_restore.h"
#include "operator/loop/scheduler_core.h"
#include "tests/fakes/client/fake_client.h"
#include "tests/fakes/registry/fake_kv_store.h"
#include "tests/unit/operator/loop/recording_sinks.h"

namespace kubemesos::loop {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

struct PlanSink : test_support::RecordingSinks, EvictSink {
  std::vector<Preemption> plans;
  void Preempt(const Preemption& plan, double) override { plans.push_back(plan); }
  void NominationsEnded(const std::vector<std::string>&) override {}
  bool Tracking() const override { return false; }
  void InFlight(const std::vector<Preemption>&) override {}
};

// The API server's objects, as the replicas' watches deliver them.
class World {
 public:
  World() {
    objects_.push_back(
        {ObjectKind::kNode,
         {{"metadata", {{"name", "n1"}}},
          {"status",
           {{"allocatable", {{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}}},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}}});
    objects_.push_back(
        {ObjectKind::kResourceGroup, {{"metadata", {{"name", "g"}}}, {"spec", json::object()}}});
    objects_.push_back({ObjectKind::kFramework,
                        {{"metadata", {{"name", "fw"}, {"namespace", "team"}}},
                         {"spec", {{"resourceGroup", "g"}}}}});
    for (int i = 0; i < 4; ++i) pods_["low-" + std::to_string(i)] = Pod(1, 0, "n1");
    pods_["high"] = Pod(2, 100, "");
  }
  static json Pod(int cpu, int priority, const std::string& node) {
    json p = {{"metadata", {{"namespace", "team"}, {"labels", {{"kubemesos.io/framework", "fw"}}}}},
              {"spec",
               {{"schedulerName", "kubemesos"},
                {"priority", priority},
                {"containers",
                 json::array({{{"name", "c"},
                               {"resources", {{"requests", {{"cpu", std::to_string(cpu)}}}}}}})}}},
              {"status", {{"phase", node.empty() ? "Pending" : "Running"}}}};
    if (!node.empty()) p["spec"]["nodeName"] = node;
    return p;
  }
  // Lists everything into `core` and marks every kind synced.
  void Feed(SchedulerCore& core, double now) {
    for (const auto& [kind, object] : objects_)
      core.Apply(LoopEvent::Object(kind, WatchType::kAdded, object), now);
    for (auto& [name, pod] : pods_) {
      pod["metadata"]["name"] = name;
      core.Apply(LoopEvent::Object(ObjectKind::kPod, WatchType::kAdded, pod), now);
    }
    for (int kind = 0; kind < kObjectKinds; ++kind)
      core.Apply(LoopEvent::Synced(static_cast<ObjectKind>(kind)), now);
  }
  void Terminate(SchedulerCore* core, const std::string& name, double now) {
    pods_[name]["metadata"]["deletionTimestamp"] = "2026-12-05T07:00:00Z";
    if (core)
      core->Apply(LoopEvent::Object(ObjectKind::kPod, WatchType::kModified, pods_[name]), now);
  }
  void Remove(SchedulerCore& core, const std::string& name, double now) {
    core.Apply(LoopEvent::Object(ObjectKind::kPod, WatchType::kDeleted, pods_[name]), now);
    pods_.erase(name);
  }

 private:
  std::vector<std::pair<ObjectKind, json>> objects_;
  std::map<std::string, json> pods_;
};

std::vector<std::string> Victims(const Preemption& plan) {
  std::vector<std::string> out;
  for (const auto& v : plan.victims) out.push_back(v.pod);
  std::sort(out.begin(), out.end());
  return out;
}

struct NewLeader {
  client::FakeKubeClient kube;
  std::mutex mu;
  std::vector<std::string> evicted;
  PlanSink sink;
  SchedulerCore core{AllocatorOptions{}, sink, sink};
  EventQueue<LoopEvent> results;
  NewLeader() {
    kube.SetHandler([this](std::string_view, const std::string& path,
                           const std::string&) -> std::optional<client::HttpResponse> {
      if (path.ends_with("/eviction")) {
        std::lock_guard<std::mutex> lock(mu);
        evicted.push_back(
            path.substr(path.find("/pods/") + 6, path.rfind('/') - path.find("/pods/") - 6));
      }
      return client::HttpResponse{200, "{}", "", ""};
    });
    core.SetEvictSink(&sink);
  }
  std::vector<std::string> Evicted(size_t n) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (evicted.size() >= n) break;
      }
      std::this_thread::yield();
    }
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::string> out = evicted;
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST(PreemptionFailover, TheNewLeaderCarriesTheSamePlanOnAndBindsThePreemptor) {
  World world;
  registry::FakeKvStore store;
  registry::Registry reg(store);
  const double unix_now = 1'800'000'000;
  // The old leader (engine clock 1000) plans, records the plan, evicts one victim and dies.
  PlanSink old_sink;
  SchedulerCore old_core{AllocatorOptions{}, old_sink, old_sink};
  old_core.SetEvictSink(&old_sink);
  world.Feed(old_core, 1000);
  old_core.Cycle(1000);
  ASSERT_EQ(old_sink.plans.size(), 1u);
  const Preemption plan = old_sink.plans[0];
  ASSERT_EQ(plan.victims.size(), 2u);
  ASSERT_TRUE(reg.PutPreemption(ToRecord(plan, unix_now - 1000)).ok());
  const std::string first = plan.victims[0].pod.substr(plan.victims[0].pod.find('/') + 1);
  world.Terminate(nullptr, first, 1000);

  // The new leader (engine clock 50, 5 s later) mirrors the cluster and restores first.
  NewLeader leader;
  world.Feed(leader.core, 50);
  Evictor evictor(leader.kube, leader.results, &reg, {EvictionMode::kEvictionApi, 1});
  leader.core.SetEvictSink(&evictor);
  RestoreStats stats;
  std::string error;
  ASSERT_TRUE(RestorePlans(reg, leader.core, evictor, 50, unix_now + 5, stats, error)) << error;
  EXPECT_EQ(stats.restored, 1u);
  leader.core.SetEvictSink(&leader.sink);  // from here, record what the engine plans
  leader.core.Cycle(50);
  EXPECT_TRUE(leader.sink.plans.empty()) << "a second plan for the same preemptor";
  EXPECT_TRUE(leader.sink.binds.empty());
  // The same victims are evicted again (the first already terminating: harmless).
  std::vector<std::string> want;
  for (const auto& v : Victims(plan)) want.push_back(v.substr(v.find('/') + 1));
  EXPECT_EQ(leader.Evicted(2), want);
  evictor.Stop();
  // The victims go; the preemptor is bound on the nominated node.
  for (const auto& v : plan.victims)
    world.Remove(leader.core, v.pod.substr(v.pod.find('/') + 1), 51);
  leader.core.Cycle(52);
  ASSERT_EQ(leader.sink.binds.size(), 1u);
  EXPECT_EQ(leader.sink.binds[0].pod, "team/high");
  EXPECT_EQ(leader.sink.binds[0].node, plan.preemptors[0].node);
  EXPECT_TRUE(leader.sink.plans.empty());
}

// Without the restore, the new leader's engine plans on its own: it counts the terminating
// victim as about to be free and chooses another (different) set, which is what P16 forbids.
TEST(PreemptionFailover, WithoutTheRestoreTheNewLeaderWouldPlanAgain) {
  World world;
  PlanSink old_sink;
  SchedulerCore old_core{AllocatorOptions{}, old_sink, old_sink};
  old_core.SetEvictSink(&old_sink);
  world.Feed(old_core, 1000);
  old_core.Cycle(1000);
  ASSERT_EQ(old_sink.plans.size(), 1u);
  const std::string first =
      old_sink.plans[0].victims[0].pod.substr(old_sink.plans[0].victims[0].pod.find('/') + 1);
  world.Terminate(nullptr, first, 1000);
  NewLeader leader;
  world.Feed(leader.core, 50);
  leader.core.Cycle(50);
  ASSERT_EQ(leader.sink.plans.size(), 1u);
  EXPECT_NE(Victims(leader.sink.plans[0]), Victims(old_sink.plans[0]));
}

}  // namespace
}  // namespace kubemesos::loop
