// RegistryRecorder on the fake store, passes driven by hand (RunOnce): nothing written while a
// standby; frameworks registered with stable IDs that a new leader reads back; deletion after
// the failover timeout (also across a leader change); agents with their reserving group and a
// modest lastSeen refresh; settings written on change only; task results queued, bounded and
// written with retention; errors counted and retried; the worker thread end to end.
#include "operator/registry/recorder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>

#include "scheduler/group_tree.h"
#include "tests/fakes/registry/fake_kv_store.h"

namespace kubemesos::registry {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TimePoint T(int64_t secs) {
  return TimePoint(std::chrono::seconds(1'700'000'000 + secs));
}

struct Fixture {
  FakeKvStore store;
  Registry registry{store, RegistryOptions{3}};
  std::atomic<bool> leader{true};
  std::atomic<int64_t> now{0};
  std::map<std::string, std::pair<int, int>> requests;  // op -> (ok, failed)
  std::mutex mu;
  RecorderOptions Options() {
    RecorderOptions o;
    o.writes_per_second = 1e6;
    o.write_burst = 1000;
    o.agent_refresh = 300s;
    o.full_pass = 0ms;  // every pass checks timeouts and ages
    return o;
  }
  std::unique_ptr<RegistryRecorder> Make(RecorderOptions o) {
    RecorderHooks hooks;
    hooks.request = [this](std::string_view op, bool ok) {
      std::lock_guard<std::mutex> l(mu);
      (ok ? requests[std::string(op)].first : requests[std::string(op)].second)++;
    };
    return std::make_unique<RegistryRecorder>(
        registry, [this] { return leader.load(); }, o, hooks, [this] { return T(now.load()); });
  }
  std::unique_ptr<RegistryRecorder> Make() { return Make(Options()); }
};

TEST(Recorder, StandbyWritesNothingLeaderRegistersFrameworks) {
  Fixture f;
  f.leader = false;
  auto rec = f.Make();
  rec->FrameworkSeen("ns", "spark", std::nullopt);
  rec->FrameworkSeen("ns", "flink", 30);
  rec->RunOnce();
  EXPECT_TRUE(f.registry.ListFrameworks().value.empty());
  EXPECT_EQ(rec->FrameworkId("ns", "spark"), "");

  f.leader = true;
  rec->RunOnce();
  auto list = f.registry.ListFrameworks();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list.value.size(), 2u);
  auto spark = f.registry.GetFramework("ns", "spark").value;
  EXPECT_EQ(spark.failover_timeout_seconds, 600);
  EXPECT_EQ(spark.registered_time, T(0));
  EXPECT_EQ(f.registry.GetFramework("ns", "flink").value.failover_timeout_seconds, 30);
  EXPECT_EQ(rec->FrameworkId("ns", "spark"), spark.framework_id);
  EXPECT_TRUE(rec->Idle());

  // Nothing changed: the next pass writes nothing.
  auto writes = rec->GetStats().writes;
  rec->RunOnce();
  EXPECT_EQ(rec->GetStats().writes, writes);

  // A second replica becoming leader reads the same IDs back before writing anything.
  auto other = f.Make();
  other->RunOnce();
  EXPECT_EQ(other->FrameworkId("ns", "spark"), spark.framework_id);
  EXPECT_EQ(other->GetStats().recoveries, 1u);
}

TEST(Recorder, DeletedFrameworkRemovedAfterFailoverTimeoutAcrossLeaderChange) {
  Fixture f;
  auto rec = f.Make();
  rec->FrameworkSeen("ns", "a", 100);
  rec->FrameworkSeen("ns", "b", 100);
  rec->RunOnce();
  std::string id_b = rec->FrameworkId("ns", "b");
  TaskResult r{"ns", "a", "a-0", "Succeeded", 0, "", "", T(0), T(1)};
  rec->TaskFinished(r);
  rec->FrameworkGone("ns", "a");
  rec->FrameworkGone("ns", "b");
  rec->RunOnce();  // not synced yet: a missing framework may simply not be listed yet
  EXPECT_EQ(f.registry.GetFramework("ns", "a").value.deleted_time, TimePoint{});
  rec->MarkSynced();
  f.now = 10;
  rec->RunOnce();
  EXPECT_EQ(f.registry.GetFramework("ns", "a").value.deleted_time, T(10));
  EXPECT_EQ(f.registry.ListTaskResults("ns", "a").value.size(), 1u);

  // b comes back within its timeout: same ID, the deletion mark cleared.
  rec->FrameworkSeen("ns", "b", 100);
  f.now = 50;
  rec->RunOnce();
  EXPECT_EQ(rec->FrameworkId("ns", "b"), id_b);
  EXPECT_EQ(f.registry.GetFramework("ns", "b").value.deleted_time, TimePoint{});

  // Leader change; the new leader keeps counting from the stored deletedTime.
  f.leader = false;
  rec->RunOnce();
  auto next = f.Make();
  next->FrameworkSeen("ns", "b", 100);
  next->MarkSynced();
  f.leader = true;
  f.now = 109;
  next->RunOnce();
  EXPECT_TRUE(f.registry.GetFramework("ns", "a").ok());
  f.now = 111;
  next->RunOnce();
  EXPECT_FALSE(f.registry.GetFramework("ns", "a").ok());
  EXPECT_TRUE(f.registry.ListTaskResults("ns", "a").value.empty());
  EXPECT_EQ(next->FrameworkId("ns", "a"), "");
  EXPECT_EQ(next->FrameworkId("ns", "b"), id_b);
}

TEST(Recorder, AgentsWithReservingGroupAndModestRefresh) {
  Fixture f;
  auto rec = f.Make();
  rec->GroupSeen("analytics", {{"weight", 2}}, {{"pool", "analytics"}});
  rec->GroupSeen("web", {{"weight", 1}}, {});
  rec->NodeSeen("n1", {{"pool", "analytics"}, {"zone", "a"}});
  rec->NodeSeen("n2", {{"zone", "a"}});
  rec->RunOnce();
  auto agents = f.registry.ListAgents().value;
  ASSERT_EQ(agents.size(), 2u);
  EXPECT_EQ(agents[0].node, "n1");
  EXPECT_EQ(agents[0].group, "analytics");
  EXPECT_EQ(agents[1].group, "");
  EXPECT_EQ(agents[0].first_seen, T(0));

  // Heartbeats (same labels) write nothing; within agent_refresh nothing is rewritten.
  auto writes = rec->GetStats().writes;
  rec->NodeSeen("n1", {{"pool", "analytics"}, {"zone", "a"}});
  f.now = 100;
  rec->RunOnce();
  EXPECT_EQ(rec->GetStats().writes, writes);

  // A label change moves the node to no group at once; firstSeen is kept.
  rec->NodeSeen("n1", {{"zone", "a"}});
  rec->RunOnce();
  agents = f.registry.ListAgents().value;
  EXPECT_EQ(agents[0].group, "");
  EXPECT_EQ(agents[0].first_seen, T(0));
  EXPECT_EQ(agents[0].last_seen, T(100));
  EXPECT_EQ(agents[1].last_seen, T(0));

  // Past agent_refresh the next pass that runs rewrites lastSeen; a deleted node goes away.
  f.now = 400;
  rec->MarkSynced();
  rec->NodeGone("n1");
  rec->RunOnce();
  agents = f.registry.ListAgents().value;
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0].node, "n2");
  EXPECT_EQ(agents[0].last_seen, T(400));
}

// Issue #13: nested reserving groups. The engine reserves a node for the DEEPEST valid group
// whose nodeSelector matches (scheduler/group_tree.h); the agent record names that same group,
// not the first match by name. An invalid group (missing parent) reserves nothing.
TEST(Recorder, AgentNamesTheDeepestReservingGroupAsTheEngineDoes) {
  Fixture f;
  auto rec = f.Make();
  rec->GroupSeen("a-gpu", {{"weight", 1}, {"parent", ""}}, {{"pool", "gpu"}});
  rec->GroupSeen("b-train", {{"weight", 1}, {"parent", "a-gpu"}},
                 {{"pool", "gpu"}, {"tier", "train"}});
  rec->GroupSeen("c-orphan", {{"weight", 1}, {"parent", "missing"}},
                 {{"pool", "gpu"}, {"tier", "train"}, {"x", "1"}});
  rec->NodeSeen("n1", {{"pool", "gpu"}, {"tier", "train"}, {"x", "1"}});
  rec->NodeSeen("n2", {{"pool", "gpu"}});
  rec->NodeSeen("n3", {{"pool", "cpu"}});
  rec->RunOnce();
  auto agents = f.registry.ListAgents().value;
  ASSERT_EQ(agents.size(), 3u);
  EXPECT_EQ(agents[0].group, "b-train");  // today's recorder said "a-gpu"
  EXPECT_EQ(agents[1].group, "a-gpu");
  EXPECT_EQ(agents[2].group, "");
  // The same rule on the same groups, as the engine's GroupTree applies it.
  std::vector<GroupSpec> specs(3);
  specs[0].name = "a-gpu";
  specs[0].node_selector = {{"pool", "gpu"}};
  specs[1].name = "b-train";
  specs[1].parent = "a-gpu";
  specs[1].node_selector = {{"pool", "gpu"}, {"tier", "train"}};
  specs[2].name = "c-orphan";
  specs[2].parent = "missing";
  specs[2].node_selector = {{"pool", "gpu"}, {"tier", "train"}, {"x", "1"}};
  EXPECT_EQ(ReservingGroup(specs, {{"pool", "gpu"}, {"tier", "train"}, {"x", "1"}}),
            agents[0].group);
}

TEST(Recorder, SettingsWrittenOnChangeAndRemovedWithTheGroup) {
  Fixture f;
  auto rec = f.Make();
  json s1 = {{"weight", 2}, {"guarantee", {{"cpu", "4"}}}};
  rec->GroupSeen("g", s1, {});
  rec->GroupSeen("h", {{"weight", 1}}, {});
  rec->RunOnce();
  EXPECT_EQ(f.registry.GetGroupSettings("g").value, s1);
  auto writes = rec->GetStats().writes;
  for (int i = 0; i < 10; ++i) rec->GroupSeen("g", {{"weight", i}}, {});  // coalesced
  rec->RunOnce();
  EXPECT_EQ(rec->GetStats().writes, writes + 1);
  EXPECT_EQ(f.registry.GetGroupSettings("g").value["weight"], 9);
  rec->GroupGone("h");
  rec->MarkSynced();
  rec->RunOnce();
  EXPECT_TRUE(f.registry.GetGroupSettings("h").value.is_null());
}

TEST(Recorder, TaskResultsBoundedRetainedAndRetriedAfterErrors) {
  Fixture f;
  RecorderOptions o = f.Options();
  o.max_queued_results = 4;
  auto rec = f.Make(o);
  for (int i = 0; i < 6; ++i)
    rec->TaskFinished({"ns", "fw", "p" + std::to_string(i), i % 2 ? "Failed" : "Succeeded",
                       i % 2 ? 3 : 0, i % 2 ? "Error" : "Completed", "", T(i), T(10 + i)});
  EXPECT_EQ(rec->GetStats().dropped_results, 2u);  // p0 and p1 dropped, p2..p5 queued

  f.store.SetFailure("etcd unreachable");
  rec->RunOnce();
  EXPECT_GE(rec->GetStats().errors, 1u);
  EXPECT_GE(f.requests["read"].second, 1);
  f.store.SetFailure("");
  rec->RunOnce();
  auto results = f.registry.ListTaskResults("ns", "fw").value;
  ASSERT_EQ(results.size(), 3u);  // retention 3: p3, p4, p5
  EXPECT_EQ(results[0].pod, "p3");
  EXPECT_EQ(results[0].exit_code, 3);
  EXPECT_EQ(results[0].state, "Failed");
  EXPECT_EQ(results[2].pod, "p5");
  EXPECT_EQ(results[2].finish_time, T(15));
  EXPECT_GE(f.requests["task_result"].first, 4);
}

TEST(Recorder, WriteBudgetLetsFrameworksAndResultsOvertakeAgents) {
  Fixture f;
  RecorderOptions o = f.Options();
  o.write_burst = 5;  // writes per pass
  auto rec = f.Make(o);
  for (int i = 0; i < 20; ++i) rec->NodeSeen("n" + std::to_string(i), {});
  rec->RunOnce();
  EXPECT_EQ(f.registry.ListAgents().value.size(), 5u);
  EXPECT_FALSE(rec->Idle());
  rec->FrameworkSeen("ns", "late", std::nullopt);
  rec->RunOnce();
  EXPECT_NE(rec->FrameworkId("ns", "late"), "");
  EXPECT_EQ(f.registry.ListAgents().value.size(), 9u);
  for (int i = 0; i < 5 && !rec->Idle(); ++i) rec->RunOnce();
  EXPECT_EQ(f.registry.ListAgents().value.size(), 20u);
  EXPECT_TRUE(rec->Idle());
}

TEST(Recorder, WorkerThreadWritesWhileLeader) {
  Fixture f;
  RecorderOptions o = f.Options();
  o.period = 20ms;
  auto rec = f.Make(o);
  rec->Start();
  rec->FrameworkSeen("ns", "fw", std::nullopt);
  rec->TaskFinished({"ns", "fw", "p", "Succeeded", 0, "", "", T(0), T(1)});
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline &&
         (rec->FrameworkId("ns", "fw").empty() ||
          f.registry.ListTaskResults("ns", "fw").value.empty()))
    std::this_thread::yield();
  EXPECT_NE(rec->FrameworkId("ns", "fw"), "");
  EXPECT_EQ(f.registry.ListTaskResults("ns", "fw").value.size(), 1u);
  rec->Stop();
  rec->Stop();  // idempotent
}

TEST(Recorder, ObserveObjectParsesWatchedObjects) {
  Fixture f;
  auto rec = f.Make();
  ObserveObject(*rec, "Framework", false, json::parse(R"({"metadata":{"namespace":"ns","name":"fw"},
                                "spec":{"failoverTimeoutSeconds":42}})"));
  ObserveObject(*rec, "ResourceGroup", false,
                json::parse(R"({"metadata":{"name":"g"},"spec":{"weight":3,
                  "limit":{"cpu":"8"},"nodeSelector":{"pool":"g"}}})"));
  ObserveObject(*rec, "Node", false,
                json::parse(R"({"metadata":{"name":"n","labels":{"pool":"g"}}})"));
  ObserveObject(*rec, "Node", false, json::parse(R"({"metadata":{}})"));  // ignored
  ObserveObject(*rec, "Pod", false, json::parse(R"({"metadata":{"name":"p"}})"));
  rec->RunOnce();
  EXPECT_EQ(f.registry.GetFramework("ns", "fw").value.failover_timeout_seconds, 42);
  auto s = f.registry.GetGroupSettings("g").value;
  EXPECT_EQ(s["weight"], 3);
  EXPECT_EQ(s["limit"]["cpu"], "8");
  EXPECT_EQ(s["guarantee"], json::object());
  EXPECT_EQ(f.registry.ListAgents().value.at(0).group, "g");
  ObserveObject(*rec, "Node", true, json::parse(R"({"metadata":{"name":"n"}})"));
  rec->MarkSynced();
  rec->RunOnce();
  EXPECT_TRUE(f.registry.ListAgents().value.empty());
}

}  // namespace
}  // namespace kubemesos::registry

namespace kubemesos::registry {
namespace {

TEST(Recorder, RecoveredOnlyAfterReadingTheRegistryInThisTerm) {
  Fixture f;
  auto rec = f.Make();
  EXPECT_FALSE(rec->Recovered());
  f.store.SetFailure("etcd unreachable");
  rec->RunOnce();
  EXPECT_FALSE(rec->Recovered());  // the read failed: not yet
  f.store.SetFailure("");
  rec->RunOnce();
  EXPECT_TRUE(rec->Recovered());
  EXPECT_EQ(rec->GetStats().recoveries, 1u);
  rec->Lost();  // leadership lost and won back between two passes: read again
  EXPECT_FALSE(rec->Recovered());
  rec->RunOnce();
  EXPECT_TRUE(rec->Recovered());
  EXPECT_EQ(rec->GetStats().recoveries, 2u);
  f.leader = false;
  rec->RunOnce();
  EXPECT_FALSE(rec->Recovered());
}

}  // namespace
}  // namespace kubemesos::registry
