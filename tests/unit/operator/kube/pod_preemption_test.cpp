// PodFromJson's preemption fields (kube/pod_preemption.h): terminating, preemptionPolicy,
// terminationGracePeriodSeconds (range-checked for pods to place, clamped for placed ones) and
// status.startTime in the engine's clock (bounded; unknown -> -1).
#include <gtest/gtest.h>

#include <ctime>

#include "operator/kube/objects.h"
#include "operator/kube/pod_preemption.h"
#include "operator/util/time_format.h"

namespace kubemesos::kube {
namespace {

using nlohmann::json;

json Pod(bool placed) {
  json pod = {
      {"kind", "Pod"},
      {"metadata", {{"name", "x"}, {"namespace", "team"}}},
      {"spec", {{"schedulerName", "kubemesos"}, {"containers", json::array({{{"name", "a"}}})}}}};
  if (placed) {
    pod["spec"]["nodeName"] = "n1";
    pod["status"] = {{"phase", "Running"}};
  }
  return pod;
}

TEST(PodPreemptionFields, DefaultsWhenAbsent) {
  ResourceCatalog catalog;
  auto pod = PodFromJson(Pod(false), catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  EXPECT_FALSE(pod.value->terminating);
  EXPECT_FALSE(pod.value->preempt_never);
  EXPECT_EQ(pod.value->grace_seconds, 30);
  EXPECT_EQ(pod.value->started, -1);
}

TEST(PodPreemptionFields, DeletionTimestampMakesATerminatingPodThatStillHoldsItsNode) {
  ResourceCatalog catalog;
  json object = Pod(true);
  object["metadata"]["deletionTimestamp"] = "2026-12-05T07:00:00Z";
  auto pod = PodFromJson(object, catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  EXPECT_TRUE(pod.value->terminating);
  EXPECT_EQ(pod.value->node_name, "n1");
  EXPECT_FALSE(pod.value->terminal);  // it still counts on n1
}

TEST(PodPreemptionFields, PreemptionPolicy) {
  ResourceCatalog catalog;
  for (auto [policy, never] :
       {std::pair{"Never", true}, std::pair{"PreemptLowerPriority", false}}) {
    json object = Pod(false);
    object["spec"]["preemptionPolicy"] = policy;
    auto pod = PodFromJson(object, catalog);
    ASSERT_TRUE(pod.ok()) << pod.error;
    EXPECT_EQ(pod.value->preempt_never, never) << policy;
  }
  // A policy from a newer API: a pending pod of ours is refused, naming the field.
  json object = Pod(false);
  object["spec"]["preemptionPolicy"] = "PreemptLowerPriorityIfPDBsAllow";
  auto refused = PodFromJson(object, catalog);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.unsupported);
  EXPECT_NE(refused.error.find("spec.preemptionPolicy: preemption policy "
                               "\"PreemptLowerPriorityIfPDBsAllow\" is not enforced"),
            std::string::npos)
      << refused.error;
  // A wrong type is malformed, not unsupported.
  object["spec"]["preemptionPolicy"] = 3;
  auto malformed = PodFromJson(object, catalog);
  ASSERT_FALSE(malformed.ok());
  EXPECT_FALSE(malformed.unsupported);
  // A placed pod never preempts: the policy is not its business (it keeps counting).
  json placed = Pod(true);
  placed["spec"]["preemptionPolicy"] = "Sometimes";
  EXPECT_TRUE(PodFromJson(placed, catalog).ok());
}

TEST(PodPreemptionFields, GracePeriodIsRangeChecked) {
  ResourceCatalog catalog;
  for (int64_t grace : {int64_t{0}, int64_t{1}, int64_t{600}, kMaxGraceSeconds}) {
    json object = Pod(false);
    object["spec"]["terminationGracePeriodSeconds"] = grace;
    auto pod = PodFromJson(object, catalog);
    ASSERT_TRUE(pod.ok()) << pod.error;
    EXPECT_EQ(pod.value->grace_seconds, static_cast<double>(grace));
  }
  for (int64_t grace : {int64_t{-1}, kMaxGraceSeconds + 1}) {
    json object = Pod(false);
    object["spec"]["terminationGracePeriodSeconds"] = grace;
    auto pod = PodFromJson(object, catalog);
    ASSERT_FALSE(pod.ok()) << grace;
    EXPECT_NE(pod.error.find("spec.terminationGracePeriodSeconds: out of range"), std::string::npos)
        << pod.error;
    // A placed pod keeps counting on its node: its value is clamped instead.
    json placed = Pod(true);
    placed["spec"]["terminationGracePeriodSeconds"] = grace;
    auto kept = PodFromJson(placed, catalog);
    ASSERT_TRUE(kept.ok()) << kept.error;
    EXPECT_EQ(kept.value->grace_seconds, grace < 0 ? 0.0 : static_cast<double>(kMaxGraceSeconds));
  }
  json object = Pod(false);
  object["spec"]["terminationGracePeriodSeconds"] = 1.5;
  EXPECT_FALSE(PodFromJson(object, catalog).ok());
}

TEST(PodPreemptionFields, StartTimeIsConvertedToTheEngineClock) {
  ResourceCatalog catalog;
  const std::time_t unix_now = 1'800'000'000;
  PodOptions options;
  options.engine_now = 5000;
  options.unix_now = static_cast<double>(unix_now);
  auto started = [&](const json& start, bool placed = true) {
    json object = Pod(placed);
    if (!start.is_null()) object["status"]["startTime"] = start;
    auto pod = PodFromJson(object, catalog, options);
    EXPECT_TRUE(pod.ok()) << pod.error;
    return pod.ok() ? pod.value->started : -2;
  };
  EXPECT_EQ(started(util::Rfc3339(unix_now - 120)), 5000 - 120);  // ran two minutes
  EXPECT_EQ(started(util::Rfc3339(unix_now + 60)), 5000);         // clock skew: now, not later
  EXPECT_EQ(started(util::Rfc3339(unix_now - 86400)), 0);  // before the engine clock's origin
  EXPECT_EQ(started(nullptr), -1);                         // unknown
  EXPECT_EQ(started("yesterday"), -1);                     // unreadable: unknown, still placed
  EXPECT_EQ(started("1969-12-31T23:59:59Z"), -1);          // out of bounds
  EXPECT_EQ(started(42), -1);
  EXPECT_EQ(started(util::Rfc3339(unix_now - 120), false), -1);  // not placed: not started
  options = PodOptions{};  // no clock given (simulate): unknown
  EXPECT_EQ(started(util::Rfc3339(unix_now - 120)), -1);
}

}  // namespace
}  // namespace kubemesos::kube
