// The group tree: specs, building the hierarchy (validity, depths, reservation scopes), the
// reserving-group rule and subtree allocations. The quota questions are in quota.cpp.
#include "scheduler/group_tree.h"

namespace kubemesos {

GroupTree::GroupTree(const ResourceCatalog& catalog) : catalog_(catalog) {
  groups_.emplace_back();
}

bool GroupTree::Upsert(const GroupSpec& input) {
  GroupSpec group = input;
  group.guarantee.amount = Clamped(input.guarantee.amount);
  group.limit.amount = Clamped(input.limit.amount);
  auto it = specs_.find(group.name);
  if (it != specs_.end() && it->second.parent == group.parent &&
      it->second.weight == group.weight && it->second.guarantee.amount == group.guarantee.amount &&
      it->second.guarantee.set_mask == group.guarantee.set_mask &&
      it->second.limit.amount == group.limit.amount &&
      it->second.limit.set_mask == group.limit.set_mask &&
      it->second.node_selector == group.node_selector &&
      it->second.guarantee_policy == group.guarantee_policy &&
      it->second.preemption == group.preemption)
    return false;
  specs_[group.name] = std::move(group);
  dirty_ = true;  // rebuilt once before the next cycle, not once per group
  return true;
}

void GroupTree::Remove(const std::string& name) {
  if (specs_.erase(name)) dirty_ = true;
}

int GroupTree::Find(const std::string& name) const {
  auto g = index_.find(name);
  return g == index_.end() ? kNone : g->second;
}

int GroupTree::Resolve(const std::string& name) const {
  if (dirty_) return kNone;  // the caller re-attaches every framework after the rebuild
  int g = Find(name);
  return g != kNone && groups_[g].valid ? g : kNone;
}

void GroupTree::ResolveParents() {
  for (size_t g = 1; g < groups_.size(); ++g) {
    auto& group = groups_[g];
    if (group.spec.weight <= 0) {
      group.valid = false;
      group.invalid_message = "weight must be greater than 0";
    }
    if (group.spec.parent.empty()) {
      group.parent = kRoot;
    } else if (auto p = index_.find(group.spec.parent); p != index_.end()) {
      group.parent = p->second;
    } else {
      group.parent = kNone;
      group.valid = false;
      group.invalid_message = "parent group \"" + group.spec.parent + "\" does not exist";
    }
  }
}

void GroupTree::Rebuild() {
  dirty_ = false;
  groups_.assign(1, Group{});
  groups_[kRoot].spec.name = "";
  index_.clear();
  for (const auto& [name, spec] : specs_) {
    index_[name] = static_cast<int>(groups_.size());
    groups_.emplace_back().spec = spec;
  }
  ResolveParents();
  // Loops first: a group that reaches itself walking up is in a loop.
  const int limit = static_cast<int>(groups_.size());
  for (size_t g = 1; g < groups_.size(); ++g) {
    int at = groups_[g].parent;
    for (int steps = 0; at != kNone && at != kRoot && steps < limit; ++steps) {
      if (at == static_cast<int>(g)) {
        groups_[g].valid = false;
        groups_[g].invalid_message = "parent chain forms a loop";
        break;
      }
      at = groups_[at].parent;
    }
  }
  // Then groups below an invalid ancestor; and depths.
  for (size_t g = 1; g < groups_.size(); ++g) {
    int depth = 0;
    int at = static_cast<int>(g);
    while (groups_[g].valid && at != kRoot && depth <= limit) {
      if (at == kNone || !groups_[at].valid) {
        groups_[g].valid = false;
        groups_[g].invalid_message =
            "ancestor group \"" + groups_[at == kNone ? g : at].spec.name + "\" is invalid";
        break;
      }
      at = groups_[at].parent;
      ++depth;
    }
    groups_[g].depth = depth;
  }
  reserving_.clear();
  for (size_t g = 1; g < groups_.size(); ++g) {
    auto& group = groups_[g];
    if (!group.valid) {
      group.parent = kNone;
      continue;
    }
    if (!group.spec.node_selector.empty()) reserving_.push_back(static_cast<int>(g));
  }
  for (size_t g = 1; g < groups_.size(); ++g) {
    auto& group = groups_[g];
    for (int a = static_cast<int>(g); group.valid && a != kNone && a != kRoot;
         a = groups_[a].parent) {
      if (!groups_[a].spec.node_selector.empty()) {
        group.reservation_scope = a;
        break;
      }
    }
  }
  RecomputeAllNeeds();
}

int GroupTree::ReservationFor(const Labels& labels) const {
  int best = kNone;
  for (int g : reserving_) {
    const auto& group = groups_[g];
    if (!SelectorMatches(group.spec.node_selector, labels)) continue;
    // The most specific (deepest) group wins; reserving_ is in name order, so ties go by name.
    if (best == kNone || group.depth > groups_[best].depth) best = g;
  }
  return best;
}

void GroupTree::Attach(int group, const ResourceSum& allocated) {
  if (group == kNone || dirty_) return;
  ++groups_[group].direct_frameworks;
  AddAllocation(group, allocated);
}

void GroupTree::Detach(int group, const ResourceSum& allocated) {
  if (group == kNone || dirty_) return;
  --groups_[group].direct_frameworks;
  AddAllocation(group, ResourceSum{} - allocated);
}

void GroupTree::AddAllocation(int group, const ResourceSum& delta) {
  if (group == kNone || dirty_) return;
  for (int g = group; g != kNone; g = groups_[g].parent) groups_[g].allocated += delta;
  RecomputeNeed(group);
}

std::string ReservingGroup(const std::vector<GroupSpec>& groups, const Labels& labels) {
  ResourceCatalog catalog;
  GroupTree tree(catalog);
  for (const auto& group : groups) tree.Upsert(group);
  tree.Rebuild();
  int g = tree.ReservationFor(labels);
  return g == GroupTree::kNone ? "" : tree.name(g);
}

}  // namespace kubemesos
