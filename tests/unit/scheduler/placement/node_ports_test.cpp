// NodePorts: a pod's host ports must be free on the node. Cases from kube-scheduler's
// nodeports/node_ports_test.go (TestNodePorts), with the ports in use coming from pods on the
// node through the PodIndex.
#include "scheduler/placement/node_ports.h"

#include <gtest/gtest.h>

#include "tests/unit/scheduler/placement/plugin_cases.h"

namespace kubemesos::placement::testing {
namespace {

HostPort Port(const std::string& protocol, const std::string& ip, int port) {
  return HostPort{protocol, ip, port};
}

PlacementConstraints WithPorts(std::vector<HostPort> ports) {
  PlacementConstraints c;
  std::sort(ports.begin(), ports.end());
  c.host_ports = std::move(ports);
  return c;
}

TEST(NodePorts, Table) {
  struct Case {
    const char* name;
    std::vector<HostPort> wanted;
    std::vector<std::vector<HostPort>> used;  // one entry per pod on the node
    Code want;
  };
  const Case cases[] = {
      {"nothing running", {Port("UDP", "127.0.0.1", 8080)}, {}, Code::kSuccess},
      {"no ports wanted", {}, {{Port("TCP", "", 80)}}, Code::kSuccess},
      {"other port",
       {Port("UDP", "127.0.0.1", 8080)},
       {{Port("UDP", "127.0.0.1", 9090)}},
       Code::kSuccess},
      {"same udp port",
       {Port("UDP", "127.0.0.1", 8080)},
       {{Port("UDP", "127.0.0.1", 8080)}},
       Code::kUnschedulableAndUnresolvable},
      {"same tcp port",
       {Port("TCP", "127.0.0.1", 8080)},
       {{Port("TCP", "127.0.0.1", 8080)}},
       Code::kUnschedulableAndUnresolvable},
      {"different host ip",
       {Port("TCP", "127.0.0.1", 8080)},
       {{Port("TCP", "127.0.0.2", 8080)}},
       Code::kSuccess},
      {"different protocol",
       {Port("UDP", "127.0.0.1", 8080)},
       {{Port("TCP", "127.0.0.1", 8080)}},
       Code::kSuccess},
      {"second udp port conflict",
       {Port("UDP", "127.0.0.1", 8000), Port("UDP", "127.0.0.1", 8080)},
       {{Port("UDP", "127.0.0.1", 8080)}},
       Code::kUnschedulableAndUnresolvable},
      {"first tcp port conflict",
       {Port("TCP", "127.0.0.1", 8001), Port("UDP", "127.0.0.1", 8080)},
       {{Port("TCP", "127.0.0.1", 8001), Port("UDP", "127.0.0.1", 8081)}},
       Code::kUnschedulableAndUnresolvable},
      {"first tcp port conflict due to 0.0.0.0 hostIP",
       {Port("TCP", "", 8001)},
       {{Port("TCP", "127.0.0.1", 8001)}},
       Code::kUnschedulableAndUnresolvable},
      {"TCP hostPort conflict due to 0.0.0.0 hostIP",
       {Port("TCP", "10.0.10.10", 8001), Port("TCP", "", 8001)},
       {{Port("TCP", "127.0.0.1", 8001)}},
       Code::kUnschedulableAndUnresolvable},
      {"second tcp port conflict to 0.0.0.0 hostIP",
       {Port("TCP", "127.0.0.1", 8001)},
       {{Port("TCP", "", 8001)}},
       Code::kUnschedulableAndUnresolvable},
      {"second different protocol",
       {Port("UDP", "127.0.0.1", 8001)},
       {{Port("TCP", "", 8001)}},
       Code::kSuccess},
      {"UDP hostPort conflict due to 0.0.0.0 hostIP",
       {Port("UDP", "127.0.0.1", 8001)},
       {{Port("TCP", "", 8001), Port("UDP", "", 8001)}},
       Code::kUnschedulableAndUnresolvable},
      {"two pods, one port each, the second conflicts",
       {Port("TCP", "", 443)},
       {{Port("TCP", "", 80)}, {Port("TCP", "", 443)}},
       Code::kUnschedulableAndUnresolvable},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TestWorld world;
    TestNode node;
    node.index = world.AddNode(node.spec);
    for (const auto& ports : c.used) world.AddPod(node.spec.name, "default", {}, WithPorts(ports));
    TestClass cls;
    cls.world = &world;
    cls.constraints = WithPorts(c.wanted);
    Status status = RunPlugin<NodePorts>(cls, node);
    EXPECT_STREQ(CodeName(status.code), CodeName(c.want));
    if (!status.ok())
      EXPECT_EQ(status.reason, "didn't have free ports for the requested pod ports");
  }
}

TEST(NodePorts, FreeAgainWhenThePodLeaves) {
  TestWorld world;
  TestNode node;
  node.index = world.AddNode(node.spec);
  int holder = world.AddPod(node.spec.name, "default", {}, WithPorts({Port("TCP", "", 80)}));
  world.AddPod(node.spec.name, "default", {}, WithPorts({Port("TCP", "", 80)}));  // overcommitted
  TestClass cls;
  cls.world = &world;
  cls.constraints = WithPorts({Port("TCP", "", 80)});
  EXPECT_FALSE(RunPlugin<NodePorts>(cls, node).ok());
  world.RemovePod(holder);
  // One of the two users is left: the port is still taken (a multiset, not a set).
  EXPECT_FALSE(RunPlugin<NodePorts>(cls, node).ok());
}

TEST(NodePorts, IsLive) {
  static_assert(NodePorts::kScope == Scope::kLive);
}

}  // namespace
}  // namespace kubemesos::placement::testing
