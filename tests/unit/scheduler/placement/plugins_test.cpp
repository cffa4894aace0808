// The ordered plugin list: the scopes split it between the bitmap and the live check without
// changing its answer, Diagnose counts a node once for its first rejecting plugin (plugins that
// share a reason share a count), and Explain writes the pending message from the counts.
#include "scheduler/placement/plugins.h"

#include <gtest/gtest.h>

#include "tests/unit/scheduler/placement/plugin_cases.h"

namespace kubemesos::placement::testing {
namespace {

TEST(Plugins, OrderIsTheExplanationOrder) {
  const std::vector<std::string_view> names(Plugins::kNames.begin(), Plugins::kNames.end());
  EXPECT_EQ(names,
            (std::vector<std::string_view>{
                "NodeHealth", "NodeReservation", "NodeAffinity", "TaintToleration", "OfferFilter",
                "NodeResourcesFit", "NodePorts", "NodeVolumeLimits", "InterPodAffinity",
                "ExistingPodsAntiAffinity", "PodTopologySpread", "NodePreference"}));
}

// Nodes failing in every way and in several ways at once, for one class.
std::vector<TestNode> Nodes() {
  std::vector<TestNode> nodes;
  auto add = [&](auto&& change) {
    TestNode n;
    n.index = static_cast<int>(nodes.size());
    n.spec.labels = {{"zone", "a"}};
    change(n);
    nodes.push_back(n);
  };
  add([](TestNode&) {});                                                      // 0: fits
  add([](TestNode& n) { n.spec.ready = false; });                             // 1: health
  add([](TestNode& n) { n.reserved_for = 9; });                               // 2: reservation
  add([](TestNode& n) { n.spec.labels = {{"zone", "b"}}; });                  // 3: affinity
  add([](TestNode& n) { n.spec.taints = {{"k", "v"}}; });                     // 4: taint
  add([](TestNode&) {});                                                      // 5: offer filter
  add([](TestNode& n) { n.free = Res(0, 4, 110); });                          // 6: short of cpu
  add([](TestNode& n) { n.spec = Node("small", 0.5, 4, {{"zone", "a"}}); });  // 7: too small
  add([](TestNode& n) {                                                       // 8: health first
    n.spec.unschedulable = true;
    n.spec.labels = {};
    n.free = Res(0, 0, 0);
  });
  add([](TestNode& n) {  // 9: affinity and taint: counted once
    n.spec.labels = {};
    n.spec.taints = {{"k", "v"}};
  });
  return nodes;
}

TestClass ZoneA() {
  TestClass c;
  c.constraints.node_selector = {{"zone", "a"}};
  c.filters = {{5, 100}};
  c.now = 1;
  return c;
}

TEST(Plugins, ScopesSplitTheListWithoutChangingItsAnswer) {
  const TestClass cls = ZoneA();
  const ClassInfo info = cls.Info();
  const auto states = Plugins::PreFilter(info);
  const std::vector<bool> want = {true,  false, false, false, false,
                                  false, false, false, false, false};
  const auto nodes = Nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    SCOPED_TRACE(i);
    const NodeInfo node = nodes[i].Info();
    bool all = true;
    Plugins::FilterEach(states, node, [&](size_t, const Status& s) { return all = all && s.ok(); });
    const bool split = Plugins::Filter<Scope::kNode>(states, node).ok() &&
                       Plugins::Filter<Scope::kLive>(states, node).ok();
    EXPECT_EQ(all, want[i]);
    EXPECT_EQ(split, want[i]);
  }
}

TEST(Plugins, FilterStopsAtTheFirstFailureOfItsScope) {
  const TestClass cls = ZoneA();
  const ClassInfo info = cls.Info();
  const auto states = Plugins::PreFilter(info);
  const auto nodes = Nodes();
  EXPECT_EQ(Plugins::Filter<Scope::kNode>(states, nodes[8].Info()).reason,
            "not ready or unschedulable");
  // Node 8 is also short of everything: the live scope sees only that.
  EXPECT_EQ(Plugins::Filter<Scope::kLive>(states, nodes[8].Info()).code, Code::kUnschedulable);
  EXPECT_EQ(Plugins::Filter<Scope::kLive>(states, nodes[5].Info()).reason,
            "declined by the framework recently");
}

Diagnosis DiagnoseNodes(const TestClass& cls, const std::vector<TestNode>& nodes) {
  return Diagnose<Plugins>(cls.Info(), [&](auto&& visit) {
    for (const auto& n : nodes) visit(n.Info());
  });
}

TEST(Plugins, DiagnoseCountsEachNodeOnceInListOrder) {
  Diagnosis d = DiagnoseNodes(ZoneA(), Nodes());
  EXPECT_EQ(d.total, 10);
  EXPECT_EQ(d.eligible, 3);  // 0, 6 and 7
  EXPECT_EQ(d.short_of[kCpu], 2);
  EXPECT_EQ(d.short_of[kMemory], 0);
  EXPECT_EQ(d.beyond_allocatable, 1);
  using Part = std::pair<std::string_view, int>;
  EXPECT_EQ(d.unresolvable,
            (std::vector<Part>{{"not ready or unschedulable", 2},
                               {"reserved for other groups", 1},
                               {"not matching node selector, affinity or taints", 3},
                               {"declined by the framework recently", 1}}));
}

TEST(Plugins, ExplainTable) {
  ResourceCatalog catalog;
  auto gpu = catalog.Intern("nvidia.com/gpu");
  ASSERT_TRUE(gpu);
  struct Case {
    const char* name;
    Diagnosis d;
    ReasonCode code;
    std::string subject;
    std::string message;
  };
  Diagnosis none;
  Diagnosis ineligible;
  ineligible.total = 3;
  ineligible.unresolvable = {{"not ready or unschedulable", 1}, {"reserved for other groups", 2}};
  Diagnosis short_gpu;
  short_gpu.total = 4;
  short_gpu.eligible = 3;
  short_gpu.short_of[kCpu] = 1;
  short_gpu.short_of[*gpu] = 3;
  short_gpu.beyond_allocatable = 1;
  short_gpu.unresolvable = {{"declined by the framework recently", 1}};
  Diagnosis never_fits = short_gpu;
  never_fits.beyond_allocatable = 3;
  Diagnosis fits_somewhere;  // a node that fits (the cursor went past it): nothing to list
  fits_somewhere.total = 1;
  fits_somewhere.eligible = 1;
  const Case cases[] = {
      {"no_nodes", none, ReasonCode::kNoEligibleNode, "",
       "0/0 nodes are available: the cluster has no nodes."},
      {"no_eligible_node", ineligible, ReasonCode::kNoEligibleNode, "",
       "0/3 nodes are available: 1 not ready or unschedulable, 2 reserved for other groups."},
      {"insufficient", short_gpu, ReasonCode::kInsufficient, "nvidia.com/gpu",
       "0/4 nodes are available: 1 Insufficient cpu, 3 Insufficient nvidia.com/gpu, 1 not "
       "eligible."},
      {"beyond_every_allocatable", never_fits, ReasonCode::kInsufficient, "nvidia.com/gpu",
       "0/4 nodes are available: 1 Insufficient cpu, 3 Insufficient nvidia.com/gpu, 1 not "
       "eligible, the request exceeds the allocatable of every eligible node."},
      {"fits_somewhere", fits_somewhere, ReasonCode::kInsufficient, "cpu",
       "0/1 nodes are available."},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Reason r = Explain(c.d, catalog);
    EXPECT_EQ(r.code, c.code);
    EXPECT_EQ(r.subject, c.subject);
    EXPECT_EQ(r.message, c.message);
    EXPECT_FALSE(r.BlockedByPolicy());  // more or other nodes can always help
  }
}

TEST(Plugins, ReasonCodeFromTheBestStatus) {
  EXPECT_EQ(ToReasonCode(Code::kSuccess), ReasonCode::kInsufficient);
  EXPECT_EQ(ToReasonCode(Code::kUnschedulable), ReasonCode::kInsufficient);
  EXPECT_EQ(ToReasonCode(Code::kUnschedulableAndUnresolvable), ReasonCode::kNoEligibleNode);
}

TEST(Plugins, ScoreIsTheSumOfTheScorePlugins) {
  static_assert(ScorePlugin<NodeResourcesFit>);
  static_assert(!ScorePlugin<NodeHealth>);
  const NodeSpec node = Node("n", 4, 4);
  const ResourceSum used(Res(1, 3));
  EXPECT_EQ(Plugins::Score(node, used), NodeResourcesFit::Score(node, used));
}

}  // namespace
}  // namespace kubemesos::placement::testing
