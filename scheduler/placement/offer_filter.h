// Placement plugin OfferFilter: a node on which a bind of the framework's task failed is
// declined by that framework until the filter expires (Mesos' offer filters, refuse_seconds).
// Filters are few and per framework, so they are checked live rather than cached per class.
#pragma once

#include "scheduler/placement/plugin.h"

namespace kubemesos::placement {

struct OfferFilter {
  static constexpr std::string_view kName = "OfferFilter";
  static constexpr Scope kScope = Scope::kLive;
  static constexpr std::string_view kReason = "declined by the framework recently";
  struct State {
    const std::unordered_map<int, double>* filters = nullptr;
    double now = 0;
  };

  static State PreFilter(const ClassInfo& c) { return {&c.offer_filters, c.now}; }
  static Status Filter(const State& s, const NodeInfo& node) {
    if (s.filters->empty()) return {};
    auto f = s.filters->find(node.index);
    if (f == s.filters->end() || f->second <= s.now) return {};
    return Status::Unresolvable(kReason);
  }
};

}  // namespace kubemesos::placement
