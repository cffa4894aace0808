// GroupTree: the ResourceGroup hierarchy as the engine uses it. It holds the groups' specs, the
// tree built from them (validity, depth, reservation scopes), the allocation of every
// subtree, and the quota questions asked of it: limits, guarantees and the headroom held back
// for the unmet guarantees of Hold groups (quota.cpp). It also holds the one rule for which group
// reserves a node (ReservationFor), which the registry's agent records use too (ReservingGroup).
//
// Contract:
// - Indices: after Rebuild() group 0 (kRoot) is a virtual root holding the top-level groups;
//   groups 1..size()-1 are every spec in name order, valid or not. Indices are stable until the
//   next Rebuild(). The allocation and quota functions and reservation_scope() accept kNone
//   (a framework without a valid group) and then answer as for an empty path.
// - Specs and the built tree: Upsert()/Remove() only record the spec and mark the tree dirty;
//   the built tree (and every index) stays the old one until Rebuild(). While dirty, Resolve()
//   answers kNone and allocation changes are ignored: the caller re-attaches every framework
//   after Rebuild(), which starts with empty allocations.
// - Allocation: a subtree's allocation is the sum of its frameworks' (Attach/Detach/
//   AddAllocation); the headroom `need` of each group (max of its own unmet guarantee and its
//   children's needs, kind by kind) is kept up to date incrementally along the changed path.
// - Ownership: the tree owns its state; `catalog` must outlive it (resource kinds past
//   catalog.size() are zero everywhere and are skipped on the hot paths).
// - Threads: none; not thread-safe. Errors: none; invalid specs (weight <= 0, a missing parent,
//   a parent loop, an invalid ancestor) make the group invalid with a message, nothing throws.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "scheduler/allocator.h"

namespace kubemesos {

class GroupTree {
 public:
  static constexpr int kNone = -1;
  static constexpr int kRoot = 0;

  explicit GroupTree(const ResourceCatalog& catalog);

  // ---- specs ----
  // Records `spec` (amounts clamped into [0, kMaxAmount]); returns false when nothing the tree
  // uses changed, true when the tree is now dirty.
  bool Upsert(const GroupSpec& spec);
  void Remove(const std::string& name);
  bool dirty() const { return dirty_; }
  // Builds the tree from the specs: every group's parent, validity, depth and
  // reservation scope. Allocations and framework counts start at zero.
  void Rebuild();

  // ---- the built tree ----
  int size() const { return static_cast<int>(groups_.size()); }
  // The group named `name`, valid or not, or kNone.
  int Find(const std::string& name) const;
  // The valid group named `name`, or kNone (always kNone while dirty).
  int Resolve(const std::string& name) const;
  const GroupSpec& spec(int group) const { return groups_[group].spec; }
  const std::string& name(int group) const { return groups_[group].spec.name; }
  bool valid(int group) const { return groups_[group].valid; }
  const std::string& invalid_message(int group) const { return groups_[group].invalid_message; }
  int parent(int group) const { return groups_[group].parent; }  // kNone for the root, invalid
  bool InSubtree(int group, int ancestor) const {
    for (int g = group; g != kNone; g = groups_[g].parent)
      if (g == ancestor) return true;
    return false;
  }

  // ---- reservations ----
  // The group whose nodeSelector reserves a node with these labels, or kNone: the DEEPEST valid
  // group with a non-empty nodeSelector that the labels satisfy; among equally deep ones, the
  // first by name. Reserved nodes serve only that group's subtree.
  int ReservationFor(const Labels& labels) const;
  // The deepest reserving group on the path from `group` up (itself included), or kNone: which
  // reserved nodes the group's frameworks may use (those reserved for this scope or above).
  int reservation_scope(int group) const {
    return group == kNone ? kNone : groups_[group].reservation_scope;
  }

  // ---- allocation ----
  // A framework joins (leaves) `group` with its allocation: counted as a direct framework, its
  // allocation added to (taken from) the group and every ancestor.
  void Attach(int group, const ResourceSum& allocated);
  void Detach(int group, const ResourceSum& allocated);
  // A framework of `group` got (delta > 0) or gave back (delta < 0) resources.
  void AddAllocation(int group, const ResourceSum& delta);
  const ResourceSum& allocated(int group) const { return groups_[group].allocated; }
  int direct_frameworks(int group) const { return groups_[group].direct_frameworks; }

  // ---- quota (quota.cpp) ----
  // The outermost group on the path from `group` whose limit `request` would exceed, or kNone.
  // The outermost group on the path of `group` whose limit is below a whole gang's minimum,
  // regardless of what is allocated now: `declared` where it bounds a kind, else `minimum`.
  // kNone when every limit can hold it.
  int ExceedsLimit(int group, const ResourceBound& declared, const ResourceSum& minimum) const;
  int LimitViolation(int group, const Resources& request) const;
  // True when some group on the path has a guarantee not yet met in a resource requested.
  bool BelowGuarantee(int group, const Resources& request) const;
  // True when `request` fits (`counted`: already counted in the allocation) within the guarantee
  // of every group on the path that guarantees a resource it requests, and at least one does:
  // the placement uses no borrowed capacity. False: it is revocable (Mesos' term).
  bool WithinGuarantee(int group, const Resources& request, bool counted) const;
  // The first resource in which placing `request` in `group` would leave less free than the
  // headroom held for the unmet guarantees of Hold groups (`free_total`: the cluster's free
  // resources), or -1.
  ResourceId HeadroomViolation(int group, const Resources& request,
                               const ResourceSum& free_total) const;

 private:
  struct Group {
    GroupSpec spec;
    int parent = kNone;
    int reservation_scope = kNone;
    bool valid = true;
    std::string invalid_message;
    int depth = 0;
    int direct_frameworks = 0;
    ResourceSum allocated;      // the whole subtree
    ResourceSum need;           // headroom this subtree needs for unmet guarantees
    ResourceSum children_need;  // sum of the valid children's `need`
  };
  void ResolveParents();
  void RecomputeNeed(int group);  // after the group's allocation changed, up to the root
  void RecomputeAllNeeds();

  const ResourceCatalog& catalog_;
  std::map<std::string, GroupSpec> specs_;
  bool dirty_ = false;
  std::vector<Group> groups_;  // [0] is the virtual root
  std::unordered_map<std::string, int> index_;
  std::vector<int> reserving_;  // valid groups with a nodeSelector, in name order
};

// The reserving-group rule (GroupTree::ReservationFor) on plain inputs: the name of the group
// that reserves a node with `labels` among `groups`, or "" when none does. Builds a tree per
// call: callers asking for many nodes build one GroupTree and ask it.
std::string ReservingGroup(const std::vector<GroupSpec>& groups, const Labels& labels);

}  // namespace kubemesos
