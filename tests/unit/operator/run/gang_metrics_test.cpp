// GangMetrics: the gang series derived from the engine's gang view, cycle after cycle: phases,
// reserved resources, time to schedule from the start of the wait to minMember bound, and the
// attempt results (scheduled, unschedulable, rejected, timeout).
#include "operator/run/gang_metrics.h"

#include <gtest/gtest.h>

#include "tests/unit/operator/metrics/scrape.h"

namespace kubemesos::run {
namespace {

using metrics::testing::Sample;

GangStatus Gang(const std::string& key, GangPhase phase, double waiting_since = -1,
                int attempts = 0) {
  GangStatus g;
  g.key = key;
  g.min_member = 4;
  g.phase = phase;
  g.waiting_since = waiting_since;
  g.attempts = attempts;
  if (attempts > 0) g.last_failure = Reason{ReasonCode::kInsufficient, "cpu", "2/4 placeable"};
  return g;
}

double Attempts(const metrics::Metrics& m, const char* result) {
  return Sample(m.ExpositionText(),
                std::string("kubemesos_gang_schedule_attempts_total{result=\"") + result + "\"}")
      .value_or(-1);
}

TEST(GangMetrics, WaitThenScheduled) {
  metrics::Metrics m;
  GangMetrics gangs(m);
  ResourceCatalog catalog;
  gangs.Observe({Gang("ml/a", GangPhase::kPending, 100, 1)}, catalog, 100);
  gangs.Observe({Gang("ml/a", GangPhase::kPending, 100, 3)}, catalog, 110);
  EXPECT_EQ(Attempts(m, "unschedulable"), 3);  // 1, then 2 more
  EXPECT_EQ(Attempts(m, "scheduled"), 0);
  std::string text = m.ExpositionText();
  EXPECT_EQ(Sample(text, R"(kubemesos_gangs{phase="Pending"})"), 1);
  EXPECT_EQ(Sample(text, R"(kubemesos_gangs{phase="Running"})"), 0);

  gangs.Observe({Gang("ml/a", GangPhase::kBinding)}, catalog, 120);  // placed: binding
  EXPECT_EQ(Attempts(m, "scheduled"), 1);
  EXPECT_EQ(Sample(m.ExpositionText(), "kubemesos_gang_time_to_schedule_seconds_count"), 0);
  gangs.Observe({Gang("ml/a", GangPhase::kRunning)}, catalog, 125);  // minMember bound
  gangs.Observe({Gang("ml/a", GangPhase::kRunning)}, catalog, 130);  // steady: nothing new
  text = m.ExpositionText();
  EXPECT_EQ(Sample(text, "kubemesos_gang_time_to_schedule_seconds_count"), 1);
  EXPECT_EQ(Sample(text, "kubemesos_gang_time_to_schedule_seconds_sum"), 25);  // 100 -> 125
  EXPECT_EQ(Attempts(m, "scheduled"), 1);
  EXPECT_EQ(Sample(text, R"(kubemesos_gangs{phase="Running"})"), 1);
  EXPECT_EQ(Sample(text, R"(kubemesos_gangs{phase="Pending"})"), 0);
}

// Placed in the cycle it was first seen in (no wait visible): timed from that cycle.
TEST(GangMetrics, PlacedAtOnce) {
  metrics::Metrics m;
  GangMetrics gangs(m);
  ResourceCatalog catalog;
  gangs.Observe({Gang("ml/a", GangPhase::kBinding)}, catalog, 50);
  gangs.Observe({Gang("ml/a", GangPhase::kRunning)}, catalog, 50.5);
  std::string text = m.ExpositionText();
  EXPECT_EQ(Sample(text, "kubemesos_gang_time_to_schedule_seconds_count"), 1);
  EXPECT_EQ(Sample(text, "kubemesos_gang_time_to_schedule_seconds_sum"), 0.5);
  EXPECT_EQ(Attempts(m, "scheduled"), 1);
}

// A gang first seen Running (a new leader) is neither timed nor counted as scheduled.
TEST(GangMetrics, FirstSeenRunning) {
  metrics::Metrics m;
  GangMetrics gangs(m);
  ResourceCatalog catalog;
  gangs.Observe({Gang("ml/a", GangPhase::kRunning)}, catalog, 10);
  EXPECT_EQ(Sample(m.ExpositionText(), "kubemesos_gang_time_to_schedule_seconds_count"), 0);
  EXPECT_EQ(Attempts(m, "scheduled"), 0);
}

TEST(GangMetrics, ReservationTimeoutQuotaAndReserved) {
  metrics::Metrics m;
  GangMetrics gangs(m);
  ResourceCatalog catalog;
  GangStatus reserving = Gang("ml/big", GangPhase::kReserving, 0, 5);
  reserving.reserved[kCpu] = 6000;
  GangStatus over = Gang("ml/over", GangPhase::kPending, 0, 2);
  over.pod_group = true;
  over.last_failure = Reason{ReasonCode::kQuotaLimit, "team", "limit"};
  gangs.Observe({reserving, over}, catalog, 700);
  std::string text = m.ExpositionText();
  EXPECT_EQ(Sample(text, R"(kubemesos_gang_reserved_resources{resource="cpu"})"), 6);
  EXPECT_EQ(Sample(text, R"(kubemesos_gangs{phase="Reserving"})"), 1);
  EXPECT_EQ(Attempts(m, "rejected"), 2);  // the group's limit: policy, not capacity
  EXPECT_EQ(Attempts(m, "unschedulable"), 5);

  // The reservation ran out: back to Pending, with its attempts count restarted by a new wait.
  gangs.Observe({Gang("ml/big", GangPhase::kPending, 1000, 1), over}, catalog, 1000);
  text = m.ExpositionText();
  EXPECT_EQ(Attempts(m, "timeout"), 1);
  EXPECT_EQ(Attempts(m, "unschedulable"), 6);
  EXPECT_FALSE(Sample(text, R"(kubemesos_gang_reserved_resources{resource="cpu"})"));
  EXPECT_EQ(Sample(text, R"(kubemesos_gangs{phase="Reserving"})"), 0);
  EXPECT_EQ(Sample(text, R"(kubemesos_gangs{phase="Pending"})"), 2);

  gangs.Observe({}, catalog, 1001);  // both gone
  EXPECT_EQ(Sample(m.ExpositionText(), R"(kubemesos_gangs{phase="Pending"})"), 0);
}

}  // namespace
}  // namespace kubemesos::run
