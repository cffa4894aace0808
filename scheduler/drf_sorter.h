// Weighted, hierarchical Dominant Resource Fairness ordering (Ghodsi et al., NSDI'11; Mesos'
// DRFSorter). A tree of groups whose leaves are frameworks; Pick() walks from the root taking,
// at each level, the active child with the lowest dominant share / weight (ties by name), down
// to a framework. Only frameworks added (active) take part; a group is active while some
// framework below it is. Private to scheduler/; used by one allocation stage at a time.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

namespace kubemesos {

struct GroupState;
struct FrameworkState;

class DrfSorter {
 public:
  // `share(framework)` and `group_share(group)` are read through the state vectors; the sorter
  // keeps references and must not outlive them.
  // Groups are indexed in name order; `framework_rank` gives each framework's position in key
  // order. Ties of weighted share break by kind (frameworks first), then by that order.
  DrfSorter(const std::vector<GroupState>& groups, const std::vector<FrameworkState>& frameworks,
            const std::vector<int>& framework_rank, std::vector<double> group_shares,
            std::vector<double> framework_shares);

  void Add(int framework);
  void Remove(int framework);
  bool Contains(int framework) const { return fw_active_[framework]; }
  // The next framework to serve, or -1 when none is active.
  int Pick() const;
  // After `framework`'s allocation changed: new shares for it and its ancestor groups.
  void Update(int framework, double framework_share, const std::vector<int>& path,
              const std::vector<double>& path_shares);
  bool empty() const;

 private:
  struct Entry {
    double key;  // dominant share / weight
    bool is_group;
    int rank;  // name order within its kind
    int index;
    bool operator<(const Entry& o) const {
      if (key != o.key) return key < o.key;
      if (is_group != o.is_group) return is_group < o.is_group;
      return rank < o.rank;
    }
  };
  Entry GroupEntry(int group) const;
  Entry FrameworkEntry(int framework) const;
  void ActivateGroup(int group);
  void DeactivateGroupIfEmpty(int group);

  const std::vector<GroupState>& groups_;
  const std::vector<FrameworkState>& frameworks_;
  const std::vector<int>& fw_rank_;
  std::vector<double> group_share_;
  std::vector<double> fw_share_;
  std::vector<std::set<Entry>> active_;  // per group: its active children
  std::vector<uint8_t> fw_active_;
  std::vector<uint8_t> group_active_;
};

}  // namespace kubemesos
