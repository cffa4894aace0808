// The typed registry records on the fake store: idempotent framework registration under
// concurrency, agents' first/last seen, task results with retention, group settings, and
// readable errors for an unreachable store or a malformed record.
#include "operator/registry/registry.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "tests/fakes/registry/fake_kv_store.h"

namespace kubemesos::registry {
namespace {

using namespace std::chrono_literals;

TimePoint T(int64_t secs) {
  return TimePoint(std::chrono::seconds(1'700'000'000 + secs));
}

TEST(Registry, TimeRoundTrip) {
  TimePoint t;
  ASSERT_TRUE(ParseTime(FormatTime(T(5)), t));
  EXPECT_EQ(t, T(5));
  EXPECT_EQ(FormatTime(TimePoint(std::chrono::seconds(0))), "1970-01-01T00:00:00Z");
  EXPECT_FALSE(ParseTime("yesterday", t));
}

TEST(Registry, FrameworkIdIsStableAndIdempotent) {
  FakeKvStore s;
  Registry reg(s);
  auto a = reg.RegisterFramework("ns", "spark", 60, T(0));
  ASSERT_TRUE(a.ok()) << a.error;
  EXPECT_EQ(a.value.framework_id.size(), 36u);
  auto b = reg.RegisterFramework("ns", "spark", 60, T(100));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.value.framework_id, a.value.framework_id);
  EXPECT_EQ(b.value.registered_time, T(0));
  auto c = reg.RegisterFramework("ns", "spark", 300, T(200));  // timeout updated, ID kept
  EXPECT_EQ(c.value.framework_id, a.value.framework_id);
  EXPECT_EQ(reg.GetFramework("ns", "spark").value.failover_timeout_seconds, 300);
  auto other = reg.RegisterFramework("ns", "flink", 60, T(0));
  EXPECT_NE(other.value.framework_id, a.value.framework_id);
  EXPECT_EQ(reg.ListFrameworks().value.size(), 2u);
  EXPECT_FALSE(reg.GetFramework("ns", "missing").ok());
}

TEST(Registry, ConcurrentRegistrationsAgreeOnOneId) {
  FakeKvStore s;
  Registry reg(s);
  std::vector<std::string> ids(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back(
        [&, i] { ids[i] = reg.RegisterFramework("ns", "fw", 10, T(i)).value.framework_id; });
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 1u);
}

TEST(Registry, AgentsKeepFirstSeen) {
  FakeKvStore s;
  Registry reg(s);
  ASSERT_TRUE(reg.UpsertAgent("node-1", "batch", T(0)).ok());
  ASSERT_TRUE(reg.UpsertAgent("node-1", "interactive", T(50)).ok());
  auto list = reg.ListAgents();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list.value.size(), 1u);
  EXPECT_EQ(list.value[0].node, "node-1");
  EXPECT_EQ(list.value[0].group, "interactive");
  EXPECT_EQ(list.value[0].first_seen, T(0));
  EXPECT_EQ(list.value[0].last_seen, T(50));
  ASSERT_TRUE(reg.RemoveAgent("node-1").ok());
  EXPECT_TRUE(reg.ListAgents().value.empty());
}

TEST(Registry, TaskResultsWithRetention) {
  FakeKvStore s;
  Registry reg(s, {.task_retention = 3});
  for (int i = 0; i < 5; ++i) {
    TaskResult t{
        "ns", "spark",  "pod-" + std::to_string(i), i % 2 ? "Failed" : "Succeeded", i, "r", "m",
        T(i), T(10 + i)};
    ASSERT_TRUE(reg.RecordTaskResult(t).ok());
  }
  reg.RecordTaskResult({"ns", "flink", "f-0", "Succeeded", 0, "", "", T(0), T(1)});
  auto list = reg.ListTaskResults("ns", "spark");
  ASSERT_TRUE(list.ok()) << list.error;
  ASSERT_EQ(list.value.size(), 3u);
  EXPECT_EQ(list.value[0].pod, "pod-2");  // the oldest two were trimmed
  EXPECT_EQ(list.value[2].pod, "pod-4");
  EXPECT_EQ(list.value[1].exit_code, 3);
  EXPECT_EQ(list.value[1].state, "Failed");
  EXPECT_EQ(list.value[1].finish_time, T(13));
  EXPECT_EQ(reg.ListTaskResults("ns", "flink").value.size(), 1u);

  reg.RegisterFramework("ns", "spark", 0, T(0));
  ASSERT_TRUE(reg.RemoveFramework("ns", "spark").ok());
  EXPECT_TRUE(reg.ListTaskResults("ns", "spark").value.empty());
  EXPECT_EQ(reg.ListTaskResults("ns", "flink").value.size(), 1u);
}

TEST(Registry, GroupSettings) {
  FakeKvStore s;
  Registry reg(s);
  nlohmann::json w = {{"weight", 2}, {"guarantee", {{"cpu", "4"}}}};
  ASSERT_TRUE(reg.PutGroupSettings("batch", w).ok());
  EXPECT_EQ(reg.GetGroupSettings("batch").value, w);
  EXPECT_TRUE(reg.GetGroupSettings("none").value.is_null());
  EXPECT_EQ(reg.ListGroupSettings().value.size(), 1u);
  reg.DeleteGroupSettings("batch");
  EXPECT_TRUE(reg.ListGroupSettings().value.empty());
}

TEST(Registry, ErrorsAreReadable) {
  FakeKvStore s;
  Registry reg(s);
  s.Put("frameworks/ns/bad", "{not json");
  auto r = reg.ListFrameworks();  // a malformed record is left out and named, not an error
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.value.empty());
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_NE(r.skipped[0].find("frameworks/ns/bad"), std::string::npos) << r.skipped[0];
  EXPECT_NE(reg.GetFramework("ns", "bad").error.find("frameworks/ns/bad"), std::string::npos);
  s.SetFailure("etcd: connection refused");
  EXPECT_EQ(reg.RegisterFramework("ns", "x", 1, T(0)).error, "etcd: connection refused");
  EXPECT_FALSE(reg.RecordTaskResult({}).ok());
}

}  // namespace
}  // namespace kubemesos::registry
