// The scheduling core's side of preemption (issue #16): a terminating pod (deletionTimestamp
// set) keeps holding its node until its object is deleted; a failed eviction reaches the engine
// through the loop's queue; and the plans the engine makes go to the evict sink after the
// cycle's placements, with the plans in flight reported while the sink tracks any.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "operator/loop/scheduler_core.h"
#include "tests/unit/operator/loop/recording_sinks.h"

namespace kubemesos::loop {
namespace {

using nlohmann::json;

// Records what the core hands over, in order ("bind team/x", "preempt team/hi", ...).
struct RecordingEvictions : test_support::RecordingSinks, EvictSink {
  std::vector<std::string> calls;
  std::vector<Preemption> plans;
  bool tracking = false;
  std::vector<std::vector<Preemption>> in_flight;
  void Bind(const Placement& p) override {
    calls.push_back("bind " + p.pod);
    RecordingSinks::Bind(p);
  }
  void Preempt(const Preemption& plan, double) override {
    calls.push_back("preempt " + plan.preemptors.front().pod);
    plans.push_back(plan);
    tracking = true;
  }
  void NominationsEnded(const std::vector<std::string>& pods) override {
    for (const auto& p : pods) calls.push_back("ended " + p);
  }
  bool Tracking() const override { return tracking; }
  void InFlight(const std::vector<Preemption>& plans_in_flight) override {
    in_flight.push_back(plans_in_flight);
  }
};

json Node(const std::string& name, const std::string& cpu) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}}},
          {"status",
           {{"allocatable", {{"cpu", cpu}, {"memory", "8Gi"}, {"pods", "110"}}},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
}

json Pod(const std::string& name, const std::string& cpu, int priority,
         const std::string& node = "") {
  json pod = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", name}, {"namespace", "team"}, {"labels", {{"kubemesos.io/framework", "fw"}}}}},
      {"spec",
       {{"schedulerName", "kubemesos"},
        {"priority", priority},
        {"containers",
         json::array({{{"name", "c"}, {"resources", {{"requests", {{"cpu", cpu}}}}}}})}}},
      {"status", {{"phase", node.empty() ? "Pending" : "Running"}}}};
  if (!node.empty()) pod["spec"]["nodeName"] = node;
  return pod;
}

class CorePreemptionTest : public ::testing::Test {
 protected:
  CorePreemptionTest() {
    core.SetEvictSink(&rec);
    Add(ObjectKind::kNode, Node("n1", "4"));
    Add(ObjectKind::kResourceGroup, {{"apiVersion", "kubemesos.io/v1alpha1"},
                                     {"kind", "ResourceGroup"},
                                     {"metadata", {{"name", "g"}}},
                                     {"spec", json::object()}});
    Add(ObjectKind::kFramework, {{"apiVersion", "kubemesos.io/v1alpha1"},
                                 {"kind", "Framework"},
                                 {"metadata", {{"name", "fw"}, {"namespace", "team"}}},
                                 {"spec", {{"resourceGroup", "g"}}}});
    for (int kind = 0; kind < kObjectKinds; ++kind)
      core.Apply(LoopEvent::Synced(static_cast<ObjectKind>(kind)), 0);
  }
  void Add(ObjectKind kind, json object, WatchType watch = WatchType::kAdded) {
    core.Apply(LoopEvent::Object(kind, watch, std::move(object)), now);
  }
  double now = 100;
  RecordingEvictions rec;
  SchedulerCore core{AllocatorOptions{}, rec, rec};
};

TEST_F(CorePreemptionTest, ATerminatingPodHoldsItsNodeUntilItsObjectIsDeleted) {
  json running = Pod("old", "4", 0, "n1");
  Add(ObjectKind::kPod, running);
  Add(ObjectKind::kPod, Pod("new", "1", 0));
  core.Cycle(now);
  EXPECT_TRUE(rec.binds.empty());  // n1 is full
  running["metadata"]["deletionTimestamp"] = "2026-12-05T07:00:00Z";
  Add(ObjectKind::kPod, running, WatchType::kModified);
  core.Cycle(now += 1);
  EXPECT_TRUE(rec.binds.empty()) << "a terminating pod still occupies its node";
  Add(ObjectKind::kPod, running, WatchType::kDeleted);
  core.Cycle(now += 1);
  ASSERT_EQ(rec.binds.size(), 1u);
  EXPECT_EQ(rec.binds[0].pod, "team/new");
}

TEST_F(CorePreemptionTest, AFailedEvictionMakesTheNextCycleRun) {
  core.Cycle(now);
  ASSERT_FALSE(core.dirty());
  core.Apply(LoopEvent::EvictionFailed({"team/old", "team/new", 429, "budget"}), now);
  EXPECT_TRUE(core.dirty());
}

TEST_F(CorePreemptionTest, PlansGoToTheEvictSinkAfterThePlacementsAndARefusalEndsThem) {
  Add(ObjectKind::kNode, Node("n2", "1"));
  for (int i = 0; i < 4; ++i) Add(ObjectKind::kPod, Pod("low-" + std::to_string(i), "1", 0, "n1"));
  Add(ObjectKind::kPod, Pod("high", "2", 100));  // fits nowhere: n1 is full, n2 too small
  Add(ObjectKind::kPod, Pod("small", "1", 0));   // fits on n2
  core.Cycle(now);
  ASSERT_EQ(rec.calls.size(), 2u);
  EXPECT_EQ(rec.calls[0], "bind team/small");  // placements first
  EXPECT_EQ(rec.calls[1], "preempt team/high");
  ASSERT_EQ(rec.plans.size(), 1u);
  const Preemption& plan = rec.plans[0];
  EXPECT_EQ(plan.kind, PreemptionKind::kPriority);
  ASSERT_EQ(plan.preemptors.size(), 1u);
  EXPECT_EQ(plan.preemptors[0].node, "n1");
  EXPECT_EQ(plan.victims.size(), 2u);   // the fewest that make room for 2 cpu
  ASSERT_EQ(rec.in_flight.size(), 1u);  // tracked: the engine's plans in flight follow
  ASSERT_EQ(rec.in_flight[0].size(), 1u);
  // A refused eviction (a PodDisruptionBudget's 429) cancels the plan: its nomination ends.
  core.Apply(LoopEvent::EvictionFailed({plan.victims[0].pod, "team/high", 429, "budget"}), now);
  core.Cycle(now += 1);
  EXPECT_NE(std::find(rec.calls.begin(), rec.calls.end(), "ended team/high"), rec.calls.end());
}

}  // namespace
}  // namespace kubemesos::loop
