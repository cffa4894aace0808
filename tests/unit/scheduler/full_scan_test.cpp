// The engine's handling of constraints that depend on other pods or rank nodes per class: host
// ports through the cursor (kLive), preferred node affinity through the full per-task scan
// (Scope::kPod), and the retry of blocked classes when the pods on nodes change.
#include <gtest/gtest.h>

#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos {
namespace {

using namespace kubemesos::testing;
using Op = NodeSelectorRequirement::Op;

class FullScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a.UpsertGroup(Group("g"));
    a.UpsertFramework(Framework("ns/f", "g"));
    for (int i = 1; i <= 4; ++i) a.UpsertNode(Node(Indexed("n", i), 8, 8));
  }
  static PodSpec WithPort(const std::string& name, int port) {
    PodSpec p = Task(name, "ns/f", 1, 1);
    p.constraints.host_ports = {HostPort{"TCP", "", port}};
    return p;
  }
  Allocator a;
};

// The reproducer: 6 pods asking for the same hostPort on 4 nodes. kube-scheduler
// binds 4, one per node; before host ports were enforced, all 6 went to one node.
TEST_F(FullScanTest, HostPortsOnePodPerNode) {
  for (int i = 0; i < 6; ++i) a.UpsertPod(WithPort(Indexed("ns/web-", i), 8080));
  auto r = a.Allocate(0);
  EXPECT_EQ(r.placements.size(), 4u);
  for (const auto& [node, count] : PlacedPerNode(r)) EXPECT_EQ(count, 1) << node;
  ASSERT_EQ(r.unplaced.size(), 2u);
  EXPECT_EQ(r.unplaced[0].reason.message,
            "0/4 nodes are available: 4 didn't have free ports for the requested pod ports.");
  EXPECT_FALSE(r.unplaced[0].reason.BlockedByPolicy());  // another node would help
}

TEST_F(FullScanTest, HostPortsOfOtherSchedulersCountAndFreeUp) {
  for (int i = 1; i <= 4; ++i) {
    PodSpec bound = BoundPod(Indexed("other/holder-", i), Indexed("n", i), 1, 1);
    bound.constraints.host_ports = {HostPort{"TCP", "", 8080}};
    a.UpsertPod(bound);
  }
  a.UpsertPod(WithPort("ns/web", 8080));
  a.UpsertPod(WithPort("ns/other-port", 9090));
  auto r = a.Allocate(0);
  ASSERT_EQ(r.placements.size(), 1u);
  EXPECT_EQ(r.placements[0].pod, "ns/other-port");
  // The holder on n3 goes: the waiting pod is placed there, in the next cycle.
  a.RemovePod("other/holder-3");
  r = a.Allocate(1);
  ASSERT_EQ(r.placements.size(), 1u);
  EXPECT_EQ(r.placements[0].pod, "ns/web");
  EXPECT_EQ(r.placements[0].node, "n3");
}

TEST_F(FullScanTest, DifferentProtocolsAndHostIpsShareAPort) {
  a.UpsertNode(Node("n1", 8, 8));
  for (const char* n : {"n2", "n3", "n4"}) a.RemoveNode(n);
  PodSpec tcp = WithPort("ns/tcp", 53);
  PodSpec udp = WithPort("ns/udp", 53);
  udp.constraints.host_ports[0].protocol = "UDP";
  PodSpec ip1 = WithPort("ns/ip1", 80);
  ip1.constraints.host_ports[0].ip = "10.0.0.1";
  PodSpec ip2 = WithPort("ns/ip2", 80);
  ip2.constraints.host_ports[0].ip = "10.0.0.2";
  for (const auto& p : {tcp, udp, ip1, ip2}) a.UpsertPod(p);
  EXPECT_EQ(a.Allocate(0).placements.size(), 4u);
}

// Preferred node affinity ranks nodes per class: the preferred node wins over the binpack
// order (weight 2 x 100 against the policy's 0..100), and a full node falls back to the next.
TEST_F(FullScanTest, PreferredNodeAffinityWinsOverBinpack) {
  a.UpsertNode(Node("n3", 8, 8, {{"disk", "ssd"}}));
  a.UpsertPod(BoundPod("other/busy", "n1", 6, 6));  // binpack alone would pick n1
  PodSpec p = Task("ns/ssd", "ns/f", 1, 1);
  p.constraints.preferred_affinity = {
      PreferredNodeTerm{10, NodeSelectorTerm{{{"disk", Op::kIn, {"ssd"}}}}}};
  a.UpsertPod(p);
  auto r = a.Allocate(0);
  ASSERT_EQ(r.placements.size(), 1u);
  EXPECT_EQ(r.placements[0].node, "n3");
  // Plain pods still binpack onto n1.
  a.UpsertPod(Task("ns/plain", "ns/f", 1, 1));
  r = a.Allocate(1);
  ASSERT_EQ(r.placements.size(), 1u);
  EXPECT_EQ(r.placements[0].node, "n1");
  // When the preferred node is full, the preference yields to fit.
  for (int i = 0; i < 7; ++i) {
    PodSpec more = p;
    more.key = Indexed("ns/ssd-", i);
    a.UpsertPod(more);
  }
  r = a.Allocate(2);
  EXPECT_EQ(r.placements.size(), 7u);
  EXPECT_EQ(PlacedPerNode(r)["n3"], 7);  // 8 cores: the first took one
}

TEST_F(FullScanTest, PreferenceClassesPlaceEveryTaskInOneCycle) {
  PodSpec p = Task("ns/x", "ns/f", 1, 1);
  p.constraints.preferred_affinity = {
      PreferredNodeTerm{1, NodeSelectorTerm{{{"missing", Op::kExists, {}}}}}};
  for (int i = 0; i < 32; ++i) {
    p.key = Indexed("ns/x-", i);
    a.UpsertPod(p);
  }
  auto r = a.Allocate(0);
  EXPECT_EQ(r.placements.size(), 32u);  // 4 nodes x 8 cores
  for (const auto& [node, count] : PlacedPerNode(r)) EXPECT_EQ(count, 8) << node;
  p.key = "ns/one-more";
  a.UpsertPod(p);
  r = a.Allocate(1);
  EXPECT_TRUE(r.placements.empty());
  ASSERT_EQ(r.unplaced.size(), 1u);
  EXPECT_EQ(r.unplaced[0].reason.Short(), "Insufficient cpu");
}

}  // namespace
}  // namespace kubemesos
