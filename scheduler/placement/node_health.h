// Placement plugin NodeHealth: only nodes that are Ready and not cordoned (spec.unschedulable)
// take tasks (kube-scheduler: NodeUnschedulable, plus the node lifecycle's not-ready taint).
#pragma once

#include "scheduler/placement/plugin.h"

namespace kubemesos::placement {

struct NodeHealth {
  static constexpr std::string_view kName = "NodeHealth";
  static constexpr Scope kScope = Scope::kNode;
  static constexpr std::string_view kReason = "not ready or unschedulable";
  struct State {};

  // The rule itself; the engine also uses it to count a node's free capacity.
  static bool Healthy(const NodeSpec& node) { return node.ready && !node.unschedulable; }
  static State PreFilter(const ClassInfo&) { return {}; }
  static Status Filter(const State&, const NodeInfo& node) {
    return Healthy(node.spec) ? Status{} : Status::Unresolvable(kReason);
  }
};

}  // namespace kubemesos::placement
