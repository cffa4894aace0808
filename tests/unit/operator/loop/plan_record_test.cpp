// Preemption plans to registry records and back (loop/plan_record.h): the key (gang, else the
// first preemptor), whole-second wall times that never make a deadline earlier, the engine's
// clock on the way back, and times kept within what a record holds.
#include "operator/loop/plan_record.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace kubemesos::loop {
namespace {

double Unix(registry::TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

Preemption Plan() {
  Preemption p;
  p.kind = PreemptionKind::kPriority;
  p.group = "g";
  p.preemptors = {{"team/a", "team/fw", "n1"}, {"team/b", "team/fw", "n2"}};
  p.victims = {{"team/v", "team/other", "n1", "g", 3, 12.5}};
  p.created = 10.4;
  p.deadline = 70.2;
  p.message = "why";
  return p;
}

TEST(PlanRecord, KeyIsTheGangElseTheFirstPreemptor) {
  Preemption p = Plan();
  EXPECT_EQ(PlanKey(p), "team/a");
  registry::PreemptionRecord r = ToRecord(p, 1000);
  EXPECT_EQ(r.ns, "team");
  EXPECT_EQ(r.name, "a");
  p.gang = "team/job";
  EXPECT_EQ(PlanKey(p), "team/job");
  EXPECT_EQ(ToRecord(p, 1000).name, "job");
}

TEST(PlanRecord, RoundTripThroughTheWallClock) {
  const double offset = 1'800'000'000;
  registry::PreemptionRecord r = ToRecord(Plan(), offset);
  EXPECT_EQ(Unix(r.created), offset + 10);   // rounded down
  EXPECT_EQ(Unix(r.deadline), offset + 71);  // rounded up: never earlier than planned
  EXPECT_FALSE(r.reclaim);
  ASSERT_EQ(r.victims.size(), 1u);
  EXPECT_EQ(r.victims[0].priority, 3);
  // A new leader whose engine clock reads 5 at Unix time offset + 20.
  Preemption back = FromRecord(r, offset + 20 - 5);
  EXPECT_EQ(back.kind, PreemptionKind::kPriority);
  EXPECT_EQ(back.created, -5);
  EXPECT_EQ(back.deadline, 56);  // 51 s left, as before the change
  ASSERT_EQ(back.preemptors.size(), 2u);
  EXPECT_EQ(back.preemptors[1].node, "n2");
  EXPECT_EQ(back.victims[0].ran_seconds, 12.5);
  EXPECT_EQ(back.message, "why");
}

TEST(PlanRecord, TimesStayWithinWhatARecordHolds) {
  Preemption p = Plan();
  p.deadline = std::numeric_limits<double>::infinity();
  p.victims[0].ran_seconds = std::nan("");
  registry::PreemptionRecord r = ToRecord(p, 1'800'000'000);
  EXPECT_LE(Unix(r.deadline), 7'258'118'400.0);  // 2200
  EXPECT_EQ(r.victims[0].ran_seconds, 0);
  p = Plan();
  p.created = p.deadline = -1e12;  // before 1970
  r = ToRecord(p, 0);
  EXPECT_EQ(Unix(r.created), 0);
  EXPECT_GE(r.deadline, r.created);
}

}  // namespace
}  // namespace kubemesos::loop
