// Placement plugins for inter-pod affinity and anti-affinity (kube-scheduler: InterPodAffinity,
// pkg/scheduler/framework/plugins/interpodaffinity/{filtering,scoring}.go), in two parts:
// - ExistingPodsAntiAffinity (kLive): the required anti-affinity terms of pods already on nodes
//   that select the incoming pod forbid their topology domains. It must hold for every class,
//   also those without terms of their own (which never run kPod plugins), so it is a live check;
//   its PreFilter walks the distinct held anti-affinity terms only (none: a no-op).
// - InterPodAffinity (kPod, NodeScorer): the incoming pod's own required affinity and
//   anti-affinity terms as a filter, and its preferred terms plus the symmetric preferences of
//   existing pods as a score.
// Counts come from PodIndex counters (per term and topology domain), so a node costs a few hash
// lookups, not a walk over pods. Every failure is UnschedulableAndUnresolvable here, see the
// comment at kAffinityReason.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "scheduler/placement/plugin.h"

namespace kubemesos::placement {

// The label value of `key` on the node, or nullptr.
inline const std::string* TopologyValue(const NodeInfo& node, const std::string& key) {
  auto it = node.spec.labels.find(key);
  return it == node.spec.labels.end() ? nullptr : &it->second;
}

struct ExistingPodsAntiAffinity {
  static constexpr std::string_view kName = "ExistingPodsAntiAffinity";
  static constexpr Scope kScope = Scope::kLive;
  static constexpr std::string_view kReason = "didn't satisfy existing pods anti-affinity rules";
  struct State {
    std::vector<int> held;  // PodIndex held anti-affinity terms that select the class
    const PodIndex* pods = nullptr;
  };

  static State PreFilter(const ClassInfo& c) {
    State s;
    s.pods = &c.pods;
    for (int id : c.pods.HeldAntiAffinity()) {
      const auto& held = c.pods.HeldTerms()[id];
      if (held.holders <= 0 || !c.pods.Selects(held.term, c.identity)) continue;
      c.pods.RefreshHeld(id);  // Filter then only looks up
      s.held.push_back(id);
    }
    return s;
  }
  static Status Filter(const State& s, const NodeInfo& node) {
    for (int id : s.held) {  // the hot path: empty
      const std::string* value = TopologyValue(node, s.pods->HeldTerms()[id].term.topology_key);
      if (value && s.pods->HoldersInDomainNow(id, *value) > 0) return Status::Unresolvable(kReason);
    }
    return {};
  }
};

struct InterPodAffinity {
  static constexpr std::string_view kName = "InterPodAffinity";
  static constexpr Scope kScope = Scope::kPod;
  static constexpr double kScoreWeight = 2;
  // kube-scheduler answers Unschedulable for anti-affinity (preemption may help) and
  // UnschedulableAndUnresolvable for affinity. In this engine kUnschedulable means "freeing
  // capacity on this node helps" and is explained per short resource: a node rejected for
  // anti-affinity would be counted as eligible with no resource short and the pending message
  // would name no cause. There is no preemption here, so both are unresolvable: the message
  // names the rule, and the reason code (kNoEligibleNode) still tells the autoscaler that more
  // nodes may help.
  static constexpr std::string_view kAffinityReason = "didn't match pod affinity rules";
  static constexpr std::string_view kAntiAffinityReason = "didn't match pod anti-affinity rules";
  // kube-scheduler's hardPodAffinityWeight default: existing pods' required affinity terms that
  // select the incoming pod attract it with this weight.
  static constexpr double kHardPodAffinityWeight = 1;

  struct ScoreTerm {
    int id;         // a PodIndex counter (own terms) or held term (symmetric)
    bool held;      // which of the two
    double weight;  // signed
  };
  struct State {
    PodIndex* pods = nullptr;
    const std::vector<PodAffinityTerm>* affinity = nullptr;
    // One counter per distinct topology key of the required affinity terms, counting the pods
    // that match ALL the terms (kube-scheduler's affinityCounts).
    std::vector<int> affinity_counters;
    // No pod anywhere matches all the terms and the pod matches them itself: the first of a
    // group that is affine to itself may go to any node with the topology keys.
    bool first_pod = false;
    std::vector<int> anti_counters;  // one per required anti-affinity term
    std::vector<ScoreTerm> score;
  };

  static State PreFilter(const ClassInfo& c);
  static Status Filter(const State& s, const NodeInfo& node);
  static bool Scores(const State& s) { return !s.score.empty(); }
  static double ScoreNode(const State& s, const NodeInfo& node);
};

}  // namespace kubemesos::placement
