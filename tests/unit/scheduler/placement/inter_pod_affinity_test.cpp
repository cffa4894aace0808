// InterPodAffinity and ExistingPodsAntiAffinity: filter and score cases named after
// kube-scheduler's interpodaffinity filtering_test.go and scoring_test.go.
#include "scheduler/placement/inter_pod_affinity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "tests/unit/scheduler/placement/plugin_cases.h"

namespace kubemesos::placement::testing {
namespace {

using Op = NodeSelectorRequirement::Op;

NodeSelectorRequirement Req(const std::string& key, Op op, std::vector<std::string> values = {}) {
  return {key, op, std::move(values), false};
}

// A term in namespace "default" (as conversion defaults it) selecting by the requirements.
PodAffinityTerm Term(std::vector<NodeSelectorRequirement> reqs, const std::string& key,
                     int32_t weight = 0) {
  PodAffinityTerm t;
  t.selector.requirements = std::move(reqs);
  t.namespaces = {"default"};
  t.topology_key = key;
  t.weight = weight;
  return t;
}

struct Pod {
  std::string node;
  Labels labels;
  PodAffinity affinity;
  std::string ns = "default";
};

struct NodeDef {
  std::string name;
  Labels labels;
};

struct FilterCase {
  const char* name;  // kube-scheduler's test name, shortened
  std::vector<NodeDef> nodes;
  std::vector<Pod> pods;
  Labels labels;         // the incoming pod's
  PodAffinity affinity;  // the incoming pod's
  // Expected reason per node (in `nodes` order), "" for success.
  std::vector<std::string> want;
  std::string ns = "default";
};

// Runs both plugins as the engine does (the live one first) and returns the failing reason.
std::vector<std::string> RunFilters(const FilterCase& c) {
  TestWorld world;
  for (const auto& n : c.nodes) world.AddNode(Node(n.name, 4, 4, n.labels));
  for (const auto& p : c.pods) {
    PlacementConstraints pc;
    pc.pod_affinity = p.affinity;
    world.AddPod(p.node, p.ns, p.labels, pc);
  }
  TestClass cls;
  cls.world = &world;
  cls.ns = c.ns;
  cls.labels = c.labels;
  cls.constraints.pod_affinity = c.affinity;
  const ClassInfo info = cls.Info();
  const auto live = ExistingPodsAntiAffinity::PreFilter(info);
  const auto own = InterPodAffinity::PreFilter(info);
  std::vector<std::string> out;
  for (const auto& n : c.nodes) {
    NodeSpec spec = Node(n.name, 4, 4, n.labels);
    const NodeInfo node{world.pool().Find(n.name), spec, -1, spec.allocatable};
    Status s = ExistingPodsAntiAffinity::Filter(live, node);
    if (s.ok()) s = InterPodAffinity::Filter(own, node);
    if (!s.ok()) {
      EXPECT_EQ(s.code, Code::kUnschedulableAndUnresolvable);
    }
    out.emplace_back(s.reason);
  }
  return out;
}

const std::string kAff(InterPodAffinity::kAffinityReason);
const std::string kAnti(InterPodAffinity::kAntiAffinityReason);
const std::string kExisting(ExistingPodsAntiAffinity::kReason);

const Labels kS1{{"security", "S1"}};
const Labels kS2{{"security", "S2"}};
const NodeDef kMachine1{"machine1", {{"region", "r1"}, {"zone", "z11"}}};

PodAffinity Required(std::vector<PodAffinityTerm> affinity,
                     std::vector<PodAffinityTerm> anti = {}) {
  PodAffinity a;
  a.required_affinity = std::move(affinity);
  a.required_anti_affinity = std::move(anti);
  return a;
}

class InterPodAffinityFilterTest : public ::testing::TestWithParam<FilterCase> {};

TEST_P(InterPodAffinityFilterTest, MatchesKubeScheduler) {
  EXPECT_EQ(RunFilters(GetParam()), GetParam().want);
}

const auto kSecurityIn = [](std::vector<std::string> v) {
  return Req("security", Op::kIn, std::move(v));
};

INSTANTIATE_TEST_SUITE_P(
    Upstream, InterPodAffinityFilterTest,
    ::testing::Values(
        FilterCase{"NoRequiredRulesNoExistingPods", {kMachine1}, {}, kS1, {}, {""}},
        FilterCase{"AffinityInOperatorMatchesExistingPod",
                   {kMachine1},
                   {{"machine1", kS1, {}}},
                   kS2,
                   Required({Term({kSecurityIn({"S1", "value2"})}, "region")}),
                   {""}},
        FilterCase{
            "AffinityNotInOperatorMatchesExistingPod",
            {kMachine1},
            {{"machine1", kS1, {}}},
            kS2,
            Required({Term({Req("security", Op::kNotIn, {"securityscan3", "value3"})}, "region")}),
            {""}},
        // The existing pod is in namespace "ns", the term selects "default" only.
        FilterCase{"AffinityDiffNamespace",
                   {kMachine1},
                   {{"machine1", kS1, {}, "ns"}},
                   kS2,
                   Required({Term({kSecurityIn({"S1"})}, "region")}),
                   {kAff}},
        // The incoming pod does not match its own term either (no first-pod exception).
        FilterCase{"AffinityUnmatchingLabelSelector",
                   {kMachine1},
                   {{"machine1", kS1, {}}},
                   {},
                   Required({Term({kSecurityIn({"S2"})}, "region")}),
                   {kAff}},
        FilterCase{
            "AffinityMatchExpressionsAreANDed",
            {kMachine1},
            {{"machine1", kS1, {}}},
            kS2,
            Required({Term({Req("security", Op::kExists), Req("wrongkey", Op::kDoesNotExist)},
                           "region"),
                      Term({kSecurityIn({"S1"}), Req("security", Op::kNotIn, {"WrongValue"})},
                           "region")}),
            {""}},
        FilterCase{
            "AffinityOneMatchExpressionDoesNotMatch",
            {kMachine1},
            {{"machine1", kS1, {}}},
            kS2,
            Required(
                {Term({Req("security", Op::kExists), Req("wrongkey", Op::kDoesNotExist)}, "region"),
                 Term({kSecurityIn({"S1"}), Req("security", Op::kIn, {"WrongValue"})}, "region")}),
            {kAff}},
        FilterCase{"AffinityAndAntiAffinitySatisfied",
                   {kMachine1},
                   {{"machine1", kS1, {}}},
                   kS2,
                   Required({Term({kSecurityIn({"S1"})}, "region")},
                            {Term({kSecurityIn({"antivirusscan", "value2"})}, "node")}),
                   {""}},
        FilterCase{
            "AffinityAndAntiAffinityAndSymmetrySatisfied",
            {kMachine1},
            {{"machine1", kS1, Required({}, {Term({kSecurityIn({"antivirusscan"})}, "node")})}},
            kS2,
            Required({Term({kSecurityIn({"S1"})}, "region")},
                     {Term({kSecurityIn({"antivirusscan", "value2"})}, "node")}),
            {""}},
        FilterCase{"AffinitySatisfiedAntiAffinityNot",
                   {kMachine1},
                   {{"machine1", kS1, {}}},
                   kS2,
                   Required({Term({kSecurityIn({"S1"})}, "region")},
                            {Term({kSecurityIn({"S1"})}, "zone")}),
                   {kAnti}},
        FilterCase{"AffinityAndAntiAffinitySatisfiedSymmetryNot",
                   {kMachine1},
                   {{"machine1", kS1, Required({}, {Term({kSecurityIn({"S2"})}, "zone")})}},
                   kS2,
                   Required({Term({kSecurityIn({"S1"})}, "region")},
                            {Term({kSecurityIn({"antivirusscan", "value2"})}, "node")}),
                   {kExisting}},
        // The incoming pod selects itself, but another pod matches the term elsewhere: the
        // first-pod exception does not apply.
        FilterCase{"PodMatchesItsOwnLabelAndExistingPodElsewhere",
                   {kMachine1, {"machine2", {{"region", "r2"}}}},
                   {{"machine2", kS1, {}}},
                   kS1,
                   Required({Term({kSecurityIn({"S1"})}, "region")}),
                   {kAff, ""}},
        FilterCase{"ExistingAntiAffinityRespectedWithoutOwnTerms",
                   {kMachine1},
                   {{"machine1", kS1, Required({}, {Term({kSecurityIn({"S2"})}, "zone")})}},
                   kS2,
                   {},
                   {kExisting}},
        FilterCase{"ExistingAntiAffinitySatisfiedWithoutOwnTerms",
                   {kMachine1},
                   {{"machine1", kS1, Required({}, {Term({kSecurityIn({"S1"})}, "zone")})}},
                   kS2,
                   {},
                   {""}},
        FilterCase{"AntiAffinitySatisfiedButSymmetryNot",
                   {kMachine1},
                   {{"machine1", kS1, Required({}, {Term({kSecurityIn({"S2"})}, "zone")})}},
                   kS2,
                   Required({}, {Term({kSecurityIn({"S2"})}, "zone")}),
                   {kExisting}},
        // TestRequiredAffinityMultipleNodes
        FilterCase{"SameTopologyValueAsNodeWithMatchingPod",
                   {{"machine1", {{"region", "r1"}, {"zone", "z11"}}},
                    {"machine2", {{"region", "r1"}, {"zone", "z12"}}},
                    {"machine3", {{"region", "r2"}, {"zone", "z21"}}}},
                   {{"machine1", {{"foo", "bar"}}, {}}},
                   {},
                   Required({Term({Req("foo", Op::kIn, {"bar"})}, "region")}),
                   {"", "", kAff}},
        FilterCase{"FirstPodOfTheCollectionNotBlocked",
                   {{"nodeA", {{"region", "r1"}, {"zone", "z1"}, {"hostname", "h1"}}},
                    {"nodeB", {{"region", "r1"}, {"zone", "z2"}, {"hostname", "h2"}}}},
                   {},
                   {{"foo", "bar"}, {"service", "securityscan"}},
                   Required({Term({Req("foo", Op::kIn, {"bar"})}, "zone"),
                             Term({Req("service", Op::kIn, {"securityscan"})}, "zone")}),
                   {"", ""}},
        FilterCase{"FirstPodBlockedWhenTopologyKeyMissing",
                   {{"nodeA", {{"zone", "az1"}, {"hostname", "h1"}}},
                    {"nodeB", {{"zoneLabel", "az2"}, {"hostname", "h2"}}}},
                   {},
                   {{"foo", "bar"}},
                   Required({Term({Req("foo", Op::kIn, {"bar"})}, "zone")}),
                   {"", kAff}},
        FilterCase{"FirstPodBlockedWhenItDoesNotMatchItsOwnTerms",
                   {{"nodeA", {{"zone", "z1"}}}},
                   {},
                   {{"foo", "baz"}},
                   Required({Term({Req("foo", Op::kIn, {"bar"})}, "zone")}),
                   {kAff}},
        FilterCase{"AntiAffinitySameTopologyValueBlocksBothNodes",
                   {{"nodeA", {{"zone", "az1"}, {"hostname", "h1"}}},
                    {"nodeB", {{"zone", "az1"}, {"hostname", "h2"}}},
                    {"nodeC", {{"zone", "az2"}, {"hostname", "h3"}}}},
                   {{"nodeA", {{"foo", "abc"}}, {}}},
                   {{"foo", "abc"}},
                   Required({}, {Term({Req("foo", Op::kIn, {"abc"})}, "zone")}),
                   {kAnti, kAnti, ""}},
        FilterCase{"ExistingAntiAffinityMatchesOneTopologyKey",
                   {{"nodeA", {{"zone", "az1"}, {"hostname", "h1"}}},
                    {"nodeB", {{"zone", "az2"}, {"hostname", "h2"}}}},
                   {{"nodeA",
                     {{"foo", "abc"}},
                     Required({}, {Term({Req("foo", Op::kIn, {"abc"})}, "hostname"),
                                   Term({Req("foo", Op::kIn, {"abc"})}, "zone")})}},
                   {{"foo", "abc"}},
                   {},
                   {kExisting, ""}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(InterPodAffinityTest, NamespaceSelector) {
  TestWorld world;
  world.AddNode(Node("n1", 4, 4, {{"zone", "z1"}}));
  world.pods().UpsertNamespace("team-a", {{"team", "a"}});
  world.pods().UpsertNamespace("team-b", {{"team", "b"}});
  world.AddPod("n1", "team-a", kS1);
  PodAffinityTerm t = Term({kSecurityIn({"S1"})}, "zone");
  t.namespaces.clear();
  t.namespace_selector = LabelSelector{{Req("team", Op::kIn, {"a"})}, false};
  TestClass cls;
  cls.world = &world;
  cls.constraints.pod_affinity = Required({t});
  TestNode n{Node("n1", 4, 4, {{"zone", "z1"}}), 0, -1, {}};
  EXPECT_TRUE(RunPlugin<InterPodAffinity>(cls, n).ok());
  t.namespace_selector = LabelSelector{{Req("team", Op::kIn, {"b"})}, false};
  cls.constraints.pod_affinity = Required({t});
  EXPECT_EQ(RunPlugin<InterPodAffinity>(cls, n).reason, kAff);
  // An empty namespaceSelector selects every namespace.
  t.namespace_selector = LabelSelector{};
  cls.constraints.pod_affinity = Required({}, {t});
  EXPECT_EQ(RunPlugin<InterPodAffinity>(cls, n).reason, kAnti);
  // Namespace labels change: counters follow.
  t.namespace_selector = LabelSelector{{Req("team", Op::kIn, {"b"})}, false};
  cls.constraints.pod_affinity = Required({}, {t});
  EXPECT_TRUE(RunPlugin<InterPodAffinity>(cls, n).ok());
  world.pods().UpsertNamespace("team-a", {{"team", "b"}});
  EXPECT_EQ(RunPlugin<InterPodAffinity>(cls, n).reason, kAnti);
}

TEST(InterPodAffinityTest, NullSelectorSelectsNothing) {
  TestWorld world;
  world.AddNode(Node("n1", 4, 4, {{"zone", "z1"}}));
  world.AddPod("n1", "default", kS1);
  PodAffinityTerm t = Term({}, "zone");
  t.selector.nothing = true;
  TestClass cls;
  cls.world = &world;
  cls.constraints.pod_affinity = Required({}, {t});
  EXPECT_TRUE(
      RunPlugin<InterPodAffinity>(cls, TestNode{Node("n1", 4, 4, {{"zone", "z1"}}), 0, -1, {}})
          .ok());
  t.selector.nothing = false;  // empty, non-null: every pod of the namespace
  cls.constraints.pod_affinity = Required({}, {t});
  EXPECT_EQ(
      RunPlugin<InterPodAffinity>(cls, TestNode{Node("n1", 4, 4, {{"zone", "z1"}}), 0, -1, {}})
          .reason,
      kAnti);
}

// ---------------------------------------------------------------- scores

struct ScoreCase {
  const char* name;
  std::vector<NodeDef> nodes;
  std::vector<Pod> pods;
  Labels labels;
  PodAffinity affinity;
  std::vector<int> want;  // kube-scheduler's normalised scores, 0..100, in `nodes` order
};

std::vector<int> RunScores(const ScoreCase& c) {
  TestWorld world;
  for (const auto& n : c.nodes) world.AddNode(Node(n.name, 4, 4, n.labels));
  for (const auto& p : c.pods) {
    PlacementConstraints pc;
    pc.pod_affinity = p.affinity;
    world.AddPod(p.node, p.ns, p.labels, pc);
  }
  TestClass cls;
  cls.world = &world;
  cls.labels = c.labels;
  cls.constraints.pod_affinity = c.affinity;
  const auto state = InterPodAffinity::PreFilter(cls.Info());
  std::vector<double> raw;
  for (const auto& n : c.nodes) {
    NodeSpec spec = Node(n.name, 4, 4, n.labels);
    raw.push_back(InterPodAffinity::Scores(state)
                      ? InterPodAffinity::ScoreNode(
                            state, {world.pool().Find(n.name), spec, -1, spec.allocatable})
                      : 0);
  }
  // kube-scheduler's NormalizeScore (the engine does the same in ScanNodes).
  const double lo = *std::min_element(raw.begin(), raw.end());
  const double hi = *std::max_element(raw.begin(), raw.end());
  std::vector<int> out;
  for (double r : raw) out.push_back(hi > lo ? static_cast<int>(100 * (r - lo) / (hi - lo)) : 0);
  return out;
}

class InterPodAffinityScoreTest : public ::testing::TestWithParam<ScoreCase> {};

TEST_P(InterPodAffinityScoreTest, MatchesKubeScheduler) {
  EXPECT_EQ(RunScores(GetParam()), GetParam().want);
}

PodAffinity Preferred(std::vector<PodAffinityTerm> affinity,
                      std::vector<PodAffinityTerm> anti = {}) {
  PodAffinity a;
  a.preferred_affinity = std::move(affinity);
  a.preferred_anti_affinity = std::move(anti);
  return a;
}

const std::vector<NodeDef> kChinaIndiaAz{{"machine1", {{"region", "China"}}},
                                         {"machine2", {{"region", "India"}}},
                                         {"machine3", {{"az", "az1"}}}};

INSTANTIATE_TEST_SUITE_P(
    Upstream, InterPodAffinityScoreTest,
    ::testing::Values(
        ScoreCase{"AllNodesSameScoreWhenNoPods",
                  kChinaIndiaAz,
                  {},
                  kS1,
                  Preferred({Term({kSecurityIn({"S1"})}, "region", 5)}),
                  {0, 0, 0}},
        ScoreCase{"AffinityMatchingTopologyKeyAndPodsScoresHigh",
                  kChinaIndiaAz,
                  {{"machine1", kS1, {}}, {"machine2", kS2, {}}, {"machine3", {}, {}}},
                  {},
                  Preferred({Term({kSecurityIn({"S1"})}, "region", 5)}),
                  {100, 0, 0}},
        ScoreCase{"AffinityAllNodesInTheRegionGetTheSameScore",
                  {{"machine1", {{"region", "China"}}},
                   {"machine2", {{"region", "India"}}},
                   {"machine3", {{"region", "China"}}}},
                  {{"machine1", kS1, {}}},
                  {},
                  Preferred({Term({kSecurityIn({"S1"})}, "region", 5)}),
                  {100, 0, 100}},
        ScoreCase{"AntiAffinityNodesWithoutMatchingPodsScoreHigh",
                  {{"machine1", {{"region", "China"}}}, {"machine2", {{"region", "India"}}}},
                  {{"machine1", kS1, {}}, {"machine2", kS2, {}}},
                  {},
                  Preferred({}, {Term({kSecurityIn({"S1"})}, "region", 5)}),
                  {0, 100}},
        ScoreCase{"AffinitySymmetryPreferredTermsOfExistingPods",
                  kChinaIndiaAz,
                  {{"machine1", {}, Preferred({Term({kSecurityIn({"S1"})}, "region", 5)})},
                   {"machine2", {}, Preferred({Term({kSecurityIn({"S2"})}, "region", 5)})}},
                  kS1,
                  Preferred({Term({kSecurityIn({"nothing"})}, "region", 1)}),
                  {100, 0, 0}},
        ScoreCase{"AffinitySymmetryHardPodAffinityWeight",
                  kChinaIndiaAz,
                  {{"machine1", {}, Required({Term({kSecurityIn({"S1"})}, "region")})},
                   {"machine2", {}, Required({Term({kSecurityIn({"S2"})}, "region")})}},
                  kS1,
                  Preferred({Term({kSecurityIn({"nothing"})}, "region", 1)}),
                  {100, 0, 0}},
        ScoreCase{"AntiAffinitySymmetryPreferredTermsOfExistingPods",
                  kChinaIndiaAz,
                  {{"machine1", {}, Preferred({}, {Term({kSecurityIn({"S1"})}, "region", 5)})}},
                  kS1,
                  Preferred({Term({kSecurityIn({"nothing"})}, "region", 1)}),
                  {0, 100, 100}}),
    [](const auto& info) { return std::string(info.param.name); });

// Pods placed after PreFilter are not seen by that state, but a new PreFilter (the engine runs
// one per task) sees them at once; removing a holder lifts the symmetric ban.
TEST(InterPodAffinityTest, CountsFollowAddAndRemove) {
  TestWorld world;
  world.AddNode(Node("a", 4, 4, {{"zone", "z1"}}));
  world.AddNode(Node("b", 4, 4, {{"zone", "z1"}}));
  TestClass cls;
  cls.world = &world;
  cls.labels = {{"app", "web"}};
  cls.constraints.pod_affinity = Required({}, {Term({Req("app", Op::kIn, {"web"})}, "zone")});
  TestNode b{Node("b", 4, 4, {{"zone", "z1"}}), 1, -1, {}};
  EXPECT_TRUE(RunPlugin<InterPodAffinity>(cls, b).ok());
  int web = world.AddPod("a", "default", {{"app", "web"}}, cls.constraints);
  EXPECT_EQ(RunPlugin<InterPodAffinity>(cls, b).reason, kAnti);
  TestClass plain;  // no terms: kept away by the web pod's own anti-affinity? It is not "web".
  plain.world = &world;
  EXPECT_TRUE(RunPlugin<ExistingPodsAntiAffinity>(plain, b).ok());
  plain.labels = {{"app", "web"}};
  EXPECT_EQ(RunPlugin<ExistingPodsAntiAffinity>(plain, b).reason, kExisting);
  const uint64_t anti_epoch = world.pods().anti_affinity_epoch();
  world.RemovePod(web);
  EXPECT_GT(world.pods().anti_affinity_epoch(), anti_epoch);
  EXPECT_TRUE(RunPlugin<ExistingPodsAntiAffinity>(plain, b).ok());
  EXPECT_TRUE(RunPlugin<InterPodAffinity>(cls, b).ok());
}

}  // namespace
}  // namespace kubemesos::placement::testing
