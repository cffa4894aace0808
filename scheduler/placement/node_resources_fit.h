// Placement plugin NodeResourcesFit: the node's free resources must contain the request
// (kube-scheduler: NodeResourcesFit). Its Score is the node's allocation, the mean of its cpu and
// memory fractions in use, by which NodeOrder ranks nodes (most allocated first under binpack,
// least under spread: kube-scheduler's MostAllocated and LeastAllocated strategies).
#pragma once

#include "scheduler/placement/plugin.h"

namespace kubemesos::placement {

struct NodeResourcesFit {
  static constexpr std::string_view kName = "NodeResourcesFit";
  static constexpr Scope kScope = Scope::kLive;
  struct State {
    const Resources* request = nullptr;
  };

  static State PreFilter(const ClassInfo& c) { return {&c.request}; }
  static Status Filter(const State& s, const NodeInfo& node) {
    if (node.free.Contains(*s.request)) return {};  // the hot path: one vector compare
    Status status;
    status.code = Code::kUnschedulable;
    for (int r = 0; r < kMaxResourceKinds; ++r)
      if ((*s.request)[r] > node.free[r]) status.short_of |= uint32_t{1} << r;
    status.beyond_allocatable = !node.spec.allocatable.Contains(*s.request);
    return status;
  }
  static double Score(const NodeSpec& node, const ResourceSum& used) {
    double sum = 0;
    int kinds = 0;
    for (ResourceId r : {kCpu, kMemory}) {
      if (node.allocatable[r] > 0) {
        sum += ToDouble(used[r]) / static_cast<double>(node.allocatable[r]);
        ++kinds;
      }
    }
    return kinds ? sum / kinds : 0.0;
  }
};

}  // namespace kubemesos::placement
