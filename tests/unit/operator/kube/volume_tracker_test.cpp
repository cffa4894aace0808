// VolumeTracker: how a pod's claims resolve (kube-scheduler's VolumeBinding,
// VolumeRestrictions and VolumeZone for bound volumes; waiting reasons otherwise), and which
// pods a change to a claim, volume or class re-evaluates.
#include "operator/kube/volume_tracker.h"

#include <gtest/gtest.h>

namespace kubemesos::kube {
namespace {

using json = nlohmann::json;

json Claim(const std::string& name, const std::string& volume = "", const char* cls = nullptr) {
  json c = {{"apiVersion", "v1"},
            {"kind", "PersistentVolumeClaim"},
            {"metadata", {{"name", name}, {"namespace", "team"}}},
            {"spec", {{"accessModes", json::array({"ReadWriteOnce"})}}}};
  if (!volume.empty()) c["spec"]["volumeName"] = volume;
  if (cls) c["spec"]["storageClassName"] = cls;
  return c;
}

json Volume(const std::string& name, const std::string& zone = "", const std::string& driver = "") {
  json v = {{"apiVersion", "v1"},
            {"kind", "PersistentVolume"},
            {"metadata", {{"name", name}}},
            {"spec", json::object()}};
  if (!zone.empty()) {
    v["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"] =
        json::array({{{"matchExpressions", json::array({{{"key", "topology.kubernetes.io/zone"},
                                                         {"operator", "In"},
                                                         {"values", json::array({zone})}}})}}});
  }
  if (!driver.empty()) v["spec"]["csi"] = {{"driver", driver}, {"volumeHandle", "h-" + name}};
  return v;
}

json Class(const std::string& name, const std::string& mode) {
  return {{"apiVersion", "storage.k8s.io/v1"},
          {"kind", "StorageClass"},
          {"metadata", {{"name", name}}},
          {"provisioner", "example.com/p"},
          {"volumeBindingMode", mode}};
}

PodVolumes Claims(std::vector<std::string> names, bool ephemeral = false) {
  PodVolumes v;
  for (auto& n : names) v.claims.push_back({std::move(n), ephemeral});
  return v;
}

NodeSpec NodeIn(const std::string& zone) {
  NodeSpec n;
  n.name = "n-" + zone;
  n.labels = {{"topology.kubernetes.io/zone", zone}};
  return n;
}

bool Admitted(const VolumeTracker::Resolution& r, const std::string& zone) {
  PlacementConstraints c;
  c.volume_affinity = r.affinity;
  NodeSpec n = NodeIn(zone);
  return MatchesNodeAffinity(c, NodeView{n.name, n.labels, n.taints});
}

struct Case {
  const char* name;
  std::vector<json> claims, volumes, classes;
  PodVolumes pod;
  std::string waiting;  // a part of the expected reason; "" for none
  const char* zone_ok = nullptr;
  const char* zone_not = nullptr;
};

TEST(VolumeTrackerTest, ResolvesPendingPods) {
  json deleting = Claim("data", "pv1");
  deleting["metadata"]["deletionTimestamp"] = "2026-12-05T00:00:00Z";
  json labelled = Volume("pv1");
  labelled["metadata"]["labels"] = {{"failure-domain.beta.kubernetes.io/zone", "a__b"}};
  const std::vector<Case> cases = {
      {"no claims", {}, {}, {}, {}, ""},
      {"missing claim", {}, {}, {}, Claims({"data"}), "persistentvolumeclaim \"data\" not found"},
      {"claim being deleted",
       {deleting},
       {Volume("pv1")},
       {},
       Claims({"data"}),
       "is being deleted"},
      {"unbound, no class: immediate",
       {Claim("data")},
       {},
       {},
       Claims({"data"}),
       "pod has unbound immediate PersistentVolumeClaims"},
      {"unbound, Immediate class",
       {Claim("data", "", "fast")},
       {},
       {Class("fast", "Immediate")},
       Claims({"data"}),
       "unbound immediate"},
      {"unbound, WaitForFirstConsumer",
       {Claim("data", "", "local")},
       {},
       {Class("local", "WaitForFirstConsumer")},
       Claims({"data"}),
       "WaitForFirstConsumer"},
      {"unbound, class not found",
       {Claim("data", "", "gone")},
       {},
       {},
       Claims({"data"}),
       "storageclass \"gone\" was not found"},
      {"bound, volume not found",
       {Claim("data", "pv9")},
       {},
       {},
       Claims({"data"}),
       "persistentvolume \"pv9\" of persistentvolumeclaim \"data\" not found"},
      {"bound, no node affinity",
       {Claim("data", "pv1")},
       {Volume("pv1")},
       {},
       Claims({"data"}),
       "",
       "a",
       nullptr},
      {"bound to a zonal volume",
       {Claim("data", "pv1")},
       {Volume("pv1", "a")},
       {},
       Claims({"data"}),
       "",
       "a",
       "b"},
      {"beta zone label, two zones",
       {Claim("data", "pv1")},
       {labelled},
       {},
       Claims({"data"}),
       "",
       "b",
       "c"},
      {"one of two claims missing",
       {Claim("data", "pv1")},
       {Volume("pv1", "a")},
       {},
       Claims({"data", "logs"}),
       "\"logs\" not found"},
      {"ephemeral claim not owned by the pod",
       {Claim("p-scratch", "pv1")},
       {Volume("pv1")},
       {},
       Claims({"p-scratch"}, true),
       "was not created for pod team/p (pod is not owner)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    VolumeTracker t;
    for (const auto& o : c.classes) t.ApplyStorageClass(false, o, nullptr);
    for (const auto& o : c.volumes) t.ApplyVolume(false, o, nullptr);
    for (const auto& o : c.claims) t.ApplyClaim(false, o, nullptr);
    t.SetPod("team/p", c.pod, "uid-p", 1, false, false);
    auto r = t.Resolve("team/p");
    if (c.waiting.empty()) {
      EXPECT_EQ(r.waiting, "");
    } else {
      EXPECT_NE(r.waiting.find(c.waiting), std::string::npos) << r.waiting;
      EXPECT_TRUE(r.affinity.empty());
    }
    if (c.zone_ok) EXPECT_TRUE(Admitted(r, c.zone_ok));
    if (c.zone_not) EXPECT_FALSE(Admitted(r, c.zone_not));
  }
}

TEST(VolumeTrackerTest, NodesWithoutTopologyLabelsPassTheZoneLabels) {
  // VolumeZone: a node with none of the zone/region labels is not constrained by them.
  VolumeTracker t;
  json pv = Volume("pv1");
  pv["metadata"]["labels"] = {{"topology.kubernetes.io/zone", "a"}};
  t.ApplyVolume(false, pv, nullptr);
  t.ApplyClaim(false, Claim("data", "pv1"), nullptr);
  t.SetPod("team/p", Claims({"data"}), "", 1, false, false);
  auto r = t.Resolve("team/p");
  PlacementConstraints c;
  c.volume_affinity = r.affinity;
  Labels none;
  std::vector<Taint> taints;
  EXPECT_TRUE(MatchesNodeAffinity(c, NodeView{"bare", none, taints}));
  EXPECT_FALSE(Admitted(r, "b"));
}

TEST(VolumeTrackerTest, ReadWriteOncePodGoesToOnePod) {
  VolumeTracker t;
  json claim = Claim("data", "pv1");
  claim["spec"]["accessModes"] = json::array({"ReadWriteOncePod"});
  t.ApplyVolume(false, Volume("pv1"), nullptr);
  t.ApplyClaim(false, claim, nullptr);
  t.SetPod("team/a", Claims({"data"}), "", 1, false, false);
  auto others = t.SetPod("team/b", Claims({"data"}), "", 2, false, false);
  EXPECT_EQ(others, VolumeTracker::Keys{"team/a"});
  EXPECT_EQ(t.Resolve("team/a").waiting, "");  // first seen of two pending pods
  EXPECT_NE(t.Resolve("team/b").waiting.find("ReadWriteOncePod and is used by pod team/a"),
            std::string::npos);
  // b is bound by someone else: now a waits.
  t.SetPod("team/b", Claims({"data"}), "", 2, true, false);
  EXPECT_NE(t.Resolve("team/a").waiting.find("used by pod team/b"), std::string::npos);
  // b ends: a may go.
  t.SetPod("team/b", Claims({"data"}), "", 2, true, true);
  EXPECT_EQ(t.Resolve("team/a").waiting, "");
}

TEST(VolumeTrackerTest, ChangesReachOnlyThePodsOfTheClaim) {
  VolumeTracker t;
  t.SetPod("team/a", Claims({"data"}), "", 1, false, false);
  t.SetPod("team/b", Claims({"other"}), "", 2, false, false);
  EXPECT_EQ(t.ApplyClaim(false, Claim("data", "pv1"), nullptr), VolumeTracker::Keys{"team/a"});
  // The same claim again (a status update): nothing to re-evaluate.
  EXPECT_TRUE(t.ApplyClaim(false, Claim("data", "pv1"), nullptr).empty());
  EXPECT_EQ(t.ApplyVolume(false, Volume("pv1", "a"), nullptr), VolumeTracker::Keys{"team/a"});
  EXPECT_TRUE(t.ApplyVolume(false, Volume("pv2", "a"), nullptr).empty());
  // The claim now names another volume: the old one no longer leads to the pod.
  EXPECT_EQ(t.ApplyClaim(false, Claim("data", "pv3"), nullptr), VolumeTracker::Keys{"team/a"});
  EXPECT_TRUE(t.ApplyVolume(false, Volume("pv1", "b"), nullptr).empty());
  EXPECT_EQ(t.ApplyVolume(false, Volume("pv3", "a"), nullptr), VolumeTracker::Keys{"team/a"});
  t.ApplyClaim(false, Claim("other", "", "local"), nullptr);
  EXPECT_EQ(t.ApplyStorageClass(false, Class("local", "Immediate"), nullptr),
            VolumeTracker::Keys{"team/b"});
  t.ForgetPod("team/a");
  EXPECT_TRUE(t.ApplyClaim(true, Claim("data", "pv3"), nullptr).empty());
  EXPECT_TRUE(t.ApplyVolume(false, Volume("pv3", "b"), nullptr).empty());
}

TEST(VolumeTrackerTest, BadObjectsAreDroppedWithTheirError) {
  VolumeTracker t;
  t.SetPod("team/a", Claims({"data"}), "", 1, false, false);
  t.ApplyClaim(false, Claim("data", "pv1"), nullptr);
  json bad = Claim("data", "pv1");
  bad["spec"]["accessModes"] = json::array({42});
  std::string error;
  EXPECT_EQ(t.ApplyClaim(false, bad, &error), VolumeTracker::Keys{"team/a"});
  EXPECT_NE(error.find("spec.accessModes[0]: expected a string"), std::string::npos) << error;
  EXPECT_NE(t.Resolve("team/a").waiting.find("not found"), std::string::npos);
  json csi_node = {
      {"metadata", {{"name", "n1"}}},
      {"spec", {{"drivers", json::array({{{"name", "ebs"}, {"allocatable", {{"count", -1}}}}})}}}};
  EXPECT_EQ(t.ApplyCsiNode(false, csi_node, &error), "");
  EXPECT_NE(error.find("must not be negative"), std::string::npos) << error;
  csi_node["spec"]["drivers"][0]["allocatable"]["count"] = 25;
  EXPECT_EQ(t.ApplyCsiNode(false, csi_node, nullptr), "n1");
  EXPECT_EQ(t.LimitsOf("n1").at("ebs"), 25);
  EXPECT_EQ(t.ApplyCsiNode(true, csi_node, nullptr), "n1");
  EXPECT_TRUE(t.LimitsOf("n1").empty());
}

TEST(VolumeTrackerTest, CsiVolumesOfBoundPodsCount) {
  VolumeTracker t;
  t.ApplyVolume(false, Volume("pv1", "a", "ebs"), nullptr);
  t.ApplyClaim(false, Claim("data", "pv1"), nullptr);
  PodVolumes v = Claims({"data", "missing"});
  v.inline_csi.push_back({"inline.csi", "team-p-scratch"});
  t.SetPod("team/p", v, "", 1, true, false);
  auto r = t.Resolve("team/p");
  EXPECT_EQ(r.waiting, "");  // on a node: never waits
  EXPECT_TRUE(r.affinity.empty());
  ASSERT_EQ(r.csi.size(), 2u);
  EXPECT_EQ(r.csi[0], (CsiVolume{"ebs", "h-pv1"}));
  EXPECT_EQ(r.csi[1], (CsiVolume{"inline.csi", "team-p-scratch"}));
}

}  // namespace
}  // namespace kubemesos::kube
