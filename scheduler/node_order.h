// Placement policy: the order in which nodes are tried for a class of tasks. Nodes are ranked
// once per cycle by how allocated they are (incrementally: only nodes whose usage changed are
// re-sorted), and each task class walks that order with a cursor that never moves back within
// a cycle, because free resources only shrink while a cycle places tasks. Finding nodes for all
// tasks of a class is therefore O(nodes) per cycle, not O(nodes x tasks).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scheduler/allocator.h"

namespace kubemesos {

// Per task-class search state; reset lazily when `cycle` is stale.
struct NodeCursor {
  uint64_t cycle = 0;
  size_t pos = 0;
  bool in_ring = false;   // spread: past the first pass, cycling over nodes that still fit
  std::vector<int> ring;  // spread: nodes that fitted during the current pass
  std::vector<int> next;  // spread: nodes that still fit, for the next pass
};

class NodeOrder {
 public:
  explicit NodeOrder(Policy policy = Policy::kBinpack) : policy_(policy) {}
  void set_policy(Policy policy) { policy_ = policy; }

  // A node appeared (or changed name); index is its slot in the allocator's node table.
  void Add(int node, const std::string& name, double score);
  void Remove(int node);
  // The node's allocation score changed; the order is fixed up at the next Refresh().
  void Update(int node, double score);
  // Brings the order up to date. O(n + k log k) for k changed nodes.
  void Refresh();
  const std::vector<int>& order() const { return order_; }
  // Marks a node as useless to every task for the rest of the cycle (full, or unhealthy), so
  // that cursors jump over it. Reset by Refresh().
  void MarkExhausted(int node);

  // The next node for a task of a class, or -1 when none fits. `fits(node)` must say whether
  // the task is eligible for and fits on the node now.
  template <typename Fits>
  int Next(NodeCursor& cursor, uint64_t cycle, Fits&& fits) const;

 private:
  bool Before(int a, int b) const;
  // The first position at or after `pos` not marked exhausted (path-compressing).
  size_t Skip(size_t pos) const;

  Policy policy_;
  std::vector<int> order_;
  std::vector<double> score_;
  std::vector<std::string> name_;
  std::vector<uint8_t> present_;
  std::vector<uint8_t> dirty_;
  std::vector<int> dirty_list_;
  std::vector<size_t> position_;      // node -> its position in order_
  mutable std::vector<size_t> skip_;  // position -> next candidate position (union-find)
  bool full_sort_ = false;
};

template <typename Fits>
int NodeOrder::Next(NodeCursor& cursor, uint64_t cycle, Fits&& fits) const {
  if (cursor.cycle != cycle) {
    cursor.cycle = cycle;
    cursor.pos = 0;
    cursor.in_ring = false;
    cursor.ring.clear();
    cursor.next.clear();
  }
  if (policy_ == Policy::kBinpack) {
    // Stay on the current node while it fits: it is the most allocated one that does.
    for (cursor.pos = Skip(cursor.pos); cursor.pos < order_.size();
         cursor.pos = Skip(cursor.pos + 1)) {
      if (fits(order_[cursor.pos])) return order_[cursor.pos];
    }
    return -1;
  }
  // Spread: one task per node per pass, least allocated first; nodes that stop fitting drop out.
  if (!cursor.in_ring) {
    while ((cursor.pos = Skip(cursor.pos)) < order_.size()) {
      int node = order_[cursor.pos++];
      if (fits(node)) {
        cursor.next.push_back(node);
        return node;
      }
    }
    cursor.in_ring = true;
    cursor.ring.swap(cursor.next);
    cursor.next.clear();
    cursor.pos = 0;
  }
  while (!cursor.ring.empty()) {
    while (cursor.pos < cursor.ring.size()) {
      int node = cursor.ring[cursor.pos++];
      if (fits(node)) {
        cursor.next.push_back(node);
        return node;
      }
    }
    cursor.ring.swap(cursor.next);
    cursor.next.clear();
    cursor.pos = 0;
  }
  return -1;
}

}  // namespace kubemesos
