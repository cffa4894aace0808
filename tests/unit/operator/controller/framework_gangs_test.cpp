// The Framework controller's gang rules, driven with a made-up engine view (GangStatus computed
// from the pods the fake API holds, as the engine counts them): a partly bound gang is rolled
// back after bindTimeoutSeconds (Restart) or reported (Report), or recovers; a gang that ran
// and dropped below its minimum is requeued or failed for good after recoveryTimeoutSeconds;
// Succeeded members count, Failed ones do not (G9); only a leader acts, timing from what it sees.
#include <gtest/gtest.h>

#include <algorithm>

#include "operator/controller/framework_controller.h"
#include "operator/loop/object_status.h"
#include "tests/unit/operator/controller/fake_api.h"

namespace kubemesos::controller {
namespace {

using namespace test_support;  // Framework, FakeApi, Names
using Strings = std::vector<std::string>;
using Actions = kube::FrameworkGangActions;

// The Framework `fw` with a gang of `min_member` and these actions (as spec.gang converts).
void AddGang(FakeApi& api, const json& fw, int min_member, Actions actions = {},
             WatchType watch = WatchType::kAdded) {
  auto converted = kube::FrameworkFromJson(fw);
  ASSERT_TRUE(converted.ok()) << converted.error;
  converted.value->framework.gang.min_member = min_member;
  converted.value->gang_actions = actions;
  api.Framework(watch, fw, &converted);
}

// What the engine reports for team/fw: members bound (spec.nodeName) and not terminal.
GangStatus View(const FakeApi& api, int min_member) {
  GangStatus g;
  g.key = "team/fw";
  g.min_member = min_member;
  for (const auto& [name, pod] : api.pods) {
    std::string phase = pod.value("status", json::object()).value("phase", "Pending");
    bool terminal = phase == "Succeeded" || phase == "Failed";
    if (pod["spec"].value("nodeName", "") != "" && !terminal) ++g.bound;
  }
  g.active = g.bound;
  g.phase = g.bound >= min_member ? GangPhase::kRunning : GangPhase::kPending;
  return g;
}

struct Gangs {
  FrameworkController c;
  FakeApi api{c};
  int min_member = 4;
  bool leader = true;
  // One cycle's gang step (its deletes carried out), then the controller's reconcile.
  std::vector<TaskAction> Cycle() {
    auto deletes = api.Carry(c.ReconcileGangs({View(api, min_member)}, api.now, leader));
    api.Step();
    return deletes;
  }
  void BindFailed(const std::string& pod) {
    loop::BindResult r{"team/" + pod, "n2", 403, "denied by policy", "team/fw", -1};
    c.Observe(LoopEvent::Bound(r), api.now);
  }
  std::vector<std::string> Reasons() {
    std::vector<std::string> out;
    for (const auto& p : c.TakeProblems()) out.push_back(p.reason + ": " + p.message);
    return out;
  }
};

TEST(FrameworkGangs, PartlyBoundGangIsRolledBackAfterTheBindTimeout) {
  Gangs g;
  AddGang(g.api, Framework(4), 4, {.bind_timeout_seconds = 30});
  g.api.Step();
  ASSERT_EQ(g.api.pods.size(), 4u);
  // An adopted pod of the framework (no owner): counted by the engine, never deleted here.
  g.api.Put(WatchType::kAdded, {{"metadata",
                                 {{"name", "exec-1"},
                                  {"namespace", "team"},
                                  {"uid", "adopted-uid"},
                                  {"labels", {{"kubemesos.io/framework", "fw"}}}}},
                                {"spec", {{"schedulerName", "kubemesos"}}}});
  g.api.Run("fw-worker-0");
  g.api.Run("fw-worker-1");
  g.BindFailed("fw-worker-2");
  g.BindFailed("fw-worker-3");
  const json uid0 = g.api.pods.at("fw-worker-0")["metadata"]["uid"];
  EXPECT_TRUE(g.Cycle().empty());  // the timer starts
  g.api.now += 29;
  EXPECT_TRUE(g.Cycle().empty()) << "still within bindTimeoutSeconds";
  EXPECT_TRUE(g.Reasons().empty());
  g.api.now += 1;
  auto deletes = g.api.Carry(g.c.ReconcileGangs({View(g.api, 4)}, g.api.now, true));
  // Exactly the bound task pods, each with its uid as precondition (checked by Carry).
  ASSERT_EQ(Names(deletes, false), (Strings{"fw-worker-0", "fw-worker-1"}));
  EXPECT_EQ(deletes[0].uid, uid0);
  auto reasons = g.Reasons();
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_NE(reasons[0].find("GangBindTimeout: gang partly bound: 2/4"), std::string::npos)
      << reasons[0];
  EXPECT_NE(reasons[0].find("denied by policy"), std::string::npos) << reasons[0];
  EXPECT_EQ(g.c.TakeGangOutcomes(),
            std::vector<GangPartialOutcome>{GangPartialOutcome::kRestarted});
  // Re-created pending at once: the gang is decided again, all or nothing.
  EXPECT_EQ(Names(g.api.Step(), true), (Strings{"fw-worker-0", "fw-worker-1"}));
  EXPECT_EQ(g.api.pods.count("exec-1"), 1u);
  g.api.now += 100;
  EXPECT_TRUE(g.Cycle().empty()) << "nothing bound: nothing partial";
  EXPECT_TRUE(g.c.TakeGangOutcomes().empty());
}

TEST(FrameworkGangs, ARefusedDeleteIsTriedAgainOneTimeoutLater) {
  Gangs g;
  AddGang(g.api, Framework(4), 4, {.bind_timeout_seconds = 30});
  g.api.Step();
  g.api.Run("fw-worker-0");
  g.Cycle();
  g.api.now += 30;
  g.api.fail_deletes = true;  // e.g. a webhook refuses it
  const json uid = g.api.pods.at("fw-worker-0")["metadata"]["uid"];
  EXPECT_EQ(Names(g.Cycle(), false), (Strings{"fw-worker-0"}));
  EXPECT_EQ(g.api.pods.at("fw-worker-0")["metadata"]["uid"], uid);
  g.api.fail_deletes = false;
  g.api.now += 29;
  EXPECT_TRUE(g.Cycle().empty());
  g.api.now += 1;
  EXPECT_EQ(Names(g.Cycle(), false), (Strings{"fw-worker-0"}));
  EXPECT_NE(g.api.pods.at("fw-worker-0")["metadata"]["uid"], uid) << "deleted, re-created";
}

TEST(FrameworkGangs, GangThatReachesItsMinimumInTimeCountsAsRecovered) {
  Gangs g;
  AddGang(g.api, Framework(4), 4);
  g.api.Step();
  g.api.Run("fw-worker-0");
  g.api.Run("fw-worker-1");
  g.api.Run("fw-worker-2");
  g.BindFailed("fw-worker-3");
  g.Cycle();
  g.api.now += 10;  // the engine placed it again; this bind went through
  g.api.Run("fw-worker-3");
  EXPECT_TRUE(g.Cycle().empty());
  EXPECT_EQ(g.c.TakeGangOutcomes(),
            std::vector<GangPartialOutcome>{GangPartialOutcome::kRecovered});
  g.api.now += 1000;
  EXPECT_TRUE(g.Cycle().empty());
  EXPECT_TRUE(g.Reasons().empty());
}

TEST(FrameworkGangs, ReportLeavesThePodsAndSaysSoOnce) {
  Gangs g;
  AddGang(g.api, Framework(4), 4,
          {.bind_timeout_seconds = 5, .on_bind_failure = Actions::OnBindFailure::kReport});
  g.api.Step();
  g.api.Run("fw-worker-0");
  g.Cycle();
  g.api.now += 5;
  EXPECT_TRUE(g.Cycle().empty());
  g.api.now += 100;
  EXPECT_TRUE(g.Cycle().empty());
  auto reasons = g.Reasons();
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0].rfind("GangPartiallyBound: gang partly bound: 1/4", 0), 0u) << reasons[0];
  EXPECT_EQ(g.c.TakeGangOutcomes(), std::vector<GangPartialOutcome>{GangPartialOutcome::kReported});
}

// All four run, then one fails for good: below the minimum after having reached it.
void RunThenLoseOne(Gangs& g) {
  g.api.Step();
  for (int i = 0; i < 4; ++i) g.api.Run("fw-worker-" + std::to_string(i));
  g.Cycle();
  g.api.Finish("fw-worker-3", 1, "2026-12-05T04:00:00Z");
  g.Cycle();  // the recovery timer starts
}

TEST(FrameworkGangs, DegradedGangIsRequeuedAfterTheRecoveryTimeout) {
  Gangs g;
  AddGang(g.api, Framework(4), 4, {.bind_timeout_seconds = 30, .recovery_timeout_seconds = 600});
  RunThenLoseOne(g);
  g.api.now += 599;
  EXPECT_TRUE(g.Cycle().empty()) << "past bindTimeoutSeconds, within recoveryTimeoutSeconds";
  g.api.now += 1;
  auto deletes = g.Cycle();
  EXPECT_EQ(Names(deletes, false),
            (Strings{"fw-worker-0", "fw-worker-1", "fw-worker-2", "fw-worker-3"}));
  auto reasons = g.Reasons();
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0].rfind("GangRequeued: gang below its minimum: 3/4", 0), 0u) << reasons[0];
  EXPECT_TRUE(g.c.TakeGangOutcomes().empty()) << "not a bind failure";
  // Re-created after the relaunch backoff (10 s, doubling per requeue), not at once.
  EXPECT_TRUE(g.api.pods.empty());
  g.api.now += 9;
  EXPECT_TRUE(Names(g.api.Step(), true).empty());
  g.api.now += 1;
  EXPECT_EQ(Names(g.api.Step(), true).size(), 4u);
}

TEST(FrameworkGangs, FailDeletesTheMembersAndLaunchesNothingEvenForANewLeader) {
  Gangs g;
  AddGang(g.api, Framework(4), 4,
          {.recovery_timeout_seconds = 60, .on_timeout = Actions::OnTimeout::kFail});
  RunThenLoseOne(g);
  g.api.now += 60;
  EXPECT_EQ(Names(g.Cycle(), false).size(), 4u);
  auto reasons = g.Reasons();
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0].rfind("GangTimeout: gang below its minimum: 3/4", 0), 0u) << reasons[0];
  g.api.now += 1000;
  EXPECT_TRUE(g.Cycle().empty());
  EXPECT_TRUE(g.api.pods.empty()) << "nothing is launched again";
  const FrameworkTasks* t = g.c.Tasks("team/fw");
  ASSERT_NE(t, nullptr);
  EXPECT_NE(t->gang_failure.find("onTimeout Fail"), std::string::npos);
  EXPECT_EQ(t->missing, 0);

  // The status says Failed/GangTimeout; a new leader reading it launches nothing either.
  loop::FrameworkExtras extras;
  extras.gang_failure = t->gang_failure;
  FrameworkStatus engine;
  engine.key = "team/fw";
  engine.group_valid = true;
  json status = loop::FrameworkStatusJson(engine, extras, ResourceCatalog(), "", "");
  EXPECT_EQ(status["phase"], "Failed");
  EXPECT_EQ(status["reason"], "GangTimeout");
  json fw = Framework(4);
  fw["status"] = status;
  Gangs next;
  AddGang(next.api, fw, 4, {.on_timeout = Actions::OnTimeout::kFail});
  EXPECT_TRUE(next.api.Step().empty());
  ASSERT_NE(next.c.Tasks("team/fw"), nullptr);
  EXPECT_EQ(next.c.Tasks("team/fw")->gang_failure, t->gang_failure);
  // A new incarnation (another uid) starts afresh.
  AddGang(next.api, Framework(4, "Never", 0, "uid-2"), 4, {}, WatchType::kModified);
  EXPECT_EQ(Names(next.api.Step(), true).size(), 4u);
}

TEST(FrameworkGangs, SucceededNeverMembersCountTowardTheMinimum) {
  Gangs g;
  AddGang(g.api, Framework(4), 4, {.recovery_timeout_seconds = 60});
  g.api.Step();
  for (int i = 0; i < 4; ++i) g.api.Run("fw-worker-" + std::to_string(i));
  g.Cycle();
  g.api.Finish("fw-worker-0", 0, "2026-12-05T04:00:00Z");
  g.api.Finish("fw-worker-1", 0, "2026-12-05T04:00:01Z");
  g.Cycle();
  g.api.now += 1000;
  EXPECT_TRUE(g.Cycle().empty()) << "2 bound + 2 Succeeded (Never) = 4: not degraded";
  EXPECT_TRUE(g.Reasons().empty());
}

TEST(FrameworkGangs, SucceededMembersCountAsTheEngineCountsThemFailedOnesDoNot) {
  Gangs g;
  // OnFailure with retries: a success is final (never relaunched), a failure is relaunched.
  AddGang(g.api, Framework(4, "OnFailure", 3), 4, {.recovery_timeout_seconds = 60});
  g.api.Step();
  for (int i = 0; i < 4; ++i) g.api.Run("fw-worker-" + std::to_string(i));
  g.Cycle();
  g.api.Finish("fw-worker-0", 0, "2026-12-05T04:00:00Z");
  g.Cycle();
  g.api.now += 60;
  EXPECT_TRUE(g.Cycle().empty()) << "3 bound + 1 Succeeded = 4";
  g.api.Finish("fw-worker-1", 1, "2026-12-05T04:00:01Z");  // Failed: waits for its relaunch
  g.Cycle();
  g.api.now += 60;
  auto deletes = g.Cycle();
  EXPECT_EQ(Names(deletes, false).size(), 4u) << "2 bound + 1 Succeeded = 3/4: requeued";
}

TEST(FrameworkGangs, OnlyALeaderActsAndItsTimerStartsWhenItLeads) {
  Gangs g;
  AddGang(g.api, Framework(4), 4, {.bind_timeout_seconds = 30});
  g.api.Step();
  g.api.Run("fw-worker-0");
  g.api.Run("fw-worker-1");
  g.leader = false;
  for (int i = 0; i < 10; ++i) {
    g.api.now += 10;
    EXPECT_TRUE(g.api.Carry(g.c.ReconcileGangs({View(g.api, 4)}, g.api.now, false)).empty());
  }
  g.leader = true;  // a failover: the partial gang is what the new leader observes first
  EXPECT_TRUE(g.Cycle().empty());
  g.api.now += 29;
  EXPECT_TRUE(g.Cycle().empty());
  g.api.now += 1;
  EXPECT_EQ(Names(g.Cycle(), false), (Strings{"fw-worker-0", "fw-worker-1"}));
}

TEST(FrameworkGangs, NoWorkWithoutGangs) {
  Gangs g;
  g.api.Framework(WatchType::kAdded, Framework(2));
  EXPECT_FALSE(g.c.has_gangs());
  AddGang(g.api, Framework(2), 2, {}, WatchType::kModified);
  EXPECT_TRUE(g.c.has_gangs());
  g.api.Framework(WatchType::kDeleted, Framework(2));
  EXPECT_FALSE(g.c.has_gangs());
}

}  // namespace
}  // namespace kubemesos::controller
