// PodTopologySpread: the skew filter and the spread score, on cases taken from kube-scheduler's
// podtopologyspread/filtering_test.go (TestSingleConstraint, TestMultipleConstraints) and
// scoring_test.go (TestPodTopologySpreadScore), named after them.
#include "scheduler/placement/pod_topology_spread.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "tests/unit/scheduler/placement/plugin_cases.h"

namespace kubemesos::placement::testing {
namespace {

using Op = NodeSelectorRequirement::Op;

LabelSelector Exists(const std::string& key) {
  LabelSelector s;
  s.requirements.push_back({key, Op::kExists, {}, false});
  return s;
}
const LabelSelector kFoo = Exists("foo");
const LabelSelector kBar = Exists("bar");

SpreadConstraint Hard(int skew, const std::string& key, LabelSelector selector = kFoo) {
  SpreadConstraint c;
  c.max_skew = skew;
  c.topology_key = key;
  c.selector = std::move(selector);
  return c;
}
SpreadConstraint Soft(int skew, const std::string& key, LabelSelector selector = kFoo) {
  SpreadConstraint c = Hard(skew, key, std::move(selector));
  c.do_not_schedule = false;
  return c;
}

struct PodAt {
  std::string node;
  Labels labels = {{"foo", ""}};
  std::string ns = "default";
};

struct FilterCase {
  const char* name;
  std::vector<NodeSpec> nodes;
  std::vector<PodAt> pods;
  std::vector<SpreadConstraint> spread;
  Labels labels = {{"foo", ""}};  // the incoming pod's
  // node -> "" (fits), "skew" or "label" (missing required label)
  std::map<std::string, std::string> want;
  Labels node_selector = {};
  std::vector<Toleration> tolerations = {};
};

// node-a, node-b in zone1 and node-x, node-y in zone2, each with its own "node" label: the
// cluster of most upstream cases.
std::vector<NodeSpec> FourNodes() {
  return {Node("node-a", 4, 4, {{"zone", "zone1"}, {"node", "node-a"}}),
          Node("node-b", 4, 4, {{"zone", "zone1"}, {"node", "node-b"}}),
          Node("node-x", 4, 4, {{"zone", "zone2"}, {"node", "node-x"}}),
          Node("node-y", 4, 4, {{"zone", "zone2"}, {"node", "node-y"}})};
}

std::vector<PodAt> Spread(const std::map<std::string, int>& per_node) {
  std::vector<PodAt> out;
  for (const auto& [node, n] : per_node)
    for (int i = 0; i < n; ++i) out.push_back({node});
  return out;
}

NodeInfo InfoOf(TestWorld& w, int slot) {
  const NodeState& n = w.pool().node(slot);
  return {slot, n.spec, -1, n.free};
}

class SpreadFilter : public ::testing::TestWithParam<FilterCase> {};

TEST_P(SpreadFilter, Table) {
  const FilterCase& c = GetParam();
  TestWorld w;
  for (const auto& n : c.nodes) w.AddNode(n);
  for (const auto& p : c.pods) w.AddPod(p.node, p.ns, p.labels);
  TestClass cls;
  cls.world = &w;
  cls.labels = c.labels;
  cls.constraints.spread = c.spread;
  cls.constraints.node_selector = c.node_selector;
  cls.constraints.tolerations = c.tolerations;
  const ClassInfo info = cls.Info();
  const auto state = PodTopologySpread::PreFilter(info);
  for (const auto& [node, want] : c.want) {
    const Status s = PodTopologySpread::Filter(state, InfoOf(w, w.pool().Find(node)));
    std::string got = s.ok()                                               ? ""
                      : s.reason == PodTopologySpread::kReasonMissingLabel ? "label"
                      : s.reason == PodTopologySpread::kReason             ? "skew"
                                                                           : "?";
    EXPECT_EQ(got, want) << node;
    if (!s.ok()) {
      EXPECT_EQ(s.code, Code::kUnschedulableAndUnresolvable) << node;
    }
  }
}

NodeSpec Tainted(NodeSpec n) {
  n.taints.push_back({"t", "", TaintEffect::kNoSchedule});
  return n;
}

SpreadConstraint WithMinDomains(SpreadConstraint c, int min) {
  c.min_domains = min;
  return c;
}
SpreadConstraint Policies(SpreadConstraint c, bool affinity, bool taints) {
  c.honor_node_affinity = affinity;
  c.honor_taints = taints;
  return c;
}

INSTANTIATE_TEST_SUITE_P(
    Upstream, SpreadFilter,
    ::testing::Values(
        FilterCase{"no_existing_pods",
                   FourNodes(),
                   {},
                   {Hard(1, "zone")},
                   {{"foo", ""}},
                   {{"node-a", ""}, {"node-b", ""}, {"node-x", ""}, {"node-y", ""}}},
        FilterCase{"no_existing_pods_incoming_pod_doesnt_match_itself",
                   FourNodes(),
                   {},
                   {Hard(1, "zone", kBar)},
                   {{"foo", ""}},
                   {{"node-a", ""}, {"node-b", ""}, {"node-x", ""}, {"node-y", ""}}},
        FilterCase{"existing_pods_in_a_different_namespace_do_not_count",
                   FourNodes(),
                   {{"node-a", {{"foo", ""}}, "ns1"},
                    {"node-b", {{"foo", ""}}, "ns2"},
                    {"node-x"},
                    {"node-x"}},
                   {Hard(1, "zone")},
                   {{"foo", ""}},
                   {{"node-a", ""}, {"node-b", ""}, {"node-x", "skew"}, {"node-y", "skew"}}},
        FilterCase{"pods_spread_across_zones_as_3_3_all_nodes_fit",
                   FourNodes(),
                   Spread({{"node-a", 1}, {"node-b", 2}, {"node-x", 2}, {"node-y", 1}}),
                   {Hard(1, "zone")},
                   {{"foo", ""}},
                   {{"node-a", ""}, {"node-b", ""}, {"node-x", ""}, {"node-y", ""}}},
        FilterCase{"pods_spread_across_zones_as_1_2_due_to_absence_of_label_zone_on_node_b",
                   {Node("node-a", 4, 4, {{"zone", "zone1"}, {"node", "node-a"}}),
                    Node("node-b", 4, 4, {{"zon", "zone1"}, {"node", "node-b"}}),
                    Node("node-x", 4, 4, {{"zone", "zone2"}, {"node", "node-x"}}),
                    Node("node-y", 4, 4, {{"zone", "zone2"}, {"node", "node-y"}})},
                   Spread({{"node-a", 1}, {"node-b", 1}, {"node-x", 1}, {"node-y", 1}}),
                   {Hard(1, "zone")},
                   {{"foo", ""}},
                   {{"node-a", ""}, {"node-b", "label"}, {"node-x", "skew"}, {"node-y", "skew"}}},
        FilterCase{"pod_cannot_be_scheduled_as_all_nodes_dont_have_label_rack",
                   FourNodes(),
                   {},
                   {Hard(1, "rack")},
                   {{"foo", ""}},
                   {{"node-a", "label"}, {"node-x", "label"}}},
        FilterCase{"pods_spread_across_nodes_as_2_1_0_3_only_node_x_fits",
                   FourNodes(),
                   Spread({{"node-a", 2}, {"node-b", 1}, {"node-y", 3}}),
                   {Hard(1, "node")},
                   {{"foo", ""}},
                   {{"node-a", "skew"}, {"node-b", "skew"}, {"node-x", ""}, {"node-y", "skew"}}},
        FilterCase{"pods_spread_across_nodes_as_2_1_0_3_maxSkew_is_2_node_b_and_node_x_fit",
                   FourNodes(),
                   Spread({{"node-a", 2}, {"node-b", 1}, {"node-y", 3}}),
                   {Hard(2, "node")},
                   {{"foo", ""}},
                   {{"node-a", "skew"}, {"node-b", ""}, {"node-x", ""}, {"node-y", "skew"}}},
        FilterCase{"pods_spread_across_nodes_as_2_1_0_3_but_pod_doesnt_match_itself",
                   FourNodes(),
                   Spread({{"node-a", 2}, {"node-b", 1}, {"node-y", 3}}),
                   {Hard(1, "node")},
                   {{"bar", ""}},
                   {{"node-a", "skew"}, {"node-b", ""}, {"node-x", ""}, {"node-y", "skew"}}},
        // 2/1 over two zones with minDomains 3: the global minimum is 0, so even the emptier
        // zone is 1 + 1 - 0 = 2 > maxSkew 1.
        FilterCase{"pods_spread_across_zone_as_2_1_minDomains_is_3_no_node_fits",
                   FourNodes(),
                   Spread({{"node-a", 2}, {"node-x", 1}}),
                   {WithMinDomains(Hard(1, "zone"), 3)},
                   {{"foo", ""}},
                   {{"node-a", "skew"}, {"node-x", "skew"}}},
        FilterCase{"pods_spread_across_zone_as_2_1_minDomains_is_2_node_x_fits",
                   FourNodes(),
                   Spread({{"node-a", 2}, {"node-x", 1}}),
                   {WithMinDomains(Hard(1, "zone"), 2)},
                   {{"foo", ""}},
                   {{"node-a", "skew"}, {"node-x", ""}}},
        // The pod may only use nodes with label "foo": zone3 (no such node) is no domain under
        // Honor, so the minimum is 1 and both zones fit; under Ignore, zone3 counts 0.
        FilterCase{"NodeAffinityPolicy_honored_with_nodeSelector",
                   {Node("node-a", 4, 4, {{"zone", "zone1"}, {"foo", ""}}),
                    Node("node-x", 4, 4, {{"zone", "zone2"}, {"foo", ""}}),
                    Node("node-z", 4, 4, {{"zone", "zone3"}})},
                   Spread({{"node-a", 1}, {"node-x", 1}}),
                   {Hard(1, "zone")},
                   {{"foo", ""}},
                   {{"node-a", ""}, {"node-x", ""}},
                   {{"foo", ""}}},
        FilterCase{"NodeAffinityPolicy_ignored_with_nodeSelector",
                   {Node("node-a", 4, 4, {{"zone", "zone1"}, {"foo", ""}}),
                    Node("node-x", 4, 4, {{"zone", "zone2"}, {"foo", ""}}),
                    Node("node-z", 4, 4, {{"zone", "zone3"}})},
                   Spread({{"node-a", 1}, {"node-x", 1}}),
                   {Policies(Hard(1, "zone"), false, false)},
                   {{"foo", ""}},
                   {{"node-a", "skew"}, {"node-x", "skew"}},
                   {{"foo", ""}}},
        FilterCase{
            "NodeTaintsPolicy_honored",
            {Node("node-a", 4, 4, {{"zone", "zone1"}}), Node("node-x", 4, 4, {{"zone", "zone2"}}),
             Tainted(Node("node-z", 4, 4, {{"zone", "zone3"}}))},
            Spread({{"node-a", 1}, {"node-x", 1}}),
            {Policies(Hard(1, "zone"), true, true)},
            {{"foo", ""}},
            {{"node-a", ""}, {"node-x", ""}}},
        FilterCase{
            "NodeTaintsPolicy_honored_with_tolerated_taints",
            {Node("node-a", 4, 4, {{"zone", "zone1"}}), Node("node-x", 4, 4, {{"zone", "zone2"}}),
             Tainted(Node("node-z", 4, 4, {{"zone", "zone3"}}))},
            Spread({{"node-a", 1}, {"node-x", 1}}),
            {Policies(Hard(1, "zone"), true, true)},
            {{"foo", ""}},
            {{"node-a", "skew"}, {"node-x", "skew"}, {"node-z", ""}},
            {},
            {Toleration{"t", true, "", true, TaintEffect::kNoSchedule}}},
        FilterCase{
            "NodeTaintsPolicy_ignored",
            {Node("node-a", 4, 4, {{"zone", "zone1"}}), Node("node-x", 4, 4, {{"zone", "zone2"}}),
             Tainted(Node("node-z", 4, 4, {{"zone", "zone3"}}))},
            Spread({{"node-a", 1}, {"node-x", 1}}),
            {Hard(1, "zone")},
            {{"foo", ""}},
            {{"node-a", "skew"}, {"node-x", "skew"}, {"node-z", ""}}},
        // TestMultipleConstraints: every constraint must hold.
        FilterCase{
            "two_Constraints_on_zone_and_node_spreads_are_2_3_and_1_1_0_3",
            FourNodes(),
            Spread({{"node-a", 1}, {"node-b", 1}, {"node-y", 3}}),
            {Hard(1, "zone"), Hard(1, "node")},
            {{"foo", ""}},
            // zone1 2, zone2 3: zone2 is 3 + 1 - 2 = 2 > 1; node-a and node-b are
            // 1 + 1 - 0 = 2 > 1 on the node constraint: none fits.
            {{"node-a", "skew"}, {"node-b", "skew"}, {"node-x", "skew"}, {"node-y", "skew"}}},
        FilterCase{"two_Constraints_on_zone_and_node_spreads_are_1_3_and_0_1_0_3",
                   FourNodes(),
                   Spread({{"node-b", 1}, {"node-y", 3}}),
                   {Hard(1, "zone"), Hard(1, "node")},
                   {{"foo", ""}},
                   {{"node-a", ""}, {"node-b", "skew"}, {"node-x", "skew"}, {"node-y", "skew"}}},
        // A node lacking the key of either constraint is no domain of the other one either.
        FilterCase{"two_Constraints_node_y_lacks_the_node_label",
                   {Node("node-a", 4, 4, {{"zone", "zone1"}, {"node", "node-a"}}),
                    Node("node-y", 4, 4, {{"zone", "zone2"}})},
                   Spread({{"node-a", 1}}),
                   {Hard(1, "zone"), Hard(2, "node")},
                   {{"foo", ""}},
                   // zone2 is no domain: zone1 is the minimum (1), 1 + 1 - 1 = 1.
                   {{"node-a", ""}, {"node-y", "label"}}}),
    [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------- score

// kube-scheduler's NormalizeScore over the candidates, from the raw scores (minus the count)
// ScoreNode returns: ignored nodes 0, the others MaxNodeScore * (max + min - s) / max.
std::map<std::string, int> UpstreamScores(TestWorld& w, const PodTopologySpread::State& s,
                                          const std::vector<std::string>& candidates) {
  std::map<std::string, int64_t> raw;
  std::set<std::string> ignored;
  int64_t lo = INT64_MAX, hi = 0;
  for (const auto& name : candidates) {
    const NodeInfo info = InfoOf(w, w.pool().Find(name));
    const double r = PodTopologySpread::ScoreNode(s, info);
    if (s.require_all_keys && r == s.worst) {
      ignored.insert(name);
      continue;
    }
    raw[name] = static_cast<int64_t>(-r);
    lo = std::min(lo, raw[name]);
    hi = std::max(hi, raw[name]);
  }
  std::map<std::string, int> out;
  for (const auto& name : candidates) {
    if (ignored.contains(name)) {
      out[name] = 0;
    } else {
      out[name] = hi == 0 ? 100 : static_cast<int>(100 * (hi + lo - raw[name]) / hi);
    }
  }
  return out;
}

struct ScoreCase {
  const char* name;
  std::vector<NodeSpec> nodes;
  std::vector<PodAt> pods;
  std::vector<SpreadConstraint> spread;
  std::vector<std::string> candidates;
  std::map<std::string, int> want;
};

class SpreadScore : public ::testing::TestWithParam<ScoreCase> {};

TEST_P(SpreadScore, Table) {
  const ScoreCase& c = GetParam();
  TestWorld w;
  for (const auto& n : c.nodes) w.AddNode(n);
  for (const auto& p : c.pods) w.AddPod(p.node, p.ns, p.labels);
  TestClass cls;
  cls.world = &w;
  cls.labels = {{"foo", ""}};
  cls.constraints.spread = c.spread;
  const ClassInfo info = cls.Info();
  const auto state = PodTopologySpread::PreFilter(info);
  ASSERT_TRUE(PodTopologySpread::Scores(state));
  EXPECT_EQ(UpstreamScores(w, state, c.candidates), c.want);
}

std::vector<NodeSpec> Hosts(std::initializer_list<const char*> names) {
  std::vector<NodeSpec> out;
  for (const char* n : names) out.push_back(Node(n, 4, 4, {{"kubernetes.io/hostname", n}}));
  return out;
}

const char* kHost = "kubernetes.io/hostname";

INSTANTIATE_TEST_SUITE_P(
    Upstream, SpreadScore,
    ::testing::Values(
        ScoreCase{"one_constraint_on_node_no_existing_pods",
                  Hosts({"node-a", "node-b"}),
                  {},
                  {Soft(1, kHost)},
                  {"node-a", "node-b"},
                  {{"node-a", 100}, {"node-b", 100}}},
        ScoreCase{"one_constraint_on_node_only_one_node_is_candidate",
                  Hosts({"node-a", "node-b"}),
                  Spread({{"node-a", 2}, {"node-b", 1}}),
                  {Soft(1, kHost)},
                  {"node-a"},
                  {{"node-a", 100}}},
        ScoreCase{"one_constraint_on_node_all_nodes_have_the_same_number_of_matching_pods",
                  Hosts({"node-a", "node-b"}),
                  Spread({{"node-a", 1}, {"node-b", 1}}),
                  {Soft(1, kHost)},
                  {"node-a", "node-b"},
                  {{"node-a", 100}, {"node-b", 100}}},
        ScoreCase{"one_constraint_on_node_all_4_nodes_are_candidates",
                  Hosts({"node-a", "node-b", "node-c", "node-d"}),
                  Spread({{"node-a", 2}, {"node-b", 1}, {"node-d", 3}}),
                  {Soft(1, kHost)},
                  {"node-a", "node-b", "node-c", "node-d"},
                  {{"node-a", 20}, {"node-b", 60}, {"node-c", 100}, {"node-d", 0}}},
        ScoreCase{"one_constraint_on_node_null_selector",
                  Hosts({"node-a", "node-b", "node-c", "node-d"}),
                  Spread({{"node-a", 2}, {"node-b", 1}, {"node-d", 3}}),
                  {Soft(1, kHost, LabelSelector{{}, true})},
                  {"node-a", "node-b", "node-c", "node-d"},
                  {{"node-a", 100}, {"node-b", 100}, {"node-c", 100}, {"node-d", 100}}},
        ScoreCase{"one_constraint_on_node_all_4_nodes_are_candidates_maxSkew_2",
                  Hosts({"node-a", "node-b", "node-c", "node-d"}),
                  Spread({{"node-a", 2}, {"node-b", 1}, {"node-d", 3}}),
                  {Soft(2, kHost)},
                  {"node-a", "node-b", "node-c", "node-d"},
                  {{"node-a", 33}, {"node-b", 66}, {"node-c", 100}, {"node-d", 16}}},
        ScoreCase{"one_constraint_on_node_all_4_nodes_are_candidates_maxSkew_3",
                  Hosts({"node-a", "node-b", "node-c", "node-d"}),
                  Spread({{"node-a", 4}, {"node-b", 3}, {"node-c", 2}, {"node-d", 1}}),
                  {Soft(3, kHost)},
                  {"node-a", "node-b", "node-c", "node-d"},
                  {{"node-a", 44}, {"node-b", 66}, {"node-c", 77}, {"node-d", 100}}},
        // Zones 3 (zone1) and 0 (zone2); node-c has no zone label: it is scored worst.
        ScoreCase{"one_constraint_on_zone_node_c_lacks_the_key",
                  {Node("node-a", 4, 4, {{"zone", "zone1"}}),
                   Node("node-b", 4, 4, {{"zone", "zone2"}}), Node("node-c", 4, 4, {})},
                  Spread({{"node-a", 3}}),
                  {Soft(1, "zone")},
                  {"node-a", "node-b", "node-c"},
                  // log(4) * 3 = 4.16 -> 4; zone2 0: 100 and 100 * (4 + 0 - 4) / 4 = 0.
                  {{"node-a", 0}, {"node-b", 100}, {"node-c", 0}}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PodTopologySpread, NodeLackingAKeyScoresBelowEveryOther) {
  TestWorld w;
  w.AddNode(Node("a", 4, 4, {{"zone", "1"}}));
  w.AddNode(Node("b", 4, 4, {{"zone", "2"}}));
  w.AddNode(Node("c", 4, 4, {}));
  for (int i = 0; i < 5; ++i) w.AddPod("a", "default", {{"foo", ""}});
  TestClass cls;
  cls.world = &w;
  cls.constraints.spread = {Soft(1, "zone")};
  const auto s = PodTopologySpread::PreFilter(cls.Info());
  const double a = PodTopologySpread::ScoreNode(s, InfoOf(w, 0));
  const double b = PodTopologySpread::ScoreNode(s, InfoOf(w, 1));
  const double c = PodTopologySpread::ScoreNode(s, InfoOf(w, 2));
  EXPECT_GT(b, a);
  EXPECT_LT(c, a);
}

TEST(PodTopologySpread, SystemDefaultsScoreNodesWithoutAZoneByHostname) {
  // Only the cluster defaults: a node without a zone label is not ignored; its hostname count
  // still ranks it (upstream requireAllTopologies is false then).
  TestWorld w;
  w.AddNode(Node("a", 4, 4, {{"kubernetes.io/hostname", "a"}}));
  w.AddNode(Node("b", 4, 4, {{"kubernetes.io/hostname", "b"}}));
  w.AddPod("a", "default", {{"foo", ""}});
  TestClass cls;
  cls.world = &w;
  SpreadConstraint zone = Soft(5, "topology.kubernetes.io/zone");
  SpreadConstraint host = Soft(3, kHost);
  zone.system_default = host.system_default = true;
  cls.constraints.spread = {zone, host};
  const auto s = PodTopologySpread::PreFilter(cls.Info());
  EXPECT_FALSE(s.require_all_keys);
  EXPECT_GT(PodTopologySpread::ScoreNode(s, InfoOf(w, 1)),
            PodTopologySpread::ScoreNode(s, InfoOf(w, 0)));
}

// PodIndex::TopologyOf, the node -> domain id map the plugin reads: interned values, kNone for
// a node without the label, rebuilt when a node changes (and only then).
TEST(PodTopologySpread, TopologyOfFollowsTheNodes) {
  TestWorld w;
  const int a = w.AddNode(Node("a", 4, 4, {{"zone", "1"}}));
  const int b = w.AddNode(Node("b", 4, 4, {{"zone", "2"}}));
  const int c = w.AddNode(Node("c", 4, 4, {{"zone", "1"}}));
  const int d = w.AddNode(Node("d", 4, 4, {}));
  const auto& t = w.pods().TopologyOf("zone");
  EXPECT_EQ(t.names.size(), 2u);
  EXPECT_EQ(t.of_node[a], t.of_node[c]);
  EXPECT_NE(t.of_node[a], t.of_node[b]);
  EXPECT_EQ(t.of_node[d], PodIndex::kNone);
  EXPECT_EQ(t.names[t.of_node[b]], "2");
  w.AddNode(Node("d", 4, 4, {{"zone", "3"}}));  // relabelled
  w.pool().Remove("a");
  const auto& again = w.pods().TopologyOf("zone");
  EXPECT_EQ(&again, &t);
  EXPECT_EQ(again.of_node[a], PodIndex::kNone);
  EXPECT_EQ(again.names[again.of_node[d]], "3");
  EXPECT_EQ(again.names[again.of_node[c]], "1");
}

TEST(PodTopologySpread, NoConstraintsNothingToDo) {
  TestWorld w;
  w.AddNode(Node("a", 4, 4, {{"zone", "1"}}));
  TestClass cls;
  cls.world = &w;
  const auto s = PodTopologySpread::PreFilter(cls.Info());
  EXPECT_TRUE(s.hard.empty());
  EXPECT_FALSE(PodTopologySpread::Scores(s));
  EXPECT_TRUE(PodTopologySpread::Filter(s, InfoOf(w, 0)).ok());
}

}  // namespace
}  // namespace kubemesos::placement::testing
