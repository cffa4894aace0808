// Placement plugin NodeReservation: a node reserved for a ResourceGroup (the group's nodeSelector
// matches it) takes only tasks of that group's subtree. Which group reserves a node is decided
// by the group tree (NodeInfo::reserved_for); this plugin only applies it.
#pragma once

#include "scheduler/placement/plugin.h"

namespace kubemesos::placement {

struct NodeReservation {
  static constexpr std::string_view kName = "NodeReservation";
  static constexpr Scope kScope = Scope::kNode;
  static constexpr std::string_view kReason = "reserved for other groups";
  struct State {
    const std::function<bool(int group)>* may_use = nullptr;
  };

  static State PreFilter(const ClassInfo& c) { return {&c.may_use_reservation}; }
  static Status Filter(const State& s, const NodeInfo& node) {
    if (node.reserved_for < 0 || (*s.may_use)(node.reserved_for)) return {};
    return Status::Unresolvable(kReason);
  }
};

}  // namespace kubemesos::placement
