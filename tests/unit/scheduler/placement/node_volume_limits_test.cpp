// NodeVolumeLimits: CSI volume count limits per node and driver (cases after kube-scheduler's
// nodevolumelimits/csi_test.go: a pod whose new volumes would pass the CSINode's
// allocatable.count does not fit; volumes already on the node cost nothing; drivers without a
// limit are unlimited; pods placed earlier count at once, and leaving frees the count).
#include <gtest/gtest.h>

#include "tests/unit/scheduler/placement/plugin_cases.h"

namespace kubemesos::placement::testing {
namespace {

PlacementConstraints Volumes(std::vector<CsiVolume> volumes) {
  PlacementConstraints c;
  std::sort(volumes.begin(), volumes.end());
  c.csi_volumes = std::move(volumes);
  return c;
}

struct Case {
  const char* name;
  std::map<std::string, int64_t> limits;      // the node's CSINode limits
  std::vector<std::vector<CsiVolume>> there;  // pods already on the node
  std::vector<CsiVolume> wanted;              // the new pod's volumes
  bool fits;
};

TEST(NodeVolumeLimitsTest, Table) {
  const CsiVolume a1{"ebs", "vol-1"}, a2{"ebs", "vol-2"}, a3{"ebs", "vol-3"};
  const CsiVolume g1{"gce-pd", "disk-1"};
  const std::vector<Case> cases = {
      {"no volumes: fits anywhere", {{"ebs", 0}}, {}, {}, true},
      {"no CSINode limits", {}, {{a1, a2}}, {a3}, true},
      {"under the limit", {{"ebs", 3}}, {{a1}}, {a2}, true},
      {"exactly at the limit", {{"ebs", 2}}, {{a1}}, {a2}, true},
      {"over the limit", {{"ebs", 2}}, {{a1, a2}}, {a3}, false},
      {"two new volumes, one slot", {{"ebs", 2}}, {{a1}}, {a2, a3}, false},
      {"limit 0 takes none", {{"ebs", 0}}, {}, {a1}, false},
      {"a volume already on the node costs nothing", {{"ebs", 2}}, {{a1, a2}}, {a1}, true},
      {"shared volume counted once", {{"ebs", 2}}, {{a1}, {a1}}, {a2}, true},
      {"other driver's limit does not apply", {{"gce-pd", 1}}, {{a1, a2}}, {a3}, true},
      {"each driver against its own limit",
       {{"ebs", 3}, {"gce-pd", 1}},
       {{g1}},
       {a1, {"gce-pd", "disk-2"}},
       false},
      {"driver without limit next to one with", {{"gce-pd", 1}}, {}, {a1, a2, g1}, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TestWorld world;
    NodeSpec spec = Node("n1", 4, 4);
    spec.csi_limits = c.limits;
    int node = world.AddNode(spec);
    for (const auto& pod : c.there) world.AddPod("n1", "default", {}, Volumes(pod));
    TestClass cls;
    cls.world = &world;
    cls.constraints = Volumes(c.wanted);
    TestNode n;
    n.spec = spec;
    n.index = node;
    Status s = RunPlugin<NodeVolumeLimits>(cls, n);
    EXPECT_EQ(s.ok(), c.fits) << CodeName(s.code);
    if (!c.fits) {
      EXPECT_EQ(s.code, Code::kUnschedulableAndUnresolvable);
      EXPECT_EQ(s.reason, NodeVolumeLimits::kReason);
    }
  }
}

TEST(NodeVolumeLimitsTest, PodsPlacedOrRemovedCountAtOnce) {
  TestWorld world;
  NodeSpec spec = Node("n1", 4, 4);
  spec.csi_limits = {{"ebs", 1}};
  int node = world.AddNode(spec);
  TestClass cls;
  cls.world = &world;
  cls.constraints = Volumes({{"ebs", "vol-2"}});
  TestNode n;
  n.spec = spec;
  n.index = node;
  EXPECT_TRUE(RunPlugin<NodeVolumeLimits>(cls, n).ok());
  int first = world.AddPod("n1", "default", {}, Volumes({{"ebs", "vol-1"}}));
  EXPECT_EQ(world.pods().CsiVolumeCount(node, "ebs"), 1);
  EXPECT_FALSE(RunPlugin<NodeVolumeLimits>(cls, n).ok());
  world.RemovePod(first);
  EXPECT_EQ(world.pods().CsiVolumeCount(node, "ebs"), 0);
  EXPECT_TRUE(RunPlugin<NodeVolumeLimits>(cls, n).ok());
}

}  // namespace
}  // namespace kubemesos::placement::testing
