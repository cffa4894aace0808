// Placement plugin NodePreference: preferredDuringSchedulingIgnoredDuringExecution node affinity
// as a score (kube-scheduler: NodeAffinity's Score, weight 2): the sum of the weights of the
// preferred terms a node matches. It filters nothing.
#pragma once

#include "scheduler/placement/plugin.h"

namespace kubemesos::placement {

struct NodePreference {
  static constexpr std::string_view kName = "NodePreference";
  static constexpr Scope kScope = Scope::kPod;
  static constexpr double kScoreWeight = 2;
  struct State {
    const std::vector<PreferredNodeTerm>* terms = nullptr;
  };

  static State PreFilter(const ClassInfo& c) { return {&c.constraints.preferred_affinity}; }
  static Status Filter(const State&, const NodeInfo&) { return {}; }
  static bool Scores(const State& s) { return !s.terms->empty(); }
  static double ScoreNode(const State& s, const NodeInfo& node) {
    double sum = 0;
    const NodeView view{node.spec.name, node.spec.labels, node.spec.taints};
    for (const auto& preferred : *s.terms) {
      // An empty term matches every node here, as in kube-scheduler's preferred terms
      // (nodeaffinity.NewPreferredSchedulingTerms): only required terms treat empty as none.
      bool match = true;
      for (const auto& r : preferred.term.requirements) {
        if (!Matches(r, view)) {
          match = false;
          break;
        }
      }
      if (match) sum += preferred.weight;
    }
    return sum;
  }
};

}  // namespace kubemesos::placement
