// NodePool: the nodes as the engine uses them. It holds the node table (stable slots, reused
// after a removal), each node's health, the group it is reserved for and its exact usage, the
// cluster's totals (capacity, free, used), the order in which placement tries nodes (NodeOrder)
// and the eligibility epoch that tells cached eligibility answers when they went stale.
//
// Contract:
// - Slots: a node keeps its slot from Upsert() until Remove(); a removed node's slot is reused
//   by a later new node. Slots are < slots(); node(slot).alive says whether a slot is in use.
//   Functions taking a slot require a live one unless they say otherwise.
// - Usage and free: a node's usage is the exact sum of the deltas given to AddUsage() since it
//   was added (Remove() forgets it). node(slot).free is FreeOf(allocatable, usage): what the
//   placement loops compare. Usage may exceed allocatable (pods bound by someone else); free is
//   then negative.
// - Totals are exact (ResourceSum; see the overflow contract in resources.h): capacity() sums
//   the allocatable of live nodes, free_total() sums max(0, free) over live healthy nodes,
//   used_total() sums the usage of live nodes.
// - Epoch: epoch() changes (grows) whenever the answer of a node-scoped placement check can
//   change: a node added, removed or changed by Upsert(), and RefreshReservations(). Usage
//   changes and Upsert()s that change nothing the engine uses leave it alone.
// - Reservations: a node's reserved_for is groups.ReservationFor(its labels) as of its last
//   Upsert() or RefreshReservations(); the caller refreshes after rebuilding `groups`.
// - Ownership: the pool owns its state; `catalog` and `groups` must outlive it (resource kinds
//   past catalog.size() are zero everywhere and are skipped on the hot paths).
// - Threads: none; not thread-safe. Errors: none; allocatable amounts are clamped into
//   [0, kMaxAmount], nothing throws.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "scheduler/allocator.h"
#include "scheduler/group_tree.h"
#include "scheduler/node_order.h"

namespace kubemesos {

// One slot of the node table. Kept small: the placement loops walk these.
struct NodeState {
  NodeSpec spec;
  bool alive = false;
  bool healthy = false;                 // ready and schedulable: may receive tasks
  int reserved_for = GroupTree::kNone;  // group whose subtree the node is reserved for
  Resources free;                       // FreeOf(allocatable, exact usage)
};

class NodePool {
 public:
  static constexpr int kNone = -1;

  NodePool(const ResourceCatalog& catalog, const GroupTree& groups, Policy policy);
  NodePool(const NodePool&) = delete;
  NodePool& operator=(const NodePool&) = delete;

  // ---- the table ----
  enum class Change { kUnchanged, kAdded, kUpdated };
  struct Upserted {
    int node;  // the node's slot
    Change change;
  };
  // Adds the node, or updates it when its name is known. An update that changes none of labels,
  // readiness, cordon, allocatable and taints (heartbeats, status noise) is kUnchanged and
  // touches nothing. A new node starts with zero usage.
  Upserted Upsert(const NodeSpec& spec);
  // Removes the named node (its usage leaves the totals) and frees its slot. Returns the slot it
  // had, or kNone when the name is unknown (then nothing changes).
  int Remove(const std::string& name);
  // The slot of the named live node, or kNone.
  int Find(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? kNone : it->second;
  }
  size_t count() const { return index_.size(); }                 // live nodes
  int slots() const { return static_cast<int>(nodes_.size()); }  // any slot, live or free
  // Any slot < slots(), live or not (a free slot reads as a default NodeState).
  const NodeState& node(int slot) const { return nodes_[slot]; }

  // ---- usage ----
  // Adds `delta` (negative to release) to the node's usage; free, the totals and the node's
  // place in the order follow.
  void AddUsage(int node, const Resources& delta);
  const ResourceSum& used(int node) const { return used_[node]; }
  const ResourceSum& capacity() const { return capacity_; }
  const ResourceSum& free_total() const { return free_total_; }
  const ResourceSum& used_total() const { return used_total_; }

  // ---- eligibility ----
  uint64_t epoch() const { return epoch_; }
  // Re-reads every live node's reserving group from `groups` (after its Rebuild()).
  void RefreshReservations();

  // ---- placement order ----
  // Brings the order up to date (before a cycle); see NodeOrder::Refresh().
  void RefreshOrder() { order_.Refresh(); }
  // The node is useless to every task for the rest of the cycle; see NodeOrder::MarkExhausted().
  void MarkExhausted(int node) { order_.MarkExhausted(node); }
  // The order itself, to walk (order()) and search (Next()).
  const NodeOrder& order() const { return order_; }

 private:
  double Score(int node) const;
  Resources ClippedFree(int node) const;  // what the node adds to free_total_

  const ResourceCatalog& catalog_;
  const GroupTree& groups_;
  std::vector<NodeState> nodes_;
  // By slot: the exact requests counted on the node. Apart from NodeState so that the nodes the
  // placement loops walk stay small.
  std::vector<ResourceSum> used_;
  std::unordered_map<std::string, int> index_;
  std::vector<int> free_slots_;
  NodeOrder order_;
  ResourceSum capacity_;
  ResourceSum free_total_;
  ResourceSum used_total_;
  uint64_t epoch_ = 1;
};

}  // namespace kubemesos
