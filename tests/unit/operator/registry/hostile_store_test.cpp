// The leader's registry threads against bad data: a recorder whose registry holds malformed
// records still recovers, logs and counts them, and keeps recording; a recorder pass or an
// election round that throws is caught (util::Guarded), counted as an internal error of its
// component, and the thread carries on: the election steps down and wins again later, the
// recorder retries after its backoff.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "operator/registry/leader_election.h"
#include "operator/registry/recorder.h"
#include "operator/util/guard.h"
#include "tests/fakes/registry/fake_kv_store.h"

namespace kubemesos::registry {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Polls `cond` until it holds or 10 s pass.
bool Eventually(const std::function<bool()>& cond) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return cond();
}

uint64_t InternalErrors(const std::string& component) {
  auto all = util::InternalErrors();
  auto it = all.find(component);
  return it == all.end() ? 0 : it->second;
}

// A store that throws while armed: what a library does on garbage it was not asked to check.
class ThrowingStore : public FakeKvStore {
 public:
  std::atomic<bool> armed{false};
  GetResult Get(const std::string& key) override {
    Check();
    return FakeKvStore::Get(key);
  }
  RangeResult Range(const std::string& prefix) override {
    Check();
    return FakeKvStore::Range(prefix);
  }
  LeaseResult LeaseKeepAlive(int64_t id) override {
    Check();
    return FakeKvStore::LeaseKeepAlive(id);
  }

 private:
  void Check() {
    if (armed) throw std::runtime_error("[json.exception.type_error.302] type must be string");
  }
};

TEST(HostileStore, RecorderRecoversPastMalformedRecordsAndKeepsRecording) {
  FakeKvStore store;
  Registry registry(store);
  store.Put("frameworks/ns/spark", R"({"frameworkID":5})");  // unreadable registration
  store.Put("frameworks/ns/junk", "\xff\xfe not json");
  store.Put("agents/n1", R"({"firstSeen":"never"})");
  store.Put("settings/groups/g", std::string(1000, '['));
  std::vector<std::string> warnings;
  std::mutex mu;
  RecorderHooks hooks;
  hooks.log = [&](std::string_view level, std::string_view msg, const json& fields) {
    std::lock_guard<std::mutex> l(mu);
    if (level == "warn") warnings.push_back(std::string(msg) + " " + fields.dump());
  };
  RecorderOptions o;
  o.writes_per_second = 1e6;
  o.write_burst = 1000;
  RegistryRecorder rec(
      registry, [] { return true; }, o, hooks);
  rec.FrameworkSeen("ns", "spark", 60);
  rec.NodeSeen("n1", {});
  rec.GroupSeen("g", {{"weight", 2}}, {});
  rec.TaskFinished({"ns", "spark", "p", "Failed", 1, "Error", "boom \xff", {}, {}});
  ASSERT_NO_THROW(rec.RunOnce());
  EXPECT_TRUE(rec.Recovered());  // the leader may act: bad records do not stop it
  EXPECT_TRUE(rec.Idle());
  auto stats = rec.GetStats();
  EXPECT_EQ(stats.skipped_records, 5u);  // 4 read at recovery + spark's replaced registration
  EXPECT_EQ(stats.errors, 0u);
  // What it needs is rewritten: a new registration, the agent, the settings, the result.
  std::string id = rec.FrameworkId("ns", "spark");
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(registry.GetFramework("ns", "spark").value.framework_id, id);
  EXPECT_EQ(registry.ListAgents().value.size(), 1u);
  EXPECT_EQ(registry.GetGroupSettings("g").value, json({{"weight", 2}}));
  ASSERT_EQ(registry.ListTaskResults("ns", "spark").value.size(), 1u);
  EXPECT_EQ(registry.ListTaskResults("ns", "spark").value[0].message, "boom \xEF\xBF\xBD");
  std::lock_guard<std::mutex> l(mu);
  ASSERT_EQ(warnings.size(), 5u);
  EXPECT_NE(warnings[0].find("malformed registry record skipped"), std::string::npos);
}

TEST(HostileStore, RecorderPassThatThrowsIsCountedAndRetried) {
  ThrowingStore store;
  Registry registry(store);
  RecorderOptions o;
  o.period = 5ms;
  o.error_backoff = 5ms;
  RegistryRecorder rec(
      registry, [] { return true; }, o);
  store.armed = true;
  uint64_t before = InternalErrors("recorder");
  rec.Start();
  ASSERT_TRUE(Eventually([&] { return InternalErrors("recorder") >= before + 2; }));
  EXPECT_FALSE(rec.Recovered());
  store.armed = false;  // the thread is still there: it recovers on its next pass
  EXPECT_TRUE(Eventually([&] { return rec.Recovered(); }));
  rec.Stop();
}

TEST(HostileStore, ElectionRoundThatThrowsStepsDownAndCarriesOn) {
  ThrowingStore store;
  util::SystemClock clock;
  LeaderElectionOptions o;
  o.identity = "me";
  o.ttl_seconds = 30;
  o.renew_interval = 5ms;
  o.safety_margin = 1s;
  LeaderElection election(store, clock, o);
  election.Step();
  ASSERT_TRUE(election.IsLeader());
  std::atomic<int> lost{0};
  election.OnChange([&](bool leader) { lost += leader ? 0 : 1; });
  store.armed = true;  // renewals throw
  uint64_t before = InternalErrors("election");
  election.Start();
  ASSERT_TRUE(Eventually([&] { return InternalErrors("election") >= before + 2; }));
  EXPECT_FALSE(election.IsLeader());
  EXPECT_EQ(lost, 1);
  EXPECT_NE(election.LastError().find("round failed"), std::string::npos) << election.LastError();
  store.armed = false;  // still running: it takes its own key back
  EXPECT_TRUE(Eventually([&] { return election.IsLeader(); }));
  election.Stop();
}

}  // namespace
}  // namespace kubemesos::registry
