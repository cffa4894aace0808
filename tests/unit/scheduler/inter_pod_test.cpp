// Inter-pod affinity and anti-affinity through the whole engine (Allocator): pods placed earlier
// in a cycle count at once, pods of other schedulers count with their own anti-affinity, and
// classes waiting for pods are retried when the pods change.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos {
namespace {

using namespace kubemesos::testing;
using Op = NodeSelectorRequirement::Op;

PodAffinityTerm AppTerm(const std::string& app, const std::string& key) {
  PodAffinityTerm t;
  t.selector.requirements.push_back({"app", Op::kIn, {app}, false});
  t.namespaces = {"default"};
  t.topology_key = key;
  return t;
}

NodeSpec HostNode(const std::string& name, const std::string& zone) {
  return Node(name, 8, 8, {{"kubernetes.io/hostname", name}, {"zone", zone}});
}

class InterPodTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a.UpsertGroup(Group("g"));
    a.UpsertFramework(Framework("default/f", "g"));
  }
  PodSpec Pod(const std::string& name, const std::string& app, uint64_t order = 0) {
    PodSpec p = Task("default/" + name, "default/f", 0.1, 0.1, order);
    p.labels = {{"app", app}};
    return p;
  }
  // Where each placed pod went, over every cycle so far.
  std::map<std::string, std::string> Run(double now = 0) {
    last = a.Allocate(now);
    for (const auto& p : last.placements) where[p.pod] = p.node;
    return where;
  }
  Allocator a;
  AllocationResult last;
  std::map<std::string, std::string> where;
};

// The reproducer: 6 pods with required anti-affinity to each other on the hostname,
// 4 nodes. kube-scheduler binds 4, one per node, and leaves 2 pending.
TEST_F(InterPodTest, SelfAntiAffinityOnePerNode) {
  for (int i = 0; i < 4; ++i) a.UpsertNode(HostNode(Indexed("n", i), "z"));
  for (int i = 0; i < 6; ++i) {
    PodSpec p = Pod(Indexed("web-", i), "web", i);
    p.constraints.pod_affinity.required_anti_affinity = {AppTerm("web", "kubernetes.io/hostname")};
    a.UpsertPod(p);
  }
  Run();
  EXPECT_EQ(PlacedPerNode(last),
            (std::map<std::string, int>{{"n0", 1}, {"n1", 1}, {"n2", 1}, {"n3", 1}}));
  ASSERT_EQ(last.unplaced.size(), 2u);
  for (const auto& u : last.unplaced) {
    EXPECT_EQ(u.reason.code, ReasonCode::kNoEligibleNode);
    EXPECT_EQ(u.reason.message, "0/4 nodes are available: 4 didn't match pod anti-affinity rules.");
  }
  // A fifth node: one more is placed at the next cycle.
  a.UpsertNode(HostNode("n4", "z"));
  Run(1);
  EXPECT_EQ(PlacedPerNode(last), (std::map<std::string, int>{{"n4", 1}}));
}

// A pod placed earlier in the cycle keeps away a pod without terms of its own that its
// anti-affinity selects (symmetry through the cursor's live check), in the same cycle.
TEST_F(InterPodTest, EarlierPlacementInTheCycleCountsForSymmetry) {
  a.UpsertNode(HostNode("n0", "z0"));
  a.UpsertNode(HostNode("n1", "z1"));
  PodSpec guard = Pod("guard", "guard", 0);
  guard.constraints.pod_affinity.required_anti_affinity = {AppTerm("noisy", "zone")};
  a.UpsertPod(guard);
  for (int i = 0; i < 3; ++i) a.UpsertPod(Pod(Indexed("noisy-", i), "noisy", 1 + i));
  Run();
  ASSERT_EQ(where.size(), 4u);
  for (int i = 0; i < 3; ++i)
    EXPECT_NE(where[Indexed("default/noisy-", i)], where["default/guard"]);
}

// Pods of other schedulers (no framework, bound) count: as targets of the incoming pod's terms,
// and with their own anti-affinity toward it.
TEST_F(InterPodTest, OtherSchedulersPodsCount) {
  a.UpsertNode(HostNode("n0", "z0"));
  a.UpsertNode(HostNode("n1", "z1"));
  a.UpsertNode(HostNode("n2", "z2"));
  PodSpec db = BoundPod("default/db", "n0", 0.1, 0.1);
  db.labels = {{"app", "db"}};
  a.UpsertPod(db);
  PodSpec lonely = BoundPod("default/lonely", "n1", 0.1, 0.1);
  lonely.labels = {{"app", "lonely"}};
  lonely.constraints.pod_affinity.required_anti_affinity = {AppTerm("web", "zone")};
  a.UpsertPod(lonely);
  for (int i = 0; i < 3; ++i) {
    PodSpec p = Pod(Indexed("web-", i), "web", i);
    p.constraints.pod_affinity.required_anti_affinity = {AppTerm("db", "zone")};
    a.UpsertPod(p);
  }
  Run();
  // n0 holds the db (their anti-affinity), n1 the lonely pod (its anti-affinity): only n2.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(where[Indexed("default/web-", i)], "n2");
  // Plain pods selected by the bound pod's anti-affinity stay off its zone too.
  for (int i = 0; i < 4; ++i) a.UpsertPod(Pod(Indexed("plain-web-", i), "web", 10 + i));
  Run(1);
  for (int i = 0; i < 4; ++i) EXPECT_NE(where[Indexed("default/plain-web-", i)], "n1");
}

// A pod whose required affinity has no target waits, with the affinity reason, and is placed in
// the cycle after the target appears, in the target's zone.
TEST_F(InterPodTest, AffinityWaitsForItsTarget) {
  a.UpsertNode(HostNode("n0", "z0"));
  a.UpsertNode(HostNode("n1", "z1"));
  a.UpsertNode(HostNode("n2", "z1"));
  PodSpec follower = Pod("follower", "web");
  follower.constraints.pod_affinity.required_affinity = {AppTerm("db", "zone")};
  a.UpsertPod(follower);
  Run();
  EXPECT_TRUE(where.empty());
  ASSERT_EQ(last.unplaced.size(), 1u);
  EXPECT_EQ(last.unplaced[0].reason.message,
            "0/3 nodes are available: 3 didn't match pod affinity rules.");
  PodSpec db = BoundPod("default/db", "n2", 0.1, 0.1);
  db.labels = {{"app", "db"}};
  a.UpsertPod(db);
  Run(1);
  ASSERT_EQ(where.count("default/follower"), 1u);
  EXPECT_TRUE(where["default/follower"] == "n1" || where["default/follower"] == "n2");
}

// A pod kept off every node by an existing pod's anti-affinity is placed once that pod leaves,
// although it has no terms of its own (the engine would otherwise not retry it).
TEST_F(InterPodTest, HolderLeavingUnblocksPlainPods) {
  a.UpsertNode(HostNode("n0", "z0"));
  PodSpec holder = BoundPod("default/holder", "n0", 0.1, 0.1);
  holder.constraints.pod_affinity.required_anti_affinity = {AppTerm("web", "zone")};
  a.UpsertPod(holder);
  a.UpsertPod(Pod("web", "web"));
  Run();
  ASSERT_EQ(last.unplaced.size(), 1u);
  EXPECT_EQ(last.unplaced[0].reason.message,
            "0/1 nodes are available: 1 didn't satisfy existing pods anti-affinity rules.");
  Run(1);
  EXPECT_TRUE(where.empty());
  a.RemovePod("default/holder");
  Run(2);
  EXPECT_EQ(where["default/web"], "n0");
}

// Preferred anti-affinity spreads replicas when it can, and still places them when it cannot.
TEST_F(InterPodTest, PreferredAntiAffinitySpreadsButNeverBlocks) {
  a.UpsertNode(HostNode("n0", "z0"));
  a.UpsertNode(HostNode("n1", "z1"));
  for (int i = 0; i < 4; ++i) {
    PodSpec p = Pod(Indexed("web-", i), "web", i);
    PodAffinityTerm t = AppTerm("web", "kubernetes.io/hostname");
    t.weight = 100;
    p.constraints.pod_affinity.preferred_anti_affinity = {t};
    a.UpsertPod(p);
  }
  Run();
  EXPECT_EQ(PlacedPerNode(last), (std::map<std::string, int>{{"n0", 2}, {"n1", 2}}));
}

}  // namespace
}  // namespace kubemesos
