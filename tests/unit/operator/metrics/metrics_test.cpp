// Unit tests of Metrics: the exact set of kubemesos_* families and their types, values and
// labels after each API call, counters fed from totals (including resets), and removal of the
// series of groups, frameworks and resources that disappeared.
#include "operator/metrics/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <vector>

#include "operator/util/guard.h"
#include "tests/unit/operator/metrics/scrape.h"

namespace kubemesos::metrics {
namespace {

using testing::Mentions;
using testing::Sample;

// Fills every family once, so that all of them appear in the output.
void Populate(Metrics& m) {
  std::vector<ResourceValue> allocated = {{"cpu", 3.5}, {"memory", 4294967296.0}};
  std::vector<ResourceValue> guarantee = {{"cpu", 2}};
  std::vector<ResourceValue> limit = {{"cpu", 8}, {"memory", 17179869184.0}};
  std::vector<GroupSample> groups = {{"analytics", allocated, guarantee, limit, 0.4375},
                                     {"ml", {}, {}, {}, 0}};
  m.SetGroups(groups);
  std::vector<FrameworkSample> frameworks = {{"spark/etl", "analytics", 0.25, 7, 12, 3}};
  m.SetFrameworks(frameworks);
  std::vector<ResourceValue> capacity = {{"cpu", 64}, {"memory", 274877906944.0}};
  m.SetCluster(capacity, allocated);
  m.ObserveCycle(0.0003);
  m.ObserveBind(Outcome::kSuccess, 1.5);
  m.SetLeader(true);
  m.AddRegistryRequest("put", Outcome::kSuccess);
  m.SetWatchRestarts("pods", 2);
  std::vector<GangPhaseCount> phases = {{"Pending", 2}, {"Running", 1}};
  std::vector<ResourceValue> reserved = {{"cpu", 4}};
  m.SetGangs(phases, reserved);
  m.ObserveGangScheduled(12);
  m.AddGangAttempts(GangAttempt::kScheduled);
  util::Guarded("metrics_test_populate", "a thread's work", [] { throw 1; });
}

// name -> type from the "# TYPE" lines.
std::map<std::string, std::string> Families(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    std::istringstream words(line.substr(7));
    std::string name, type;
    words >> name >> type;
    out[name] = type;
  }
  return out;
}

TEST(Metrics, ExportsExactlyTheDesignFamilies) {
  Metrics m;
  Populate(m);
  std::map<std::string, std::string> want = {
      {"kubemesos_offers_total", "counter"},
      {"kubemesos_allocation_cycle_seconds", "histogram"},
      {"kubemesos_scheduling_latency_seconds", "histogram"},
      {"kubemesos_binds_total", "counter"},
      {"kubemesos_gang_bind_span_seconds", "histogram"},
      {"kubemesos_gang_partial_bind_total", "counter"},
      {"kubemesos_pending_tasks", "gauge"},
      {"kubemesos_group_allocated", "gauge"},
      {"kubemesos_group_guarantee", "gauge"},
      {"kubemesos_group_limit", "gauge"},
      {"kubemesos_group_dominant_share", "gauge"},
      {"kubemesos_framework_dominant_share", "gauge"},
      {"kubemesos_cluster_capacity", "gauge"},
      {"kubemesos_cluster_allocated", "gauge"},
      {"kubemesos_is_leader", "gauge"},
      {"kubemesos_registry_requests_total", "counter"},
      {"kubemesos_watch_restarts_total", "counter"},
      {"kubemesos_internal_errors_total", "counter"},
      {"kubemesos_gangs", "gauge"},
      {"kubemesos_gang_reserved_resources", "gauge"},
      {"kubemesos_gang_time_to_schedule_seconds", "histogram"},
      {"kubemesos_gang_schedule_attempts_total", "counter"},
      {"kubemesos_evictions_total", "counter"},
      {"kubemesos_preemptions_in_flight", "gauge"},
  };
  EXPECT_EQ(Families(m.ExpositionText()), want);
}

TEST(Metrics, AlwaysPresentSeriesStartAtZero) {
  Metrics m;
  std::string text = m.ExpositionText();
  for (const char* result : {"success", "conflict", "error"}) {
    EXPECT_EQ(Sample(text, std::string("kubemesos_binds_total{result=\"") + result + "\"}"), 0.0)
        << result;
  }
  EXPECT_EQ(Sample(text, "kubemesos_is_leader"), 0.0);
  EXPECT_EQ(Sample(text, "kubemesos_allocation_cycle_seconds_count"), 0.0);
  EXPECT_EQ(Sample(text, "kubemesos_scheduling_latency_seconds_count"), 0.0);
  for (const char* result : {"scheduled", "unschedulable", "rejected", "timeout"}) {
    EXPECT_EQ(Sample(text, std::string("kubemesos_gang_schedule_attempts_total{result=\"") +
                               result + "\"}"),
              0.0)
        << result;
  }
  EXPECT_EQ(Sample(text, "kubemesos_gang_time_to_schedule_seconds_count"), 0.0);
}

TEST(Metrics, GangSeries) {
  Metrics m;
  std::vector<GangPhaseCount> phases = {{"Pending", 2}, {"Reserving", 1}, {"Running", 3}};
  std::vector<ResourceValue> reserved = {{"cpu", 4}, {"memory", 8589934592.0}};
  m.SetGangs(phases, reserved);
  m.ObserveGangScheduled(42);
  m.ObserveGangScheduled(-1);  // ignored
  m.AddGangAttempts(GangAttempt::kUnschedulable, 3);
  m.AddGangAttempts(GangAttempt::kRejected);
  std::string text = m.ExpositionText();
  EXPECT_EQ(Sample(text, R"(kubemesos_gangs{phase="Pending"})"), 2);
  EXPECT_EQ(Sample(text, R"(kubemesos_gangs{phase="Reserving"})"), 1);
  EXPECT_EQ(Sample(text, R"(kubemesos_gangs{phase="Running"})"), 3);
  EXPECT_EQ(Sample(text, R"(kubemesos_gang_reserved_resources{resource="memory"})"), 8589934592.0);
  EXPECT_EQ(Sample(text, "kubemesos_gang_time_to_schedule_seconds_count"), 1);
  EXPECT_EQ(Sample(text, "kubemesos_gang_time_to_schedule_seconds_sum"), 42);
  EXPECT_EQ(Sample(text, R"(kubemesos_gang_time_to_schedule_seconds_bucket{le="30"})"), 0);
  EXPECT_EQ(Sample(text, R"(kubemesos_gang_time_to_schedule_seconds_bucket{le="60"})"), 1);
  EXPECT_EQ(Sample(text, R"(kubemesos_gang_schedule_attempts_total{result="unschedulable"})"), 3);
  EXPECT_EQ(Sample(text, R"(kubemesos_gang_schedule_attempts_total{result="rejected"})"), 1);

  // The reservation ended, one gang left Pending: a phase not given reads 0, a resource no
  // longer reserved has no series.
  phases = {{"Pending", 1}, {"Running", 3}};
  m.SetGangs(phases, {});
  text = m.ExpositionText();
  EXPECT_EQ(Sample(text, R"(kubemesos_gangs{phase="Reserving"})"), 0);
  EXPECT_EQ(Sample(text, R"(kubemesos_gangs{phase="Pending"})"), 1);
  EXPECT_FALSE(Mentions(text, "kubemesos_gang_reserved_resources{")) << text;
}

TEST(Metrics, GangBindSpanAndPartialBindOutcomes) {
  Metrics m;
  std::string text = m.ExpositionText();
  for (const char* outcome : {"recovered", "restarted", "reported"}) {
    EXPECT_EQ(
        Sample(text, std::string("kubemesos_gang_partial_bind_total{outcome=\"") + outcome + "\"}"),
        0.0)
        << outcome;
  }
  EXPECT_EQ(Sample(text, "kubemesos_gang_bind_span_seconds_count"), 0.0);
  m.ObserveGangBindSpan(0.004);
  m.ObserveGangBindSpan(-1);  // not a batch's last result: ignored
  m.ObserveGangBindSpan(std::nan(""));
  m.AddGangPartialBind(PartialBindOutcome::kRestarted);
  m.AddGangPartialBind(PartialBindOutcome::kRestarted);
  m.AddGangPartialBind(PartialBindOutcome::kRecovered);
  text = m.ExpositionText();
  EXPECT_EQ(Sample(text, "kubemesos_gang_bind_span_seconds_count"), 1.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_gang_bind_span_seconds_bucket{le="0.005"})"), 1.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_gang_bind_span_seconds_bucket{le="0.0025"})"), 0.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_gang_partial_bind_total{outcome="restarted"})"), 2.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_gang_partial_bind_total{outcome="recovered"})"), 1.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_gang_partial_bind_total{outcome="reported"})"), 0.0);
}

TEST(Metrics, EvictionsByModeAndResultAndPreemptionsInFlight) {
  Metrics m;
  std::string text = m.ExpositionText();
  for (const char* mode : {"EvictionAPI", "Delete"}) {
    for (const char* result : {"ok", "pdb_429", "forbidden", "not_found", "error"}) {
      EXPECT_EQ(Sample(text, std::string("kubemesos_evictions_total{mode=\"") + mode +
                                 "\",result=\"" + result + "\"}"),
                0.0)
          << mode << " " << result;
    }
  }
  EXPECT_EQ(Sample(text, "kubemesos_preemptions_in_flight"), 0.0);
  for (int status : {200, 201, 429, 429, 403, 404, 500, 0})
    m.AddEviction(EvictionMode::kEvictionApi, EvictionResultFromHttpStatus(status));
  m.AddEviction(EvictionMode::kDelete, EvictionResultFromHttpStatus(200));
  m.SetPreemptionsInFlight(3);
  text = m.ExpositionText();
  EXPECT_EQ(Sample(text, R"(kubemesos_evictions_total{mode="EvictionAPI",result="ok"})"), 2.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_evictions_total{mode="EvictionAPI",result="pdb_429"})"), 2.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_evictions_total{mode="EvictionAPI",result="forbidden"})"),
            1.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_evictions_total{mode="EvictionAPI",result="not_found"})"),
            1.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_evictions_total{mode="EvictionAPI",result="error"})"), 2.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_evictions_total{mode="Delete",result="ok"})"), 1.0);
  EXPECT_EQ(Sample(text, "kubemesos_preemptions_in_flight"), 3.0);
}

TEST(Metrics, GroupSeriesCarryValuesAndDisappearWithTheGroup) {
  Metrics m;
  Populate(m);
  std::string text = m.ExpositionText();
  EXPECT_EQ(Sample(text, R"(kubemesos_group_allocated{group="analytics",resource="cpu"})"), 3.5);
  EXPECT_EQ(Sample(text, R"(kubemesos_group_allocated{group="analytics",resource="memory"})"),
            4294967296.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_group_guarantee{group="analytics",resource="cpu"})"), 2);
  // No guarantee for memory: no series (absent means none, not zero).
  EXPECT_FALSE(Sample(text, R"(kubemesos_group_guarantee{group="analytics",resource="memory"})"));
  EXPECT_EQ(Sample(text, R"(kubemesos_group_limit{group="analytics",resource="memory"})"),
            17179869184.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_group_dominant_share{group="analytics"})"), 0.4375);
  EXPECT_EQ(Sample(text, R"(kubemesos_group_dominant_share{group="ml"})"), 0.0);

  // "ml" disappears; "analytics" loses its memory allocation and its limits.
  std::vector<ResourceValue> allocated = {{"cpu", 1}};
  std::vector<ResourceValue> guarantee = {{"cpu", 2}};
  std::vector<GroupSample> groups = {{"analytics", allocated, guarantee, {}, 0.1}};
  m.SetGroups(groups);
  text = m.ExpositionText();
  EXPECT_FALSE(Mentions(text, R"(group="ml")")) << text;
  EXPECT_EQ(Sample(text, R"(kubemesos_group_allocated{group="analytics",resource="cpu"})"), 1);
  EXPECT_FALSE(Sample(text, R"(kubemesos_group_allocated{group="analytics",resource="memory"})"));
  EXPECT_FALSE(Mentions(text, "kubemesos_group_limit{"));
  EXPECT_EQ(Sample(text, R"(kubemesos_group_dominant_share{group="analytics"})"), 0.1);

  m.SetGroups({});
  text = m.ExpositionText();
  for (const char* family : {"allocated", "guarantee", "limit", "dominant_share"}) {
    EXPECT_FALSE(Mentions(text, std::string("kubemesos_group_") + family + "{")) << text;
  }
}

TEST(Metrics, FrameworkSeriesFollowTotalsAndDisappear) {
  Metrics m;
  Populate(m);
  const std::string accepted =
      R"(kubemesos_offers_total{framework="spark/etl",group="analytics",outcome="accepted"})";
  const std::string declined =
      R"(kubemesos_offers_total{framework="spark/etl",group="analytics",outcome="declined"})";
  std::string text = m.ExpositionText();
  EXPECT_EQ(Sample(text, accepted), 12);
  EXPECT_EQ(Sample(text, declined), 3);
  EXPECT_EQ(Sample(text, R"(kubemesos_pending_tasks{framework="spark/etl"})"), 7);
  EXPECT_EQ(Sample(text, R"(kubemesos_framework_dominant_share{framework="spark/etl"})"), 0.25);

  std::vector<FrameworkSample> frameworks = {{"spark/etl", "analytics", 0.5, 2, 20, 3},
                                             {"flink/stream", "ml", 0, 1, 0, 0}};
  m.SetFrameworks(frameworks);
  text = m.ExpositionText();
  EXPECT_EQ(Sample(text, accepted), 20);
  EXPECT_EQ(Sample(text, declined), 3);
  EXPECT_EQ(Sample(text, R"(kubemesos_pending_tasks{framework="spark/etl"})"), 2);
  EXPECT_EQ(Sample(text, R"(kubemesos_pending_tasks{framework="flink/stream"})"), 1);

  // The framework was recreated (totals restart) and moved to another group.
  frameworks = {{"spark/etl", "ml", 0.1, 0, 4, 1}};
  m.SetFrameworks(frameworks);
  text = m.ExpositionText();
  EXPECT_FALSE(Mentions(text, R"(framework="spark/etl",group="analytics")")) << text;
  EXPECT_FALSE(Mentions(text, "flink/stream")) << text;
  EXPECT_EQ(
      Sample(text,
             R"(kubemesos_offers_total{framework="spark/etl",group="ml",outcome="accepted"})"),
      4);
  // A reset within the same group restarts the series at the new total.
  frameworks = {{"spark/etl", "ml", 0.1, 0, 1, 1}};
  m.SetFrameworks(frameworks);
  EXPECT_EQ(
      Sample(m.ExpositionText(),
             R"(kubemesos_offers_total{framework="spark/etl",group="ml",outcome="accepted"})"),
      1);

  m.SetFrameworks({});
  text = m.ExpositionText();
  EXPECT_FALSE(Mentions(text, "framework=")) << text;
}

TEST(Metrics, BindsAndLatencyHistogram) {
  Metrics m;
  m.ObserveBind(Outcome::kSuccess, 0.02);
  m.ObserveBind(Outcome::kSuccess, 200);
  m.ObserveBind(Outcome::kSuccess);  // creation time unknown: counted, not observed
  m.ObserveBind(Outcome::kConflict, 5);
  m.ObserveBind(OutcomeFromHttpStatus(500), 5);
  m.ObserveBind(OutcomeFromHttpStatus(0), 5);
  std::string text = m.ExpositionText();
  EXPECT_EQ(Sample(text, R"(kubemesos_binds_total{result="success"})"), 3);
  EXPECT_EQ(Sample(text, R"(kubemesos_binds_total{result="conflict"})"), 1);
  EXPECT_EQ(Sample(text, R"(kubemesos_binds_total{result="error"})"), 2);
  EXPECT_EQ(Sample(text, "kubemesos_scheduling_latency_seconds_count"), 2);
  EXPECT_DOUBLE_EQ(*Sample(text, "kubemesos_scheduling_latency_seconds_sum"), 200.02);
  EXPECT_EQ(Sample(text, R"(kubemesos_scheduling_latency_seconds_bucket{le="0.01"})"), 0);
  EXPECT_EQ(Sample(text, R"(kubemesos_scheduling_latency_seconds_bucket{le="0.025"})"), 1);
  EXPECT_EQ(Sample(text, R"(kubemesos_scheduling_latency_seconds_bucket{le="120"})"), 1);
  EXPECT_EQ(Sample(text, R"(kubemesos_scheduling_latency_seconds_bucket{le="300"})"), 2);
  EXPECT_EQ(Sample(text, R"(kubemesos_scheduling_latency_seconds_bucket{le="+Inf"})"), 2);
  EXPECT_EQ(OutcomeFromHttpStatus(201), Outcome::kSuccess);
  EXPECT_EQ(OutcomeFromHttpStatus(409), Outcome::kConflict);
}

TEST(Metrics, CycleHistogramBucketsFrom100MicrosecondsTo10Seconds) {
  Metrics m;
  m.ObserveCycle(0.00005);
  m.ObserveCycle(0.003);
  m.ObserveCycle(60);
  m.ObserveCycle(-1);                                        // ignored
  m.ObserveCycle(std::numeric_limits<double>::quiet_NaN());  // ignored
  std::string text = m.ExpositionText();
  EXPECT_EQ(Sample(text, "kubemesos_allocation_cycle_seconds_count"), 3);
  EXPECT_EQ(Sample(text, R"(kubemesos_allocation_cycle_seconds_bucket{le="0.0001"})"), 1);
  EXPECT_EQ(Sample(text, R"(kubemesos_allocation_cycle_seconds_bucket{le="0.005"})"), 2);
  EXPECT_EQ(Sample(text, R"(kubemesos_allocation_cycle_seconds_bucket{le="10"})"), 2);
  EXPECT_EQ(Sample(text, R"(kubemesos_allocation_cycle_seconds_bucket{le="+Inf"})"), 3);
}

TEST(Metrics, ClusterLeaderRegistryAndWatches) {
  Metrics m;
  Populate(m);
  std::string text = m.ExpositionText();
  EXPECT_EQ(Sample(text, R"(kubemesos_cluster_capacity{resource="cpu"})"), 64);
  EXPECT_EQ(Sample(text, R"(kubemesos_cluster_allocated{resource="memory"})"), 4294967296.0);
  EXPECT_EQ(Sample(text, "kubemesos_is_leader"), 1);
  EXPECT_EQ(Sample(text, R"(kubemesos_registry_requests_total{op="put",result="success"})"), 1);
  EXPECT_EQ(Sample(text, R"(kubemesos_registry_requests_total{op="put",result="error"})"), 0);
  EXPECT_EQ(Sample(text, R"(kubemesos_watch_restarts_total{resource="pods"})"), 2);

  std::vector<ResourceValue> capacity = {{"cpu", 32}};
  m.SetCluster(capacity, {});
  m.SetLeader(false);
  m.AddRegistryRequest("put", Outcome::kConflict, 3);
  m.SetWatchRestarts("pods", 5);
  m.SetWatchRestarts("nodes", 0);
  text = m.ExpositionText();
  EXPECT_EQ(Sample(text, R"(kubemesos_cluster_capacity{resource="cpu"})"), 32);
  EXPECT_FALSE(Mentions(text, R"(kubemesos_cluster_capacity{resource="memory"})"));
  EXPECT_FALSE(Mentions(text, "kubemesos_cluster_allocated{"));
  EXPECT_EQ(Sample(text, "kubemesos_is_leader"), 0);
  EXPECT_EQ(Sample(text, R"(kubemesos_registry_requests_total{op="put",result="conflict"})"), 3);
  EXPECT_EQ(Sample(text, R"(kubemesos_watch_restarts_total{resource="pods"})"), 5);
  EXPECT_EQ(Sample(text, R"(kubemesos_watch_restarts_total{resource="nodes"})"), 0);
}

TEST(Metrics, RepeatedUpdatesKeepTheSeriesCountBounded) {
  Metrics m;
  std::vector<ResourceValue> allocated = {{"cpu", 1}, {"memory", 2}};
  for (int i = 0; i < 1000; ++i) {
    std::string name = "group-" + std::to_string(i % 3);
    std::vector<GroupSample> groups = {{name, allocated, allocated, allocated, 0.5}};
    m.SetGroups(groups);
  }
  std::string text = m.ExpositionText();
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  EXPECT_LT(lines, 150u) << text;
  EXPECT_TRUE(Mentions(text, R"(group="group-0")"));  // 999 % 3 == 0: the last one
  EXPECT_FALSE(Mentions(text, R"(group="group-1")"));
}

// No exception leaves a thread (issue #12): what util::Guarded caught shows up in the next
// scrape, per component, without anyone feeding the metrics.
TEST(Metrics, InternalErrorsFollowTheGuardedFailures) {
  Metrics m;
  const std::string series = R"(kubemesos_internal_errors_total{component="metrics_test_x"})";
  EXPECT_FALSE(Mentions(m.ExpositionText(), series));
  util::Guarded("metrics_test_x", "a write", [] { throw std::runtime_error("boom"); });
  util::Guarded("metrics_test_x", "a write", [] { throw 2; });
  EXPECT_EQ(Sample(m.ExpositionText(), series), 2);
  util::Guarded("metrics_test_x", "a write", [] { throw 3; });
  util::Guarded("metrics_test_y", "a round", [] { throw 4; });
  std::string text = m.ExpositionText();
  EXPECT_EQ(Sample(text, series), 3);
  EXPECT_EQ(Sample(text, R"(kubemesos_internal_errors_total{component="metrics_test_y"})"), 1);
}

}  // namespace
}  // namespace kubemesos::metrics
