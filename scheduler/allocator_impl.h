// Private: the allocator's state. Included only by scheduler/*.cpp. Everything here is owned by
// Allocator::Impl and touched by one thread.
#pragma once

#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "scheduler/allocator.h"
#include "scheduler/group_tree.h"
#include "scheduler/node_order.h"
#include "scheduler/node_pool.h"
#include "scheduler/pod_index.h"
#include "scheduler/slot_table.h"

namespace kubemesos {

inline constexpr int kNone = -1;

// Why a class of tasks is parked until something changes.
enum class Block { kNone, kCapacity, kNoEligible, kLimit, kHeadroom, kUnknownGroup, kSuspended };

// Tasks of one framework with the same request and constraints: interchangeable for placement,
// so a failure of one is a failure of all, and the search state is shared.
struct TaskClass {
  int framework = kNone;
  Resources request;
  int constraints = kNone;  // interned PlacementConstraints
  int identity = kNone;     // PodIndex identity of its tasks
  // Its constraints NeedsFullScan(): searched afresh over every node for each task.
  bool full_scan = false;
  // Its placement depends on pods on nodes (full_scan, host ports): a blocked class is retried
  // when PodIndex::epoch() moved.
  bool pod_sensitive = false;
  std::set<std::tuple<uint64_t, std::string, int>> queue;  // (order, pod key, task) pending
  Block block = Block::kNone;
  int block_group = kNone;  // for kLimit: the group whose limit binds
  Reason reason;
  size_t blocked_pos = 0;                          // position in Impl::blocked_classes_
  NodeCursor cursor;                               // placement search state, valid for cursor.cycle
  const std::vector<uint8_t>* eligible = nullptr;  // by node; valid while eligible_epoch holds
  uint64_t eligible_epoch = 0;
  bool alive = false;
};

struct FrameworkState {
  FrameworkSpec spec;
  bool alive = false;
  int group = kNone;  // resolved valid group (GroupTree index), or kNone
  ResourceSum allocated;
  int running = 0;
  int pending = 0;
  std::vector<int> classes;  // live classes with pending tasks
  int unblocked_classes = 0;
  std::unordered_map<int, double> filters;  // node -> time the filter expires
  std::unordered_set<int> members;          // all its tasks, pending or on nodes
  int64_t offers_accepted = 0;
  int64_t offers_declined = 0;
};

struct TaskState {
  std::string key;
  std::string framework_key;
  int framework = kNone;
  int cls = kNone;
  Resources request;
  int constraints = kNone;
  int identity = kNone;  // PodIndex identity (namespace and labels); holds one reference
  uint64_t order = 0;
  std::string node_name;  // bound or assumed node (may be unknown to us yet)
  int node = kNone;       // resolved node index while node_name is set and known
  bool assumed = false;   // placed by us, bind not yet observed
  bool terminal = false;
  bool counted = false;            // its request is counted on node and framework
  std::optional<Reason> reported;  // last pending reason handed out
};

class Allocator::Impl {
 public:
  explicit Impl(AllocatorOptions options) : options_(options) {}

  // ---- mutators (allocator.cpp) ----
  void UpsertNode(const NodeSpec& node);
  void RemoveNode(const std::string& name);
  void UpsertGroup(const GroupSpec& group);
  void RemoveGroup(const std::string& name);
  void UpsertFramework(const FrameworkSpec& framework);
  void RemoveFramework(const std::string& key);
  void UpsertPod(const PodSpec& pod);
  void RemovePod(const std::string& key);
  void BindFailed(const std::string& pod_key, double now);
  void UpsertGang(const GangSpec& gang);  // gangs.cpp
  void RemoveGang(const std::string& key);

  // ---- the cycle (allocation_cycle.cpp) ----
  AllocationResult Allocate(double now);

  // ---- views (allocator.cpp) ----
  std::vector<GroupStatus> Groups() const;
  std::vector<FrameworkStatus> Frameworks() const;
  std::optional<Reason> PendingReason(const std::string& key) const;
  std::vector<GangStatus> Gangs() const;  // gangs.cpp

  // ---- bookkeeping shared by the cycle (allocator.cpp) ----
  // A task's request counts on its node (if known) and its framework and groups (if known)
  // while it is on a node; a pending task waits in its framework's class or as an orphan.
  void Attach(int task);
  void Detach(int task);  // the reverse; reports capacity freed on its node
  void Enqueue(int task);
  void Dequeue(int task);
  // Assumes the head task of a class on a node; returns the task. Same effect as Detach,
  // setting the node, then Attach, without the churn.
  int PlaceHead(int cls, int node);
  void BlockClass(int cls, Block block, int group, Reason reason);
  void UnblockClass(int cls);
  void UnblockFramework(int framework);
  void UnblockAll();
  void OnCapacityFreed(int node, int framework);  // a pod left node (framework may be kNone)
  // Rebuilds the group tree, re-resolves every framework's group and refreshes what depends on
  // group indices (node reservations, eligibility).
  void RebuildGroups();
  void EnsureGroups();  // rebuilds the group tree if a group changed since the last rebuild
  // The framework's allocation changed by `delta`: its group and their ancestors follow.
  void AddToGroupPath(int framework, const ResourceSum& delta) {
    groups_.AddAllocation(frameworks_[framework].group, delta);
  }
  bool InSubtree(int group, int ancestor) const { return groups_.InSubtree(group, ancestor); }
  int NextClass(int framework) const;
  Reason Explain(int cls, double now);
  Reason LimitReason(int group) const;
  double DominantShare(const ResourceSum& allocated) const;
  // The node-scoped placement plugins' answer for the class (a cached bitmap; see
  // placement::Scope::kNode). The live ones are applied through PlacementQuery.
  // The class's eligibility bitmap by node slot (every node-scoped plugin passes), built or
  // refreshed when the node epoch moved; shared by classes with the same constraints and scope.
  const std::vector<uint8_t>& EligibleNodes(int cls);
  bool Eligible(int cls, int node) { return EligibleNodes(cls)[node]; }
  // The node for the next task of a full-scan class (TaskClass::full_scan), or kNone: every
  // node passing all filters, scored (node_scan.cpp).
  int ScanNodes(int cls, double now);
  // Pod-sensitive classes blocked before the pods on nodes last changed get another try.
  void UnblockPodSensitive();

  AllocatorOptions options_;
  ResourceCatalog catalog_;

  GroupTree groups_{catalog_};                         // after catalog_, which it reads
  NodePool pool_{catalog_, groups_, options_.policy};  // after groups_, which it reads

  std::vector<FrameworkState> frameworks_;
  std::unordered_map<std::string, int> framework_index_;
  std::vector<int> free_frameworks_;
  std::set<int> runnable_;    // frameworks with at least one unblocked class
  std::vector<int> fw_rank_;  // framework slot -> position in key order
  bool fw_rank_dirty_ = true;

  std::vector<TaskClass> classes_;
  struct ClassKey {
    int framework;
    int constraints;
    int identity;
    Resources request;
    bool operator==(const ClassKey&) const = default;
  };
  struct ClassKeyHash {
    size_t operator()(const ClassKey& k) const {
      uint64_t h = static_cast<uint64_t>(k.framework) * 0x9E3779B97F4A7C15ULL ^
                   static_cast<uint64_t>(k.constraints) ^ (static_cast<uint64_t>(k.identity) << 32);
      for (int64_t a : k.request.amount) h = (h ^ static_cast<uint64_t>(a)) * 0x100000001B3ULL;
      return static_cast<size_t>(h);
    }
  };
  std::unordered_map<ClassKey, int, ClassKeyHash> class_index_;
  std::vector<int> free_classes_;
  std::vector<int> blocked_classes_;

  std::vector<TaskState> tasks_;
  std::unordered_map<std::string, int> task_index_;
  std::vector<int> free_tasks_;
  std::unordered_map<std::string, std::set<int>> orphans_;          // framework key -> tasks
  std::unordered_map<std::string, std::set<int>> on_missing_node_;  // node name -> tasks
  std::vector<int> to_report_;  // tasks whose pending reason must be reported next cycle

  std::vector<PlacementConstraints> constraints_;
  std::unordered_map<std::string, int> constraints_index_;
  struct EligibilityCache {
    uint64_t epoch = 0;
    std::vector<uint8_t> eligible;  // by node index
  };
  std::unordered_map<uint64_t, EligibilityCache> eligibility_;  // (constraints, group)

  uint64_t cycle_ = 0;
  double now_ = 0;                    // time of the current or last cycle, for offer filters
  std::vector<int> changed_classes_;  // classes blocked during this cycle, to report
  double next_filter_expiry_ = 1e300;
  int pending_tasks_ = 0;
  uint64_t pods_epoch_seen_ = 0;  // PodIndex::epoch() when pod-sensitive classes were woken
  int pod_sensitive_blocked_ = 0;
  uint64_t anti_affinity_epoch_seen_ = 1;  // PodIndex::anti_affinity_epoch() when all were woken

  // After constraints_ and pool_, whose references it keeps.
  PodIndex pods_{constraints_, pool_};
};

}  // namespace kubemesos
