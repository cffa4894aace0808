// The lend, reclaim and preemption series: both kinds always present, victims per (kind, victim
// group, preemptor group) with the cap and removal when a group goes, the histograms, and the
// group gauges following the complete set.
#include "operator/metrics/preemption_metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/operator/metrics/scrape.h"

namespace kubemesos::metrics {
namespace {

using testing::Mentions;
using testing::Sample;

TEST(PreemptionMetrics, PlansAndVictims) {
  Metrics m;
  std::string text = m.ExpositionText();
  EXPECT_EQ(Sample(text, R"(kubemesos_preemptions_total{kind="reclaim"})"), 0.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_preemptions_total{kind="priority"})"), 0.0);
  EXPECT_EQ(Sample(text, "kubemesos_preemption_to_bind_seconds_count"), 0.0);
  PreemptionMetrics& p = m.preemption();
  p.ObservePlan(PlanKind::kReclaim, 3);
  p.ObservePlan(PlanKind::kPriority, 1);
  p.AddVictims(PlanKind::kReclaim, "batch", "ml", 2);
  p.AddVictims(PlanKind::kReclaim, "etl", "ml");
  p.AddVictims(PlanKind::kPriority, "ml", "ml");
  p.AddVictims(PlanKind::kReclaim, "batch", "ml");
  p.ObserveVictimRuntime(45);
  p.ObserveVictimRuntime(-1);  // ignored
  p.ObservePreemptionToBind(12);
  text = m.ExpositionText();
  EXPECT_EQ(Sample(text, R"(kubemesos_preemptions_total{kind="reclaim"})"), 1.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_preemptions_total{kind="priority"})"), 1.0);
  EXPECT_EQ(Sample(text, "kubemesos_preemption_victims_per_plan_sum"), 4.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_preemption_victims_per_plan_bucket{le="2"})"), 1.0);
  EXPECT_EQ(
      Sample(
          text,
          R"(kubemesos_preemption_victims_total{kind="reclaim",preemptor_group="ml",victim_group="batch"})"),
      3.0)
      << text;
  EXPECT_EQ(
      Sample(
          text,
          R"(kubemesos_preemption_victims_total{kind="priority",preemptor_group="ml",victim_group="ml"})"),
      1.0);
  EXPECT_EQ(Sample(text, "kubemesos_preempted_task_runtime_seconds_count"), 1.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_preemption_to_bind_seconds_bucket{le="10"})"), 0.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_preemption_to_bind_seconds_bucket{le="15"})"), 1.0);

  // A group that is gone takes its victim series along.
  std::vector<GroupSharingSample> groups = {{"ml", {}, {}, 0}, {"batch", {}, {}, 0}};
  p.SetGroups(groups);
  text = m.ExpositionText();
  EXPECT_FALSE(Mentions(text, R"(victim_group="etl")")) << text;
  EXPECT_TRUE(Mentions(text, R"(victim_group="batch")")) << text;
}

TEST(PreemptionMetrics, VictimSeriesAreCapped) {
  Metrics m;
  PreemptionMetrics& p = m.preemption();
  for (size_t i = 0; i < kMaxVictimSeries + 5; ++i) {
    p.AddVictims(PlanKind::kReclaim, "g" + std::to_string(i), "ml");
  }
  std::string text = m.ExpositionText();
  EXPECT_EQ(
      Sample(
          text,
          R"(kubemesos_preemption_victims_total{kind="reclaim",preemptor_group="_other",victim_group="_other"})"),
      5.0)
      << text;
  EXPECT_TRUE(Mentions(text, R"(victim_group="g999")"));
  EXPECT_FALSE(Mentions(text, R"(victim_group="g1000")"));
}

TEST(PreemptionMetrics, GroupGaugesFollowTheCompleteSet) {
  Metrics m;
  PreemptionMetrics& p = m.preemption();
  std::vector<ResourceValue> borrowed = {{"cpu", 2.5}};
  std::vector<ResourceValue> lent = {{"cpu", 1}, {"nvidia.com/gpu", 4}};
  std::vector<GroupSharingSample> groups = {{"batch", borrowed, {}, 3}, {"ml", {}, lent, 0}};
  p.SetGroups(groups);
  std::string text = m.ExpositionText();
  EXPECT_EQ(Sample(text, R"(kubemesos_group_borrowed{group="batch",resource="cpu"})"), 2.5);
  EXPECT_EQ(Sample(text, R"(kubemesos_group_lent{group="ml",resource="nvidia.com/gpu"})"), 4.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_group_revocable_tasks{group="batch"})"), 3.0);
  EXPECT_EQ(Sample(text, R"(kubemesos_group_revocable_tasks{group="ml"})"), 0.0);
  EXPECT_FALSE(Mentions(text, R"(kubemesos_group_borrowed{group="ml")"));
  groups = {{"ml", {}, {}, 0}};  // batch is gone, ml lends nothing any more
  p.SetGroups(groups);
  text = m.ExpositionText();
  EXPECT_FALSE(Mentions(text, R"(group="batch")")) << text;
  EXPECT_FALSE(Mentions(text, "kubemesos_group_lent{")) << text;
  EXPECT_EQ(Sample(text, R"(kubemesos_group_revocable_tasks{group="ml"})"), 0.0);
}

}  // namespace
}  // namespace kubemesos::metrics
