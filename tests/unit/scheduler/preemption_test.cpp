// Lend and reclaim, priority preemption inside a group, and the rules that keep preemption from
// storming: one named case per rule of the design (P1-P12) and per failure users reported in the
// anchors (volcano#4949, kueue#3779, YuniKorn's sibling storm, volcano#3291).
#include <gtest/gtest.h>

#include "tests/unit/scheduler/preemption_world.h"

namespace kubemesos::testing {
namespace {

GroupSpec Grp(const std::string& name, double guarantee_cpu = -1, const std::string& parent = "",
              double limit_cpu = -1) {
  GroupSpec g = Group(name, 1, parent);
  if (guarantee_cpu >= 0) g.guarantee.Set(kCpu, static_cast<int64_t>(guarantee_cpu * 1000));
  if (limit_cpu >= 0) g.limit.Set(kCpu, static_cast<int64_t>(limit_cpu * 1000));
  return g;
}

PodSpec Prio(PodSpec pod, int32_t priority) {
  pod.priority = priority;
  return pod;
}

int64_t Allocated(const Allocator& a, const std::string& group) {
  for (const auto& g : a.Groups())
    if (g.name == group) return g.allocated[kCpu];
  return -1;
}

// Two nodes of 4 cpu; "owner" guarantees 4 cpu and lends it; "borrower" has no guarantee and
// fills both nodes while the owner wants nothing.
class ReclaimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a.UpsertNode(Node("n1", 4, 64));
    a.UpsertNode(Node("n2", 4, 64));
    a.UpsertGroup(Grp("owner", 4));
    a.UpsertGroup(Grp("borrower"));
    a.UpsertFramework(Framework("ns/own", "owner"));
    a.UpsertFramework(Framework("ns/bor", "borrower"));
    for (int i = 0; i < 8; ++i) w.Add(Task(Indexed("ns/bor-", i), "ns/bor", 1, 1, i));
    auto r = w.Cycle(0);
    ASSERT_EQ(r.placements.size(), 8u);  // the unused guarantee went to work
    for (const auto& p : r.placements) EXPECT_TRUE(p.revocable);
  }
  Allocator a;
  PreemptionWorld w{a};
};

TEST_F(ReclaimTest, OwnerGetsItsGuaranteeBackAfterTheDelayWithTheMinimalSet) {
  w.Add(Task("ns/own-0", "ns/own", 1, 1, 0));
  w.Add(Task("ns/own-1", "ns/own", 1, 1, 1));
  // Pending for less than delaySeconds (30): no plan.
  EXPECT_TRUE(w.Cycle(100).preemptions.empty());
  EXPECT_TRUE(w.Cycle(129).preemptions.empty());
  auto r = w.Cycle(131);
  ASSERT_EQ(r.preemptions.size(), 2u);
  std::set<std::string> victims;
  for (const auto& plan : r.preemptions) {
    EXPECT_EQ(plan.kind, PreemptionKind::kReclaim);
    EXPECT_EQ(plan.group, "owner");
    ASSERT_EQ(plan.victims.size(), 1u);  // one 1-cpu victim per 1-cpu preemptor: minimal
    EXPECT_EQ(plan.victims[0].group, "borrower");
    ASSERT_EQ(plan.preemptors.size(), 1u);
    EXPECT_EQ(plan.preemptors[0].node, plan.victims[0].node);
    EXPECT_GT(plan.deadline, 131);
    victims.insert(plan.victims[0].pod);
  }
  EXPECT_EQ(victims.size(), 2u);
  EXPECT_EQ(a.Preemptions().size(), 2u);
  // While the victims terminate nothing is placed and nothing more is evicted.
  r = w.Cycle(132);
  EXPECT_TRUE(r.placements.empty());
  EXPECT_TRUE(r.preemptions.empty());
  // They leave; the borrower's ReplicaSet re-creates them at once: the freed capacity goes to
  // the owner (nominated), not back to the re-created pods.
  w.Drain(/*recreate=*/true);
  r = w.Cycle(133);
  EXPECT_EQ(PlacedPerFramework(r)["ns/own"], 2);
  EXPECT_EQ(PlacedPerFramework(r)["ns/bor"], 0);
  for (const auto& p : r.placements) EXPECT_FALSE(p.revocable);  // within its guarantee
  EXPECT_TRUE(a.Preemptions().empty());
  EXPECT_TRUE(r.nominations_ended.empty());
  // The borrower has no guarantee to reclaim: its re-created pods wait, forever, without storms.
  for (double t = 134; t < 400; t += 7) EXPECT_TRUE(w.Cycle(t).preemptions.empty()) << t;
  EXPECT_EQ(w.evicted.size(), 2u);
}

// Deployment pods carry the cluster's default spread (ScheduleAnyway): a soft term does not keep
// them from preempting; a required one (DoNotSchedule spread) does, since only a per-task search
// checks it.
TEST_F(ReclaimTest, SoftSpreadPreemptsRequiredSpreadDoesNot) {
  auto spread = [](bool hard) {
    SpreadConstraint c;
    c.topology_key = "kubernetes.io/hostname";
    c.do_not_schedule = hard;
    c.system_default = !hard;
    c.selector.requirements.push_back({"app", NodeSelectorRequirement::Op::kIn, {"own"}, false});
    return c;
  };
  PodSpec soft = Task("ns/own-soft", "ns/own", 1, 1, 0);
  soft.labels = {{"app", "own"}};
  soft.constraints.spread = {spread(false)};
  w.Add(soft);
  w.Cycle(100);
  auto r = w.Cycle(131);
  ASSERT_EQ(r.preemptions.size(), 1u);
  EXPECT_EQ(r.preemptions[0].preemptors[0].pod, "ns/own-soft");
  w.Drain(true);
  EXPECT_EQ(PlacedPerFramework(w.Cycle(132))["ns/own"], 1);

  PodSpec hard = Task("ns/own-hard", "ns/own", 1, 1, 1);
  hard.labels = {{"app", "own"}};
  hard.constraints.spread = {spread(true)};
  w.Add(hard);
  for (double t = 133; t < 300; t += 10) EXPECT_TRUE(w.Cycle(t).preemptions.empty()) << t;
}

TEST_F(ReclaimTest, NeverMoreThanTheGuarantee) {
  for (int i = 0; i < 6; ++i) w.Add(Task(Indexed("ns/own-", i), "ns/own", 1, 1, i));
  w.Cycle(100);
  auto r = w.Cycle(131);
  int victims = 0;
  for (const auto& plan : r.preemptions) victims += static_cast<int>(plan.victims.size());
  EXPECT_EQ(victims, 4);  // the guarantee is 4 cpu; the other 2 tasks wait like anyone
  w.Drain(true);
  w.Cycle(132);
  for (double t = 133; t < 300; t += 5) w.Cycle(t), w.Drain(true);
  EXPECT_EQ(w.evicted.size(), 4u);
  EXPECT_EQ(w.BoundCount("ns/own"), 4);
  EXPECT_EQ(Allocated(a, "owner"), 4000 + 4 * 0);
}

TEST_F(ReclaimTest, AGroupWithReclaimNeverDoesNotPreempt) {
  GroupSpec owner = Grp("owner", 4);
  owner.preemption.reclaim = false;
  owner.preemption.within_group = false;
  a.UpsertGroup(owner);
  w.Add(Task("ns/own-0", "ns/own", 1, 1, 0));
  for (double t = 100; t < 400; t += 10) EXPECT_TRUE(w.Cycle(t).preemptions.empty());
}

TEST_F(ReclaimTest, PreemptionOffClusterWideDoesNotPreempt) {
  AllocatorOptions options;
  options.preemption.enabled = false;
  Allocator off(options);
  off.UpsertNode(Node("n1", 1, 64));
  off.UpsertGroup(Grp("owner", 1));
  off.UpsertGroup(Grp("borrower"));
  off.UpsertFramework(Framework("ns/own", "owner"));
  off.UpsertFramework(Framework("ns/bor", "borrower"));
  off.UpsertPod(Task("ns/bor-0", "ns/bor", 1, 1));
  off.Allocate(0);
  off.UpsertPod(Task("ns/own-0", "ns/own", 1, 1));
  for (double t = 1; t < 200; t += 10) EXPECT_TRUE(off.Allocate(t).preemptions.empty());
}

TEST_F(ReclaimTest, HoldKeepsTheGuaranteeIdle) {
  Allocator hold;
  hold.UpsertNode(Node("n1", 4, 64));
  GroupSpec owner = Grp("owner", 3);
  owner.guarantee_policy = GuaranteePolicy::kHold;
  hold.UpsertGroup(owner);
  hold.UpsertGroup(Grp("borrower"));
  hold.UpsertFramework(Framework("ns/bor", "borrower"));
  AddTasks(hold, "ns/bor", 4, 1, 1);
  EXPECT_EQ(hold.Allocate(0).placements.size(), 1u);  // 3 cpu held for the owner
}

// A group below its guarantee takes from others only down to their own guarantee (P2).
TEST(Reclaim, GuaranteeFloorOfTheVictimGroup) {
  Allocator a;
  PreemptionWorld w(a);
  a.UpsertNode(Node("n1", 8, 64));
  a.UpsertGroup(Grp("a", 4));
  a.UpsertGroup(Grp("b", 6));
  a.UpsertFramework(Framework("ns/a", "a"));
  a.UpsertFramework(Framework("ns/b", "b"));
  for (int i = 0; i < 8; ++i) w.Add(Task(Indexed("ns/b-", i), "ns/b", 1, 1, i));
  w.Cycle(0);
  for (int i = 0; i < 4; ++i) w.Add(Task(Indexed("ns/a-", i), "ns/a", 1, 1, i));
  w.Cycle(1);
  auto r = w.Cycle(40);
  int victims = 0;
  for (const auto& plan : r.preemptions) victims += static_cast<int>(plan.victims.size());
  EXPECT_EQ(victims, 2);  // b keeps its 6
  w.Drain(true);
  for (double t = 41; t < 300; t += 5) w.Cycle(t), w.Drain(true);
  EXPECT_EQ(w.evicted.size(), 2u);
  EXPECT_EQ(Allocated(a, "b"), 6000);
  EXPECT_EQ(Allocated(a, "a"), 2000);
}

// volcano#4949: Queue1 deserves 3 cpu and runs one 4-cpu pod; Queue2 (1 cpu) cannot take it
// without leaving Queue1 below its guarantee, so it never evicts it: no loop.
TEST(Reclaim, Volcano4949IndivisibleVictimIsNeverEvicted) {
  Allocator a;
  PreemptionWorld w(a);
  a.UpsertNode(Node("n1", 4, 64));
  a.UpsertGroup(Grp("q1", 3));
  a.UpsertGroup(Grp("q2", 1));
  a.UpsertFramework(Framework("ns/q1", "q1"));
  a.UpsertFramework(Framework("ns/q2", "q2"));
  w.Add(Task("ns/q1-big", "ns/q1", 4, 1));
  w.Cycle(0);
  w.Add(Task("ns/q2-0", "ns/q2", 1, 1));
  for (double t = 1; t < 600; t += 3) {
    w.Cycle(t);
    w.Drain(true);
  }
  EXPECT_TRUE(w.evicted.empty());
  EXPECT_TRUE(w.Bound("ns/q1-big"));
}

// kueue#3779: a best-effort group with no guarantee borrows everything; a guaranteed group
// reclaims; the evicted pods come back at once and must not win the capacity back (no loop).
TEST(Reclaim, Kueue3779ZeroGuaranteeGroupDoesNotLoop) {
  Allocator a;
  PreemptionWorld w(a);
  for (int n = 0; n < 4; ++n) a.UpsertNode(Node(Indexed("n", n), 4, 64));
  a.UpsertGroup(Grp("best-effort", 0));
  GroupSpec team = Grp("team", 8);
  team.weight = 0.1;  // the lower weight: the best-effort group would win a fair-share contest
  a.UpsertGroup(team);
  a.UpsertFramework(Framework("ns/be", "best-effort"));
  a.UpsertFramework(Framework("ns/team", "team"));
  for (int i = 0; i < 16; ++i) w.Add(Task(Indexed("ns/be-", i), "ns/be", 1, 1, i));
  w.Cycle(0);
  for (int i = 0; i < 8; ++i) w.Add(Task(Indexed("ns/team-", i), "ns/team", 1, 1, i));
  for (double t = 1; t < 1000; t += 4) {
    w.Cycle(t);
    w.Drain(true);
  }
  EXPECT_EQ(w.evicted.size(), 8u);
  EXPECT_EQ(w.BoundCount("ns/team"), 8);
  EXPECT_EQ(w.BoundCount("ns/be"), 8);
}

// YuniKorn's storm: the parent guarantees, its two leaves do not. A leaf does not inherit the
// parent's deficit, so the siblings never preempt each other (LCA rule, P3).
TEST(Reclaim, SiblingsUnderAGuaranteedParentDoNotFight) {
  Allocator a;
  PreemptionWorld w(a);
  a.UpsertNode(Node("n1", 8, 64));
  a.UpsertGroup(Grp("region", 8));
  a.UpsertGroup(Grp("state1", -1, "region"));
  a.UpsertGroup(Grp("state2", -1, "region"));
  a.UpsertFramework(Framework("ns/s1", "state1"));
  a.UpsertFramework(Framework("ns/s2", "state2"));
  for (int i = 0; i < 8; ++i) w.Add(Task(Indexed("ns/s1-", i), "ns/s1", 1, 1, i));
  w.Cycle(0);
  for (int i = 0; i < 8; ++i) w.Add(Task(Indexed("ns/s2-", i), "ns/s2", 1, 1, i));
  for (double t = 1; t < 500; t += 5) {
    w.Cycle(t);
    w.Drain(true);
  }
  EXPECT_TRUE(w.evicted.empty());

  // With guarantees on the leaves, state2 takes back exactly its own 4.
  a.UpsertGroup(Grp("state1", 4, "region"));
  a.UpsertGroup(Grp("state2", 4, "region"));
  for (double t = 500; t < 1000; t += 5) {
    w.Cycle(t);
    w.Drain(true);
  }
  EXPECT_EQ(w.evicted.size(), 4u);
  EXPECT_EQ(Allocated(a, "state1"), 4000);
  EXPECT_EQ(Allocated(a, "state2"), 4000);
}

// A cousin reclaims across the hierarchy: compared at the children of the common ancestor.
TEST(Reclaim, AcrossTheHierarchyAtTheCommonAncestor) {
  Allocator a;
  PreemptionWorld w(a);
  a.UpsertNode(Node("n1", 8, 64));
  a.UpsertGroup(Grp("ml", 4));
  a.UpsertGroup(Grp("train", -1, "ml"));
  a.UpsertGroup(Grp("web"));
  a.UpsertFramework(Framework("ns/train", "train"));
  a.UpsertFramework(Framework("ns/web", "web"));
  for (int i = 0; i < 8; ++i) w.Add(Task(Indexed("ns/web-", i), "ns/web", 1, 1, i));
  w.Cycle(0);
  for (int i = 0; i < 6; ++i) w.Add(Task(Indexed("ns/train-", i), "ns/train", 1, 1, i));
  for (double t = 1; t < 300; t += 5) {
    w.Cycle(t);
    w.Drain(true);
  }
  EXPECT_EQ(w.evicted.size(), 4u);  // ml's guarantee, claimed for its child
  EXPECT_EQ(w.BoundCount("ns/train"), 4);
}

// Priority inside a group: strictly lower only, the lowest and youngest first, minimal (P6, P9).
TEST(Priority, HigherPreemptsTheMinimalSetOfLowerInItsGroup) {
  Allocator a;
  PreemptionWorld w(a);
  a.UpsertNode(Node("n1", 4, 64));
  a.UpsertGroup(Grp("g", -1, "", 4));
  a.UpsertFramework(Framework("ns/batch", "g"));
  a.UpsertFramework(Framework("ns/prod", "g"));
  w.Add(Prio(Task("ns/batch-old", "ns/batch", 1, 1, 0), 10));
  w.Cycle(0);
  w.Add(Prio(Task("ns/batch-mid", "ns/batch", 1, 1, 1), 5));
  w.Cycle(10);
  w.Add(Prio(Task("ns/batch-young", "ns/batch", 1, 1, 2), 5));
  w.Add(Prio(Task("ns/batch-x", "ns/batch", 1, 1, 3), 10));
  w.Cycle(20);
  // Equal priority never preempts; preemptionPolicy Never never does.
  w.Add(Prio(Task("ns/prod-eq", "ns/prod", 1, 1, 0), 10));
  PodSpec never = Prio(Task("ns/prod-never", "ns/prod", 1, 1, 1), 100);
  never.preempt_never = true;
  w.Add(never);
  EXPECT_TRUE(w.Cycle(21).preemptions.empty());
  w.Remove("ns/prod-eq");
  w.Remove("ns/prod-never");
  // A 2-cpu high-priority pod: the two priority-5 pods, youngest first, nothing else.
  w.Add(Prio(Task("ns/prod-0", "ns/prod", 2, 1, 2), 100));
  auto r = w.Cycle(22);  // no delay for priority preemption
  ASSERT_EQ(r.preemptions.size(), 1u);
  const auto& plan = r.preemptions[0];
  EXPECT_EQ(plan.kind, PreemptionKind::kPriority);
  std::set<std::string> victims;
  for (const auto& v : plan.victims) victims.insert(v.pod);
  EXPECT_EQ(victims, (std::set<std::string>{"ns/batch-mid", "ns/batch-young"}));
  w.Drain(true);
  r = w.Cycle(23);
  ASSERT_EQ(r.placements.size(), 1u);
  EXPECT_EQ(r.placements[0].pod, "ns/prod-0");
  // The re-created priority-5 pods wait; priority 5 < 10 can preempt nothing here.
  for (double t = 24; t < 200; t += 5) EXPECT_TRUE(w.Cycle(t).preemptions.empty());
}

// volcano#3291: a gang of two needs one free node and one node full of lower-priority pods. The
// plan covers free and freed capacity together and places the whole gang at once (P7).
TEST(Priority, TwoNodeGangWithOneFreeAndOneFullNode) {
  Allocator a;
  PreemptionWorld w(a);
  a.UpsertNode(Node("n1", 4, 64));
  a.UpsertNode(Node("n2", 4, 64));
  a.UpsertGroup(Grp("g"));
  a.UpsertFramework(Framework("ns/low", "g"));
  FrameworkSpec gang = Framework("ns/gang", "g");
  gang.gang.min_member = 2;
  gang.gang.starvation_seconds = 0;
  a.UpsertFramework(gang);
  for (int i = 0; i < 4; ++i) {
    PodSpec p = Task(Indexed("ns/low-", i), "ns/low", 1, 1, i);
    p.node_name = "n2";
    w.Add(p);
  }
  w.Cycle(0);
  w.Add(Prio(Task("ns/gang-0", "ns/gang", 4, 1, 0), 100));
  w.Add(Prio(Task("ns/gang-1", "ns/gang", 4, 1, 1), 100));
  auto r = w.Cycle(1);
  EXPECT_TRUE(r.placements.empty());  // never one member alone
  ASSERT_EQ(r.preemptions.size(), 1u);
  EXPECT_EQ(r.preemptions[0].gang, "ns/gang");
  EXPECT_EQ(r.preemptions[0].preemptors.size(), 2u);
  EXPECT_EQ(r.preemptions[0].victims.size(), 4u);
  w.Drain(true);
  r = w.Cycle(2);
  ASSERT_EQ(r.placements.size(), 2u);
  EXPECT_EQ(r.placements[0].gang, "ns/gang");
  EXPECT_NE(r.placements[0].node, r.placements[1].node);
}

// All or nothing: when the victims allowed cannot make room for the whole gang, nobody is evicted.
TEST(Priority, NoPlanWithoutRoomForTheWholeGang) {
  Allocator a;
  PreemptionWorld w(a);
  a.UpsertNode(Node("n1", 4, 64));
  a.UpsertNode(Node("n2", 4, 64));
  a.UpsertGroup(Grp("g"));
  a.UpsertFramework(Framework("ns/low", "g"));
  FrameworkSpec gang = Framework("ns/gang", "g");
  gang.gang.min_member = 3;
  gang.gang.starvation_seconds = 0;
  a.UpsertFramework(gang);
  for (int i = 0; i < 8; ++i) w.Add(Prio(Task(Indexed("ns/low-", i), "ns/low", 1, 1, i), 1));
  w.Cycle(0);
  for (int i = 0; i < 3; ++i) w.Add(Prio(Task(Indexed("ns/gang-", i), "ns/gang", 4, 1, i), 100));
  for (double t = 1; t < 100; t += 5) EXPECT_TRUE(w.Cycle(t).preemptions.empty());
}

// A gang is a victim only above its minimum (never broken).
TEST(Reclaim, GangVictimsLoseOnlySurplusMembers) {
  Allocator a;
  PreemptionWorld w(a);
  a.UpsertNode(Node("n1", 8, 64));
  a.UpsertGroup(Grp("owner", 4));
  a.UpsertGroup(Grp("ml"));
  a.UpsertFramework(Framework("ns/own", "owner"));
  FrameworkSpec gang = Framework("ns/job", "ml");
  gang.gang.min_member = 6;
  a.UpsertFramework(gang);
  for (int i = 0; i < 8; ++i) w.Add(Task(Indexed("ns/job-", i), "ns/job", 1, 1, i));
  w.Cycle(0);
  ASSERT_EQ(w.BoundCount("ns/job"), 8);
  for (int i = 0; i < 3; ++i) w.Add(Task(Indexed("ns/own-", i), "ns/own", 1, 1, i));
  for (double t = 1; t < 300; t += 5) {
    w.Cycle(t);
    w.Drain(false);
  }
  EXPECT_EQ(w.evicted.size(), 2u);  // the two surplus members
  EXPECT_EQ(w.BoundCount("ns/job"), 6);
  EXPECT_EQ(w.BoundCount("ns/own"), 2);
}

// P10b: victims younger than their framework's minRuntimeSeconds are not chosen.
TEST(Reclaim, MinRuntimeProtectsYoungVictims) {
  Allocator a;
  PreemptionWorld w(a);
  a.UpsertNode(Node("n1", 2, 64));
  a.UpsertGroup(Grp("owner", 2));
  a.UpsertGroup(Grp("borrower"));
  a.UpsertFramework(Framework("ns/own", "owner"));
  FrameworkSpec bor = Framework("ns/bor", "borrower");
  bor.min_runtime_seconds = 120;
  a.UpsertFramework(bor);
  w.Add(Task("ns/bor-0", "ns/bor", 1, 1, 0));
  w.Add(Task("ns/bor-1", "ns/bor", 1, 1, 1));
  w.Cycle(0);
  w.Add(Task("ns/own-0", "ns/own", 1, 1));
  for (double t = 1; t < 120; t += 10) EXPECT_TRUE(w.Cycle(t).preemptions.empty()) << t;
  // Then it is chosen, within one attempt interval (15 s) of becoming eligible.
  double planned_at = -1;
  for (double t = 121; t <= 140 && planned_at < 0; t += 1)
    if (!w.Cycle(t).preemptions.empty()) planned_at = t;
  EXPECT_GE(planned_at, 121);
  EXPECT_LE(planned_at, 120 + 15 + 1);
}

// P13: a framework that refuses revocable capacity is placed only within its guarantee.
TEST(Reclaim, DenyFrameworkIsNeverPlacedRevocably) {
  Allocator a;
  a.UpsertNode(Node("n1", 8, 64));
  a.UpsertGroup(Grp("g", 2));
  FrameworkSpec fw = Framework("ns/db", "g");
  fw.revocable = false;
  a.UpsertFramework(fw);
  AddTasks(a, "ns/db", 4, 1, 1);
  auto r = a.Allocate(0);
  EXPECT_EQ(r.placements.size(), 2u);
  const Unplaced* u = FindUnplaced(r, "ns/db-2");
  ASSERT_NE(u, nullptr);
  EXPECT_NE(u->reason.message.find("revocable"), std::string::npos);
  for (const auto& p : r.placements) EXPECT_FALSE(p.revocable);
}

// A 429 from a PodDisruptionBudget cancels the plan; the next plan chooses another victim.
TEST_F(ReclaimTest, EvictionRefusedCancelsThePlanAndAvoidsThatVictim) {
  w.Add(Task("ns/own-0", "ns/own", 1, 1, 0));
  w.Cycle(100);
  AllocationResult r = a.Allocate(131);  // not through the world: nothing is evicted yet
  ASSERT_EQ(r.preemptions.size(), 1u);
  const std::string refused = r.preemptions[0].victims[0].pod;
  a.EvictionFailed(refused, 131.5);
  EXPECT_TRUE(a.Preemptions().empty());
  r = w.Cycle(132);
  EXPECT_EQ(r.nominations_ended, std::vector<std::string>{"ns/own-0"});
  ASSERT_EQ(r.preemptions.size(), 1u);
  EXPECT_NE(r.preemptions[0].victims[0].pod, refused);
}

// A nomination whose victims never leave expires (P11): the capacity is released and said so.
TEST_F(ReclaimTest, NominationExpires) {
  w.Add(Task("ns/own-0", "ns/own", 1, 1, 0));
  w.Cycle(100);
  auto r = w.Cycle(131);
  ASSERT_EQ(r.preemptions.size(), 1u);
  const double deadline = r.preemptions[0].deadline;
  EXPECT_DOUBLE_EQ(deadline, 131 + 30 + 30);  // grace 30 + slack 30
  EXPECT_TRUE(w.Cycle(deadline - 1).nominations_ended.empty());
  r = w.Cycle(deadline);
  EXPECT_EQ(r.nominations_ended, std::vector<std::string>{"ns/own-0"});
  EXPECT_TRUE(a.Preemptions().empty());
  // After the attempt interval it plans again, not waiting for the stuck victim any more.
  EXPECT_TRUE(w.Cycle(deadline + 14).preemptions.empty());
  r = w.Cycle(deadline + 15);
  ASSERT_EQ(r.preemptions.size(), 1u);
  ASSERT_EQ(r.preemptions[0].victims.size(), 1u);
  EXPECT_NE(r.preemptions[0].victims[0].pod, w.plans[0].victims[0].pod);
}

// P10d: victims in flight are capped; the next plan waits until earlier victims are gone.
TEST(Reclaim, EvictionsInFlightAreCapped) {
  AllocatorOptions options;
  options.preemption.max_evictions_in_flight = 1;
  Allocator a(options);
  PreemptionWorld w(a);
  a.UpsertNode(Node("n1", 4, 64));
  a.UpsertGroup(Grp("owner", 4));
  a.UpsertGroup(Grp("borrower"));
  a.UpsertFramework(Framework("ns/own", "owner"));
  a.UpsertFramework(Framework("ns/bor", "borrower"));
  for (int i = 0; i < 4; ++i) w.Add(Task(Indexed("ns/bor-", i), "ns/bor", 1, 1, i));
  w.Cycle(0);
  for (int i = 0; i < 3; ++i) w.Add(Task(Indexed("ns/own-", i), "ns/own", 1, 1, i));
  w.Cycle(1);
  EXPECT_EQ(w.Cycle(40).preemptions.size(), 1u);
  EXPECT_TRUE(w.Cycle(41).preemptions.empty());  // one victim still in flight
  w.Drain(false);
  auto r = w.Cycle(42);
  EXPECT_EQ(PlacedPerFramework(r)["ns/own"], 1);
  EXPECT_EQ(r.preemptions.size(), 1u);  // the next one, now that the first is gone
}

// P16: a plan restored by a new leader is honoured, not replaced by a second victim set.
TEST(Reclaim, RestoredPlanIsHonouredNotReplanned) {
  auto build = [](Allocator& a, PreemptionWorld& w) {
    a.UpsertNode(Node("n1", 4, 64));
    a.UpsertGroup(Grp("owner", 2));
    a.UpsertGroup(Grp("borrower"));
    a.UpsertFramework(Framework("ns/own", "owner"));
    a.UpsertFramework(Framework("ns/bor", "borrower"));
    for (int i = 0; i < 4; ++i) {
      PodSpec p = Task(Indexed("ns/bor-", i), "ns/bor", 1, 1, i);
      p.node_name = "n1";
      p.started = 0;
      w.Add(p);
    }
    w.Add(Task("ns/own-0", "ns/own", 1, 1, 0));
  };
  Allocator first;
  PreemptionWorld w1(first);
  build(first, w1);
  w1.Cycle(0);
  auto r = w1.Cycle(40);
  ASSERT_EQ(r.preemptions.size(), 1u);
  const Preemption plan = r.preemptions[0];

  // The new leader sees the same world (the victim not yet terminating) and the stored plan.
  Allocator second;
  PreemptionWorld w2(second);
  build(second, w2);
  second.RestorePreemption(plan);
  ASSERT_EQ(second.Preemptions().size(), 1u);
  for (double t = 41; t < 60; t += 2) EXPECT_TRUE(w2.Cycle(t).preemptions.empty()) << t;
  w2.Remove(plan.victims[0].pod);
  r = w2.Cycle(61);
  ASSERT_EQ(r.placements.size(), 1u);
  EXPECT_EQ(r.placements[0].pod, "ns/own-0");
}

}  // namespace
}  // namespace kubemesos::testing
