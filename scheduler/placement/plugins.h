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
#include <tuple>
#include <utility>
#include <vector>

#include "scheduler/placement/node_affinity.h"
#include "scheduler/placement/node_health.h"
#include "scheduler/placement/node_reservation.h"
#include "scheduler/placement/node_resources_fit.h"
#include "scheduler/placement/offer_filter.h"
#include "scheduler/placement/plugin.h"
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

  // Calls visit(plugin index, Status) for every plugin, in list order.
  template <typename Visit>
  static void FilterEach(const States& states, const NodeInfo& node, Visit&& visit) {
    EachIn(states, node, visit, std::index_sequence_for<P...>{});
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
                     std::index_sequence<I...>) {
    (visit(I, P::Filter(std::get<I>(states), node)), ...);
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
using Plugins = PluginList<NodeHealth, NodeReservation, NodeAffinity, TaintToleration, OfferFilter,
                           NodeResourcesFit>;

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

// Runs every plugin on every node that for_each_node(visit) hands to visit(NodeInfo).
template <typename List, typename ForEachNode>
Diagnosis Diagnose(const ClassInfo& c, ForEachNode&& for_each_node) {
  const auto states = List::PreFilter(c);
  Diagnosis d;
  std::array<int, List::kSize> rejected{};
  std::array<std::string_view, List::kSize> reasons{};
  for_each_node([&](const NodeInfo& node) {
    ++d.total;
    int first = -1;
    Status capacity;
    List::FilterEach(states, node, [&](size_t i, const Status& s) {
      if (first >= 0) return;
      if (s.code == Code::kUnschedulableAndUnresolvable) {
        first = static_cast<int>(i);
        reasons[i] = s.reason;
      } else if (s.code == Code::kUnschedulable && capacity.ok()) {
        capacity = s;
      }
    });
    if (first >= 0) {
      ++rejected[first];
      return;
    }
    ++d.eligible;
    for (int r = 0; r < kMaxResourceKinds; ++r)
      if (capacity.short_of & (uint32_t{1} << r)) ++d.short_of[r];
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
