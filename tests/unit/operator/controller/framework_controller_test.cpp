// The Framework controller's decisions, driven through a small in-memory API: launch, scale,
// relaunch with backoff, results, deletion, adoption, orphans, write failures, restarts, and
// its bounds (lazy creates in batches, one timer per Framework, the instance cap, pruning).
#include "operator/controller/framework_controller.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>

#include "tests/unit/operator/controller/fake_api.h"

namespace kubemesos::controller {
namespace {

using loop::LoopEvent;
using loop::ObjectKind;
using loop::WatchType;
using nlohmann::json;

using namespace test_support;  // Framework, FakeApi, Names

using Strings = std::vector<std::string>;

TEST(FrameworkController, LaunchesEachInstanceOnceWithOwnerAndLabels) {
  FrameworkController c;
  FakeApi api(c);
  api.Framework(WatchType::kAdded, Framework(3));
  auto first = c.Reconcile(api.now);  // writes in flight, results not back yet
  EXPECT_EQ(Names(first, true), (Strings{"fw-worker-0", "fw-worker-1", "fw-worker-2"}));
  EXPECT_TRUE(c.Reconcile(api.now).empty()) << "no duplicate create while one is in flight";
  const json& pod = first[0].pod;
  EXPECT_EQ(pod["spec"]["schedulerName"], "kubemesos");
  EXPECT_EQ(pod["metadata"]["labels"]["kubemesos.io/framework"], "fw");
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["uid"], "fw-uid");
  const FrameworkTasks* t = c.Tasks("team/fw");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->desired, 3);
  EXPECT_EQ(t->missing, 3);
}

TEST(FrameworkController, ScalesUpAndDownAndRecreatesMissingPods) {
  FrameworkController c;
  FakeApi api(c);
  api.Framework(WatchType::kAdded, Framework(3));
  api.Step();
  EXPECT_TRUE(api.Step().empty()) << "steady: nothing to do";
  api.Framework(WatchType::kModified, Framework(5));
  EXPECT_EQ(Names(api.Step(), true), (Strings{"fw-worker-3", "fw-worker-4"}));
  api.Framework(WatchType::kModified, Framework(1));
  auto down = api.Step();
  EXPECT_EQ(Names(down, false),
            (Strings{"fw-worker-1", "fw-worker-2", "fw-worker-3", "fw-worker-4"}));
  EXPECT_EQ(api.pods.size(), 1u);
  api.Run("fw-worker-0");
  api.Delete("fw-worker-0");  // someone deleted a running task
  EXPECT_EQ(Names(api.Step(), true), (Strings{"fw-worker-0"}));
  EXPECT_EQ(c.Tasks("team/fw")->lost, 1);
}

TEST(FrameworkController, OnFailureRelaunchesWithBackoffUpToMaxRetries) {
  ControllerOptions o;
  o.retry_backoff_seconds = 10;
  FrameworkController c(o);
  FakeApi api(c);
  api.Framework(WatchType::kAdded, Framework(1, "OnFailure", 2));
  api.Step();
  for (int retry = 0; retry < 2; ++retry) {
    api.Finish("fw-worker-0", 7, "2026-11-27T05:00:0" + std::to_string(retry) + "Z");
    EXPECT_EQ(c.Tasks("team/fw")->retrying, 1);
    EXPECT_EQ(c.Tasks("team/fw")->failed, 0);
    api.now += 10 * (1 << retry) - 1;
    EXPECT_TRUE(api.Step().empty()) << "still backing off, retry " << retry;
    api.now += 1;
    auto relaunch = api.Step();  // delete, then (same step) nothing: create waits for the event
    ASSERT_EQ(Names(relaunch, false), (Strings{"fw-worker-0"})) << retry;
    auto created = api.Step();
    ASSERT_EQ(Names(created, true), (Strings{"fw-worker-0"})) << retry;
    EXPECT_EQ(created[0].pod["metadata"]["annotations"]["kubemesos.io/retry"],
              std::to_string(retry + 1));
  }
  api.Finish("fw-worker-0", 7, "2026-11-27T05:00:09Z");
  api.now += 1000;
  EXPECT_TRUE(api.Step().empty()) << "maxRetries used up: the failure stays";
  const FrameworkTasks* t = c.Tasks("team/fw");
  EXPECT_EQ(t->failed, 1);
  EXPECT_EQ(t->retrying, 0);
  EXPECT_EQ(t->restarts, 2);
  auto finished = c.TakeFinished();
  ASSERT_EQ(finished.size(), 3u);
  EXPECT_EQ(finished[2].result.exit_code, 7);
  EXPECT_EQ(finished[2].result.retry, 2);
  EXPECT_EQ(t->last_results.front().finish_time, "2026-11-27T05:00:09Z");  // newest first
}

TEST(FrameworkController, NeverKeepsResultsCountsAndBoundsLastResults) {
  ControllerOptions o;
  o.last_results = 3;
  FrameworkController c(o);
  FakeApi api(c);
  api.Framework(WatchType::kAdded, Framework(5));
  api.Step();
  for (int i = 0; i < 5; ++i) {
    api.Finish("fw-worker-" + std::to_string(i), i == 4 ? 1 : 0,
               "2026-11-27T05:00:0" + std::to_string(i) + "Z");
  }
  api.Finish("fw-worker-4", 1, "2026-11-27T05:00:04Z");  // the same state again: one result
  EXPECT_TRUE(api.Step().empty()) << "Never: a failed task is not relaunched";
  const FrameworkTasks* t = c.Tasks("team/fw");
  EXPECT_EQ(t->succeeded, 4);
  EXPECT_EQ(t->failed, 1);
  ASSERT_EQ(t->last_results.size(), 3u);
  EXPECT_EQ(t->last_results[0].pod, "fw-worker-4");
  EXPECT_EQ(t->last_results[2].pod, "fw-worker-2");
  EXPECT_EQ(c.TakeFinished().size(), 5u);
  EXPECT_TRUE(c.TakeFinished().empty());
}

TEST(FrameworkController, DeletionRemovesOwnedPodsNeverAdoptedOnes) {
  FrameworkController c;
  FakeApi api(c);
  api.Framework(WatchType::kAdded, Framework(2));
  api.Step();
  json adopted = {{"metadata",
                   {{"name", "spark-exec-1"},
                    {"namespace", "team"},
                    {"uid", "a1"},
                    {"labels", {{"kubemesos.io/framework", "fw"}}}}},
                  {"spec", {{"schedulerName", "kubemesos"}}}};
  api.Put(WatchType::kAdded, adopted);
  EXPECT_TRUE(api.Step().empty()) << "an adopted pod is not one of ours to delete";
  api.Framework(WatchType::kDeleted, Framework(2));
  EXPECT_EQ(Names(api.Step(), false), (Strings{"fw-worker-0", "fw-worker-1"}));
  EXPECT_EQ(api.pods.count("spark-exec-1"), 1u);
  EXPECT_TRUE(api.Step().empty());
}

TEST(FrameworkController, OrphansOfAFormerIncarnationAreDeleted) {
  FrameworkController c;
  FakeApi api(c);
  api.Framework(WatchType::kAdded, Framework(1, "Never", 0, "old-uid"));
  api.Step();
  // The Framework was deleted and re-created while this replica was away.
  FrameworkController fresh;
  FakeApi restarted(fresh);
  restarted.Put(WatchType::kAdded, api.pods.at("fw-worker-0"));
  restarted.Framework(WatchType::kAdded, Framework(1, "Never", 0, "new-uid"));
  auto actions = restarted.Step();
  EXPECT_EQ(Names(actions, false), (Strings{"fw-worker-0"}));
  EXPECT_EQ(Names(restarted.Step(), true), (Strings{"fw-worker-0"}));
  EXPECT_EQ(restarted.pods.at("fw-worker-0")["metadata"]["ownerReferences"][0]["uid"], "new-uid");
}

TEST(FrameworkController, FailedCreatesAreReportedAndRetriedWithBackoff) {
  ControllerOptions o;
  o.create_backoff_seconds = 5;
  FrameworkController c(o);
  FakeApi api(c);
  api.fail_creates = true;
  api.Framework(WatchType::kAdded, Framework(1));
  EXPECT_EQ(api.Step().size(), 1u);
  auto problems = c.TakeProblems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].name, "fw");
  EXPECT_NE(problems[0].message.find("forbidden"), std::string::npos);
  EXPECT_NE(c.Tasks("team/fw")->problem, "");
  api.now += 4;
  EXPECT_TRUE(api.Step().empty()) << "backing off";
  api.now += 1;
  EXPECT_EQ(api.Step().size(), 1u);
  EXPECT_TRUE(c.TakeProblems().empty()) << "the same message is reported once";
  api.fail_creates = false;
  api.now += 10;  // the backoff doubled
  EXPECT_EQ(Names(api.Step(), true), (Strings{"fw-worker-0"}));
  EXPECT_EQ(c.Tasks("team/fw")->problem, "");
}

TEST(FrameworkController, SeedsHistoryFromStatusAndLeavesInvalidSpecsAlone) {
  FrameworkController c;
  FakeApi api(c);
  json fw = Framework(1);
  fw["status"] = {
      {"tasks", {{"lost", 2}}},
      {"lastResults", {{{"pod", "fw-worker-0"}, {"state", "Succeeded"}, {"finishTime", "T1"}}}}};
  api.Framework(WatchType::kAdded, fw);
  const FrameworkTasks* t = c.Tasks("team/fw");
  EXPECT_EQ(t->lost, 2);
  ASSERT_EQ(t->last_results.size(), 1u);
  EXPECT_TRUE(c.TakeFinished().empty()) << "history is not a new result";
  api.Step();
  json bad = Framework(1);
  bad["spec"]["tasks"][0]["instances"] = -1;
  api.Framework(WatchType::kModified, bad);
  EXPECT_TRUE(api.Step().empty()) << "an invalid spec changes nothing";
  EXPECT_EQ(api.pods.size(), 1u);
}

// Issue #12, finding 2: a 100,000-instance Framework is launched a batch at a time, each pod
// built when its create is due; the next batch follows the results of the last.
TEST(FrameworkController, CreatesLazilyInBoundedBatches) {
  ControllerOptions o;
  o.creates_in_flight = 100;
  FrameworkController c(o);
  FakeApi api(c);
  api.Framework(WatchType::kAdded, Framework(100'000));
  EXPECT_EQ(c.Tasks("team/fw")->missing, 100'000);  // counted, not listed
  auto first = c.Reconcile(api.now);
  ASSERT_EQ(first.size(), 100u) << "one batch, not one create per instance";
  EXPECT_EQ(first.front().name, "fw-worker-0");
  EXPECT_EQ(first.back().name, "fw-worker-99");
  EXPECT_TRUE(c.Reconcile(api.now).empty()) << "the batch is in flight";
  for (const auto& a : first) {  // the batch's results and pods come back
    json pod = a.pod;
    pod["metadata"]["uid"] = "u-" + a.name;
    api.Put(WatchType::kAdded, pod);
    c.Observe(LoopEvent::TaskWritten({true, a.ns, a.name, a.framework, 201, ""}), api.now);
  }
  auto second = api.Step();
  ASSERT_EQ(second.size(), 100u);
  EXPECT_EQ(second.front().name, "fw-worker-100");
  EXPECT_EQ(c.Tasks("team/fw")->missing, 100'000 - 200);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(api.Step().size(), 100u);
  EXPECT_EQ(api.pods.size(), 1'200u);
  api.Delete("fw-worker-7");  // a hole below the scan: found again
  EXPECT_EQ(Names(api.Step(), true).front(), "fw-worker-7");
}

// A create's result can come before its pod's watch event: the pod is not created again (a
// 409 that a namespace ResourceQuota charges as a pod) unless its event never comes.
TEST(FrameworkController, AwaitsTheWatchEventOfACreatedPod) {
  ControllerOptions o;
  o.created_event_timeout_seconds = 30;
  FrameworkController c(o);
  FakeApi api(c);
  api.Framework(WatchType::kAdded, Framework(3));
  auto first = c.Reconcile(api.now);
  ASSERT_EQ(first.size(), 3u);
  for (const auto& a : first) {  // 201 each, their watch events late
    c.Observe(LoopEvent::TaskWritten({true, a.ns, a.name, a.framework, 201, ""}), api.now);
  }
  api.now += 29;
  EXPECT_TRUE(c.Reconcile(api.now).empty()) << "created: awaiting the watch events";
  json pod = first[0].pod;
  pod["metadata"]["uid"] = "u0";
  api.Put(WatchType::kAdded, pod);  // one event arrives, two never do
  api.now += 1;
  EXPECT_EQ(Names(c.Reconcile(api.now), true), (Strings{"fw-worker-1", "fw-worker-2"}));
}

// Issue #12, finding 3: with creates refused (a namespace ResourceQuota), the old controller
// added a timer per missing pod at every reconcile (51,000 after 50). One per Framework now.
TEST(FrameworkController, OneTimerPerFrameworkWhileCreatesFail) {
  ControllerOptions o;
  o.create_backoff_seconds = 1;
  FrameworkController c(o);
  FakeApi api(c);
  api.quota = 10;
  api.Framework(WatchType::kAdded, Framework(1'000));
  size_t creates = 0;
  for (int i = 0; i < 50; ++i) {
    creates += Names(api.Step(), true).size();
    EXPECT_LE(c.timer_count(), 1u) << "reconcile " << i;
    api.now += 0.5;
  }
  EXPECT_EQ(api.pods.size(), 10u);
  EXPECT_GT(creates, 10u) << "the refused creates were retried";
  EXPECT_LT(creates, 1'000u) << "with a backoff, in batches";
  auto problems = c.TakeProblems();
  ASSERT_EQ(problems.size(), 1u) << "one Event for one refusal (naming different pods)";
  EXPECT_EQ(problems[0].reason, "TaskCreateFailed");
  EXPECT_EQ(c.Tasks("team/fw")->problem_reason, "CreateFailed");
  EXPECT_EQ(c.Tasks("team/fw")->missing, 990);
  // Deleted: its pods go, and so does everything kept for it.
  api.Framework(WatchType::kDeleted, Framework(1'000));
  EXPECT_EQ(Names(api.Step(), false).size(), 10u);
  EXPECT_TRUE(api.Step().empty());
  EXPECT_EQ(c.timer_count(), 0u);
  EXPECT_EQ(c.state_count(), 0u);
  EXPECT_EQ(c.Tasks("team/fw"), nullptr);
}

TEST(FrameworkController, OnFailureBackoffsShareOneTimer) {
  ControllerOptions o;
  o.retry_backoff_seconds = 10;
  FrameworkController c(o);
  FakeApi api(c);
  api.Framework(WatchType::kAdded, Framework(50, "OnFailure", 3));
  api.Step();
  for (int i = 0; i < 50; ++i) {
    api.Finish("fw-worker-" + std::to_string(i), 1, "2026-11-27T05:00:00Z");
    api.now += 0.1;
    EXPECT_TRUE(api.Step().empty());
  }
  EXPECT_EQ(c.timer_count(), 1u);
  api.now += 10;
  EXPECT_EQ(Names(api.Step(), false).size(), 50u) << "every due relaunch, from one timer";
  EXPECT_EQ(Names(api.Step(), true).size(), 50u);
  EXPECT_EQ(c.timer_count(), 0u);
}

// The cap on total instances: nothing launched, one problem (the Event) naming the cap and the
// flag, the TasksLaunched reason; the Framework's pods are left alone until the spec fits.
TEST(FrameworkController, TooManyInstancesLaunchesNothingAndSaysWhy) {
  ControllerOptions o;
  o.max_instances_per_framework = 10;
  FrameworkController c(o);
  FakeApi api(c);
  api.Framework(WatchType::kAdded, Framework(3));
  api.Step();
  ASSERT_EQ(api.pods.size(), 3u);
  api.Framework(WatchType::kModified, Framework(11));
  EXPECT_TRUE(api.Step().empty()) << "no creates, and its pods are left alone";
  EXPECT_EQ(api.pods.size(), 3u);
  auto problems = c.TakeProblems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].reason, "TooManyInstances");
  EXPECT_EQ(problems[0].message,
            "spec.tasks ask for 11 instances in total, more than this kubemesos allows per "
            "Framework (10, --max-framework-instances); no task pods are launched until the spec "
            "asks for fewer");
  const FrameworkTasks* t = c.Tasks("team/fw");
  EXPECT_EQ(t->problem_reason, "TooManyInstances");
  EXPECT_EQ(t->problem, problems[0].message);
  EXPECT_EQ(t->desired, 11);
  EXPECT_EQ(t->missing, 0) << "nothing is waiting to be launched";
  api.Framework(WatchType::kModified, Framework(11));  // e.g. a status write: no new Event
  api.Framework(WatchType::kModified, Framework(12));
  EXPECT_TRUE(api.Step().empty());
  EXPECT_TRUE(c.TakeProblems().empty()) << "one Event while it stays over the cap";
  EXPECT_NE(c.Tasks("team/fw")->problem.find("ask for 12"), std::string::npos);
  api.Framework(WatchType::kModified, Framework(10));
  EXPECT_EQ(Names(api.Step(), true).size(), 7u);
  EXPECT_EQ(c.Tasks("team/fw")->problem, "");
  EXPECT_EQ(c.Tasks("team/fw")->problem_reason, "");
}

// The scheduling core's conversion is used as given (moved in), not converted again.
TEST(FrameworkController, UsesTheConversionItIsGiven) {
  FrameworkController c;
  json object = Framework(3);
  auto converted = kube::FrameworkFromJson(Framework(2));
  c.Observe(LoopEvent::Object(ObjectKind::kFramework, WatchType::kAdded, object), 0, &converted);
  EXPECT_EQ(Names(c.Reconcile(0), true), (Strings{"fw-worker-0", "fw-worker-1"}));
}

TEST(FrameworkController, PodsOfAGoneFrameworkLeaveNoState) {
  FrameworkController c;
  FakeApi api(c);
  api.Framework(WatchType::kAdded, Framework(2));
  api.Step();
  api.Framework(WatchType::kDeleted, Framework(2));
  // A standby never reconciles: the deletions alone prune the state.
  api.Delete("fw-worker-0");
  EXPECT_EQ(c.state_count(), 1u);
  api.Delete("fw-worker-1");
  EXPECT_EQ(c.state_count(), 0u);
}

}  // namespace
}  // namespace kubemesos::controller
