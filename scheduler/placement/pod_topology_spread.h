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
// Contract: PreFilter walks every live node once per task (O(nodes x constraints), a lookup per
// node and constraint in a flat map keyed by the label value), and returns an empty State at no
// cost for a pod without constraints. Filter and ScoreNode are O(constraints) and allocate
// nothing. The State holds pointers into the node table and the PodIndex: valid while neither
// changes (one task's scan). Threads and errors: none.
#pragma once

#include <string_view>
#include <unordered_map>
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

  // Matching pods per domain (label value -> count). The keys view node labels in the pool.
  using DomainCounts = std::unordered_map<std::string_view, int>;

  struct Hard {  // one DoNotSchedule constraint
    const SpreadConstraint* constraint = nullptr;
    DomainCounts domains;  // every eligible domain, zero counts included
    int min_match = 0;     // the global minimum, 0 when fewer domains than minDomains
    int self_match = 0;    // 1 when the incoming pod matches the selector
  };
  struct Soft {  // one ScheduleAnyway constraint
    const SpreadConstraint* constraint = nullptr;
    int counter = -1;       // PodIndex counter (per node, for the hostname key)
    bool per_node = false;  // topology key kubernetes.io/hostname: the node's own count
    DomainCounts domains;   // other keys: the counts per domain
    double weight = 0;      // log(domains + 2)
  };
  struct State {
    std::vector<Hard> hard;
    std::vector<Soft> soft;
    // Nodes lacking a soft constraint's key are scored worst, except when only the cluster
    // defaults apply (kube-scheduler: requireAllTopologies), so that nodes without a zone label
    // still get hostname spreading.
    bool require_all_keys = true;
    double worst = 0;  // the raw score of a node lacking a key: below every other node
    PodIndex* pods = nullptr;
  };

  static State PreFilter(const ClassInfo& c);
  static Status Filter(const State& s, const NodeInfo& node);
  static bool Scores(const State& s) { return !s.soft.empty(); }
  // Minus the weighted count of matching pods in the node's domains (higher is better).
  static double ScoreNode(const State& s, const NodeInfo& node);
};

}  // namespace kubemesos::placement
