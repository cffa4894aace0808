// PodGroup status (issue #15): the PodGroupInitiallyScheduled condition kube-scheduler v1.37
// writes, from the engine's gang view; written only when it differs from the object's and from
// the last write, with one Event per new Unschedulable message.
#include "operator/loop/pod_group_status.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "tests/fakes/client/fake_client.h"
#include "tests/unit/operator/loop/patch_recorder.h"

namespace kubemesos::loop {
namespace {

using nlohmann::json;

GangStatus Gang(int min_member, int bound, GangPhase phase) {
  GangStatus g;
  g.key = "ml/train";
  g.pod_group = true;
  g.min_member = min_member;
  g.bound = bound;
  g.active = bound;
  g.phase = phase;
  return g;
}

TEST(PodGroupCondition, FollowsKubeScheduler) {
  PodGroupObserved none;
  // Waiting for members, or not attempted yet: nothing to say (kube-scheduler does not
  // attempt a group before minCount pods exist).
  EXPECT_TRUE(PodGroupCondition(nullptr, none).is_null());
  GangStatus waiting = Gang(4, 1, GangPhase::kWaitingForMembers);
  EXPECT_TRUE(PodGroupCondition(&waiting, none).is_null());
  GangStatus pending = Gang(4, 0, GangPhase::kPending);
  EXPECT_TRUE(PodGroupCondition(&pending, none).is_null());
  // An attempt failed: False/Unschedulable with why.
  pending.last_failure = Reason{ReasonCode::kInsufficient, "cpu", "Gang ml/train: 3/4 placeable"};
  json c = PodGroupCondition(&pending, none);
  EXPECT_EQ(c["type"], "PodGroupInitiallyScheduled");
  EXPECT_EQ(c["status"], "False");
  EXPECT_EQ(c["reason"], "Unschedulable");
  EXPECT_EQ(c["message"], "Insufficient cpu: Gang ml/train: 3/4 placeable");
  // At its minimum, bound (or some already finished: Running counts them): True/Scheduled.
  GangStatus running = Gang(4, 1, GangPhase::kRunning);
  c = PodGroupCondition(&running, none);
  EXPECT_EQ(c["status"], "True");
  EXPECT_EQ(c["reason"], "Scheduled");
  // Reached it, then lost members before we looked: it was scheduled.
  GangStatus degraded = Gang(4, 2, GangPhase::kDegraded);
  EXPECT_EQ(PodGroupCondition(&degraded, none)["status"], "True");
  // Assumed but not bound yet: nothing new.
  GangStatus binding = Gang(4, 2, GangPhase::kBinding);
  EXPECT_TRUE(PodGroupCondition(&binding, none).is_null());
  // Once True, never False again (members lost later).
  PodGroupObserved scheduled;
  scheduled.status = "True";
  EXPECT_TRUE(PodGroupCondition(&pending, scheduled).is_null());
  // A basic group is no gang: nothing.
  GangStatus basic = Gang(0, 0, GangPhase::kPending);
  EXPECT_TRUE(PodGroupCondition(&basic, none).is_null());
  // Refused by kubemesos: False/SchedulerError with why.
  PodGroupObserved refused;
  refused.refused = "PodGroup ml/train: spec.resourceClaims: ...";
  c = PodGroupCondition(nullptr, refused);
  EXPECT_EQ(c["status"], "False");
  EXPECT_EQ(c["reason"], "SchedulerError");
  EXPECT_EQ(c["message"], refused.refused);
}

TEST(PodGroupCondition, ObserveReadsGenerationAndTheCondition) {
  json pg = json::parse(R"({"metadata":{"name":"train","namespace":"ml","generation":3},
      "status":{"conditions":[{"type":"DisruptionTarget","status":"True"},
        {"type":"PodGroupInitiallyScheduled","status":"False","reason":"Unschedulable","message":"m"}]}})");
  PodGroupObserved o = ObservePodGroup(pg);
  EXPECT_EQ(o.generation, 3);
  EXPECT_EQ(o.status, "False");
  EXPECT_EQ(o.reason, "Unschedulable");
  EXPECT_EQ(o.message, "m");
  // Odd input reads as absent.
  o = ObservePodGroup(json::parse(R"({"metadata":{"generation":"x"},"status":{"conditions":{}}})"));
  EXPECT_EQ(o.generation, 0);
  EXPECT_EQ(o.status, "");
  EXPECT_EQ(ObservePodGroup(json::array()).status, "");
}

using test_support::PatchRecorder;
using test_support::WaitFor;

TEST(PodGroupStatusWriter, WritesTheConditionOnlyWhenItChanges) {
  client::FakeKubeClient kube;
  PatchRecorder rec;
  kube.SetHandler(rec.Handler());
  PodGroupStatusWriter writer(kube, 1000, 1000);
  Allocator engine;  // no gangs: only refused groups have something to say
  std::unordered_map<std::string, PodGroupObserved> observed;
  observed["ml/ok"].ours = true;
  PodGroupObserved refused;
  refused.generation = 2;
  refused.ours = true;
  refused.refused = "PodGroup ml/bad: spec.resourceClaims: DRA";
  observed["ml/bad"] = refused;
  // Another scheduler's group (no pod of ours names it): never written.
  PodGroupObserved theirs = refused;
  theirs.ours = false;
  observed["ml/theirs"] = theirs;
  writer.Publish(engine, observed);
  ASSERT_TRUE(WaitFor([&] { return writer.writes() == 1; }));
  writer.Publish(engine, observed);  // unchanged: no write
  // Its watch event brings the condition back: still nothing to write.
  observed["ml/bad"].status = "False";
  observed["ml/bad"].reason = "SchedulerError";
  observed["ml/bad"].message = refused.refused;
  writer.Publish(engine, observed);
  // Deleted and re-created (a new writer after a restart knows nothing): the object's
  // condition alone keeps it from writing again.
  PodGroupStatusWriter restarted(kube, 1000, 1000);
  restarted.Publish(engine, observed);
  writer.Stop();
  restarted.Stop();
  EXPECT_EQ(writer.writes() + restarted.writes(), 1u);
  std::lock_guard<std::mutex> lock(rec.mu);
  ASSERT_EQ(rec.patches.size(), 1u);
  EXPECT_EQ(rec.patches[0].first,
            "/apis/scheduling.k8s.io/v1beta1/namespaces/ml/podgroups/bad/status");
  const json& c = rec.patches[0].second["status"]["conditions"][0];
  EXPECT_EQ(c["type"], "PodGroupInitiallyScheduled");
  EXPECT_EQ(c["status"], "False");
  EXPECT_EQ(c["reason"], "SchedulerError");
  EXPECT_EQ(c["message"], refused.refused);
  EXPECT_EQ(c["observedGeneration"], 2);
  EXPECT_TRUE(c["lastTransitionTime"].is_string());
}

}  // namespace
}  // namespace kubemesos::loop
