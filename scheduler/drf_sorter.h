// Weighted, hierarchical Dominant Resource Fairness ordering (Ghodsi et al., NSDI'11; Mesos'
// DRFSorter). A tree of groups whose leaves are clients (frameworks); Pick() walks from the root
// taking, at each level, the active child with the lowest key, down to a client. A group's key
// is its dominant share / weight; a client's is its dominant share (clients have no weight).
// Ties break by kind (clients first), then by rank: a client's rank as given, a group's index.
// Only clients added (active) take part; a group is active while some client below it is.
//
// Contract:
// - Inputs are plain numbers: the caller computes shares (the allocator from its totals) and
//   tells the sorter when one changes (Update, UpdateGroup). The sorter reads nothing else.
// - Groups are fixed at construction: index 0 is the root (its parent, weight and share are
//   not used); every other group names its parent's index, forming a tree under the root, and
//   has a weight > 0. Clients are ids in [0, clients).
// - Ownership: the sorter owns copies of its inputs. Threads: none; not thread-safe.
// - Errors: none are checked; out-of-range ids or a client added to an unknown group are
//   programming errors (undefined behaviour), as with std::vector::operator[].
// - Cost: Add, Remove and Update are O(depth · log fan-out); Pick is O(depth).
#pragma once

#include <cstdint>
#include <set>
#include <vector>

namespace kubemesos {

class DrfSorter {
 public:
  struct Group {
    int parent = -1;      // the root's is -1
    double weight = 1.0;  // > 0
    double share = 0;     // dominant share of the whole subtree
  };

  DrfSorter(std::vector<Group> groups, int clients);

  // Activates `client` under `group` (a leaf of the tree) with its share and tie-break rank.
  // Adding an active client does nothing.
  void Add(int client, int group, int rank, double share);
  void Remove(int client);
  bool Contains(int client) const { return active_client_[client]; }
  bool empty() const { return active_[0].empty(); }
  // The next client to serve, or -1 when none is active.
  int Pick() const;
  // Every active client in the order Pick would serve them if each were removed in turn.
  std::vector<int> Sort() const;
  // New shares after an allocation changed: a client's (active or not), a group's (not root).
  void Update(int client, double share);
  void UpdateGroup(int group, double share);

 private:
  struct Entry {
    double key;  // dominant share / weight
    bool is_group;
    int rank;  // order within its kind
    int index;
    bool operator<(const Entry& o) const {
      if (key != o.key) return key < o.key;
      if (is_group != o.is_group) return is_group < o.is_group;
      return rank < o.rank;
    }
  };
  struct Client {
    int group = 0;
    int rank = 0;
    double share = 0;
  };
  Entry GroupEntry(int group) const;
  Entry ClientEntry(int client) const;
  void ActivateGroup(int group);
  void DeactivateGroupIfEmpty(int group);
  void SortInto(int group, std::vector<int>& out) const;

  std::vector<Group> groups_;
  std::vector<Client> clients_;
  std::vector<std::set<Entry>> active_;  // per group: its active children
  std::vector<uint8_t> active_client_;
  std::vector<uint8_t> active_group_;
};

}  // namespace kubemesos
