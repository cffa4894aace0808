// DrfSorter on its own, with plain shares (as Mesos' sorter_tests.cpp tests its DRFSorter without
// the allocator): flat and weighted order, the hierarchy deciding before client shares, the tie
// rules, activation of groups with their clients, re-keying, and Sort agreeing with Pick.
#include "scheduler/drf_sorter.h"

#include <gtest/gtest.h>

#include <random>

namespace kubemesos {
namespace {

using Groups = std::vector<DrfSorter::Group>;

// Only the root: clients hang directly under it.
Groups Flat() {
  return Groups{{-1, 1, 0}};
}

TEST(DrfSorter, FlatOrderFollowsDominantShares) {
  DrfSorter s(Flat(), 8);
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.Pick(), -1);
  s.Add(0, 0, 0, 0.05);  // a
  s.Add(1, 0, 1, 0.06);  // b
  EXPECT_EQ(s.Sort(), (std::vector<int>{0, 1}));
  s.Add(2, 0, 2, 0.01);  // c
  s.Add(3, 0, 3, 0.03);  // d
  EXPECT_EQ(s.Sort(), (std::vector<int>{2, 3, 0, 1}));
  EXPECT_EQ(s.Pick(), 2);
  s.Remove(0);
  s.Update(1, 0.02);
  EXPECT_EQ(s.Sort(), (std::vector<int>{2, 1, 3}));
  EXPECT_TRUE(s.Contains(1));
  EXPECT_FALSE(s.Contains(0));
  s.Add(1, 0, 1, 0.5);  // already active: nothing changes
  EXPECT_EQ(s.Sort(), (std::vector<int>{2, 1, 3}));
}

TEST(DrfSorter, GroupWeightsDivideTheirShares) {
  // Groups 1..3 under the root with weights 1, 2, 10; one client each.
  Groups groups = Flat();
  groups.push_back({0, 1, 0.05});   // key .05
  groups.push_back({0, 2, 0.06});   // key .03
  groups.push_back({0, 10, 0.20});  // key .02
  DrfSorter s(groups, 3);
  for (int c = 0; c < 3; ++c) s.Add(c, c + 1, c, 0.0);
  EXPECT_EQ(s.Sort(), (std::vector<int>{2, 1, 0}));
  s.UpdateGroup(3, 0.25 * 10);  // key .25
  EXPECT_EQ(s.Sort(), (std::vector<int>{1, 0, 2}));
}

TEST(DrfSorter, TheHierarchyDecidesBeforeClientShares) {
  // root -> x (share .5) -> client 0 (share .01)
  //      -> y (share .2) -> client 1 (share .3), client 2 (share .1)
  Groups groups = Flat();
  groups.push_back({0, 1, 0.5});
  groups.push_back({0, 1, 0.2});
  DrfSorter s(groups, 3);
  s.Add(0, 1, 0, 0.01);
  s.Add(1, 2, 1, 0.3);
  s.Add(2, 2, 2, 0.1);
  EXPECT_EQ(s.Pick(), 2);
  EXPECT_EQ(s.Sort(), (std::vector<int>{2, 1, 0}));
  // Nested: y gets a subgroup z (share .05) holding client 1; z sorts among y's children.
  Groups nested = groups;
  nested.push_back({2, 1, 0.05});
  DrfSorter t(nested, 3);
  t.Add(0, 1, 0, 0.01);
  t.Add(1, 3, 1, 0.3);
  t.Add(2, 2, 2, 0.1);
  EXPECT_EQ(t.Sort(), (std::vector<int>{1, 2, 0}));
}

struct TieCase {
  const char* name;
  Groups groups;
  // (client, group, rank, share) in the order added
  std::vector<std::tuple<int, int, int, double>> clients;
  std::vector<int> order;
};

TEST(DrfSorter, Ties) {
  const std::vector<TieCase> cases = {
      {"clients by rank, not by id or insertion",
       Flat(),
       {{0, 0, 2, 0.1}, {1, 0, 0, 0.1}, {2, 0, 1, 0.1}},
       {1, 2, 0}},
      {"a client before a group of the same key",
       {{-1, 1, 0}, {0, 1, 0.1}},
       {{0, 1, 0, 0.0}, {1, 0, 5, 0.1}},
       {1, 0}},
      {"groups by index",
       {{-1, 1, 0}, {0, 2, 0.2}, {0, 1, 0.1}},
       {{0, 2, 0, 0.0}, {1, 1, 1, 0.0}},
       {1, 0}},
  };
  for (const auto& tc : cases) {
    DrfSorter s(tc.groups, 4);
    for (const auto& [client, group, rank, share] : tc.clients) s.Add(client, group, rank, share);
    EXPECT_EQ(s.Sort(), tc.order) << tc.name;
    EXPECT_EQ(s.Pick(), tc.order.front()) << tc.name;
  }
}

TEST(DrfSorter, GroupsAreActiveWhileAClientBelowIs) {
  // root -> 1 -> 2 -> client 0; root -> 3 -> client 1. Group 1's key is the lowest, but once
  // its only client leaves, the whole branch leaves the order.
  Groups groups = Flat();
  groups.push_back({0, 1, 0.0});
  groups.push_back({1, 1, 0.0});
  groups.push_back({0, 1, 0.9});
  DrfSorter s(groups, 2);
  s.Add(0, 2, 0, 0.0);
  s.Add(1, 3, 1, 0.0);
  EXPECT_EQ(s.Pick(), 0);
  s.Remove(0);
  EXPECT_EQ(s.Pick(), 1);
  s.Remove(1);
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.Pick(), -1);
  // Shares updated while inactive are used when the group becomes active again.
  s.UpdateGroup(1, 0.95);
  s.Add(0, 2, 0, 0.0);
  s.Add(1, 3, 1, 0.0);
  EXPECT_EQ(s.Pick(), 1);
}

TEST(DrfSorter, SortIsWhatPickServesInTurn) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> share(0, 1);
  for (int round = 0; round < 50; ++round) {
    // A random tree of 12 groups (each under an earlier one) and 30 clients.
    Groups groups = Flat();
    for (int g = 1; g < 12; ++g)
      groups.push_back({static_cast<int>(rng() % g), 1.0 + rng() % 3, share(rng)});
    DrfSorter s(groups, 30);
    for (int c = 0; c < 30; ++c) s.Add(c, 1 + static_cast<int>(rng() % 11), c, share(rng));
    for (int i = 0; i < 10; ++i) s.Update(static_cast<int>(rng() % 30), share(rng));
    std::vector<int> order = s.Sort();
    ASSERT_EQ(order.size(), 30u);
    for (int c : order) {
      ASSERT_EQ(s.Pick(), c);
      s.Remove(c);
    }
    EXPECT_TRUE(s.empty());
  }
}

}  // namespace
}  // namespace kubemesos
