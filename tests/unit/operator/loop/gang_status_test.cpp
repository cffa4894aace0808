// A Framework gang as users see it: status.gang, the GangSchedulable and GangScheduled
// conditions for every phase, stable text for a steady gang (no status write), and one Event per
// change of failure reason (not of its message).
#include "operator/loop/gang_status.h"

#include <gtest/gtest.h>

#include <ctime>

#include "operator/util/time_format.h"

namespace kubemesos::loop {
namespace {

using nlohmann::json;

GangStatus Gang(GangPhase phase, int bound, std::optional<Reason> failure = std::nullopt) {
  GangStatus g;
  g.key = "ml/train";
  g.min_member = 8;
  g.active = bound;
  g.bound = bound;
  g.pending = 8 - bound;
  g.phase = phase;
  g.last_failure = std::move(failure);
  return g;
}

Reason Insufficient() {
  return {ReasonCode::kInsufficient, "cpu", "Gang ml/train: 5/8 placeable"};
}
Reason Quota() {
  return {ReasonCode::kQuotaLimit, "team", "Gang ml/train: minimum 16 cpu exceeds limit 8"};
}

TEST(GangConditions, EveryPhase) {
  struct Case {
    const char* name;
    GangStatus gang;
    const char* schedulable_status;
    const char* schedulable_reason;
    const char* scheduled_status;
    const char* scheduled_reason;
  } cases[] = {
      {"not tried yet", Gang(GangPhase::kPending, 0), "Unknown", "NotAttempted", "False",
       "Pending"},
      {"capacity short", Gang(GangPhase::kPending, 0, Insufficient()), "False", "Unschedulable",
       "False", "Pending"},
      {"over its group's limit", Gang(GangPhase::kPending, 0, Quota()), "False", "QuotaExceeded",
       "False", "Pending"},
      {"reserving", Gang(GangPhase::kReserving, 0, Insufficient()), "False", "Unschedulable",
       "False", "Reserving"},
      {"too few members", Gang(GangPhase::kWaitingForMembers, 0), "False", "WaitingForMembers",
       "False", "WaitingForMembers"},
      {"binding", Gang(GangPhase::kBinding, 3), "True", "Schedulable", "False", "Binding"},
      {"running", Gang(GangPhase::kRunning, 8), "True", "Schedulable", "True", "MinMemberBound"},
      {"degraded, replacing", Gang(GangPhase::kDegraded, 6), "True", "Schedulable", "False",
       "Degraded"},
      {"degraded, cannot replace", Gang(GangPhase::kDegraded, 6, Insufficient()), "False",
       "Unschedulable", "False", "Degraded"},
  };
  for (const auto& c : cases) {
    GangCondition s = GangSchedulable(c.gang);
    GangCondition d = GangScheduled(c.gang);
    EXPECT_EQ(s.status, c.schedulable_status) << c.name;
    EXPECT_EQ(s.reason, c.schedulable_reason) << c.name;
    EXPECT_EQ(d.status, c.scheduled_status) << c.name;
    EXPECT_EQ(d.reason, c.scheduled_reason) << c.name;
  }
  EXPECT_EQ(GangSchedulable(Gang(GangPhase::kPending, 0, Insufficient())).message,
            "Insufficient cpu: Gang ml/train: 5/8 placeable");
  EXPECT_EQ(GangScheduled(Gang(GangPhase::kDegraded, 6)).message, "6/8 members bound");
}

TEST(FrameworkGangStatus, BlockAndConditions) {
  ResourceCatalog catalog;
  GangStatus g = Gang(GangPhase::kReserving, 0, Insufficient());
  g.attempts = 3;
  g.waiting_since = 1000;
  g.reserved_until = 1300;
  g.reserved[kCpu] = 5000;
  g.reserved[kMemory] = 10LL << 30;
  FrameworkGangStatus writer;
  json status = {{"conditions", json::array({{{"type", "Ready"}}})}};
  std::time_t before = std::time(nullptr);
  writer.Add(status, g.key, g, catalog, 1100);  // engine clock: waited 100 s, 200 s reserved left
  const json& gang = status["gang"];
  EXPECT_EQ(gang["phase"], "Reserving");
  EXPECT_EQ(gang["minMember"], 8);
  EXPECT_EQ(gang["active"], 0);
  EXPECT_EQ(gang["pending"], 8);
  EXPECT_EQ(gang["attempts"], 3);
  EXPECT_EQ(gang["reservedResources"], json({{"cpu", "5"}, {"memory", "10Gi"}}));
  EXPECT_EQ(gang["lastFailure"], "Insufficient cpu: Gang ml/train: 5/8 placeable");
  // Wall times: now - 100 s and now + 200 s (the clock may tick once during the call).
  std::string since = gang["waitingSince"], until = gang["reservedUntil"];
  EXPECT_TRUE(since == util::Rfc3339(before - 100) || since == util::Rfc3339(before - 99)) << since;
  EXPECT_TRUE(until == util::Rfc3339(before + 200) || until == util::Rfc3339(before + 201))
      << until;
  ASSERT_EQ(status["conditions"].size(), 3u);  // Ready kept, the two gang conditions appended
  EXPECT_EQ(status["conditions"][1]["type"], "GangSchedulable");
  EXPECT_EQ(status["conditions"][1]["status"], "False");
  EXPECT_EQ(status["conditions"][1]["reason"], "Unschedulable");
  EXPECT_EQ(status["conditions"][2]["type"], "GangScheduled");
  EXPECT_EQ(status["conditions"][2]["status"], "False");

  // The same gang a little later on the engine's clock: the same text, so no status write.
  json again = {{"conditions", json::array({{{"type", "Ready"}}})}};
  writer.Add(again, g.key, g, catalog, 1100.7);
  EXPECT_EQ(again, status);

  // Placed: times and failure are null (a merge patch removes them), schedulable is True.
  GangStatus running = Gang(GangPhase::kRunning, 8);
  json done = json::object();
  writer.Add(done, g.key, running, catalog, 1200);
  EXPECT_EQ(done["gang"]["phase"], "Running");
  EXPECT_TRUE(done["gang"]["waitingSince"].is_null());
  EXPECT_TRUE(done["gang"]["reservedUntil"].is_null());
  EXPECT_TRUE(done["gang"]["lastFailure"].is_null());
  EXPECT_EQ(done["gang"]["reservedResources"], json::object());
  EXPECT_EQ(done["conditions"][0]["status"], "True");
  EXPECT_EQ(done["conditions"][1]["reason"], "MinMemberBound");
}

TEST(GangFailureEvents, OncePerChangeOfReason) {
  GangFailureEvents events;
  GangStatus pod_group = Gang(GangPhase::kPending, 0, Insufficient());
  pod_group.pod_group = true;  // PodGroups are reported elsewhere
  pod_group.key = "ml/pg";
  GangStatus waiting = Gang(GangPhase::kPending, 0, Insufficient());

  auto first = events.Changes({pod_group, waiting});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].key, "ml/train");
  EXPECT_EQ(first[0].reason, "GangUnschedulable");
  EXPECT_EQ(first[0].message, "Insufficient cpu: Gang ml/train: 5/8 placeable");
  EXPECT_TRUE(events.Changes({pod_group, waiting}).empty());  // unchanged: no second Event
  waiting.last_failure->message = "Gang ml/train: 5/8 placeable. 0/16 nodes are available";
  EXPECT_TRUE(events.Changes({waiting}).empty());  // the same reason, other counts: no Event

  waiting.last_failure = Quota();  // a new reason: one Event
  auto quota = events.Changes({waiting});
  ASSERT_EQ(quota.size(), 1u);
  EXPECT_EQ(quota[0].reason, "GangQuotaExceeded");
  EXPECT_TRUE(events.Changes({waiting}).empty());

  // Placed, then failing again for the old reason: that is news again.
  EXPECT_TRUE(events.Changes({Gang(GangPhase::kRunning, 8)}).empty());
  EXPECT_EQ(events.Changes({waiting}).size(), 1u);
}

}  // namespace
}  // namespace kubemesos::loop
