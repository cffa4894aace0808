// The node pool: the node table and its slots, exact usage and totals, health and reservations,
// the placement order and the eligibility epoch.
#include "scheduler/node_pool.h"

#include <algorithm>

#include "scheduler/placement/plugins.h"
#include "scheduler/slot_table.h"

namespace kubemesos {

NodePool::NodePool(const ResourceCatalog& catalog, const GroupTree& groups, Policy policy)
    : catalog_(catalog), groups_(groups), order_(policy) {}

double NodePool::Score(int node) const {
  return placement::Plugins::Score(nodes_[node].spec, used_[node]);
}

Resources NodePool::ClippedFree(int node) const {
  const NodeState& state = nodes_[node];
  Resources free;
  if (!state.alive || !state.healthy) return free;
  for (int r = 0; r < kMaxResourceKinds; ++r) free[r] = std::max<int64_t>(0, state.free[r]);
  return free;
}

NodePool::Upserted NodePool::Upsert(const NodeSpec& input) {
  NodeSpec spec = input;
  spec.allocatable = Clamped(input.allocatable);  // see the overflow contract in resources.h
  auto it = index_.find(spec.name);
  if (it == index_.end()) {
    int node = TakeSlot(nodes_, free_slots_);
    index_[spec.name] = node;
    auto& state = nodes_[node];
    state.alive = true;
    state.spec = spec;
    state.free = spec.allocatable;
    state.healthy = placement::NodeHealth::Healthy(state.spec);
    state.reserved_for = groups_.ReservationFor(state.spec.labels);
    used_.resize(nodes_.size());
    used_[node] = ResourceSum{};
    capacity_ += spec.allocatable;
    free_total_ += ClippedFree(node);
    order_.Add(node, spec.name, 0.0);
    ++epoch_;
    return {node, Change::kAdded};
  }
  int node = it->second;
  auto& state = nodes_[node];
  const NodeSpec& old = state.spec;
  if (old.labels == spec.labels && old.ready == spec.ready &&
      old.unschedulable == spec.unschedulable && old.allocatable == spec.allocatable &&
      old.csi_limits == spec.csi_limits && old.taints.size() == spec.taints.size() &&
      std::equal(old.taints.begin(), old.taints.end(), spec.taints.begin(),
                 [](const Taint& a, const Taint& b) {
                   return a.key == b.key && a.value == b.value && a.effect == b.effect;
                 })) {
    return {node, Change::kUnchanged};  // nothing the engine uses changed
  }
  free_total_ -= ClippedFree(node);
  capacity_ -= state.spec.allocatable;
  state.spec = spec;
  state.free = FreeOf(spec.allocatable, used_[node]);
  state.healthy = placement::NodeHealth::Healthy(state.spec);
  state.reserved_for = groups_.ReservationFor(state.spec.labels);
  capacity_ += spec.allocatable;
  free_total_ += ClippedFree(node);
  order_.Update(node, Score(node));
  ++epoch_;
  return {node, Change::kUpdated};
}

int NodePool::Remove(const std::string& name) {
  auto it = index_.find(name);
  if (it == index_.end()) return kNone;
  int node = it->second;
  free_total_ -= ClippedFree(node);
  capacity_ -= nodes_[node].spec.allocatable;
  used_total_ -= used_[node];
  used_[node] = ResourceSum{};
  nodes_[node] = NodeState{};
  order_.Remove(node);
  index_.erase(it);
  free_slots_.push_back(node);
  ++epoch_;
  return node;
}

void NodePool::AddUsage(int node, const Resources& delta) {
  auto& state = nodes_[node];
  auto& used = used_[node];
  // One pass per kind (this runs for every placement): used, free and the totals. Kinds past
  // the catalog's are zero everywhere.
  const bool counts_free = state.alive && state.healthy;  // as ClippedFree
  for (int r = 0; r < catalog_.size(); ++r) {
    const int64_t old_free = state.free[r];
    used[r] += delta[r];
    state.free[r] = FreeAmount(state.spec.allocatable[r] - used[r]);
    if (counts_free)
      free_total_[r] += std::max<int64_t>(0, state.free[r]) - std::max<int64_t>(0, old_free);
    used_total_[r] += delta[r];
  }
  order_.Update(node, Score(node));
}

void NodePool::RefreshReservations() {
  // Health depends on the spec alone and is kept by Upsert(); only reservations follow groups.
  for (auto& state : nodes_)
    if (state.alive) state.reserved_for = groups_.ReservationFor(state.spec.labels);
  ++epoch_;
}

}  // namespace kubemesos
