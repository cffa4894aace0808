// Placement plugin NodeAffinity: spec.nodeSelector and the required node affinity terms
// (kube-scheduler: NodeAffinity). The matching rules are in scheduler/constraints.cpp.
#pragma once

#include "scheduler/placement/plugin.h"

namespace kubemesos::placement {

struct NodeAffinity {
  static constexpr std::string_view kName = "NodeAffinity";
  static constexpr Scope kScope = Scope::kNode;
  // Shared with TaintToleration: the message has always counted both as one.
  static constexpr std::string_view kReason = "not matching node selector, affinity or taints";
  struct State {
    const PlacementConstraints* constraints = nullptr;
  };

  static State PreFilter(const ClassInfo& c) { return {&c.constraints}; }
  static Status Filter(const State& s, const NodeInfo& node) {
    if (MatchesNodeAffinity(*s.constraints, {node.spec.name, node.spec.labels, node.spec.taints}))
      return {};
    return Status::Unresolvable(kReason);
  }
};

}  // namespace kubemesos::placement
