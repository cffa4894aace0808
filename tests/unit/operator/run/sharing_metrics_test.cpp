// SharingMetrics: plans, victims and their runtimes from hand-built AllocationResults; the time
// from a plan to its last preemptor placed (not observed for plans that expire or end
// unplaced); the group gauges from the engine's view.
#include "operator/run/sharing_metrics.h"

#include <gtest/gtest.h>

#include "operator/metrics/preemption_metrics.h"
#include "tests/unit/operator/metrics/scrape.h"

namespace kubemesos::run {
namespace {

using metrics::testing::Sample;

Preemption Plan(PreemptionKind kind, std::vector<std::string> preemptors, int victims,
                double created) {
  Preemption p;
  p.kind = kind;
  p.group = "ml";
  for (auto& pod : preemptors) p.preemptors.push_back({pod, "ml/bert", "n1"});
  for (int i = 0; i < victims; ++i) {
    Preemption::Victim v;
    v.pod = "batch/v-" + std::to_string(i);
    v.framework = "batch/etl";
    v.group = "batch";
    v.ran_seconds = 100.0 * (i + 1);
    p.victims.push_back(v);
  }
  p.created = created;
  p.deadline = created + 60;
  return p;
}

Placement Placed(const std::string& pod) {
  Placement p;
  p.pod = pod;
  p.framework = "ml/bert";
  p.node = "n1";
  return p;
}

double ToBindCount(const metrics::Metrics& m) {
  return Sample(m.ExpositionText(), "kubemesos_preemption_to_bind_seconds_count").value_or(-1);
}

TEST(SharingMetrics, PlansVictimsAndTimeToBind) {
  metrics::Metrics m;
  SharingMetrics sharing(m);
  AllocationResult r;
  r.preemptions = {Plan(PreemptionKind::kReclaim, {"ml/a", "ml/b"}, 3, 10)};
  sharing.Observe(r, 10);
  std::string text = m.ExpositionText();
  EXPECT_EQ(Sample(text, R"(kubemesos_preemptions_total{kind="reclaim"})"), 1.0);
  EXPECT_EQ(
      Sample(
          text,
          R"(kubemesos_preemption_victims_total{kind="reclaim",preemptor_group="ml",victim_group="batch"})"),
      3.0);
  EXPECT_EQ(Sample(text, "kubemesos_preempted_task_runtime_seconds_sum"), 600.0);
  EXPECT_EQ(sharing.plans_in_flight(), 1u);

  AllocationResult one;
  one.placements = {Placed("ml/a"), Placed("other/x")};
  sharing.Observe(one, 25);
  EXPECT_EQ(ToBindCount(m), 0.0);  // ml/b still waits
  AllocationResult two;
  two.placements = {Placed("ml/b")};
  sharing.Observe(two, 40);
  EXPECT_EQ(ToBindCount(m), 1.0);
  EXPECT_EQ(Sample(m.ExpositionText(), "kubemesos_preemption_to_bind_seconds_sum"), 30.0);
  EXPECT_EQ(sharing.plans_in_flight(), 0u);
}

TEST(SharingMetrics, PlansThatEndUnplacedAreNotObserved) {
  metrics::Metrics m;
  SharingMetrics sharing(m);
  AllocationResult r;
  r.preemptions = {Plan(PreemptionKind::kPriority, {"ml/a"}, 1, 0),
                   Plan(PreemptionKind::kReclaim, {"ml/b"}, 1, 0),
                   Plan(PreemptionKind::kReclaim, {"ml/c"}, 1, 0)};
  sharing.Observe(r, 0);
  EXPECT_EQ(sharing.plans_in_flight(), 3u);
  AllocationResult cancelled;
  cancelled.nominations_ended = {"ml/a"};  // e.g. a PDB refused an eviction
  sharing.Observe(cancelled, 5);
  EXPECT_EQ(sharing.plans_in_flight(), 2u);
  AllocationResult replanned;  // ml/b planned again: the first plan is dropped
  replanned.preemptions = {Plan(PreemptionKind::kReclaim, {"ml/b"}, 1, 20)};
  sharing.Observe(replanned, 20);
  EXPECT_EQ(sharing.plans_in_flight(), 2u);
  sharing.Observe(AllocationResult{}, 61);  // ml/c's plan is past its deadline (60)
  EXPECT_EQ(sharing.plans_in_flight(), 1u);
  AllocationResult late;
  late.placements = {Placed("ml/a"), Placed("ml/c"), Placed("ml/b")};
  sharing.Observe(late, 70);
  EXPECT_EQ(ToBindCount(m), 1.0);  // only ml/b's second plan
  EXPECT_EQ(Sample(m.ExpositionText(), "kubemesos_preemption_to_bind_seconds_sum"), 50.0);
  EXPECT_EQ(Sample(m.ExpositionText(), R"(kubemesos_preemptions_total{kind="reclaim"})"), 3.0);
}

TEST(SharingMetrics, GroupGaugesFromTheEngine) {
  metrics::Metrics m;
  SharingMetrics sharing(m);
  Allocator a;
  GroupSpec g;
  g.name = "batch";
  a.UpsertGroup(g);
  a.UpsertFramework({"batch/etl", "batch", false, 5, {}});
  a.Allocate(0);
  sharing.Publish(a);
  std::string text = m.ExpositionText();
  // Until the engine fills borrowed and lent, only the revocable count (0) shows.
  EXPECT_EQ(Sample(text, R"(kubemesos_group_revocable_tasks{group="batch"})"), 0.0) << text;
}

}  // namespace
}  // namespace kubemesos::run
