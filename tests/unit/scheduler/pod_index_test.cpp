// PodIndex on its own: identities are shared and recycled, counters stay exact through adds,
// removes, node relabelling and namespace relabelling, and host ports are a multiset per node.
#include "scheduler/pod_index.h"

#include <gtest/gtest.h>

#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos {
namespace {

using namespace kubemesos::testing;
using Op = NodeSelectorRequirement::Op;

class PodIndexTest : public ::testing::Test {
 protected:
  int AddNode(const std::string& name, const std::string& zone) {
    return pool.Upsert(Node(name, 4, 4, {{"zone", zone}, {"kubernetes.io/hostname", name}})).node;
  }
  int Constraints(PlacementConstraints c = {}) {
    constraints.push_back(std::move(c));
    return static_cast<int>(constraints.size() - 1);
  }
  static PodAffinityTerm Selecting(const std::string& app, std::vector<std::string> namespaces) {
    PodAffinityTerm t;
    t.selector.requirements.push_back({"app", Op::kIn, {app}});
    t.namespaces = std::move(namespaces);
    return t;
  }

  ResourceCatalog catalog;
  GroupTree groups{catalog};
  NodePool pool{catalog, groups, Policy::kBinpack};
  std::vector<PlacementConstraints> constraints;
  PodIndex index{constraints, pool};
};

TEST_F(PodIndexTest, IdentitiesAreSharedAndRecycled) {
  int a = index.Intern("ns", {{"app", "web"}});
  int b = index.Intern("ns", {{"app", "web"}});
  int c = index.Intern("other", {{"app", "web"}});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(index.ns(c), "other");
  index.Release(a);
  EXPECT_EQ(index.Intern("ns", {{"app", "web"}}), a);  // still referenced once: same id
  index.Release(a);
  index.Release(a);  // now unreferenced: the slot is free for the next new identity
  int d = index.Intern("ns", {{"app", "db"}});
  EXPECT_EQ(d, a);
  EXPECT_EQ(index.labels(d).at("app"), "db");
}

TEST_F(PodIndexTest, CountersFollowPodsNodesAndDomains) {
  int n1 = AddNode("n1", "a"), n2 = AddNode("n2", "a"), n3 = AddNode("n3", "b");
  int none = Constraints();
  int web = index.Intern("ns", {{"app", "web"}});
  int db = index.Intern("ns", {{"app", "db"}});
  int web_elsewhere = index.Intern("other", {{"app", "web"}});
  index.Add(0, n1, web, none);
  index.Add(1, n2, web, none);
  index.Add(2, n3, db, none);
  index.Add(3, n3, web_elsewhere, none);
  // A counter made after the pods counts them all at once.
  int zone = index.Track(Selecting("web", {"ns"}), "zone");
  EXPECT_EQ(index.CountOnNode(zone, n1), 1);
  EXPECT_EQ(index.CountOnNode(zone, n3), 0);  // db, and web of another namespace
  EXPECT_EQ(index.CountInDomain(zone, "a"), 2);
  EXPECT_EQ(index.CountInDomain(zone, "b"), 0);
  EXPECT_EQ(index.Track(Selecting("web", {"ns"}), "zone"), zone);  // one counter per selection
  // Later pods count as they come and go.
  index.Add(4, n3, web, none);
  EXPECT_EQ(index.CountInDomain(zone, "b"), 1);
  index.Remove(0);
  EXPECT_EQ(index.CountInDomain(zone, "a"), 1);
  EXPECT_EQ(index.Domains(zone).size(), 2u);
  // A node moving to another zone takes its pods' counts along.
  pool.Upsert(Node("n2", 4, 4, {{"zone", "b"}, {"kubernetes.io/hostname", "n2"}}));
  EXPECT_EQ(index.CountInDomain(zone, "a"), 0);
  EXPECT_EQ(index.CountInDomain(zone, "b"), 2);
  EXPECT_EQ(index.Domains(zone).count("a"), 0u);  // empty domains are not listed
}

TEST_F(PodIndexTest, NamespaceSelectorsFollowNamespaceLabels) {
  int n1 = AddNode("n1", "a");
  int none = Constraints();
  index.Add(0, n1, index.Intern("team-a", {{"app", "web"}}), none);
  index.Add(1, n1, index.Intern("team-b", {{"app", "web"}}), none);
  PodAffinityTerm term = Selecting("web", {});
  term.namespace_selector = LabelSelector{{{"tier", Op::kIn, {"prod"}}}, false};
  int c = index.Track(term, "zone");
  EXPECT_EQ(index.CountOnNode(c, n1), 0);  // no namespace is known to be prod yet
  index.UpsertNamespace("team-a", {{"tier", "prod"}});
  EXPECT_EQ(index.CountOnNode(c, n1), 1);
  index.UpsertNamespace("team-b", {{"tier", "prod"}});
  EXPECT_EQ(index.CountInDomain(c, "a"), 2);
  index.RemoveNamespace("team-a");
  EXPECT_EQ(index.CountInDomain(c, "a"), 1);
  // An empty namespace selector selects every namespace.
  PodAffinityTerm all = Selecting("web", {});
  all.namespace_selector = LabelSelector{};
  EXPECT_EQ(index.CountOnNode(index.Track(all, "zone"), n1), 2);
}

TEST_F(PodIndexTest, HostPortsAndPodsWithTerms) {
  int n1 = AddNode("n1", "a");
  PlacementConstraints ports;
  ports.host_ports = {HostPort{"TCP", "", 80}};
  PlacementConstraints anti;
  anti.pod_affinity.required_anti_affinity.push_back(Selecting("web", {"ns"}));
  int with_ports = Constraints(ports), with_terms = Constraints(anti);
  int id = index.Intern("ns", {});
  index.Add(0, n1, id, with_ports);
  index.Add(1, n1, id, with_ports);
  index.Add(2, n1, id, with_terms);
  EXPECT_EQ(index.HostPortsOn(n1).size(), 2u);
  ASSERT_EQ(index.PodsWithTerms().size(), 1u);
  EXPECT_EQ(index.PodsWithTerms()[0].task, 2);
  index.Remove(0);
  EXPECT_EQ(index.HostPortsOn(n1).size(), 1u);
  index.Remove(2);
  EXPECT_TRUE(index.PodsWithTerms().empty());
  EXPECT_EQ(index.PodsOn(n1).size(), 1u);
  const uint64_t before = index.epoch();
  index.Remove(2);  // not there: nothing changes
  EXPECT_EQ(index.epoch(), before);
}

}  // namespace
}  // namespace kubemesos
