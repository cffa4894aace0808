// Placement plugin NodeVolumeLimits: a node whose CSINode gives a driver an allocatable.count
// takes at most that many distinct volumes of the driver (kube-scheduler: NodeVolumeLimits,
// CSI limits). The volumes in use come from the pods on the node, placed earlier in this cycle
// included (PodIndex::CsiVolumeCount); a volume already on the node costs nothing more.
#pragma once

#include "scheduler/placement/plugin.h"

namespace kubemesos::placement {

struct NodeVolumeLimits {
  static constexpr std::string_view kName = "NodeVolumeLimits";
  static constexpr Scope kScope = Scope::kLive;
  static constexpr std::string_view kReason = "exceed max volume count";
  struct State {
    const std::vector<CsiVolume>* wanted = nullptr;  // sorted by driver
    const PodIndex* pods = nullptr;
  };

  static State PreFilter(const ClassInfo& c) { return {&c.constraints.csi_volumes, &c.pods}; }
  static Status Filter(const State& s, const NodeInfo& node) {
    const auto& wanted = *s.wanted;
    if (wanted.empty() || node.spec.csi_limits.empty()) return {};  // the hot path
    for (size_t i = 0; i < wanted.size();) {
      const std::string& driver = wanted[i].driver;
      int added = 0;
      size_t end = i;
      for (; end < wanted.size() && wanted[end].driver == driver; ++end)
        if (!s.pods->HasCsiVolume(node.index, wanted[end])) ++added;
      auto limit = node.spec.csi_limits.find(driver);
      if (added > 0 && limit != node.spec.csi_limits.end() &&
          s.pods->CsiVolumeCount(node.index, driver) + added > limit->second)
        return Status::Unresolvable(kReason);
      i = end;
    }
    return {};
  }
};

}  // namespace kubemesos::placement
