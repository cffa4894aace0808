// `simulate` and lend/reclaim (issue #16): the preemptions section built from hand-built plans,
// the second cycle's time, running pods' start times, merging two cycles' results, the new spec
// fields accepted (and refused) in the input, group borrowed/lent in the report,
// --no-preemption, and a real reclaim through the engine.
#include "operator/simulate/preemption_report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "operator/cmd/commands.h"
#include "operator/simulate/simulate.h"

namespace kubemesos::simulate {
namespace {

using nlohmann::json;

constexpr std::time_t kNow = 1'800'000'000;  // 2027-01-15T08:00:00Z

TEST(PreemptionsJsonTest, PlansWithPreemptorsNodesAndVictims) {
  Preemption p;
  p.kind = PreemptionKind::kReclaim;
  p.group = "ml";
  p.gang = "ml/bert";
  p.preemptors = {{"ml/bert-0", "ml/bert", "n1"},
                  {"ml/bert-1", "ml/bert", "n2"},
                  {"ml/bert-2", "ml/bert", "n1"}};
  Preemption::Victim v;
  v.pod = "batch/etl-w-3";
  v.framework = "batch/etl";
  v.node = "n1";
  v.group = "batch";
  v.priority = 5;
  v.ran_seconds = 99.6;
  p.victims = {v};
  p.message = "ml is below its guarantee";
  Preemption q;
  q.kind = PreemptionKind::kPriority;
  q.group = "batch";
  q.preemptors = {{"batch/urgent-0", "batch/urgent", "n3"}};
  json out = json::parse(PreemptionsJson({p, q}).dump());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["kind"], "reclaim");
  EXPECT_EQ(out[0]["group"], "ml");
  EXPECT_EQ(out[0]["gang"], "ml/bert");
  EXPECT_EQ(out[0]["nodes"], json({"n1", "n2"}));  // distinct, in order
  EXPECT_EQ(out[0]["preemptors"][1],
            json({{"namespace", "ml"}, {"pod", "bert-1"}, {"framework", "bert"}, {"node", "n2"}}));
  EXPECT_EQ(out[0]["victims"][0], json({{"namespace", "batch"},
                                        {"pod", "etl-w-3"},
                                        {"framework", "etl"},
                                        {"group", "batch"},
                                        {"node", "n1"},
                                        {"priority", 5},
                                        {"ranSeconds", 100.0}}));
  EXPECT_EQ(out[0]["message"], "ml is below its guarantee");
  EXPECT_EQ(out[1]["kind"], "priority");
  EXPECT_FALSE(out[1].contains("gang"));
  EXPECT_TRUE(out[1]["victims"].empty());
}

TEST(PreemptionCheckAtTest, LongestDelayPlusOne) {
  EXPECT_EQ(PreemptionCheckAt({}), 31);
  GroupSpec a, b;
  a.preemption.delay_seconds = 0;
  b.preemption.delay_seconds = 120;
  EXPECT_EQ(PreemptionCheckAt({a}), 1);
  EXPECT_EQ(PreemptionCheckAt({a, b}), 121);
}

TEST(RanSecondsTest, FromStartTimeOrLong) {
  json pod = {{"status", {{"startTime", "2027-01-15T07:55:00Z"}}}};
  EXPECT_EQ(RanSeconds(pod, kNow), 300);
  pod["status"]["startTime"] = "2027-01-15T08:10:00Z";  // in the future: just started
  EXPECT_EQ(RanSeconds(pod, kNow), 0);
  pod["status"]["startTime"] = "2020-01-01T00:00:00Z";  // years: capped
  EXPECT_EQ(RanSeconds(pod, kNow), kSimulationStart);
  for (json bad : {json::object(), json({{"status", {{"startTime", "yesterday"}}}}),
                   json({{"status", {{"startTime", 5}}}}),
                   json({{"status", {{"startTime", "2027-01-15T07:55:00+01:00"}}}})}) {
    EXPECT_EQ(RanSeconds(bad, kNow), kSimulationStart) << bad.dump();
  }
}

TEST(MergeResultTest, LaterReasonsWinPlacedTasksLeaveThePendingList) {
  AllocationResult first, second;
  first.placements = {{"ns/a", "ns/f", "n1", "", false}};
  first.unplaced = {{"ns/b", "ns/f", {ReasonCode::kInsufficient, "cpu", "no node"}},
                    {"ns/c", "ns/f", {ReasonCode::kInsufficient, "cpu", "no node"}}};
  second.placements = {{"ns/c", "ns/f", "n2", "", false}};
  second.unplaced = {{"ns/b", "ns/f", {ReasonCode::kInsufficient, "memory", "changed"}}};
  second.preemptions.emplace_back();
  MergeResult(first, std::move(second));
  ASSERT_EQ(first.placements.size(), 2u);
  EXPECT_EQ(first.placements[1].pod, "ns/c");
  ASSERT_EQ(first.unplaced.size(), 1u);
  EXPECT_EQ(first.unplaced[0].pod, "ns/b");
  EXPECT_EQ(first.unplaced[0].reason.message, "changed");
  EXPECT_EQ(first.preemptions.size(), 1u);
}

// One node of 4 cpu: "batch" (no guarantee) runs 4 tasks of 1 cpu, started 10 minutes ago;
// "ml" (guaranteed 2 cpu, Lend) wants 2 tasks of 1 cpu.
constexpr const char* kReclaim = R"(
apiVersion: v1
kind: Node
metadata: {name: n1}
status: {allocatable: {cpu: "4", memory: 8Gi, pods: "110"}}
---
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ml}
spec:
  guarantee: {cpu: "2"}
  guaranteePolicy: GUARANTEE_POLICY
  preemption: {reclaim: Any, delaySeconds: 45}
---
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: batch}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: etl, namespace: batch}
spec:
  resourceGroup: batch
  revocable: Allow
  preemption: {preemptable: true, minRuntimeSeconds: 60}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: bert, namespace: ml}
spec:
  resourceGroup: ml
  revocable: Deny
  tasks:
  - name: w
    instances: 2
    template: {spec: {containers: [{name: c, image: x, resources: {requests: {cpu: "1"}}}]}}
)";

std::string RunningPods() {
  std::string out;
  for (int i = 0; i < 4; ++i) {
    out += "---\napiVersion: v1\nkind: Pod\nmetadata: {name: etl-w-" + std::to_string(i) +
           ", namespace: batch, labels: {kubemesos.io/framework: etl}}\n"
           "spec: {schedulerName: kubemesos, nodeName: n1, containers: [{name: c, image: x, "
           "resources: {requests: {cpu: \"1\"}}}]}\n"
           "status: {phase: Running, startTime: \"2027-01-15T07:50:00Z\"}\n";
  }
  return out;
}

json Simulated(const std::string& text, SimulationOptions options = {}) {
  std::vector<InputObject> objects;
  std::vector<std::string> warnings;
  std::string error;
  EXPECT_TRUE(ReadInput("in.yaml", text, &objects, &warnings, &error)) << error;
  options.now = kNow;
  auto report = Simulate(objects, options);
  EXPECT_TRUE(report.ok()) << report.error;
  return report.ok() ? json::parse(report.value->dump()) : json();
}

std::string With(std::string text, const std::string& policy) {
  text.replace(text.find("GUARANTEE_POLICY"), 16, policy);
  return text;
}

TEST(SimulatePreemptionTest, NewFieldsAcceptedAndGroupSharingReported) {
  json r = Simulated(With(kReclaim, "Hold") + RunningPods());
  EXPECT_EQ(r["groups"]["ml"]["guaranteePolicy"], "Hold");
  EXPECT_EQ(r["groups"]["batch"]["guaranteePolicy"], "Lend");
  for (const char* key : {"borrowed", "lent"}) {
    EXPECT_TRUE(r["groups"]["ml"][key].is_object()) << key << ": " << r["groups"].dump();
  }
  EXPECT_TRUE(r["frameworks"]["batch/etl"]["revocable"].is_number_integer());
  EXPECT_TRUE(r["preemptions"].is_array());
  EXPECT_EQ(r["stats"]["preemptionCheckSeconds"], 46);  // the longest delay (45) + 1
}

TEST(SimulatePreemptionTest, BadSharingValuesAreInputErrors) {
  std::vector<InputObject> objects;
  std::vector<std::string> warnings;
  std::string error;
  ASSERT_TRUE(ReadInput("in.yaml", With(kReclaim, "Borrow"), &objects, &warnings, &error));
  auto report = Simulate(objects, {});
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error.find("ResourceGroup ml: spec.guaranteePolicy: unsupported value"),
            std::string::npos)
      << report.error;
}

TEST(SimulatePreemptionTest, NoPreemptionRunsOneCycle) {
  SimulationOptions options;
  options.preemption = false;
  json r = Simulated(With(kReclaim, "Lend") + RunningPods(), options);
  EXPECT_FALSE(r["stats"].contains("preemptionCheckSeconds")) << r["stats"].dump();
  EXPECT_TRUE(r["preemptions"].empty());
  EXPECT_EQ(r["unschedulable"].size(), 2u);

  namespace fs = std::filesystem;
  fs::path file = fs::temp_directory_path() / "kubemesos-simulate-preemption-test.yaml";
  std::ofstream(file) << With(kReclaim, "Lend") << RunningPods();
  std::ostringstream out, err;
  EXPECT_EQ(cmd::Simulate({"-f", file.string(), "--no-preemption"}, out, err), 0) << err.str();
  json cli = json::parse(out.str());
  EXPECT_FALSE(cli["stats"].contains("preemptionCheckSeconds"));
  std::ostringstream help, none;
  cmd::Simulate({"--help"}, help, none);
  EXPECT_NE(help.str().find("--no-preemption"), std::string::npos);
  fs::remove(file);
}

// With the engine's reclaim: ml is below its guarantee with 2 pending tasks; batch holds the
// node on no guarantee, its tasks past minRuntimeSeconds (10 minutes > 60 s): reclaim takes
// back 2 cpu from batch (one plan per task, or one for both), nominating both ml tasks on n1.
TEST(SimulatePreemptionTest, ReclaimPlansListPreemptorsAndVictims) {
  json r = Simulated(With(kReclaim, "Lend") + RunningPods());
  ASSERT_FALSE(r["preemptions"].empty()) << r.dump(2);
  std::set<std::string> preemptors, victims;
  for (const json& plan : r["preemptions"]) {
    EXPECT_EQ(plan["kind"], "reclaim");
    EXPECT_EQ(plan["group"], "ml");
    EXPECT_EQ(plan["nodes"], json({"n1"}));
    EXPECT_FALSE(plan["message"].get<std::string>().empty());
    for (const auto& p : plan["preemptors"]) preemptors.insert(p["pod"].get<std::string>());
    for (const auto& v : plan["victims"]) {
      EXPECT_EQ(v["group"], "batch");
      EXPECT_EQ(v["framework"], "etl");
      EXPECT_GE(v["ranSeconds"].get<double>(), 600);
      EXPECT_TRUE(victims.insert(v["pod"].get<std::string>()).second) << "chosen twice";
    }
  }
  EXPECT_EQ(preemptors, (std::set<std::string>{"bert-w-0", "bert-w-1"}));
  EXPECT_EQ(victims.size(), 2u);  // the fewest that let both fit: 2 x 1 cpu
}

// examples/simulate/reclaim.yaml (docs/simulate.md): research borrowed all 8 GPUs; ml takes
// back its guarantee of 4 from trials that ran for hours, four victims for four workers.
TEST(SimulatePreemptionTest, ReclaimExample) {
  std::ifstream in(std::string(KUBEMESOS_EXAMPLES) + "/reclaim.yaml");
  std::stringstream text;
  text << in.rdbuf();
  json r = Simulated(text.str());
  std::set<std::string> preemptors, victims;
  for (const json& plan : r["preemptions"]) {
    EXPECT_EQ(plan["kind"], "reclaim");
    for (const auto& p : plan["preemptors"]) preemptors.insert(p["pod"].get<std::string>());
    for (const auto& v : plan["victims"]) {
      EXPECT_EQ(v["group"], "research");
      victims.insert(v["pod"].get<std::string>());
    }
  }
  EXPECT_EQ(preemptors.size(), 4u) << r["preemptions"].dump(2);
  EXPECT_EQ(victims.size(), 4u);
  EXPECT_EQ(r["groups"]["research"]["borrowed"]["nvidia.com/gpu"], 8) << r["groups"].dump();
  // The nominations hold ml's 4 GPUs in its allocation: nothing is lent any more.
  EXPECT_EQ(r["groups"]["ml"]["allocated"]["nvidia.com/gpu"], 4) << r["groups"].dump();
  EXPECT_FALSE(r["groups"]["ml"]["lent"].contains("nvidia.com/gpu"));
  SimulationOptions one_cycle;
  one_cycle.preemption = false;
  r = Simulated(text.str(), one_cycle);  // before reclaim: ml lends its whole guarantee
  EXPECT_EQ(r["groups"]["ml"]["lent"]["nvidia.com/gpu"], 4) << r["groups"].dump();
  EXPECT_TRUE(r["preemptions"].empty());
}

}  // namespace
}  // namespace kubemesos::simulate
