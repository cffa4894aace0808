// GroupTree on its own, without the allocator: validity of the hierarchy (weights, missing
// parents, loops, invalid ancestors), lookups while dirty, the reserving-group rule and
// reservation scopes, subtree allocations, and the quota questions (limits, guarantees,
// headroom), with the incremental headroom checked against a fresh tree.
#include "scheduler/group_tree.h"

#include <gtest/gtest.h>

#include <random>

namespace kubemesos {
namespace {

constexpr int kNone = GroupTree::kNone;

GroupSpec G(const std::string& name, const std::string& parent = "", double weight = 1,
            Labels selector = {}) {
  GroupSpec g;
  g.name = name;
  g.parent = parent;
  g.weight = weight;
  g.node_selector = std::move(selector);
  return g;
}

Resources Cpu(int64_t millis) {
  Resources r;
  r[kCpu] = millis;
  return r;
}

struct Built {
  ResourceCatalog catalog;
  GroupTree tree{catalog};
  explicit Built(const std::vector<GroupSpec>& groups) {
    for (const auto& g : groups) tree.Upsert(g);
    tree.Rebuild();
  }
  int operator[](const std::string& name) const { return tree.Find(name); }
};

struct ValidityCase {
  const char* name;
  std::vector<GroupSpec> groups;
  std::map<std::string, std::string> invalid;  // group -> message; every other group is valid
};

TEST(GroupTree, Validity) {
  const std::vector<ValidityCase> cases = {
      {"a valid hierarchy", {G("a"), G("b", "a"), G("c", "b", 3)}, {}},
      {"weight zero", {G("a", "", 0), G("b")}, {{"a", "weight must be greater than 0"}}},
      {"missing parent", {G("a", "nope"), G("b")}, {{"a", "parent group \"nope\" does not exist"}}},
      {"a loop, and a group below it",
       {G("a", "b"), G("b", "a"), G("c", "a"), G("d")},
       {{"a", "parent chain forms a loop"},
        {"b", "parent chain forms a loop"},
        {"c", "ancestor group \"a\" is invalid"}}},
      {"its own parent", {G("a", "a")}, {{"a", "parent chain forms a loop"}}},
      {"below an invalid ancestor",
       {G("a", "", -1), G("b", "a"), G("c", "b")},
       {{"a", "weight must be greater than 0"},
        {"b", "ancestor group \"a\" is invalid"},
        {"c", "ancestor group \"b\" is invalid"}}},  // the nearest invalid ancestor
  };
  for (const auto& tc : cases) {
    Built b(tc.groups);
    ASSERT_EQ(b.tree.size(), static_cast<int>(tc.groups.size()) + 1) << tc.name;
    for (const auto& g : tc.groups) {
      const int i = b[g.name];
      ASSERT_NE(i, kNone) << tc.name << " " << g.name;
      auto bad = tc.invalid.find(g.name);
      EXPECT_EQ(b.tree.valid(i), bad == tc.invalid.end()) << tc.name << " " << g.name;
      EXPECT_EQ(b.tree.invalid_message(i), bad == tc.invalid.end() ? "" : bad->second)
          << tc.name << " " << g.name;
      EXPECT_EQ(b.tree.Resolve(g.name), b.tree.valid(i) ? i : kNone) << tc.name;
      if (!b.tree.valid(i)) {
        EXPECT_EQ(b.tree.parent(i), kNone) << tc.name;
      }
    }
  }
}

TEST(GroupTree, IndicesInNameOrderAndTheOldTreeWhileDirty) {
  ResourceCatalog catalog;
  GroupTree tree(catalog);
  EXPECT_FALSE(tree.dirty());
  EXPECT_TRUE(tree.Upsert(G("b")));
  EXPECT_TRUE(tree.Upsert(G("a", "b")));
  EXPECT_TRUE(tree.dirty());
  EXPECT_EQ(tree.Find("a"), kNone);  // not built yet
  tree.Rebuild();
  EXPECT_EQ(tree.Find("a"), 1);
  EXPECT_EQ(tree.Find("b"), 2);
  EXPECT_EQ(tree.parent(1), 2);
  EXPECT_EQ(tree.parent(2), GroupTree::kRoot);
  EXPECT_TRUE(tree.InSubtree(1, 2));
  EXPECT_FALSE(tree.InSubtree(2, 1));
  EXPECT_FALSE(tree.Upsert(G("a", "b")));  // unchanged: still clean
  EXPECT_FALSE(tree.dirty());
  tree.Remove("missing");
  EXPECT_FALSE(tree.dirty());
  tree.Remove("a");
  EXPECT_TRUE(tree.dirty());
  EXPECT_EQ(tree.Resolve("b"), kNone);  // while dirty
  EXPECT_EQ(tree.Find("a"), 1);         // the old tree stands until the rebuild
  tree.Attach(2, Cpu(100));             // ignored while dirty
  EXPECT_EQ(tree.allocated(2)[kCpu], 0);
  tree.Rebuild();
  EXPECT_EQ(tree.Find("a"), kNone);
  EXPECT_EQ(tree.Resolve("b"), 1);
}

struct ReservationCase {
  const char* name;
  Labels labels;
  const char* group;  // "" = none
};

TEST(GroupTree, ReservationForTheDeepestValidMatch) {
  // gpu{pool=gpu} > train{pool=gpu,tier=train} > fast{pool=gpu,tier=train,speed=fast};
  // serve (under gpu) and alpha (top level) tie in depth with train/gpu; broken is invalid.
  Built b({G("gpu", "", 1, {{"pool", "gpu"}}),
           G("train", "gpu", 1, {{"pool", "gpu"}, {"tier", "train"}}),
           G("fast", "train", 1, {{"pool", "gpu"}, {"tier", "train"}, {"speed", "fast"}}),
           G("serve", "gpu", 1, {{"tier", "train"}}), G("alpha", "", 1, {{"pool", "gpu"}}),
           G("broken", "missing", 1, {{"pool", "gpu"}}), G("plain", "gpu")});
  const std::vector<ReservationCase> cases = {
      {"no labels", {}, ""},
      {"top level: alpha and gpu tie, first by name", {{"pool", "gpu"}}, "alpha"},
      {"deeper wins; serve and train tie, first by name",
       {{"pool", "gpu"}, {"tier", "train"}},
       "serve"},
      {"deepest wins", {{"pool", "gpu"}, {"tier", "train"}, {"speed", "fast"}}, "fast"},
      {"a child alone matching", {{"tier", "train"}}, "serve"},
      {"nothing matching", {{"pool", "cpu"}}, ""},
  };
  for (const auto& tc : cases) {
    int g = b.tree.ReservationFor(tc.labels);
    EXPECT_EQ(g == kNone ? "" : b.tree.name(g), tc.group) << tc.name;
  }
  // Scopes: the deepest reserving ancestor-or-self; none for invalid or unreserved groups.
  EXPECT_EQ(b.tree.reservation_scope(b["fast"]), b["fast"]);
  EXPECT_EQ(b.tree.reservation_scope(b["plain"]), b["gpu"]);
  EXPECT_EQ(b.tree.reservation_scope(b["broken"]), kNone);
  EXPECT_EQ(b.tree.reservation_scope(kNone), kNone);
}

TEST(GroupTree, ReservingGroupOnPlainInputs) {
  std::vector<GroupSpec> groups = {G("a", "", 1, {{"pool", "x"}}),
                                   G("b", "a", 1, {{"pool", "x"}, {"tier", "1"}})};
  EXPECT_EQ(ReservingGroup(groups, {{"pool", "x"}, {"tier", "1"}}), "b");
  EXPECT_EQ(ReservingGroup(groups, {{"pool", "x"}}), "a");
  EXPECT_EQ(ReservingGroup(groups, {{"pool", "y"}}), "");
  groups[0].weight = 0;  // a invalid: so is b below it
  EXPECT_EQ(ReservingGroup(groups, {{"pool", "x"}, {"tier", "1"}}), "");
}

TEST(GroupTree, AllocationsSumUpTheSubtree) {
  Built b({G("a"), G("b", "a"), G("c", "a"), G("d")});
  b.tree.Attach(b["b"], Cpu(300));
  b.tree.Attach(b["c"], Cpu(200));
  b.tree.Attach(b["c"], Cpu(0));
  b.tree.AddAllocation(b["b"], Cpu(-100));
  b.tree.AddAllocation(kNone, Cpu(1000));  // no group: nothing
  EXPECT_EQ(b.tree.allocated(b["b"])[kCpu], 200);
  EXPECT_EQ(b.tree.allocated(b["c"])[kCpu], 200);
  EXPECT_EQ(b.tree.allocated(b["a"])[kCpu], 400);
  EXPECT_EQ(b.tree.allocated(GroupTree::kRoot)[kCpu], 400);
  EXPECT_EQ(b.tree.allocated(b["d"])[kCpu], 0);
  EXPECT_EQ(b.tree.direct_frameworks(b["c"]), 2);
  EXPECT_EQ(b.tree.direct_frameworks(b["a"]), 0);
  b.tree.Detach(b["c"], Cpu(200));
  EXPECT_EQ(b.tree.direct_frameworks(b["c"]), 1);
  EXPECT_EQ(b.tree.allocated(b["a"])[kCpu], 200);
}

GroupSpec Quota(const std::string& name, const std::string& parent, int64_t guarantee,
                int64_t limit) {
  GroupSpec g = G(name, parent);
  if (guarantee >= 0) g.guarantee.Set(kCpu, guarantee);
  if (limit >= 0) g.limit.Set(kCpu, limit);
  return g;
}

TEST(GroupTree, LimitsAndGuarantees) {
  // top: limit 1000; mid (in top): limit 600, guarantee 400; leaf (in mid): guarantee 100.
  Built b({Quota("top", "", -1, 1000), Quota("mid", "top", 400, 600), Quota("leaf", "mid", 100, -1),
           G("other")});
  const int leaf = b["leaf"], mid = b["mid"], top = b["top"];
  b.tree.Attach(leaf, Cpu(500));
  EXPECT_EQ(b.tree.LimitViolation(leaf, Cpu(100)), kNone);  // 600 is within mid's limit
  EXPECT_EQ(b.tree.LimitViolation(leaf, Cpu(101)), mid);
  b.tree.Attach(b["other"], Cpu(0));
  Resources mem;
  mem[kMemory] = 1 << 30;
  EXPECT_EQ(b.tree.LimitViolation(leaf, mem), kNone);  // no limit on memory
  b.tree.Attach(top, Cpu(450));                        // top at 950 of 1000
  // Both mid (500+101 > 600) and top (950+101 > 1000) bind: the outermost is reported.
  EXPECT_EQ(b.tree.LimitViolation(leaf, Cpu(101)), top);
  EXPECT_EQ(b.tree.LimitViolation(kNone, Cpu(1 << 30)), kNone);
  // Guarantees: leaf's 100 is met (500), mid's 400 is met; nothing below guarantee.
  EXPECT_FALSE(b.tree.BelowGuarantee(leaf, Cpu(1)));
  Built fresh({Quota("mid", "", 400, -1), Quota("leaf", "mid", 100, -1)});
  fresh.tree.Attach(fresh["leaf"], Cpu(200));  // leaf met, mid not (200 < 400)
  EXPECT_TRUE(fresh.tree.BelowGuarantee(fresh["leaf"], Cpu(1)));
  EXPECT_FALSE(fresh.tree.BelowGuarantee(fresh["leaf"], mem));  // memory is not guaranteed
  EXPECT_FALSE(fresh.tree.BelowGuarantee(kNone, Cpu(1)));
}

GroupSpec Hold(GroupSpec g) {
  g.guarantee_policy = GuaranteePolicy::kHold;
  return g;
}

TEST(GroupTree, HeadroomForUnmetGuarantees) {
  // a guarantees 4000m and has nothing; b has no guarantee. 6000m free in the cluster. Every
  // guarantee is held (guaranteePolicy Hold).
  Built b({Hold(Quota("a", "", 4000, -1)), G("b"), Hold(Quota("p", "", 3000, -1)),
           Hold(Quota("q", "p", 1000, -1))});
  ResourceSum free;
  free[kCpu] = 6000;
  // Unmet: a 4000, p max(3000, q's 1000) = 3000: 7000 held back, more than is free.
  EXPECT_EQ(b.tree.HeadroomViolation(b["b"], Cpu(1), free), kCpu);
  free[kCpu] = 9000;
  EXPECT_EQ(b.tree.HeadroomViolation(b["b"], Cpu(2000), free), -1);  // 7000 left
  EXPECT_EQ(b.tree.HeadroomViolation(b["b"], Cpu(2001), free), kCpu);
  // Inside a's guarantee the placement reduces the headroom it needs by as much.
  EXPECT_EQ(b.tree.HeadroomViolation(b["a"], Cpu(4000), free), -1);
  // q's placement counts for p's guarantee too (q lies within p).
  EXPECT_EQ(b.tree.HeadroomViolation(b["q"], Cpu(3000), free), -1);
  Resources mem;
  mem[kMemory] = 1 << 30;
  EXPECT_EQ(b.tree.HeadroomViolation(b["b"], mem, free), -1);  // no guarantee on memory
  // Once the guarantees are met nothing is held back.
  b.tree.Attach(b["a"], Cpu(4000));
  b.tree.Attach(b["q"], Cpu(3000));
  free[kCpu] = 0;
  EXPECT_EQ(b.tree.HeadroomViolation(b["b"], Cpu(1), free), -1);
}

TEST(GroupTree, LentGuaranteesHoldNoHeadroom) {
  // The same groups under Lend (the default): nothing is held back; a Hold child under a Lend
  // parent still holds its own unmet guarantee.
  Built b({Quota("a", "", 4000, -1), G("b"), Quota("p", "", 3000, -1),
           Hold(Quota("q", "p", 1000, -1))});
  ResourceSum free;
  free[kCpu] = 6000;
  EXPECT_EQ(b.tree.HeadroomViolation(b["b"], Cpu(5000), free), -1);  // 1000 left for q
  EXPECT_EQ(b.tree.HeadroomViolation(b["b"], Cpu(5001), free), kCpu);
  // Revocable or not: within every guarantee on the path, and at least one guarantee covers it.
  EXPECT_TRUE(b.tree.WithinGuarantee(b["q"], Cpu(1000), false));
  EXPECT_FALSE(b.tree.WithinGuarantee(b["q"], Cpu(1001), false));
  EXPECT_FALSE(b.tree.WithinGuarantee(b["b"], Cpu(1), false));  // nothing guaranteed
  b.tree.Attach(b["a"], Cpu(4000));
  EXPECT_TRUE(b.tree.WithinGuarantee(b["a"], Cpu(4000), true));
  EXPECT_FALSE(b.tree.WithinGuarantee(b["a"], Cpu(1), false));
}

// "g3" (appended: GCC 12's -Wrestrict misreads "g" + std::to_string).
std::string Name(int g) {
  std::string name = "g";
  name += std::to_string(g);
  return name;
}

// The headroom kept up to date along each changed path does not depend on the history: after
// random gains and losses it answers every question as a fresh tree given the final allocations.
TEST(GroupTree, IncrementalHeadroomDoesNotDependOnHistory) {
  std::mt19937 rng(13);
  for (int round = 0; round < 30; ++round) {
    std::vector<GroupSpec> specs;
    for (int g = 0; g < 10; ++g) {
      std::string parent;
      if (g > 0 && rng() % 3 != 0) parent = Name(static_cast<int>(rng() % g));
      int64_t guarantee = rng() % 2 ? static_cast<int64_t>(rng() % 5000) : -1;
      specs.push_back(Quota(Name(g), parent, guarantee, -1));
    }
    Built live(specs);
    std::vector<int64_t> alloc(specs.size());
    for (int step = 0; step < 40; ++step) {
      int g = static_cast<int>(rng() % specs.size());
      int64_t delta = static_cast<int64_t>(rng() % 3000) - (alloc[g] > 0 ? 1500 : 0);
      delta = std::max<int64_t>(delta, -alloc[g]);
      alloc[g] += delta;
      live.tree.AddAllocation(live[specs[g].name], Cpu(delta));
    }
    Built rebuilt(specs);
    for (size_t g = 0; g < specs.size(); ++g)
      rebuilt.tree.Attach(rebuilt[specs[g].name], Cpu(alloc[g]));
    for (int64_t free = 0; free <= 30000; free += 2500) {
      ResourceSum total;
      total[kCpu] = free;
      for (size_t g = 0; g < specs.size(); ++g)
        for (int64_t req : {1, 500, 2000, 6000})
          ASSERT_EQ(live.tree.HeadroomViolation(live[specs[g].name], Cpu(req), total),
                    rebuilt.tree.HeadroomViolation(rebuilt[specs[g].name], Cpu(req), total))
              << "round " << round << " group " << g << " free " << free << " request " << req;
    }
  }
}

}  // namespace
}  // namespace kubemesos
