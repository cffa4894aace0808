// Placement plugin PodTopologySpread: topologySpreadConstraints (kube-scheduler:
// PodTopologySpread, pkg/scheduler/framework/plugins/podtopologyspread). DoNotSchedule
// constraints filter: placing the pod in a node's domain must keep that domain's count of
// matching pods within maxSkew of the global minimum over the eligible domains. ScheduleAnyway
// constraints (the pod's own, or the cluster defaults) score: fewer matching pods in the node's
// domain is better, each constraint weighted by log(domains + 2).
//
// Counting, as upstream: the pods of the incoming pod's namespace that the constraint's selector
// selects, on nodes that have every topology key of the constraints and pass the constraint's
// node inclusion policies (nodeAffinityPolicy Honor: the pod's nodeSelector and required node
// affinity; nodeTaintsPolicy Honor: its tolerations). Pods placed earlier in the cycle count at
// once (PodIndex).
//
// Contract: PreFilter walks every live node once per task, O(nodes x constraints) with array
// indexing only (each node's domain id comes from PodIndex::TopologyOf, rebuilt only when nodes
// change; its pod count from a PodIndex counter), and returns an empty State at no cost for a
// pod without constraints. Filter is O(constraints) and ScoreNode O(1); neither allocates. The
// State holds pointers into the PodIndex: valid while the node pool does not change (one task's
// scan). Threads and errors: none.
#pragma once

#include <string_view>
#include <vector>

#include "scheduler/placement/plugin.h"

namespace kubemesos::placement {

struct PodTopologySpread {
  static constexpr std::string_view kName = "PodTopologySpread";
  static constexpr Scope kScope = Scope::kPod;
  static constexpr double kScoreWeight = 2;
  static constexpr std::string_view kReason = "didn't match pod topology spread constraints";
  static constexpr std::string_view kReasonMissingLabel =
      "didn't match pod topology spread constraints (missing required label)";

  struct Hard {  // one DoNotSchedule constraint
    const SpreadConstraint* constraint = nullptr;
    const PodIndex::Topology* topology = nullptr;  // the node -> domain id map of its key
    std::vector<int> counts;  // matching pods by domain id; -1: not an eligible domain
    int min_match = 0;        // the global minimum, 0 when fewer domains than minDomains
    int self_match = 0;       // 1 when the incoming pod matches the selector
  };
  struct Soft {  // one ScheduleAnyway constraint
    const SpreadConstraint* constraint = nullptr;
    const PodIndex::Topology* topology = nullptr;
    int counter = -1;         // PodIndex counter
    bool per_node = false;    // topology key kubernetes.io/hostname: the node's own count
    std::vector<int> counts;  // other keys: by domain id (one more: nodes lacking the key)
    double weight = 0;        // log(domains + 2)
  };
  struct State {
    std::vector<Hard> hard;
    std::vector<Soft> soft;
    // Nodes lacking a soft constraint's key are scored worst, except when only the cluster
    // defaults apply (kube-scheduler: requireAllTopologies), so that nodes without a zone label
    // still get hostname spreading.
    bool require_all_keys = true;
    double worst = 0;         // the raw score of a node lacking a key: below every other node
    std::vector<double> raw;  // by node slot: ScoreNode's answer, computed once by PreFilter
  };

  static State PreFilter(const ClassInfo& c);
  static Status Filter(const State& s, const NodeInfo& node);
  static bool Scores(const State& s) { return !s.soft.empty(); }
  // Minus kube-scheduler's raw score (the weighted count of matching pods in the node's
  // domains): higher is better.
  static double ScoreNode(const State& s, const NodeInfo& node);
};

}  // namespace kubemesos::placement
