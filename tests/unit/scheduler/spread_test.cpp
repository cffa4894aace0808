// Topology spread through the whole engine: placements within one Allocate() see each other,
// minDomains and the node inclusion policies change the outcome, pods of other schedulers
// count, and a randomized property: no placement of a DoNotSchedule pod ever took its domain
// beyond maxSkew of the global minimum at the moment it was made (checked by a brute-force
// model that replays the placements in order).
#include <gtest/gtest.h>

#include <climits>
#include <map>
#include <random>
#include <set>

#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos {
namespace {

using namespace kubemesos::testing;
using Op = NodeSelectorRequirement::Op;

constexpr const char* kZone = "topology.kubernetes.io/zone";

SpreadConstraint ZoneSpread(int max_skew, const std::string& app = "web") {
  SpreadConstraint c;
  c.max_skew = max_skew;
  c.topology_key = kZone;
  c.selector.requirements.push_back({"app", Op::kIn, {app}, false});
  return c;
}

PodSpec WebTask(int i, const SpreadConstraint& c, const std::string& fw = "ns/f") {
  PodSpec p = Task(Indexed("ns/web-", i), fw, 0.1, 0.1, i);
  p.labels = {{"app", "web"}};
  p.constraints.spread = {c};
  return p;
}

class SpreadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a.UpsertGroup(Group("g"));
    a.UpsertFramework(Framework("ns/f", "g"));
  }
  void Zones(int zones, int nodes_per_zone, Labels extra = {}) {
    for (int z = 0; z < zones; ++z) {
      for (int n = 0; n < nodes_per_zone; ++n) {
        Labels labels = extra;
        labels[kZone] = Indexed("z", z);
        a.UpsertNode(Node(Indexed("n", z * nodes_per_zone + n) + Indexed("-z", z), 64, 64, labels));
      }
    }
  }
  // Placements per zone (the node names end in "-z<zone>").
  static std::map<std::string, int> PerZone(const AllocationResult& r) {
    std::map<std::string, int> out;
    for (const auto& p : r.placements) ++out[p.node.substr(p.node.rfind('-') + 1)];
    return out;
  }
  Allocator a;
};

TEST_F(SpreadTest, NinePodsOverThreeZonesInOneCycle) {
  Zones(3, 2);
  for (int i = 0; i < 9; ++i) a.UpsertPod(WebTask(i, ZoneSpread(1)));
  auto result = a.Allocate(0);
  ASSERT_EQ(result.placements.size(), 9u);
  EXPECT_EQ(PerZone(result), (std::map<std::string, int>{{"z0", 3}, {"z1", 3}, {"z2", 3}}));
}

TEST_F(SpreadTest, ExistingPodsOfOtherSchedulersCount) {
  Zones(3, 1);
  for (int i = 0; i < 2; ++i) {
    PodSpec bound = BoundPod(Indexed("ns/other-", i), "n0-z0", 0.1, 0.1);
    bound.labels = {{"app", "web"}};
    a.UpsertPod(bound);
  }
  PodSpec elsewhere = BoundPod("other-ns/x", "n1-z1", 0.1, 0.1);  // another namespace
  elsewhere.labels = {{"app", "web"}};
  a.UpsertPod(elsewhere);
  for (int i = 0; i < 4; ++i) a.UpsertPod(WebTask(i, ZoneSpread(1)));
  auto result = a.Allocate(0);
  ASSERT_EQ(result.placements.size(), 4u);
  EXPECT_EQ(PerZone(result), (std::map<std::string, int>{{"z1", 2}, {"z2", 2}}));
}

TEST_F(SpreadTest, MinDomainsHoldsPodsBackAndSaysWhy) {
  Zones(2, 1);
  SpreadConstraint c = ZoneSpread(1);
  c.min_domains = 3;  // two zones only: the global minimum counts as 0
  for (int i = 0; i < 4; ++i) a.UpsertPod(WebTask(i, c));
  auto result = a.Allocate(0);
  EXPECT_EQ(PerZone(result), (std::map<std::string, int>{{"z0", 1}, {"z1", 1}}));
  ASSERT_EQ(result.unplaced.size(), 2u);
  EXPECT_EQ(result.unplaced[0].reason.code, ReasonCode::kNoEligibleNode);
  EXPECT_EQ(result.unplaced[0].reason.message,
            "0/2 nodes are available: 2 didn't match pod topology spread constraints.");
}

TEST_F(SpreadTest, MissingTopologyLabelIsNamed) {
  a.UpsertNode(Node("bare", 4, 4));
  a.UpsertPod(WebTask(0, ZoneSpread(1)));
  auto result = a.Allocate(0);
  EXPECT_TRUE(result.placements.empty());
  ASSERT_EQ(result.unplaced.size(), 1u);
  EXPECT_EQ(result.unplaced[0].reason.message,
            "0/1 nodes are available: 1 didn't match pod topology spread constraints (missing "
            "required label).");
}

// Zones z0 and z1 have pool=x; z2 has not. The pods select pool=x. Honor: z2 is no domain and
// the pods spread 2/2 over z0 and z1. Ignore: z2 counts, with 0 pods forever, so z0 and z1 can
// take one each.
TEST_F(SpreadTest, NodeAffinityPolicyHonorVersusIgnore) {
  for (bool honor : {true, false}) {
    Allocator alloc;
    alloc.UpsertGroup(Group("g"));
    alloc.UpsertFramework(Framework("ns/f", "g"));
    alloc.UpsertNode(Node("n0-z0", 64, 64, {{kZone, "z0"}, {"pool", "x"}}));
    alloc.UpsertNode(Node("n1-z1", 64, 64, {{kZone, "z1"}, {"pool", "x"}}));
    alloc.UpsertNode(Node("n2-z2", 64, 64, {{kZone, "z2"}}));
    SpreadConstraint c = ZoneSpread(1);
    c.honor_node_affinity = honor;
    for (int i = 0; i < 4; ++i) {
      PodSpec p = WebTask(i, c);
      p.constraints.node_selector = {{"pool", "x"}};
      alloc.UpsertPod(p);
    }
    auto result = alloc.Allocate(0);
    EXPECT_EQ(result.placements.size(), honor ? 4u : 2u) << (honor ? "Honor" : "Ignore");
    EXPECT_EQ(PerZone(result),
              (std::map<std::string, int>{{"z0", honor ? 2 : 1}, {"z1", honor ? 2 : 1}}));
  }
}

TEST_F(SpreadTest, ScheduleAnywayPrefersTheEmptierZone) {
  Zones(2, 1);
  for (int i = 0; i < 3; ++i) {
    PodSpec bound = BoundPod(Indexed("ns/old-", i), "n0-z0", 0.1, 0.1);
    bound.labels = {{"app", "web"}};
    a.UpsertPod(bound);
  }
  SpreadConstraint c = ZoneSpread(1);
  c.do_not_schedule = false;
  a.UpsertPod(WebTask(0, c));
  auto result = a.Allocate(0);
  ASSERT_EQ(result.placements.size(), 1u);
  EXPECT_EQ(result.placements[0].node, "n1-z1");  // binpack alone would pick either
}

// ---------------------------------------------------------------- property

struct ModelPod {
  std::string ns;
  Labels labels;
  PlacementConstraints constraints;
};

// The skew the placement of `pod` on `node` makes for constraint `c`, by brute force over the
// pods on nodes: kube-scheduler's rule, written from the API documentation.
bool Violates(const SpreadConstraint& c, const ModelPod& pod, const std::string& node,
              const std::map<std::string, NodeSpec>& nodes,
              const std::vector<std::pair<std::string, const ModelPod*>>& on_nodes) {
  const auto& target = nodes.at(node).labels;
  if (!target.contains(c.topology_key)) return true;
  std::map<std::string, int> domains;
  for (const auto& [name, spec] : nodes) {
    bool all = true;
    for (const auto& other : pod.constraints.spread)
      if (other.do_not_schedule && !spec.labels.contains(other.topology_key)) all = false;
    if (!all) continue;
    const NodeView view{spec.name, spec.labels, spec.taints};
    if (c.honor_node_affinity && !MatchesNodeAffinity(pod.constraints, view)) continue;
    if (c.honor_taints && !ToleratesTaints(pod.constraints.tolerations, spec.taints)) continue;
    int& count = domains[spec.labels.at(c.topology_key)];
    for (const auto& [where, p] : on_nodes)
      if (where == name && p->ns == pod.ns && Selects(c.selector, p->labels)) ++count;
  }
  int min = INT_MAX;
  for (const auto& [d, n] : domains) min = std::min(min, n);
  if (static_cast<int>(domains.size()) < c.min_domains) min = 0;
  const auto it = domains.find(target.at(c.topology_key));
  const int here = it == domains.end() ? 0 : it->second;
  return here + (Selects(c.selector, pod.labels) ? 1 : 0) - min > c.max_skew;
}

TEST(SpreadProperty, NoPlacementEverExceedsMaxSkew) {
  std::mt19937 rng(20261205);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  const std::vector<std::string> apps = {"a", "b", "c"};
  const std::vector<std::string> namespaces = {"ns1", "ns2"};
  int checked = 0;
  for (int round = 0; round < 300; ++round) {
    Allocator alloc;
    alloc.UpsertGroup(Group("g"));
    std::map<std::string, NodeSpec> nodes;
    const int node_count = 2 + pick(8);
    for (int n = 0; n < node_count; ++n) {
      Labels labels{{"kubernetes.io/hostname", Indexed("n", n)}};
      if (pick(6)) labels[kZone] = Indexed("z", pick(4));
      if (pick(2)) labels["pool"] = "x";
      NodeSpec spec = Node(Indexed("n", n), 2 + pick(6), 64, labels);
      if (!pick(5)) spec.taints.push_back({"t", "", TaintEffect::kNoSchedule});
      nodes[spec.name] = spec;
      alloc.UpsertNode(spec);
    }
    std::map<std::string, ModelPod> pods;
    std::vector<std::pair<std::string, std::string>> bound;  // pod key, node
    // Pods of other schedulers, already on nodes.
    for (int i = 0, n = pick(10); i < n; ++i) {
      const std::string ns = namespaces[pick(2)];
      PodSpec p = BoundPod(ns + Indexed("/old-", i), Indexed("n", pick(node_count)), 0.1, 0.1);
      p.labels = {{"app", apps[pick(3)]}};
      pods[p.key] = {ns, p.labels, {}};
      bound.emplace_back(p.key, p.node_name);
      alloc.UpsertPod(p);
    }
    // Frameworks with tasks that spread.
    int order = 0;
    for (int f = 0, frameworks = 1 + pick(3); f < frameworks; ++f) {
      const std::string ns = namespaces[pick(2)];
      const std::string fw = ns + Indexed("/f", f);
      alloc.UpsertFramework(Framework(fw, "g"));
      PlacementConstraints pc;
      for (int k = 0, n = 1 + pick(2); k < n; ++k) {
        SpreadConstraint c;
        c.max_skew = 1 + pick(2);
        c.topology_key = pick(2) ? kZone : "kubernetes.io/hostname";
        c.selector.requirements.push_back({"app", Op::kIn, {apps[pick(3)]}, false});
        c.do_not_schedule = pick(4) != 0;
        c.min_domains = c.do_not_schedule && !pick(4) ? 1 + pick(4) : 1;
        c.honor_node_affinity = pick(4) != 0;
        c.honor_taints = !pick(3);
        pc.spread.push_back(c);
      }
      if (!pick(3)) pc.node_selector = {{"pool", "x"}};
      if (!pick(3)) pc.tolerations.push_back({"t", true, "", true, TaintEffect::kNoSchedule});
      const Labels labels{{"app", apps[pick(3)]}};
      for (int i = 0, n = 1 + pick(12); i < n; ++i) {
        PodSpec p = Task(fw + Indexed("-", i), fw, 0.5 + pick(3), 0.5, order++);
        p.labels = labels;
        p.constraints = pc;
        pods[p.key] = {ns, labels, pc};
        alloc.UpsertPod(p);
      }
    }
    auto result = alloc.Allocate(0);
    // Replay: the bound pods first, then each placement in order, checked before it is added.
    std::vector<std::pair<std::string, const ModelPod*>> on_nodes;
    for (const auto& [key, node] : bound) on_nodes.emplace_back(node, &pods.at(key));
    for (const auto& placement : result.placements) {
      const ModelPod& pod = pods.at(placement.pod);
      for (const auto& c : pod.constraints.spread) {
        if (!c.do_not_schedule) continue;
        EXPECT_FALSE(Violates(c, pod, placement.node, nodes, on_nodes))
            << "round " << round << ": " << placement.pod << " on " << placement.node << " key "
            << c.topology_key << " maxSkew " << c.max_skew;
        ++checked;
      }
      on_nodes.emplace_back(placement.node, &pod);
    }
  }
  EXPECT_GT(checked, 500);
}

}  // namespace
}  // namespace kubemesos
