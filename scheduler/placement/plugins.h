// The ordered list of placement plugins: the one place where the node checks are listed, used
// both to place tasks (the eligibility bitmap and the cursor's live check) and to explain why a
// task is pending (Diagnose and Explain), so the two cannot drift.
//
// Contract:
// - Order: plugins run in list order and the first failure decides how a node is counted in
//   the pending message; put cheap and coarse checks first.
// - Threads and errors: none; everything here is pure and must not throw.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <tuple>
#include <utility>
#include <vector>

#include "scheduler/placement/inter_pod_affinity.h"
#include "scheduler/placement/node_affinity.h"
#include "scheduler/placement/node_health.h"
#include "scheduler/placement/node_ports.h"
#include "scheduler/placement/node_preference.h"
#include "scheduler/placement/node_reservation.h"
#include "scheduler/placement/node_resources_fit.h"
#include "scheduler/placement/node_volume_limits.h"
#include "scheduler/placement/offer_filter.h"
#include "scheduler/placement/plugin.h"
#include "scheduler/placement/pod_topology_spread.h"
#include "scheduler/placement/taint_toleration.h"

namespace kubemesos::placement {

template <FilterPlugin... P>
class PluginList {
 public:
  using States = std::tuple<typename P::State...>;
  static constexpr size_t kSize = sizeof...(P);
  static constexpr std::array<std::string_view, kSize> kNames{P::kName...};

  static States PreFilter(const ClassInfo& c) { return States{P::PreFilter(c)...}; }

  // The first failure among the plugins of `scope`, in list order, or success.
  template <Scope S>
  static Status Filter(const States& states, const NodeInfo& node) {
    return FilterIn<S>(states, node, std::index_sequence_for<P...>{});
  }

  // Calls visit(plugin index, Status) for the plugins in list order, until visit returns false.
  // `node_scope_passed`: the node is known to pass every kNode plugin (the engine's eligibility
  // bitmap says so); only the kLive plugins run.
  template <typename Visit>
  static void FilterEach(const States& states, const NodeInfo& node, Visit&& visit,
                         bool node_scope_passed = false) {
    EachIn(states, node, visit, node_scope_passed, std::index_sequence_for<P...>{});
  }

  // True when some NodeScorer plugin has something to score for the class.
  static bool AnyScore(const States& states) {
    return AnyScoreIn(states, std::index_sequence_for<P...>{});
  }
  // Calls visit(plugin index, weight, raw score) for each NodeScorer plugin that scores the
  // class, in list order.
  template <typename Visit>
  static void ScoreEach(const States& states, const NodeInfo& node, Visit&& visit) {
    ScoreEachIn(states, node, visit, std::index_sequence_for<P...>{});
  }

  // The sum of the scores of the plugins that have one (ScorePlugin).
  static double Score(const NodeSpec& node, const ResourceSum& used) {
    double score = 0;
    ((score += ScoreOf<P>(node, used)), ...);
    return score;
  }

 private:
  template <Scope S, size_t... I>
  static Status FilterIn(const States& states, const NodeInfo& node, std::index_sequence<I...>) {
    Status status;
    // Short-circuits at the first failure; plugins of other scopes are skipped at compile time.
    (void)((P::kScope != S || (status = P::Filter(std::get<I>(states), node)).ok()) && ...);
    return status;
  }
  template <typename Visit, size_t... I>
  static void EachIn(const States& states, const NodeInfo& node, Visit& visit,
                     bool node_scope_passed, std::index_sequence<I...>) {
    (void)(((node_scope_passed && P::kScope == Scope::kNode) ||
            visit(I, P::Filter(std::get<I>(states), node))) &&
           ...);
  }
  template <size_t... I>
  static bool AnyScoreIn(const States& states, std::index_sequence<I...>) {
    return (ScoresFor<P>(std::get<I>(states)) || ...);
  }
  template <typename Q>
  static bool ScoresFor(const typename Q::State& state) {
    if constexpr (NodeScorer<Q>) {
      return Q::Scores(state);
    } else {
      return false;
    }
  }
  template <typename Visit, size_t... I>
  static void ScoreEachIn(const States& states, const NodeInfo& node, Visit& visit,
                          std::index_sequence<I...>) {
    (ScoreOne<P>(I, std::get<I>(states), node, visit), ...);
  }
  template <typename Q, typename Visit>
  static void ScoreOne(size_t i, const typename Q::State& state, const NodeInfo& node,
                       Visit& visit) {
    if constexpr (NodeScorer<Q>) {
      if (Q::Scores(state))
        visit(i, static_cast<double>(Q::kScoreWeight), Q::ScoreNode(state, node));
    }
  }
  template <typename Q>
  static double ScoreOf(const NodeSpec& node, const ResourceSum& used) {
    if constexpr (ScorePlugin<Q>) {
      return Q::Score(node, used);
    } else {
      return 0;
    }
  }
};

// THE list. To add a check, write a plugin (see plugin.h) and add it here.
// kNode plugins first (cached per class in the eligibility bitmap), then kLive (checked by
// every cursor), then kPod (only for classes that NeedsFullScan). One exception, for the
// pending message only (each scope's filters run apart): ExistingPodsAntiAffinity (kLive) after
// InterPodAffinity, so that a node both fail is counted for the pod's own rule first, as
// kube-scheduler's InterPodAffinity checks affinity, anti-affinity, then existing pods'.
using Plugins = PluginList<NodeHealth, NodeReservation, NodeAffinity, TaintToleration, OfferFilter,
                           NodeResourcesFit, NodePorts, NodeVolumeLimits, InterPodAffinity,
                           ExistingPodsAntiAffinity, PodTopologySpread, NodePreference>;

// Why no node takes a class: counts over the live nodes, from every plugin's Status.
struct Diagnosis {
  int total = 0;     // live nodes
  int eligible = 0;  // nodes no plugin calls unresolvable
  // Among eligible nodes: how many lack each resource now, and how many could never fit it.
  std::array<int, kMaxResourceKinds> short_of{};
  int beyond_allocatable = 0;
  // Nodes that are not eligible, by Status::reason, in list order (a node counts once, for the
  // first plugin that rejects it).
  std::vector<std::pair<std::string_view, int>> unresolvable;
};

// Runs the plugins on every node that for_each_node(visit) hands to visit(NodeInfo[, bool]):
// each node until its first unresolvable failure. The optional bool says the node is known to
// pass every kNode plugin (the engine's cached eligibility bitmap), so only kLive plugins run on
// it: explaining a class then costs the cheap live checks on its eligible nodes.
template <typename List, typename ForEachNode>
Diagnosis Diagnose(const ClassInfo& c, ForEachNode&& for_each_node) {
  const auto states = List::PreFilter(c);
  Diagnosis d;
  std::array<int, List::kSize> rejected{};
  std::array<std::string_view, List::kSize> reasons{};
  for_each_node([&](const NodeInfo& node, bool node_scope_passed = false) {
    ++d.total;
    int first = -1;
    Status capacity;
    // Stops at the first plugin that rejects the node for good: it is counted once, for that
    // plugin, and the later (often dearer) checks need not run on it.
    List::FilterEach(
        states, node,
        [&](size_t i, const Status& s) {
          if (s.code == Code::kUnschedulableAndUnresolvable) {
            first = static_cast<int>(i);
            reasons[i] = s.reason;
            return false;
          }
          if (s.code == Code::kUnschedulable && capacity.ok()) capacity = s;
          return true;
        },
        node_scope_passed);
    if (first >= 0) {
      ++rejected[first];
      return;
    }
    ++d.eligible;
    for (uint32_t bits = capacity.short_of; bits != 0; bits &= bits - 1)  // the set bits only
      ++d.short_of[std::countr_zero(bits)];
    if (capacity.beyond_allocatable) ++d.beyond_allocatable;
  });
  for (size_t i = 0; i < List::kSize; ++i) {
    if (!rejected[i]) continue;
    auto same = std::find_if(d.unresolvable.begin(), d.unresolvable.end(),
                             [&](const auto& part) { return part.first == reasons[i]; });
    if (same != d.unresolvable.end()) {
      same->second += rejected[i];
    } else {
      d.unresolvable.emplace_back(reasons[i], rejected[i]);
    }
  }
  return d;
}

// The pending Reason for a class no node takes: "0/N nodes are available: ..." with the counts
// of the Diagnosis (kube-scheduler's FitError message, in this engine's words).
Reason Explain(const Diagnosis& diagnosis, const ResourceCatalog& catalog);

}  // namespace kubemesos::placement
