// Hierarchical DRF ordering over active clients.
#include "scheduler/drf_sorter.h"

namespace kubemesos {
namespace {
constexpr int kRoot = 0;
}  // namespace

DrfSorter::DrfSorter(std::vector<Group> groups, int clients)
    : groups_(std::move(groups)),
      clients_(clients),
      active_(groups_.size()),
      active_client_(clients),
      active_group_(groups_.size()) {
  active_group_[kRoot] = 1;
}

DrfSorter::Entry DrfSorter::GroupEntry(int group) const {
  const auto& g = groups_[group];
  return Entry{g.share / g.weight, true, group, group};
}

DrfSorter::Entry DrfSorter::ClientEntry(int client) const {
  return Entry{clients_[client].share, false, clients_[client].rank, client};
}

void DrfSorter::ActivateGroup(int group) {
  while (group != kRoot && !active_group_[group]) {
    active_group_[group] = 1;
    int parent = groups_[group].parent;
    active_[parent].insert(GroupEntry(group));
    group = parent;
  }
}

void DrfSorter::DeactivateGroupIfEmpty(int group) {
  while (group != kRoot && active_group_[group] && active_[group].empty()) {
    active_group_[group] = 0;
    int parent = groups_[group].parent;
    active_[parent].erase(GroupEntry(group));
    group = parent;
  }
}

void DrfSorter::Add(int client, int group, int rank, double share) {
  if (active_client_[client]) return;
  clients_[client] = Client{group, rank, share};
  active_client_[client] = 1;
  active_[group].insert(ClientEntry(client));
  ActivateGroup(group);
}

void DrfSorter::Remove(int client) {
  if (!active_client_[client]) return;
  int group = clients_[client].group;
  active_client_[client] = 0;
  active_[group].erase(ClientEntry(client));
  DeactivateGroupIfEmpty(group);
}

int DrfSorter::Pick() const {
  int group = kRoot;
  while (true) {
    const auto& children = active_[group];
    if (children.empty()) return -1;
    const Entry& first = *children.begin();
    if (!first.is_group) return first.index;
    group = first.index;
  }
}

void DrfSorter::SortInto(int group, std::vector<int>& out) const {
  for (const Entry& e : active_[group]) {
    if (e.is_group)
      SortInto(e.index, out);
    else
      out.push_back(e.index);
  }
}

std::vector<int> DrfSorter::Sort() const {
  std::vector<int> out;
  SortInto(kRoot, out);
  return out;
}

void DrfSorter::Update(int client, double share) {
  // Re-key: erase with the old key, insert with the new one.
  if (active_client_[client]) {
    auto& set = active_[clients_[client].group];
    set.erase(ClientEntry(client));
    clients_[client].share = share;
    set.insert(ClientEntry(client));
  } else {
    clients_[client].share = share;
  }
}

void DrfSorter::UpdateGroup(int group, double share) {
  if (group == kRoot) return;
  if (active_group_[group]) {
    auto& set = active_[groups_[group].parent];
    set.erase(GroupEntry(group));
    groups_[group].share = share;
    set.insert(GroupEntry(group));
  } else {
    groups_[group].share = share;
  }
}

}  // namespace kubemesos
