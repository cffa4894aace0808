// The placement plugin interface, in the shape of kube-scheduler's framework
// (pkg/scheduler/framework/interface.go): per-class pre-computation (PreFilter), a node Filter
// returning a Status that says whether freeing capacity on that node could help, and an optional
// Score. A plugin is a stateless struct checked by the FilterPlugin concept, not a virtual
// class: the placement loop calls plugins once per (task, node) it visits, and static dispatch
// lets the compiler inline them there. The ordered list of plugins is in plugins.h.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <string_view>
#include <unordered_map>

#include "scheduler/allocator.h"
#include "scheduler/node_pool.h"
#include "scheduler/pod_index.h"

namespace kubemesos::placement {

// kube-scheduler's status codes, reduced to what a node filter answers.
enum class Code : uint8_t {
  kSuccess,
  // The node could take the task once enough capacity is free on it (kube-scheduler:
  // Unschedulable). Only resource fit says this.
  kUnschedulable,
  // The node cannot take the task whatever leaves it: another node is needed (kube-scheduler:
  // UnschedulableAndUnresolvable). Health, reservations, selectors, taints and offer filters.
  kUnschedulableAndUnresolvable,
};

// A filter's answer for one node. Plain data, cheap to return by value from the hot loop.
struct Status {
  Code code = Code::kSuccess;
  // kUnschedulableAndUnresolvable: how the pending message counts the node, e.g. "not ready or
  // unschedulable". Static text. Plugins with the same text share one count.
  std::string_view reason;
  // kUnschedulable: bit r set when the node lacks resource r now, and whether its allocatable
  // itself is below the request.
  uint32_t short_of = 0;
  bool beyond_allocatable = false;

  bool ok() const { return code == Code::kSuccess; }
  static Status Unresolvable(std::string_view reason) {
    Status status;
    status.code = Code::kUnschedulableAndUnresolvable;
    status.reason = reason;
    return status;
  }
};
static_assert(kMaxResourceKinds <= 32, "Status::short_of holds one bit per resource kind");

// The pending Reason's code for a class no node could take, from the best (least severe) Status
// over all nodes: kNoEligibleNode when every node is unresolvable, else kInsufficient (some node
// only lacks capacity). Neither is BlockedByPolicy(): more (or other) nodes could help, which is
// what the autoscaler must know.
inline ReasonCode ToReasonCode(Code best_over_nodes) {
  return best_over_nodes == Code::kUnschedulableAndUnresolvable ? ReasonCode::kNoEligibleNode
                                                                : ReasonCode::kInsufficient;
}

// When a filter's answer can change, which decides where the engine calls it.
enum class Scope : uint8_t {
  // Depends only on the node (spec, health, reservation) and on the class's constraints and
  // reservation scope: never on its request, framework or the time. Computed once per node
  // change into an eligibility bitmap shared by every class with the same constraints and scope.
  kNode,
  // Depends on what changes between or during cycles (free resources, offer filters, host
  // ports in use): checked at every node a cursor visits, so it must be cheap and inline. Its
  // answer for a node changes only when pods come to or leave that node.
  kLive,
  // Depends on the pods on other nodes too (inter-pod affinity, topology spread), or the
  // plugin ranks nodes per class: a class with such constraints
  // (PlacementConstraints::NeedsFullScan) is searched afresh over every node for each task,
  // with PreFilter run again, so that pods placed earlier in the cycle count at once. The
  // cursors of other classes never call these plugins.
  kPod,
};

// What a filter sees of a node. References into the engine's node table, valid for the call.
struct NodeInfo {
  int index = -1;  // the node's slot in the engine (offer filters are keyed by it)
  const NodeSpec& spec;
  int reserved_for = -1;  // the group whose subtree the node is reserved for, or -1
  const Resources& free;  // allocatable minus the requests on it; may be negative
};

// What PreFilter sees of a class of tasks (same framework, request and constraints). References,
// valid while the states built from it are used.
struct ClassInfo {
  const Resources& request;
  const PlacementConstraints& constraints;
  // The pods on nodes, with the class's own identity (namespace and labels) among them, and the
  // node table (PreFilter may walk every node, e.g. to count spread domains). The index is not
  // const: PreFilter may start a counter (PodIndex::Track).
  PodIndex& pods;
  int identity;
  const NodePool& nodes;
  // True when the class may use a node reserved for `group` (its own group or an ancestor).
  const std::function<bool(int group)>& may_use_reservation;
  const std::unordered_map<int, double>& offer_filters;  // node slot -> time the filter expires
  double now = 0;                                        // the cycle's time, for offer filters
};

// A filter plugin: kName, kScope, a State computed once per class by PreFilter (kube-scheduler
// keeps it in CycleState), and Filter, which must not allocate or throw.
template <typename P>
concept FilterPlugin = requires(const ClassInfo& c, const typename P::State& s, const NodeInfo& n) {
  { P::kName } -> std::convertible_to<std::string_view>;
  { P::kScope } -> std::convertible_to<Scope>;
  { P::PreFilter(c) } -> std::same_as<typename P::State>;
  { P::Filter(s, n) } -> std::same_as<Status>;
};

// An optional per-class score (kPod plugins): how much this class prefers a node. Raw scores
// are min-max normalised over the nodes that pass every filter to [0, 100] per plugin and
// weighted by kScoreWeight (kube-scheduler's NormalizeScore and plugin weights); the engine adds
// the placement policy's own score (binpack or spread, weight 1) and takes the best node, ties
// going to the earlier node in the policy's order. Scores(state) says whether the class has
// anything to score at all (no preferred terms: the plugin is skipped).
template <typename P>
concept NodeScorer = requires(const typename P::State& s, const NodeInfo& n) {
  { P::kScoreWeight } -> std::convertible_to<double>;
  { P::Scores(s) } -> std::same_as<bool>;
  { P::ScoreNode(s, n) } -> std::same_as<double>;
};

// An optional score: how much a node is preferred, higher first under binpack (NodeOrder ranks
// by the sum of the scores; spread reverses the order). Computed when a node's usage changes,
// not per task.
template <typename P>
concept ScorePlugin = requires(const NodeSpec& node, const ResourceSum& used) {
  { P::Score(node, used) } -> std::same_as<double>;
};

}  // namespace kubemesos::placement
