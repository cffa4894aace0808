// Placement plugin TaintToleration: every NoSchedule and NoExecute taint of the node must be
// tolerated; PreferNoSchedule is ignored (kube-scheduler: TaintToleration's filter). The
// matching rules are in scheduler/constraints.cpp.
#pragma once

#include "scheduler/placement/node_affinity.h"
#include "scheduler/placement/plugin.h"

namespace kubemesos::placement {

struct TaintToleration {
  static constexpr std::string_view kName = "TaintToleration";
  static constexpr Scope kScope = Scope::kNode;
  static constexpr std::string_view kReason = NodeAffinity::kReason;
  struct State {
    const std::vector<Toleration>* tolerations = nullptr;
  };

  static State PreFilter(const ClassInfo& c) { return {&c.constraints.tolerations}; }
  static Status Filter(const State& s, const NodeInfo& node) {
    if (ToleratesTaints(*s.tolerations, node.spec.taints)) return {};
    return Status::Unresolvable(kReason);
  }
};

}  // namespace kubemesos::placement
