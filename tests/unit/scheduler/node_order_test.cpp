// NodeOrder on its own: the binpack and spread rankings (ties by name), the incremental re-sort
// (always equal to a full sort), and the cursor (monotonic within a cycle, reset by a new one;
// spread's passes and ring; exhausted nodes skipped).
#include "scheduler/node_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos {
namespace {

struct Scored {
  std::string name;
  double score;
};

// Names of the nodes in the order's current ranking (slot i is named nodes[i].name).
std::vector<std::string> Names(const NodeOrder& order, const std::vector<Scored>& nodes) {
  std::vector<std::string> out;
  for (int n : order.order()) out.push_back(nodes[n].name);
  return out;
}

NodeOrder Build(Policy policy, const std::vector<Scored>& nodes) {
  NodeOrder order(policy);
  for (size_t i = 0; i < nodes.size(); ++i)
    order.Add(static_cast<int>(i), nodes[i].name, nodes[i].score);
  order.Refresh();
  return order;
}

TEST(NodeOrder, RankingTable) {
  const std::vector<Scored> nodes = {{"c", 0.5}, {"a", 0.5}, {"d", 0.9}, {"b", 0.1}, {"e", 0.0}};
  struct Case {
    const char* name;
    Policy policy;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {"binpack_most_allocated_first", Policy::kBinpack, {"d", "a", "c", "b", "e"}},
      {"spread_least_allocated_first", Policy::kSpread, {"e", "b", "a", "c", "d"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Names(Build(c.policy, nodes), nodes), c.want);
  }
}

TEST(NodeOrder, UpdatesApplyAtRefresh) {
  std::vector<Scored> nodes = {{"a", 0.1}, {"b", 0.2}, {"c", 0.3}};
  NodeOrder order = Build(Policy::kBinpack, nodes);
  order.Update(0, 0.9);
  EXPECT_EQ(Names(order, nodes), (std::vector<std::string>{"c", "b", "a"}));
  order.Refresh();
  EXPECT_EQ(Names(order, nodes), (std::vector<std::string>{"a", "c", "b"}));
}

TEST(NodeOrder, IncrementalResortTable) {
  // Each case: updates (slot, new score) applied between two refreshes.
  const std::vector<Scored> start = {{"n0", 0.0}, {"n1", 0.2}, {"n2", 0.4}, {"n3", 0.6},
                                     {"n4", 0.8}, {"n5", 0.4}, {"n6", 0.2}};
  struct Case {
    const char* name;
    std::vector<std::pair<int, double>> updates;
  };
  const Case cases[] = {
      {"none", {}},
      {"same_score", {{2, 0.4}}},
      {"one_up", {{0, 0.7}}},
      {"one_down", {{4, 0.1}}},
      {"to_a_tie", {{0, 0.4}}},
      {"swap_ends", {{0, 0.8}, {4, 0.0}}},
      {"twice_same_node", {{3, 0.0}, {3, 1.0}}},
      {"all", {{0, 0.3}, {1, 0.3}, {2, 0.3}, {3, 0.3}, {4, 0.3}, {5, 0.3}, {6, 0.3}}},
  };
  for (Policy policy : {Policy::kBinpack, Policy::kSpread}) {
    for (const auto& c : cases) {
      SCOPED_TRACE(std::string(c.name) + (policy == Policy::kBinpack ? " binpack" : " spread"));
      NodeOrder order = Build(policy, start);
      std::vector<Scored> now = start;
      for (auto [slot, score] : c.updates) {
        order.Update(slot, score);
        now[slot].score = score;
      }
      order.Refresh();
      EXPECT_EQ(Names(order, now), Names(Build(policy, now), now));  // as a full sort
    }
  }
}

TEST(NodeOrder, IncrementalResortMatchesFullSortOverManyRounds) {
  std::mt19937 rng(13);
  std::uniform_int_distribution<int> pick(0, 49), levels(0, 10);
  std::vector<Scored> nodes;
  for (int i = 0; i < 50; ++i) nodes.push_back({testing::Indexed("node-", i), 0.0});
  NodeOrder order = Build(Policy::kBinpack, nodes);
  for (int round = 0; round < 200; ++round) {
    for (int k = round % 7; k >= 0; --k) {
      int slot = pick(rng);
      nodes[slot].score = levels(rng) / 10.0;  // coarse levels: many ties, broken by name
      order.Update(slot, nodes[slot].score);
    }
    order.Refresh();
    ASSERT_EQ(Names(order, nodes), Names(Build(Policy::kBinpack, nodes), nodes)) << round;
  }
}

TEST(NodeOrder, AddAndRemove) {
  std::vector<Scored> nodes = {{"a", 0.5}, {"b", 0.7}, {"c", 0.1}};
  NodeOrder order = Build(Policy::kBinpack, nodes);
  order.Remove(1);
  order.Refresh();
  EXPECT_EQ(Names(order, nodes), (std::vector<std::string>{"a", "c"}));
  nodes[1] = {"z", 0.9};  // the slot is reused by another node
  order.Add(1, "z", 0.9);
  order.Refresh();
  EXPECT_EQ(Names(order, nodes), (std::vector<std::string>{"z", "a", "c"}));
}

// Free slots per node for a cursor walk: fits(node) while slots remain.
struct Walk {
  explicit Walk(std::map<int, int> free_slots) : slots(std::move(free_slots)) {}

  std::map<int, int> slots;
  std::vector<int> visited;  // every node fits() was asked about

  bool Fits(int node) {
    visited.push_back(node);
    return slots[node] > 0;
  }
  // Places up to `tasks` tasks, one slot each; the nodes chosen, -1 when none fits.
  std::vector<int> Place(const NodeOrder& order, NodeCursor& cursor, uint64_t cycle, int tasks) {
    std::vector<int> chosen;
    for (int t = 0; t < tasks; ++t) {
      int node = order.Next(cursor, cycle, [&](int n) { return Fits(n); });
      chosen.push_back(node);
      if (node >= 0) --slots[node];
    }
    return chosen;
  }
};

TEST(NodeOrder, CursorTable) {
  // Slots 0..3 ranked by binpack as 3, 2, 1, 0 (scores 0, .1, .2, .3) and by spread as 0..3.
  const std::vector<Scored> nodes = {{"n0", 0.0}, {"n1", 0.1}, {"n2", 0.2}, {"n3", 0.3}};
  struct Case {
    const char* name;
    Policy policy;
    std::map<int, int> slots;
    int tasks;
    std::vector<int> want;
  };
  const Case cases[] = {
      {"binpack_fills_the_most_allocated_first",
       Policy::kBinpack,
       {{0, 2}, {1, 2}, {2, 0}, {3, 1}},
       6,
       {3, 1, 1, 0, 0, -1}},
      {"binpack_nothing_fits", Policy::kBinpack, {{0, 0}, {1, 0}, {2, 0}, {3, 0}}, 1, {-1}},
      {"spread_one_per_node_per_pass",
       Policy::kSpread,
       {{0, 2}, {1, 1}, {2, 0}, {3, 3}},
       7,
       {0, 1, 3, 0, 3, 3, -1}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    NodeOrder order = Build(c.policy, nodes);
    NodeCursor cursor;
    Walk walk{c.slots};
    EXPECT_EQ(walk.Place(order, cursor, 1, c.tasks), c.want);
  }
}

TEST(NodeOrder, BinpackCursorNeverMovesBackWithinACycle) {
  const std::vector<Scored> nodes = {{"n0", 0.0}, {"n1", 0.1}, {"n2", 0.2}};  // ranked 2, 1, 0
  NodeOrder order = Build(Policy::kBinpack, nodes);
  NodeCursor cursor;
  Walk walk{{{0, 1}, {1, 1}, {2, 1}}};
  EXPECT_EQ(walk.Place(order, cursor, 1, 2), (std::vector<int>{2, 1}));
  walk.slots[2] = 5;  // capacity came back behind the cursor: not seen in this cycle
  walk.visited.clear();
  EXPECT_EQ(walk.Place(order, cursor, 1, 1), (std::vector<int>{0}));
  EXPECT_EQ(std::count(walk.visited.begin(), walk.visited.end(), 2), 0);
  // A new cycle starts from the top again.
  EXPECT_EQ(walk.Place(order, cursor, 2, 1), (std::vector<int>{2}));
}

TEST(NodeOrder, CursorWalkIsLinearPerCycle) {
  // Under binpack a node is asked about once per task placed on it and once when it stops
  // fitting; tasks that find nothing cost nothing more. A class's search is O(nodes + tasks
  // placed) per cycle, never O(nodes x tasks).
  std::vector<Scored> nodes;
  std::map<int, int> slots;
  for (int i = 0; i < 100; ++i) {
    nodes.push_back({testing::Indexed("n", i), i / 100.0});
    slots[i] = 3;
  }
  NodeOrder order = Build(Policy::kBinpack, nodes);
  NodeCursor cursor;
  Walk walk{slots};
  auto chosen = walk.Place(order, cursor, 1, 400);
  EXPECT_EQ(std::count(chosen.begin(), chosen.end(), -1), 100);
  EXPECT_EQ(walk.visited.size(), 300 + nodes.size());
  std::map<int, int> asked;
  for (int n : walk.visited) ++asked[n];
  for (auto [node, times] : asked) EXPECT_LE(times, 4) << node;  // 3 fits + 1 miss
}

TEST(NodeOrder, ExhaustedNodesAreSkippedUntilRefresh) {
  const std::vector<Scored> nodes = {{"n0", 0.0}, {"n1", 0.1}, {"n2", 0.2}};  // ranked 2, 1, 0
  NodeOrder order = Build(Policy::kBinpack, nodes);
  order.MarkExhausted(2);
  order.MarkExhausted(1);
  NodeCursor cursor;
  Walk walk{{{0, 1}, {1, 1}, {2, 1}}};
  EXPECT_EQ(walk.Place(order, cursor, 1, 1), (std::vector<int>{0}));
  EXPECT_EQ(walk.visited, (std::vector<int>{0}));  // the marked nodes were never asked about
  order.Refresh();
  walk.visited.clear();
  EXPECT_EQ(walk.Place(order, cursor, 2, 1), (std::vector<int>{2}));
}

TEST(NodeOrder, SpreadSkipsExhaustedNodesInItsFirstPass) {
  const std::vector<Scored> nodes = {{"n0", 0.0}, {"n1", 0.1}, {"n2", 0.2}};
  NodeOrder order = Build(Policy::kSpread, nodes);
  order.MarkExhausted(0);
  NodeCursor cursor;
  Walk walk{{{0, 5}, {1, 5}, {2, 5}}};
  EXPECT_EQ(walk.Place(order, cursor, 1, 4), (std::vector<int>{1, 2, 1, 2}));
}

}  // namespace
}  // namespace kubemesos
