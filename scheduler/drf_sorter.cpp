// Hierarchical DRF ordering over active frameworks.
#include "scheduler/drf_sorter.h"

#include "scheduler/allocator_impl.h"

namespace kubemesos {

DrfSorter::DrfSorter(const std::vector<GroupState>& groups,
                     const std::vector<FrameworkState>& frameworks,
                     const std::vector<int>& framework_rank, std::vector<double> group_shares,
                     std::vector<double> framework_shares)
    : groups_(groups),
      frameworks_(frameworks),
      fw_rank_(framework_rank),
      group_share_(std::move(group_shares)),
      fw_share_(std::move(framework_shares)),
      active_(groups.size()),
      fw_active_(frameworks.size()),
      group_active_(groups.size()) {
  group_active_[kRootGroup] = 1;
}

DrfSorter::Entry DrfSorter::GroupEntry(int group) const {
  const auto& g = groups_[group];
  return Entry{group_share_[group] / g.spec.weight, true, group, group};
}

DrfSorter::Entry DrfSorter::FrameworkEntry(int framework) const {
  return Entry{fw_share_[framework], false, fw_rank_[framework], framework};
}

void DrfSorter::ActivateGroup(int group) {
  while (group != kRootGroup && !group_active_[group]) {
    group_active_[group] = 1;
    int parent = groups_[group].parent;
    active_[parent].insert(GroupEntry(group));
    group = parent;
  }
}

void DrfSorter::DeactivateGroupIfEmpty(int group) {
  while (group != kRootGroup && group_active_[group] && active_[group].empty()) {
    group_active_[group] = 0;
    int parent = groups_[group].parent;
    active_[parent].erase(GroupEntry(group));
    group = parent;
  }
}

void DrfSorter::Add(int framework) {
  if (fw_active_[framework]) return;
  int group = frameworks_[framework].group;
  fw_active_[framework] = 1;
  active_[group].insert(FrameworkEntry(framework));
  ActivateGroup(group);
}

void DrfSorter::Remove(int framework) {
  if (!fw_active_[framework]) return;
  int group = frameworks_[framework].group;
  fw_active_[framework] = 0;
  active_[group].erase(FrameworkEntry(framework));
  DeactivateGroupIfEmpty(group);
}

int DrfSorter::Pick() const {
  int group = kRootGroup;
  while (true) {
    const auto& children = active_[group];
    if (children.empty()) return -1;
    const Entry& first = *children.begin();
    if (!first.is_group) return first.index;
    group = first.index;
  }
}

void DrfSorter::Update(int framework, double framework_share, const std::vector<int>& path,
                       const std::vector<double>& path_shares) {
  // Re-key bottom-up: the framework inside its group, then each group inside its parent.
  int group = frameworks_[framework].group;
  if (fw_active_[framework]) {
    active_[group].erase(FrameworkEntry(framework));
    fw_share_[framework] = framework_share;
    active_[group].insert(FrameworkEntry(framework));
  } else {
    fw_share_[framework] = framework_share;
  }
  for (size_t i = 0; i < path.size(); ++i) {
    int g = path[i];
    if (g == kRootGroup) continue;
    int parent = groups_[g].parent;
    if (group_active_[g]) {
      active_[parent].erase(GroupEntry(g));
      group_share_[g] = path_shares[i];
      active_[parent].insert(GroupEntry(g));
    } else {
      group_share_[g] = path_shares[i];
    }
  }
}

bool DrfSorter::empty() const {
  return active_[kRootGroup].empty();
}

}  // namespace kubemesos
