// Randomized properties over thousands of generated clusters, checked by a brute-force model
// that shares nothing with the engine but the constraint matcher:
// no node over-committed, no limit exceeded, no pending task that would fit an eligible node
// within its groups' limits (unless held back by guarantee headroom), guarantees served
// whenever feasible, and identical output for identical input. The same properties hold for
// clusters of extreme amounts near the per-object maximum of 2^62 (issue #12): the model sums
// in its own 128-bit arithmetic, and the engine's totals and views must match it exactly.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos {
namespace {

using namespace kubemesos::testing;

// The per-object maximum of the overflow contract (kMaxAmount in resources.h), spelled out so
// that the model shares nothing with the engine.
constexpr int64_t kTop = int64_t{1} << 62;

// The model's exact totals: 128-bit, so sums of extreme amounts neither wrap nor saturate.
struct Wide {
  std::array<__int128, kMaxResourceKinds> a{};
  Wide& operator+=(const Resources& r) {
    for (int i = 0; i < kMaxResourceKinds; ++i) a[i] += r[i];
    return *this;
  }
  Wide& operator+=(const Wide& w) {
    for (int i = 0; i < kMaxResourceKinds; ++i) a[i] += w.a[i];
    return *this;
  }
  __int128 operator[](ResourceId id) const { return a[id]; }
  bool IsZero() const {
    for (auto v : a)
      if (v != 0) return false;
    return true;
  }
  // this + extra <= capacity in every kind.
  bool FitsWithin(const Resources& capacity, const Resources& extra = {}) const {
    for (int i = 0; i < kMaxResourceKinds; ++i)
      if (a[i] + extra[i] > capacity[i]) return false;
    return true;
  }
  // Clamped to int64, as the engine's views report totals.
  Resources Narrow() const {
    Resources out;
    for (int i = 0; i < kMaxResourceKinds; ++i)
      out[i] = a[i] > INT64_MAX ? INT64_MAX : a[i] < INT64_MIN ? INT64_MIN : int64_t(a[i]);
    return out;
  }
};

Wide Minus(Wide w, const Wide& o) {
  for (int i = 0; i < kMaxResourceKinds; ++i) w.a[i] -= o.a[i];
  return w;
}

struct World {
  std::vector<NodeSpec> nodes;
  std::vector<GroupSpec> groups;
  std::vector<FrameworkSpec> frameworks;
  std::vector<PodSpec> pods;
};

// `extreme`: amounts drawn near the per-object maximum, so that any two on one node, in one
// group or in the cluster's capacity overflow int64.
World Generate(uint32_t seed, bool extreme = false) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  // An extreme amount: the maximum, just below it, just above half of it, or a small one.
  auto huge = [&](int64_t small) -> int64_t {
    switch (pick(0, 4)) {
      case 0:
        return kTop;
      case 1:
        return kTop - pick(0, 1000);
      case 2:
        return kTop / 2 + pick(1, 1000);
      case 3:
        return kTop / 3 + pick(0, 1000);
      default:
        return small;
    }
  };
  World w;
  int node_count = pick(1, 12);
  for (int n = 0; n < node_count; ++n) {
    NodeSpec node = Node("n" + std::to_string(n), pick(1, 16), pick(1, 32), {}, pick(2, 20));
    node.labels["zone"] = "z" + std::to_string(pick(0, 2));
    if (pick(0, 9) == 0) node.ready = false;
    if (pick(0, 14) == 0) node.unschedulable = true;
    if (pick(0, 7) == 0) node.taints.push_back({"dedicated", "x", TaintEffect::kNoSchedule});
    if (pick(0, 9) == 0) node.labels["pool"] = "special";
    if (extreme) {
      node.allocatable[kCpu] = huge(node.allocatable[kCpu]);
      node.allocatable[kMemory] = huge(node.allocatable[kMemory]);
      if (pick(0, 1)) node.allocatable[kPods] = kTop;
    }
    w.nodes.push_back(node);
  }
  int group_count = pick(1, 5);
  bool quotas = pick(0, 1);
  for (int g = 0; g < group_count; ++g) {
    GroupSpec group = Group("g" + std::to_string(g), pick(1, 4));
    if (g > 0 && pick(0, 2) == 0) group.parent = "g" + std::to_string(pick(0, g - 1));
    if (quotas && pick(0, 2) == 0)
      group.limit.Set(kCpu, extreme ? huge(pick(1, 30) * 1000) : pick(1, 30) * 1000);
    if (quotas && pick(0, 3) == 0) group.guarantee.Set(kCpu, pick(1, 10) * 1000);
    if (extreme && group.guarantee.Has(kCpu) && pick(0, 1))
      group.guarantee.Set(
          kCpu, std::min(huge(1000), group.limit.Has(kCpu) ? group.limit.amount[kCpu] : kTop));
    if (pick(0, 9) == 0) group.node_selector = {{"pool", "special"}};
    w.groups.push_back(group);
  }
  int fw_count = pick(1, 6);
  for (int f = 0; f < fw_count; ++f) {
    FrameworkSpec fw =
        Framework("ns/f" + std::to_string(f), "g" + std::to_string(pick(0, group_count - 1)));
    if (pick(0, 15) == 0) fw.suspended = true;
    w.frameworks.push_back(fw);
  }
  int pod_count = pick(0, 60);
  for (int p = 0; p < pod_count; ++p) {
    int f = pick(0, fw_count - 1);
    PodSpec pod = Task("ns/p" + std::to_string(p), w.frameworks[f].key, pick(1, 8) * 0.5,
                       pick(1, 12) * 0.5, p);
    if (pick(0, 5) == 0)
      pod.constraints.node_selector = {{"zone", "z" + std::to_string(pick(0, 2))}};
    if (pick(0, 5) == 0) {
      Toleration t;
      t.key = "dedicated";
      t.exists = true;
      pod.constraints.tolerations.push_back(t);
    }
    if (extreme) {
      pod.request[kCpu] = huge(pod.request[kCpu]);
      if (pick(0, 1)) pod.request[kMemory] = huge(pod.request[kMemory]);
    }
    if (pick(0, extreme ? 2 : 6) == 0) {
      // Already running: on a random node (may be over-committed by a foreign scheduler).
      pod.node_name = w.nodes[pick(0, node_count - 1)].name;
      if (pick(0, 1)) pod.framework.clear();
    }
    w.pods.push_back(pod);
  }
  return w;
}

std::vector<std::string> Feed(Allocator& a, const World& w) {
  for (const auto& n : w.nodes) a.UpsertNode(n);
  for (const auto& g : w.groups) a.UpsertGroup(g);
  for (const auto& f : w.frameworks) a.UpsertFramework(f);
  for (const auto& p : w.pods) a.UpsertPod(p);
  auto result = a.Allocate(0);
  std::vector<std::string> out;
  for (const auto& p : result.placements) out.push_back(p.pod + "@" + p.node);
  return out;
}

// The brute-force model of the world after an allocation.
struct Model {
  const World& w;
  std::map<std::string, std::string> where;  // pod -> node
  std::map<std::string, Wide> used;          // node -> requests
  std::map<std::string, const GroupSpec*> groups;

  explicit Model(const World& world) : w(world) {
    for (const auto& g : w.groups) groups[g.name] = &g;
  }
  // Valid ancestors-or-self of a group, or empty when the chain is broken or loops.
  std::vector<const GroupSpec*> Path(const std::string& group) const {
    std::vector<const GroupSpec*> path;
    std::string at = group;
    for (int steps = 0; !at.empty(); ++steps) {
      auto it = groups.find(at);
      if (it == groups.end() || steps > static_cast<int>(groups.size())) return {};
      path.push_back(it->second);
      at = it->second->parent;
    }
    return path;
  }
  Wide GroupUsage(const std::string& group) const {
    Wide sum;
    for (const auto& p : w.pods) {
      auto it = where.find(p.key);
      if (it == where.end() || p.framework.empty()) continue;
      const FrameworkSpec* fw = Framework(p.framework);
      if (!fw) continue;
      for (const auto* g : Path(fw->group))
        if (g->name == group) sum += p.request;
    }
    return sum;
  }
  const FrameworkSpec* Framework(const std::string& key) const {
    for (const auto& f : w.frameworks)
      if (f.key == key) return &f;
    return nullptr;
  }
  bool EligibleFor(const PodSpec& pod, const NodeSpec& node,
                   const std::vector<const GroupSpec*>& path) const {
    if (!node.ready || node.unschedulable) return false;
    // The most specific reserving group owns the node.
    const GroupSpec* owner = nullptr;
    size_t owner_depth = 0;
    for (const auto& g : w.groups) {
      if (g.node_selector.empty() || !SelectorMatches(g.node_selector, node.labels)) continue;
      size_t depth = Path(g.name).size();
      if (depth == 0) continue;
      if (!owner || depth > owner_depth) owner = &g, owner_depth = depth;
    }
    if (owner) {
      bool inside = false;
      for (const auto* g : path) inside |= g == owner;
      if (!inside) return false;
    }
    return Admits(pod.constraints, {node.name, node.labels, node.taints});
  }
};

void CheckProperties(uint32_t seed, bool extreme = false) {
  World w = Generate(seed, extreme);
  Allocator a;
  auto placements = Feed(a, w);
  Model m(w);
  for (const auto& p : w.pods)
    if (!p.node_name.empty()) m.where[p.key] = p.node_name;
  std::map<std::string, Wide> preexisting;
  for (const auto& p : w.pods)
    if (!p.node_name.empty()) preexisting[p.node_name] += p.request;
  for (const auto& s : placements) {
    auto at = s.find('@');
    m.where[s.substr(0, at)] = s.substr(at + 1);
  }
  for (const auto& p : w.pods)
    if (m.where.count(p.key)) m.used[m.where[p.key]] += p.request;

  // 1. No node over-committed by our placements.
  for (const auto& n : w.nodes) {
    Wide mine = Minus(m.used[n.name], preexisting[n.name]);
    if (mine.IsZero()) continue;
    // Also: no negative free resources where we placed anything.
    EXPECT_TRUE(m.used[n.name].FitsWithin(n.allocatable)) << "seed " << seed << " node " << n.name;
    EXPECT_TRUE(n.ready && !n.unschedulable)
        << "seed " << seed << " placed on unhealthy " << n.name;
  }
  // 2. No limit exceeded (unless it already was before the cycle and nothing was added).
  for (const auto& g : w.groups) {
    if (!g.limit.Has(kCpu)) continue;
    Wide usage = m.GroupUsage(g.name);
    bool added = false;
    for (const auto& s : placements) {
      std::string pod = s.substr(0, s.find('@'));
      for (const auto& p : w.pods)
        if (p.key == pod && m.Framework(p.framework))
          for (const auto* pg : m.Path(m.Framework(p.framework)->group))
            added |= pg->name == g.name;
    }
    if (added) {
      EXPECT_TRUE(usage[kCpu] <= g.limit.amount[kCpu]) << "seed " << seed << " group " << g.name;
    }
  }
  // 3. Every pending task is explained, and none would fit an eligible node within its limits
  //    unless held back as headroom (only possible while some guarantee is unmet).
  bool any_unmet_guarantee = false;
  for (const auto& g : w.groups)
    if (g.guarantee.Has(kCpu) && !m.Path(g.name).empty() &&
        m.GroupUsage(g.name)[kCpu] < g.guarantee.amount[kCpu])
      any_unmet_guarantee = true;
  for (const auto& p : w.pods) {
    if (!p.node_name.empty() || m.where.count(p.key)) continue;
    auto reason = a.PendingReason(p.key);
    ASSERT_TRUE(reason.has_value()) << "seed " << seed << " pod " << p.key << " has no reason";
    const FrameworkSpec* fw = m.Framework(p.framework);
    if (!fw || fw->suspended) continue;
    auto path = m.Path(fw->group);
    if (path.empty()) {
      EXPECT_EQ(reason->code, ReasonCode::kUnknownGroup) << "seed " << seed;
      continue;
    }
    bool within_limits = true;
    for (const auto* g : path)
      if (g->limit.Has(kCpu) &&
          m.GroupUsage(g->name)[kCpu] + p.request[kCpu] > g->limit.amount[kCpu])
        within_limits = false;
    if (!within_limits) {
      EXPECT_EQ(reason->code, ReasonCode::kQuotaLimit) << "seed " << seed << " pod " << p.key;
      continue;
    }
    for (const auto& n : w.nodes) {
      if (!m.EligibleFor(p, n, path)) continue;
      bool fits = m.used[n.name].FitsWithin(n.allocatable, p.request);
      if (fits) {
        EXPECT_TRUE(any_unmet_guarantee && reason->message.find("headroom") != std::string::npos)
            << "seed " << seed << " pod " << p.key << " fits " << n.name
            << " but: " << reason->message;
      }
    }
    // 4. Guarantees served whenever feasible: a pending task of a group below its guarantee
    //    must not fit anywhere (headroom is never held against the group itself).
    for (const auto* g : path) {
      if (g->guarantee.Has(kCpu) && m.GroupUsage(g->name)[kCpu] < g->guarantee.amount[kCpu]) {
        EXPECT_NE(reason->message.find("0/"), std::string::npos) << "seed " << seed << " " << p.key;
      }
    }
  }
}

TEST(Properties, RandomClusters) {
  for (uint32_t seed = 1; seed <= 3000; ++seed) {
    CheckProperties(seed);
    if (::testing::Test::HasFailure()) break;
  }
}

// The engine's totals and views against the model, exactly: what the cluster offers, what its
// pods hold, each group's and framework's allocation (narrowed to int64, saturating, as the
// views report them), shares that are numbers; and every total back at zero once every pod and
// node is gone (adds and removes are exact, nothing saturated on the way).
void CheckTotals(uint32_t seed, bool extreme) {
  World w = Generate(seed, extreme);
  Allocator a;
  auto placements = Feed(a, w);
  Model m(w);
  for (const auto& p : w.pods)
    if (!p.node_name.empty()) m.where[p.key] = p.node_name;
  for (const auto& s : placements) m.where[s.substr(0, s.find('@'))] = s.substr(s.find('@') + 1);
  Wide capacity, allocated;
  for (const auto& n : w.nodes) capacity += n.allocatable;
  for (const auto& p : w.pods)
    if (m.where.count(p.key)) allocated += p.request;
  EXPECT_EQ(a.TotalCapacity(), capacity.Narrow()) << "seed " << seed;
  EXPECT_EQ(a.TotalAllocated(), allocated.Narrow()) << "seed " << seed;
  for (const auto& g : a.Groups()) {
    EXPECT_EQ(g.allocated, m.GroupUsage(g.name).Narrow()) << "seed " << seed << " " << g.name;
    EXPECT_TRUE(std::isfinite(g.dominant_share) && g.dominant_share >= 0) << "seed " << seed;
  }
  for (const auto& f : a.Frameworks()) {
    Wide usage;
    for (const auto& p : w.pods)
      if (p.framework == f.key && m.where.count(p.key)) usage += p.request;
    EXPECT_EQ(f.allocated, usage.Narrow()) << "seed " << seed << " " << f.key;
    EXPECT_TRUE(std::isfinite(f.dominant_share) && f.dominant_share >= 0) << "seed " << seed;
  }
  for (const auto& p : w.pods) a.RemovePod(p.key);
  EXPECT_TRUE(a.TotalAllocated().IsZero()) << "seed " << seed;
  for (const auto& g : a.Groups()) EXPECT_TRUE(g.allocated.IsZero()) << "seed " << seed;
  for (const auto& f : a.Frameworks()) EXPECT_TRUE(f.allocated.IsZero()) << "seed " << seed;
  for (const auto& n : w.nodes) a.RemoveNode(n.name);
  EXPECT_TRUE(a.TotalCapacity().IsZero()) << "seed " << seed;
}

TEST(Properties, TotalsAreExact) {
  for (uint32_t seed = 1; seed <= 1000; ++seed) {
    CheckTotals(seed, false);
    if (::testing::Test::HasFailure()) break;
  }
}

// Issue #12: amounts near the per-object maximum of 2^62, so that two on a node (foreign pods
// already there), in a group or in the cluster's capacity exceed int64. No node is
// over-committed, no limit exceeded, nothing that fits is left pending, and every total is exact.
TEST(Properties, ExtremeAmounts) {
  for (uint32_t seed = 1; seed <= 3000; ++seed) {
    CheckProperties(seed, /*extreme=*/true);
    CheckTotals(seed, /*extreme=*/true);
    if (::testing::Test::HasFailure()) break;
  }
}

TEST(Properties, IdenticalInputIdenticalOutput) {
  for (uint32_t seed = 1; seed <= 500; ++seed) {
    World w = Generate(seed);
    Allocator a, b;
    ASSERT_EQ(Feed(a, w), Feed(b, w)) << "seed " << seed;
  }
}

// Incremental cycles end where they would have: after removing random running tasks and
// re-allocating, nothing left pending would fit (same check as above, on the new state).
TEST(Properties, IncrementalCyclesLeaveNothingThatFits) {
  for (uint32_t run = 1; run <= 2000; ++run) {
    const uint32_t seed = (run + 1) / 2;
    const bool extreme = run % 2 == 0;  // each seed also with amounts near 2^62
    World w = Generate(seed, extreme);
    Allocator a;
    auto first = Feed(a, w);
    std::mt19937 rng(seed);
    std::set<std::string> removed;
    for (const auto& s : first) {
      if (rng() % 3 == 0) {
        std::string pod = s.substr(0, s.find('@'));
        a.RemovePod(pod);
        removed.insert(pod);
      }
    }
    auto second = a.Allocate(1);
    std::set<std::string> running;
    for (const auto& s : first) {
      std::string pod = s.substr(0, s.find('@'));
      if (!removed.count(pod)) running.insert(pod);
    }
    for (const auto& p : second.placements) running.insert(p.pod);
    // Capacity check on the final state.
    std::map<std::string, std::string> where;
    for (const auto& s : first) where[s.substr(0, s.find('@'))] = s.substr(s.find('@') + 1);
    for (const auto& p : second.placements) where[p.pod] = p.node;
    std::map<std::string, Wide> load;
    for (const auto& p : w.pods) {
      if (removed.count(p.key)) continue;
      if (!p.node_name.empty())
        load[p.node_name] += p.request;
      else if (running.count(p.key))
        load[where[p.key]] += p.request;
    }
    std::set<std::string> placed_on;
    for (const auto& p : second.placements) placed_on.insert(p.node);
    for (const auto& n : w.nodes) {
      if (placed_on.count(n.name)) {
        EXPECT_TRUE(load[n.name].FitsWithin(n.allocatable))
            << "seed " << seed << " extreme " << extreme << " over-committed " << n.name;
      }
    }
    bool unlimited = true;
    for (const auto& g : w.groups)
      unlimited &= g.limit.empty() && g.guarantee.empty() && g.node_selector.empty();
    for (const auto& p : w.pods) {
      if (removed.count(p.key) || !p.node_name.empty() || running.count(p.key)) continue;
      const FrameworkSpec* fw = nullptr;
      for (const auto& f : w.frameworks)
        if (f.key == p.framework) fw = &f;
      if (!fw || fw->suspended || !unlimited) continue;
      bool group_ok = false;
      for (const auto& g : w.groups) group_ok |= g.name == fw->group && g.parent.empty();
      if (!group_ok) continue;
      for (const auto& n : w.nodes) {
        if (!n.ready || n.unschedulable || !Admits(p.constraints, {n.name, n.labels, n.taints}))
          continue;
        EXPECT_FALSE(load[n.name].FitsWithin(n.allocatable, p.request))
            << "seed " << seed << " extreme " << extreme << " pod " << p.key << " still fits "
            << n.name;
      }
    }
    if (::testing::Test::HasFailure()) break;
  }
}

}  // namespace
}  // namespace kubemesos
