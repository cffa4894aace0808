// Gangs in the engine, one named case per rule of the design (G1-G11 in docs/design.md): all or
// nothing, the elastic surplus, competing gangs, limits, PodGroups that are missing, members
// that are missing, failed binds, degraded gangs first, the starving gang's reservation.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos {
namespace {

using testing::Framework;
using testing::Group;
using testing::Indexed;
using testing::Node;
using testing::PlacedPerFramework;
using testing::Res;
using testing::Task;

FrameworkSpec GangFramework(const std::string& key, const std::string& group, int min_member) {
  FrameworkSpec f = Framework(key, group);
  f.gang.min_member = min_member;
  return f;
}

void AddNodes(Allocator& a, int count, double cpu, const char* prefix = "n") {
  for (int i = 0; i < count; ++i) a.UpsertNode(Node(Indexed(prefix, i), cpu, 64));
}

void AddMembers(Allocator& a, const std::string& fw, int count, double cpu, uint64_t order = 0,
                const std::string& gang = "") {
  for (int i = 0; i < count; ++i) {
    PodSpec p = Task(fw + "-" + std::to_string(i), fw, cpu, 1, order + i);
    p.gang = gang;
    a.UpsertPod(p);
  }
}

const GangStatus* FindGang(const std::vector<GangStatus>& gangs, const std::string& key) {
  for (const auto& g : gangs)
    if (g.key == key) return &g;
  return nullptr;
}

// Binds every placement (the operator's watch echo), so the next cycle sees bound pods.
void Bind(Allocator& a, const AllocationResult& result, double cpu) {
  for (const auto& p : result.placements) {
    PodSpec pod = Task(p.pod, p.framework, cpu, 1);
    pod.node_name = p.node;
    a.UpsertPod(pod);
  }
}

TEST(Gang, NothingIsPlacedUntilTheWholeMinimumFits) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(GangFramework("ns/train", "g", 6));
  AddNodes(a, 5, 2);  // five members fit, one short
  AddMembers(a, "ns/train", 6, 2);
  auto result = a.Allocate(0);
  EXPECT_TRUE(result.placements.empty());
  ASSERT_EQ(result.unplaced.size(), 6u);
  for (const auto& u : result.unplaced) {
    EXPECT_EQ(u.reason.code, ReasonCode::kInsufficient) << u.reason.message;
    EXPECT_EQ(u.reason.Short(), "Insufficient cpu");
    EXPECT_NE(u.reason.message.find("Gang ns/train: 5/6 placeable."), std::string::npos)
        << u.reason.message;
    EXPECT_FALSE(u.reason.BlockedByPolicy());  // more nodes would help: the autoscaler may act
  }
  auto gangs = a.Gangs();
  ASSERT_EQ(gangs.size(), 1u);
  EXPECT_EQ(gangs[0].phase, GangPhase::kPending);
  EXPECT_EQ(gangs[0].pending, 6);
  EXPECT_EQ(gangs[0].active, 0);
  EXPECT_EQ(gangs[0].attempts, 1);
  EXPECT_EQ(gangs[0].waiting_since, 0);
  EXPECT_EQ(a.TotalAllocated()[kCpu], 0);  // the tentative placements were undone

  a.UpsertNode(Node("n5", 2, 64));
  result = a.Allocate(1);
  ASSERT_EQ(result.placements.size(), 6u);
  for (const auto& p : result.placements) EXPECT_EQ(p.gang, "ns/train");
  EXPECT_EQ(a.Gangs()[0].phase, GangPhase::kBinding);
  Bind(a, result, 2);
  EXPECT_EQ(a.Gangs()[0].phase, GangPhase::kRunning);
  EXPECT_EQ(a.Gangs()[0].bound, 6);
}

TEST(Gang, MembersBeyondTheMinimumArePlacedLikeOrdinaryTasks) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(GangFramework("ns/spark", "g", 4));
  AddNodes(a, 6, 1);
  AddMembers(a, "ns/spark", 8, 1);
  auto result = a.Allocate(0);
  ASSERT_EQ(result.placements.size(), 6u);
  int in_gang = 0;
  for (size_t i = 0; i < result.placements.size(); ++i) {
    if (!result.placements[i].gang.empty()) {
      ++in_gang;
      EXPECT_LT(i, 4u) << "the gang's placements come first, together";
    }
  }
  EXPECT_EQ(in_gang, 4);
  EXPECT_EQ(result.unplaced.size(), 2u);
}

// volcano#3373: two gangs that fit alone but not together, created at once.
TEST(Gang, OfTwoGangsThatDoNotFitTogetherExactlyOneRuns) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(GangFramework("ns/b", "g", 4));
  a.UpsertFramework(GangFramework("ns/a", "g", 4));
  AddNodes(a, 4, 1);
  AddMembers(a, "ns/b", 4, 1);
  AddMembers(a, "ns/a", 4, 1);
  auto result = a.Allocate(0);
  // Equal shares: the tie breaks by name, so ns/a wins, whole.
  EXPECT_EQ(PlacedPerFramework(result), (std::map<std::string, int>{{"ns/a", 4}}));
  Bind(a, result, 1);
  for (int cycle = 1; cycle < 5; ++cycle) EXPECT_TRUE(a.Allocate(cycle).placements.empty());
  const auto gangs = a.Gangs();
  auto b = FindGang(gangs, "ns/b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->phase, GangPhase::kPending);
  EXPECT_EQ(b->active, 0);
  // The winner finishes: the other runs, whole.
  for (int i = 0; i < 4; ++i) a.RemovePod("ns/a-" + std::to_string(i));
  EXPECT_EQ(PlacedPerFramework(a.Allocate(10)), (std::map<std::string, int>{{"ns/b", 4}}));
}

TEST(Gang, TheOneWithTheLowerShareWinsNotTheName) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(Framework("ns/a", "g"));
  a.UpsertFramework(Framework("ns/b", "g"));
  a.UpsertGang({"ns/pga", GangPolicy{.min_member = 2, .min_resources = {}}});
  a.UpsertGang({"ns/pgb", GangPolicy{.min_member = 2, .min_resources = {}}});
  AddNodes(a, 3, 1);
  PodSpec running = Task("ns/a-old", "ns/a", 1, 1);
  running.node_name = "n0";
  a.UpsertPod(running);  // ns/a already holds one node (outside its gang)
  AddMembers(a, "ns/a", 2, 1, 10, "ns/pga");
  AddMembers(a, "ns/b", 2, 1, 0, "ns/pgb");
  EXPECT_EQ(PlacedPerFramework(a.Allocate(0)), (std::map<std::string, int>{{"ns/b", 2}}));
}

TEST(Gang, AMinimumAboveTheGroupLimitCanNeverBePlacedAndSaysSo) {
  Allocator a;
  GroupSpec capped = Group("capped");
  capped.limit.Set(kCpu, 4000);
  a.UpsertGroup(capped);
  a.UpsertGroup(Group("other"));
  a.UpsertFramework(GangFramework("ns/big", "capped", 3));
  a.UpsertFramework(Framework("ns/small", "other"));
  AddNodes(a, 4, 4);
  AddMembers(a, "ns/big", 3, 2);    // 6 cpu > limit 4
  AddMembers(a, "ns/small", 8, 2);  // takes what the gang cannot use (rule G3)
  auto result = a.Allocate(0);
  EXPECT_EQ(PlacedPerFramework(result), (std::map<std::string, int>{{"ns/small", 8}}));
  auto u = testing::FindUnplaced(result, "ns/big-0");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->reason.code, ReasonCode::kQuotaLimit);
  EXPECT_TRUE(u->reason.BlockedByPolicy());
  EXPECT_NE(u->reason.message.find("can never be placed"), std::string::npos) << u->reason.message;
  // Said once: the next cycles repeat nothing.
  EXPECT_TRUE(a.Allocate(1).unplaced.empty());
}

TEST(Gang, DeclaredMinResourcesAreCheckedAgainstTheLimit) {
  Allocator a;
  GroupSpec capped = Group("capped");
  capped.limit.Set(kCpu, 4000);
  a.UpsertGroup(capped);
  FrameworkSpec f = GangFramework("ns/big", "capped", 1);
  f.gang.min_resources.Set(kCpu, 8000);
  a.UpsertFramework(f);
  AddNodes(a, 4, 4);
  AddMembers(a, "ns/big", 2, 1);
  auto result = a.Allocate(0);
  EXPECT_TRUE(result.placements.empty());
  ASSERT_FALSE(result.unplaced.empty());
  EXPECT_EQ(result.unplaced[0].reason.code, ReasonCode::kQuotaLimit);
}

TEST(Gang, AMissingPodGroupKeepsItsPodsWaitingNotUnschedulable) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(Framework("ns/jobs", "g"));
  AddNodes(a, 4, 1);
  AddMembers(a, "ns/jobs", 3, 1, 0, "ns/pg");
  auto result = a.Allocate(0);
  EXPECT_TRUE(result.placements.empty());
  ASSERT_EQ(result.unplaced.size(), 3u);
  EXPECT_EQ(result.unplaced[0].reason.code, ReasonCode::kWaitingForGang);
  EXPECT_EQ(result.unplaced[0].reason.Short(), "WaitingForPodGroup ns/pg");
  EXPECT_TRUE(result.unplaced[0].reason.BlockedByPolicy());
  EXPECT_TRUE(a.Gangs().empty());  // no spec, no status to write

  a.UpsertGang({"ns/pg", GangPolicy{.min_member = 3, .min_resources = {}}});
  result = a.Allocate(1);
  ASSERT_EQ(result.placements.size(), 3u);
  EXPECT_EQ(result.placements[0].gang, "ns/pg");
  auto gangs = a.Gangs();
  ASSERT_EQ(gangs.size(), 1u);
  EXPECT_TRUE(gangs[0].pod_group);

  a.RemoveGang("ns/pg");  // members on nodes stay; a new member waits again
  PodSpec late = Task("ns/late", "ns/jobs", 1, 1, 9);
  late.gang = "ns/pg";
  a.UpsertPod(late);
  result = a.Allocate(2);
  EXPECT_TRUE(result.placements.empty());
  auto u = testing::FindUnplaced(result, "ns/late");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->reason.code, ReasonCode::kWaitingForGang);
}

TEST(Gang, BasicPodGroupPlacesMembersOneByOne) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(Framework("ns/jobs", "g"));
  AddNodes(a, 2, 1);
  a.UpsertGang({"ns/basic", GangPolicy{}});  // min_member 0: no gang
  AddMembers(a, "ns/jobs", 3, 1, 0, "ns/basic");
  auto result = a.Allocate(0);
  EXPECT_EQ(result.placements.size(), 2u);
  EXPECT_TRUE(result.placements[0].gang.empty());
}

TEST(Gang, WaitsForItsMembersThenPlacesThemTogether) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(Framework("ns/jobs", "g"));
  a.UpsertGang({"ns/pg", GangPolicy{.min_member = 4, .min_resources = {}}});
  AddNodes(a, 4, 1);
  AddMembers(a, "ns/jobs", 3, 1, 0, "ns/pg");
  auto result = a.Allocate(0);
  EXPECT_TRUE(result.placements.empty());
  ASSERT_FALSE(result.unplaced.empty());
  EXPECT_EQ(result.unplaced[0].reason.code, ReasonCode::kWaitingForMembers);
  EXPECT_NE(result.unplaced[0].reason.message.find("4 members exist; 3 do"), std::string::npos)
      << result.unplaced[0].reason.message;
  EXPECT_EQ(a.Gangs()[0].phase, GangPhase::kWaitingForMembers);
  PodSpec last = Task("ns/jobs-3", "ns/jobs", 1, 1, 3);
  last.gang = "ns/pg";
  a.UpsertPod(last);
  EXPECT_EQ(a.Allocate(1).placements.size(), 4u);
}

TEST(Gang, AFailedBindIsRetriedAsTheRestOfTheMinimum) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(GangFramework("ns/train", "g", 3));
  AddNodes(a, 4, 1);
  AddMembers(a, "ns/train", 3, 1);
  auto result = a.Allocate(0);
  ASSERT_EQ(result.placements.size(), 3u);
  // Two bind, one fails.
  for (int i = 0; i < 2; ++i) {
    PodSpec pod = Task(result.placements[i].pod, "ns/train", 1, 1, i);
    pod.node_name = result.placements[i].node;
    a.UpsertPod(pod);
  }
  a.BindFailed(result.placements[2].pod, 1);
  auto gang = a.Gangs()[0];
  EXPECT_EQ(gang.active, 2);
  EXPECT_EQ(gang.pending, 1);
  auto retry = a.Allocate(2);
  EXPECT_EQ(a.Gangs()[0].below_min_since, -1);
  ASSERT_EQ(retry.placements.size(), 1u);
  EXPECT_EQ(retry.placements[0].gang, "ns/train");                 // decided as the gang's minimum
  EXPECT_NE(retry.placements[0].node, result.placements[2].node);  // refused for refuse_seconds
}

TEST(Gang, APartlyBoundGangIsTimedFromTheFirstCycleThatSeesIt) {
  // A new leader finds two of four members bound and no room for the rest.
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(GangFramework("ns/train", "g", 4));
  AddNodes(a, 2, 1);
  for (int i = 0; i < 4; ++i) {
    PodSpec p = Task("ns/train-" + std::to_string(i), "ns/train", 1, 1, i);
    if (i < 2) p.node_name = Indexed("n", i);
    a.UpsertPod(p);
  }
  EXPECT_TRUE(a.Allocate(100).placements.empty());
  auto gang = a.Gangs()[0];
  EXPECT_EQ(gang.active, 2);
  EXPECT_EQ(gang.below_min_since, 100);
  EXPECT_EQ(gang.phase, GangPhase::kPending);  // never reached its minimum here: not degraded
  a.Allocate(130);
  EXPECT_EQ(a.Gangs()[0].below_min_since, 100);
}

// volcano#5805: the freed capacity goes to the degraded gang, not to a fresh framework.
TEST(Gang, ADegradedGangIsServedBeforeOthersInItsGroup) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(GangFramework("ns/train", "g", 3));
  a.UpsertFramework(Framework("ns/fresh", "g"));
  AddNodes(a, 3, 1);
  AddMembers(a, "ns/train", 3, 1);
  auto result = a.Allocate(0);
  ASSERT_EQ(result.placements.size(), 3u);
  Bind(a, result, 1);
  a.Allocate(1);
  EXPECT_EQ(a.Gangs()[0].phase, GangPhase::kRunning);
  // A member dies; its replacement and a fresh framework's task compete for the one free node.
  a.RemovePod("ns/train-2");
  EXPECT_EQ(a.Gangs()[0].phase, GangPhase::kDegraded);
  a.UpsertPod(Task("ns/fresh-0", "ns/fresh", 1, 1, 0));
  a.UpsertPod(Task("ns/train-2b", "ns/train", 1, 1, 10));
  EXPECT_EQ(PlacedPerFramework(a.Allocate(2)), (std::map<std::string, int>{{"ns/train", 1}}));
}

TEST(Gang, SucceededMembersCountTowardTheMinimum) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(GangFramework("ns/train", "g", 3));
  AddNodes(a, 1, 1);
  PodSpec done = Task("ns/train-0", "ns/train", 1, 1, 0);
  done.node_name = "n0";
  done.terminal = done.succeeded = true;
  a.UpsertPod(done);
  done.key = "ns/train-1";
  a.UpsertPod(done);
  a.UpsertPod(Task("ns/train-2", "ns/train", 1, 1, 2));
  auto result = a.Allocate(0);
  ASSERT_EQ(result.placements.size(), 1u);  // need = 3 - 2 finished = 1
  EXPECT_EQ(result.placements[0].gang, "ns/train");
  // A failed pod does not count (a preempted member never counts as succeeded).
  a.RemovePod("ns/train-0");
  a.RemovePod("ns/train-1");
  PodSpec failed = Task("ns/train-0", "ns/train", 1, 1, 0);
  failed.terminal = true;
  a.UpsertPod(failed);
  a.UpsertPod(Task("ns/train-3", "ns/train", 1, 1, 3));
  // It had reached its minimum (two finished, one placed), so it is degraded now.
  auto gang = a.Gangs()[0];
  EXPECT_EQ(gang.phase, GangPhase::kDegraded);
  EXPECT_EQ(gang.active, 1);
}

TEST(Gang, AddingAGangToAFrameworkRegroupsItsPendingTasks) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  a.UpsertFramework(Framework("ns/f", "g"));
  AddNodes(a, 2, 1);
  AddMembers(a, "ns/f", 3, 1);
  a.UpsertFramework(GangFramework("ns/f", "g", 3));
  EXPECT_TRUE(a.Allocate(0).placements.empty());
  a.UpsertFramework(Framework("ns/f", "g"));  // gang dropped: placed one by one again
  EXPECT_EQ(a.Allocate(1).placements.size(), 2u);
  EXPECT_TRUE(a.Gangs().empty());
}

// Rule G6: a starving gang reserves what it could place, for a bounded time, while small tasks
// keep arriving; it gets its turn within its wait plus the reservation timeout.
TEST(Gang, AStarvingGangReservesForABoundedTimeAndGetsItsTurn) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  FrameworkSpec big = GangFramework("ns/big", "g", 4);
  big.gang.starvation_seconds = 30;
  big.gang.reservation_timeout_seconds = 60;
  a.UpsertFramework(big);
  a.UpsertFramework(Framework("ns/small", "g"));
  AddNodes(a, 4, 4);
  // Small tasks hold every node; each finishes after a while and a new one arrives at once.
  int next = 0;
  std::map<std::string, std::string> running;  // pod -> node
  auto add_small = [&](uint64_t order) {
    a.UpsertPod(Task("ns/small-" + std::to_string(next++), "ns/small", 1, 1, order));
  };
  for (int i = 0; i < 16; ++i) {
    PodSpec pod = Task("ns/small-" + std::to_string(next++), "ns/small", 1, 1, i);
    pod.node_name = Indexed("n", i % 4);
    running[pod.key] = pod.node_name;
    a.UpsertPod(pod);
  }
  AddMembers(a, "ns/big", 4, 4, 1000);
  double placed_at = -1;
  double reserved_seen_until = -1;
  for (int t = 0; t <= 200 && placed_at < 0; t += 5) {
    auto result = a.Allocate(t);
    for (const auto& p : result.placements) {
      if (p.framework == "ns/big") {
        placed_at = t;
      } else {
        running[p.pod] = p.node;
        PodSpec pod = Task(p.pod, "ns/small", 1, 1);
        pod.node_name = p.node;
        a.UpsertPod(pod);
      }
    }
    auto gang = *FindGang(a.Gangs(), "ns/big");
    if (gang.phase == GangPhase::kReserving) {
      EXPECT_GE(t, 30) << "reserves only after starvation_seconds";
      EXPECT_LE(t, gang.reserved_until) << "never outlives its timeout";
      EXPECT_GT(gang.reserved[kCpu], 0);
      reserved_seen_until = gang.reserved_until;
    }
    // Two small tasks finish and two arrive every 5 s.
    for (int k = 0; k < 2 && !running.empty(); ++k) {
      auto it = running.begin();
      a.RemovePod(it->first);
      running.erase(it);
      add_small(next);
    }
  }
  EXPECT_GE(reserved_seen_until, 0) << "the gang never reserved";
  ASSERT_GE(placed_at, 0) << "the gang starved";
  // All small tasks on its nodes have finished by t=65 (16 tasks, 2 every 5 s); the next
  // cycle places the gang, well within its wait plus the reservation timeout.
  EXPECT_LE(placed_at, 70);
}

TEST(Gang, AReservationEndsAtItsTimeoutAndFreesTheNodes) {
  Allocator a;
  a.UpsertGroup(Group("g"));
  FrameworkSpec big = GangFramework("ns/big", "g", 3);
  big.gang.starvation_seconds = 10;
  big.gang.reservation_timeout_seconds = 20;
  a.UpsertFramework(big);
  a.UpsertFramework(Framework("ns/small", "g"));
  AddNodes(a, 2, 1);  // the gang of 3 can never fit: it reserves 2 nodes, then lets go
  AddMembers(a, "ns/big", 3, 1);
  a.Allocate(0);
  a.Allocate(10);  // starving now: reserves both nodes
  auto gang = a.Gangs()[0];
  ASSERT_EQ(gang.phase, GangPhase::kReserving);
  EXPECT_EQ(gang.reserved[kCpu], 2000);
  EXPECT_EQ(gang.reserved_until, 30);
  a.UpsertPod(Task("ns/small-0", "ns/small", 1, 1));
  EXPECT_TRUE(a.Allocate(20).placements.empty()) << "reserved capacity is not offered to others";
  auto result = a.Allocate(30);
  EXPECT_EQ(PlacedPerFramework(result), (std::map<std::string, int>{{"ns/small", 1}}));
  gang = a.Gangs()[0];
  EXPECT_EQ(gang.reserved[kCpu], 0);
  EXPECT_EQ(gang.reserved_until, -1);
  EXPECT_EQ(a.TotalAllocated()[kCpu], 1000);
  // Backing off: no new reservation for backoff_base_seconds.
  a.Allocate(35);
  EXPECT_NE(a.Gangs()[0].phase, GangPhase::kReserving);
}

TEST(Gang, OneReservingGangPerTopLevelGroup) {
  Allocator a;
  a.UpsertGroup(Group("top"));
  a.UpsertGroup(Group("left", 1, "top"));
  a.UpsertGroup(Group("right", 1, "top"));
  for (const char* key : {"ns/x", "ns/y"}) {
    FrameworkSpec f = GangFramework(key, std::string(key) == "ns/x" ? "left" : "right", 4);
    f.gang.starvation_seconds = 1;
    a.UpsertFramework(f);
  }
  AddNodes(a, 3, 1);
  AddMembers(a, "ns/x", 4, 1);
  AddMembers(a, "ns/y", 4, 1);
  a.Allocate(0);
  a.Allocate(5);
  a.Allocate(6);
  int reserving = 0;
  for (const auto& g : a.Gangs()) reserving += g.phase == GangPhase::kReserving;
  EXPECT_EQ(reserving, 1);
}

}  // namespace
}  // namespace kubemesos
