// NodePool on its own, without the allocator: adding, updating and removing nodes (which changes
// count, which do not), slot reuse, usage and free (negative free, clipping in the free total),
// exact totals beyond int64, reservations following the group tree, the eligibility epoch
// (bumped by eligibility-relevant changes only), the placement order following usage, and the
// incremental totals checked against totals recomputed from scratch after random operations.
#include "scheduler/node_pool.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace kubemesos {
namespace {

constexpr int kNone = NodePool::kNone;
using Change = NodePool::Change;

Resources Res(int64_t cpu, int64_t memory = 0) {
  Resources r;
  r[kCpu] = cpu;
  r[kMemory] = memory;
  return r;
}

NodeSpec N(const std::string& name, Resources allocatable, Labels labels = {}) {
  NodeSpec n;
  n.name = name;
  n.allocatable = allocatable;
  n.labels = std::move(labels);
  return n;
}

ResourceSum Sum(const Resources& r) {
  ResourceSum s;
  s += r;
  return s;
}

struct Pool {
  ResourceCatalog catalog;
  GroupTree groups{catalog};
  NodePool pool{catalog, groups, Policy::kBinpack};
  Pool() { groups.Rebuild(); }
};

struct UpdateCase {
  const char* name;
  void (*change)(NodeSpec&);
  Change want;
};

TEST(NodePool, UpdateTable) {
  const std::vector<UpdateCase> cases = {
      {"same spec (heartbeat)", [](NodeSpec&) {}, Change::kUnchanged},
      {"labels", [](NodeSpec& n) { n.labels["zone"] = "b"; }, Change::kUpdated},
      {"not ready", [](NodeSpec& n) { n.ready = false; }, Change::kUpdated},
      {"cordoned", [](NodeSpec& n) { n.unschedulable = true; }, Change::kUpdated},
      {"allocatable", [](NodeSpec& n) { n.allocatable[kCpu] = 5000; }, Change::kUpdated},
      {"allocatable clamped to the same",
       [](NodeSpec& n) { n.allocatable[kMemory] = -5; },  // stored as 0, as before
       Change::kUnchanged},
      {"a taint added",
       [](NodeSpec& n) {
         n.taints.push_back({"k", "v"});
       },
       Change::kUpdated},
      {"a taint's value", [](NodeSpec& n) { n.taints[0].value = "w"; }, Change::kUpdated},
      {"a taint's effect", [](NodeSpec& n) { n.taints[0].effect = TaintEffect::kNoExecute; },
       Change::kUpdated},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Pool p;
    NodeSpec spec = N("n", Res(4000), {{"zone", "a"}});
    spec.taints.push_back({"t", "v", TaintEffect::kNoSchedule});
    ASSERT_EQ(p.pool.Upsert(spec).change, Change::kAdded);
    p.pool.AddUsage(0, Res(1000));
    const uint64_t epoch = p.pool.epoch();
    c.change(spec);
    auto got = p.pool.Upsert(spec);
    EXPECT_EQ(got.node, 0);
    EXPECT_EQ(got.change, c.want);
    EXPECT_EQ(p.pool.epoch() > epoch, c.want != Change::kUnchanged);
    EXPECT_EQ(p.pool.count(), 1u);
    // Usage survives an update; free follows the new allocatable.
    EXPECT_EQ(p.pool.used(0), Sum(Res(1000)));
    EXPECT_EQ(p.pool.node(0).free[kCpu], spec.allocatable[kCpu] - 1000);
    EXPECT_EQ(p.pool.node(0).spec.labels, spec.labels);
  }
}

TEST(NodePool, AddRemoveAndSlotReuse) {
  Pool p;
  EXPECT_EQ(p.pool.Upsert(N("a", Res(1000))).node, 0);
  EXPECT_EQ(p.pool.Upsert(N("b", Res(2000))).node, 1);
  EXPECT_EQ(p.pool.Upsert(N("c", Res(4000))).node, 2);
  EXPECT_EQ(p.pool.Find("b"), 1);
  EXPECT_EQ(p.pool.Find("x"), kNone);
  p.pool.AddUsage(1, Res(500));
  EXPECT_EQ(p.pool.capacity(), Sum(Res(7000)));
  EXPECT_EQ(p.pool.used_total(), Sum(Res(500)));
  EXPECT_EQ(p.pool.free_total(), Sum(Res(6500)));

  uint64_t epoch = p.pool.epoch();
  EXPECT_EQ(p.pool.Remove("x"), kNone);  // unknown: nothing changes
  EXPECT_EQ(p.pool.epoch(), epoch);
  EXPECT_EQ(p.pool.Remove("b"), 1);
  EXPECT_GT(p.pool.epoch(), epoch);
  EXPECT_EQ(p.pool.Find("b"), kNone);
  EXPECT_EQ(p.pool.count(), 2u);
  EXPECT_EQ(p.pool.slots(), 3);
  EXPECT_FALSE(p.pool.node(1).alive);
  // The removed node's usage leaves the totals with it.
  EXPECT_EQ(p.pool.capacity(), Sum(Res(5000)));
  EXPECT_EQ(p.pool.used_total(), ResourceSum{});
  EXPECT_EQ(p.pool.free_total(), Sum(Res(5000)));

  // A new node takes the freed slot, clean: no usage of the node that had it.
  auto d = p.pool.Upsert(N("d", Res(8000)));
  EXPECT_EQ(d.node, 1);
  EXPECT_EQ(d.change, Change::kAdded);
  EXPECT_EQ(p.pool.used(1), ResourceSum{});
  EXPECT_EQ(p.pool.node(1).free, Res(8000));
  EXPECT_EQ(p.pool.node(1).spec.name, "d");
  EXPECT_EQ(p.pool.slots(), 3);
  // The same name comes back as a new node in a new slot.
  EXPECT_EQ(p.pool.Upsert(N("b", Res(2000))).node, 3);
}

TEST(NodePool, UsageAndFree) {
  Pool p;
  p.pool.Upsert(N("a", Res(1000, 100)));
  NodeSpec cordoned = N("b", Res(2000, 200));
  cordoned.unschedulable = true;
  p.pool.Upsert(cordoned);
  const uint64_t epoch = p.pool.epoch();

  p.pool.AddUsage(0, Res(300, 10));
  EXPECT_EQ(p.pool.node(0).free, Res(700, 90));
  EXPECT_EQ(p.pool.free_total(), Sum(Res(700, 90)));  // the cordoned node adds no free
  // More than allocatable (pods bound by someone else): free goes negative, the free total
  // clips the node at zero.
  p.pool.AddUsage(0, Res(1200));
  EXPECT_EQ(p.pool.node(0).free, Res(-500, 90));
  EXPECT_EQ(p.pool.free_total(), Sum(Res(0, 90)));
  p.pool.AddUsage(1, Res(50, 5));
  EXPECT_EQ(p.pool.node(1).free, Res(1950, 195));
  EXPECT_EQ(p.pool.used_total(), Sum(Res(1550, 15)));  // used counts on every node
  EXPECT_EQ(p.pool.free_total(), Sum(Res(0, 90)));
  // Releasing is a negative delta.
  p.pool.AddUsage(0, Resources{} - Res(1500, 10));
  EXPECT_EQ(p.pool.used(0), ResourceSum{});
  EXPECT_EQ(p.pool.free_total(), Sum(Res(1000, 100)));
  // Uncordoning adds the node's free (not its allocatable) to the free total.
  cordoned.unschedulable = false;
  p.pool.Upsert(cordoned);
  EXPECT_EQ(p.pool.free_total(), Sum(Res(2950, 295)));
  EXPECT_EQ(p.pool.epoch(), epoch + 1);  // the uncordon; usage never bumps it
}

TEST(NodePool, TotalsAreExactBeyondInt64) {
  Pool p;
  Resources huge = Res(kMaxAmount);
  huge[kCpu] = INT64_MAX;  // clamped to kMaxAmount
  for (int i = 0; i < 4; ++i) p.pool.Upsert(N("n" + std::to_string(i), huge));
  EXPECT_EQ(p.pool.node(0).spec.allocatable[kCpu], kMaxAmount);
  EXPECT_EQ(p.pool.capacity()[kCpu], WideAmount{kMaxAmount} * 4);
  for (int i = 0; i < 4; ++i) p.pool.AddUsage(i, Res(kMaxAmount));
  EXPECT_EQ(p.pool.used_total()[kCpu], WideAmount{kMaxAmount} * 4);
  EXPECT_EQ(p.pool.free_total()[kCpu], 0);
  p.pool.AddUsage(0, Res(kMaxAmount));  // usage past int64 on one node: exact, free clamped
  EXPECT_EQ(p.pool.used(0)[kCpu], WideAmount{kMaxAmount} * 2);
  EXPECT_EQ(p.pool.node(0).free[kCpu], -kMaxAmount);
}

TEST(NodePool, ReservationsFollowTheGroups) {
  Pool p;
  GroupSpec gpu;
  gpu.name = "gpu";
  gpu.node_selector = {{"pool", "gpu"}};
  p.groups.Upsert(gpu);
  p.groups.Rebuild();
  p.pool.Upsert(N("a", Res(1000), {{"pool", "gpu"}}));
  p.pool.Upsert(N("b", Res(1000), {{"pool", "cpu"}}));
  EXPECT_EQ(p.pool.node(0).reserved_for, p.groups.Find("gpu"));
  EXPECT_EQ(p.pool.node(1).reserved_for, GroupTree::kNone);

  gpu.node_selector = {{"pool", "cpu"}};
  p.groups.Upsert(gpu);
  p.groups.Rebuild();
  EXPECT_EQ(p.pool.node(0).reserved_for, p.groups.Find("gpu"));  // until refreshed
  const uint64_t epoch = p.pool.epoch();
  p.pool.RefreshReservations();
  EXPECT_GT(p.pool.epoch(), epoch);
  EXPECT_EQ(p.pool.node(0).reserved_for, GroupTree::kNone);
  EXPECT_EQ(p.pool.node(1).reserved_for, p.groups.Find("gpu"));
  EXPECT_TRUE(p.pool.node(0).healthy);
}

TEST(NodePool, HealthTable) {
  struct Case {
    const char* name;
    bool ready, unschedulable, healthy;
  };
  const std::vector<Case> cases = {{"ready", true, false, true},
                                   {"not ready", false, false, false},
                                   {"cordoned", true, true, false},
                                   {"both", false, true, false}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Pool p;
    NodeSpec n = N("n", Res(1000));
    n.ready = c.ready;
    n.unschedulable = c.unschedulable;
    p.pool.Upsert(n);
    EXPECT_EQ(p.pool.node(0).healthy, c.healthy);
    EXPECT_EQ(p.pool.free_total(), c.healthy ? Sum(Res(1000)) : ResourceSum{});
    EXPECT_EQ(p.pool.capacity(), Sum(Res(1000)));  // capacity counts every live node
  }
}

TEST(NodePool, OrderFollowsUsage) {
  Pool p;
  for (const char* name : {"a", "b", "c"}) p.pool.Upsert(N(name, Res(1000, 1000)));
  p.pool.AddUsage(2, Res(600, 600));
  p.pool.AddUsage(1, Res(300, 300));
  p.pool.RefreshOrder();
  EXPECT_EQ(p.pool.order().order(), (std::vector<int>{2, 1, 0}));  // binpack: most allocated
  p.pool.Remove("c");
  p.pool.RefreshOrder();
  EXPECT_EQ(p.pool.order().order(), (std::vector<int>{1, 0}));
  // An exhausted node is skipped by every cursor for the rest of the cycle.
  p.pool.MarkExhausted(1);
  NodeCursor cursor;
  EXPECT_EQ(p.pool.order().Next(cursor, 1, [](int) { return true; }), 0);
}

// Random operations; after each, the incremental totals equal the totals recomputed from the
// nodes, and a node's free equals FreeOf(allocatable, usage).
TEST(NodePool, TotalsMatchARecount) {
  Pool p;
  std::mt19937 rng(7);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  for (int step = 0; step < 3000; ++step) {
    const std::string name = "n" + std::to_string(pick(12));
    switch (pick(4)) {
      case 0: {
        NodeSpec n = N(name, Res(pick(5) * 1000, pick(3) * 100));
        n.ready = pick(4) != 0;
        n.unschedulable = pick(4) == 0;
        p.pool.Upsert(n);
        break;
      }
      case 1:
        if (pick(3) == 0) p.pool.Remove(name);
        break;
      default:
        if (int node = p.pool.Find(name); node != kNone)
          p.pool.AddUsage(node, Res(pick(2001) - 1000, pick(201) - 100));
    }
    ResourceSum capacity, free, used;
    size_t live = 0;
    for (int s = 0; s < p.pool.slots(); ++s) {
      const NodeState& n = p.pool.node(s);
      if (!n.alive) continue;
      ++live;
      ASSERT_EQ(p.pool.Find(n.spec.name), s);
      ASSERT_EQ(n.free, FreeOf(n.spec.allocatable, p.pool.used(s)));
      capacity += n.spec.allocatable;
      used += p.pool.used(s);
      if (n.healthy)
        for (int r = 0; r < kMaxResourceKinds; ++r) free[r] += std::max<int64_t>(0, n.free[r]);
    }
    ASSERT_EQ(live, p.pool.count());
    ASSERT_EQ(p.pool.capacity(), capacity) << "step " << step;
    ASSERT_EQ(p.pool.used_total(), used) << "step " << step;
    ASSERT_EQ(p.pool.free_total(), free) << "step " << step;
  }
}

}  // namespace
}  // namespace kubemesos
