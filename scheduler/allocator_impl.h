// Private: the allocator's state. Included only by scheduler/*.cpp. Everything here is owned by
// Allocator::Impl and touched by one thread.
#pragma once

#include <map>
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

// Why a class of tasks is parked until something changes. kGang: its gang has no spec (PodGroup
// missing) or too few members; woken when the gang's spec or members change.
enum class Block {
  kNone,
  kCapacity,
  kNoEligible,
  kLimit,
  kHeadroom,
  kUnknownGroup,
  kSuspended,
  kGang
};

// Tasks of one framework with the same request and constraints: interchangeable for placement,
// so a failure of one is a failure of all, and the search state is shared.
struct TaskClass {
  int framework = kNone;
  int gang = kNone;  // GangState slot of its tasks, or kNone
  Resources request;
  int constraints = kNone;  // interned PlacementConstraints
  int identity = kNone;     // PodIndex identity of its tasks
  // Its constraints NeedsFullScan(): searched afresh over every node for each task.
  bool full_scan = false;
  // Its placement depends on pods on nodes (full_scan, host ports): a blocked class is retried
  // when PodIndex::epoch() moved.
  bool pod_sensitive = false;
  // Pending tasks, first first: (-priority, order, pod key, task).
  std::set<std::tuple<int64_t, uint64_t, std::string, int>> queue;
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
  int gang = kNone;   // its own gang's slot when spec.gang.min_member > 0
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
  int revocable = 0;      // tasks on nodes with TaskState::revocable
  int64_t preempted = 0;  // its tasks chosen as victims
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
  int32_t priority = 0;
  std::string gang_key;   // PodSpec::gang
  int gang = kNone;       // GangState slot while it is a member (attached with a framework)
  std::string node_name;  // bound or assumed node (may be unknown to us yet)
  int node = kNone;       // resolved node index while node_name is set and known
  bool assumed = false;   // placed by us, bind not yet observed
  bool terminal = false;
  bool counted = false;            // its request is counted on node and framework
  std::optional<Reason> reported;  // last pending reason handed out
  // Preemption (preemption.cpp). Soft fields: they change without a re-attach.
  bool terminating = false;         // deletionTimestamp set: never a victim
  bool preempt_never = false;       // preemptionPolicy Never
  bool revocable = false;           // placed on borrowed capacity
  double started = -1;              // running since (engine clock); -1 unknown
  double grace = 30;                // terminationGracePeriodSeconds
  double pending_since = -1;        // waiting since (engine clock); -1: not seen by a cycle yet
  double terminating_since = -1;    // first seen terminating (engine clock)
  double next_preempt_attempt = 0;  // a search that found no plan is not repeated before this
};

// A preemption plan in flight (preemption.cpp): victims chosen, preemptors nominated. Each
// nomination holds its preemptor's request on its node and in its framework's (and groups')
// allocation, like an assumed placement, until the preemptor is placed there, the plan is
// cancelled or the deadline passes: neither the node's capacity nor the group's limit or
// guarantee can be taken by someone else meanwhile.
struct PlanState {
  Preemption plan;
  struct Held {
    std::string pod;
    int node = kNone;
    std::string node_name;  // the slot is only trusted while it still holds this node
    int framework = kNone;
    std::string framework_key;  // likewise for the framework slot
    Resources amount;
    bool done = false;  // placed, or its pod went away
  };
  std::vector<Held> held;  // one per preemptor, in plan.preemptors order
};

// Capacity a starving gang holds on a node (phantom usage on the node until released).
struct GangReservation {
  int node = kNone;
  std::string node_name;  // the slot is only trusted while it still holds this node
  Resources amount;
};

// A gang: a Framework's own (pod_group false, keyed by the framework key) or a PodGroup's.
// Members are attached tasks (pending or on a node, not terminal) of known frameworks.
struct GangState {
  bool alive = false;
  std::string key;
  bool pod_group = false;
  bool has_spec = false;  // PodGroup upserted (a Framework's gang always has one)
  GangPolicy policy;
  std::unordered_set<int> members;
  std::vector<int> classes;                   // live classes of its pending members
  int active = 0;                             // members on a node (bound or assumed)
  std::unordered_set<std::string> succeeded;  // finished members that still exist
  bool reached_min = false;                   // was at its minimum in this engine's life
  double waiting_since = -1;
  double below_min_since = -1;
  std::optional<Reason> last_failure;
  int attempts = 0;
  std::vector<GangReservation> reserved;
  std::string reserve_scope;  // the top-level group it reserves in ("" when not reserving)
  double reserved_until = -1;
  double next_reserve_after = 0;
  double backoff = 0;

  int count() const { return active + static_cast<int>(succeeded.size()); }
  int need() const { return policy.min_member - count(); }
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
  void EvictionFailed(const std::string& pod_key, double now);  // preemption.cpp
  void RestorePreemption(const Preemption& plan);
  std::vector<Preemption> Preemptions() const;

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
  // Why a framework with spec.revocable Deny gets nothing more (its group's guarantee is used).
  Reason DenyRevocableReason(int framework) const;
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
  // The node for the head task of a class that passed the quota checks: ScanNodes for full-scan
  // classes, else the class's cursor over the node order; kNone when none fits.
  int FindNode(int cls, double now);

  // ---- gangs (gangs.cpp) ----
  // Membership follows attachment: a task attached with a framework joins its PodGroup's gang
  // (t.gang_key) or its framework's; LeaveGang is the reverse. Both keep GangState::active.
  void JoinGang(int task);
  void LeaveGang(int task);
  int GangSlot(const std::string& pod_group_key, bool create);
  int NewFrameworkGang(int framework);
  void MaybeFreeGang(int gang);
  void WakeGang(int gang);  // unblocks every class of the gang
  // Re-attaches every member of a framework (its gang changed).
  void ReattachMembers(int framework);
  // Cycle start: blocks gang classes that cannot be decided (no spec, too few members), ends
  // reservations past their time or without a reason to exist.
  void PrepareGangs(double now);
  // Decides a gang below its minimum: places need() pending members or none. Returns the placed
  // tasks (empty on failure, when the gang's classes are blocked with the reason).
  std::vector<int> PlaceGang(int gang, double now);
  // Cycle end: below_min_since and reached_min.
  void FinishGangs(double now);
  // A framework with a gang that has members on nodes but is below its minimum: served first.
  bool HasPartialGang(int framework) const;
  // gang_reservation.cpp: ends a gang's reservation (capacity back, waking who waits for it;
  // after a timeout the gang backs off), and reserves for a starving gang what it could place
  // (`tentative`, undone already) and the free capacity of nodes for the rest of its `need`.
  void EndReservation(int gang, double now, bool timed_out);
  void Reserve(int gang, const std::vector<std::pair<int, Resources>>& tentative,
               const std::vector<GangReservation>& held, int need, double now);
  // The top-level group a gang reserves in ("" when its group is unknown), and whether it may
  // reserve now (starving long enough, not backing off, its deadline not passed, the subtree's
  // one reservation free or its own).
  std::string ReserveScope(int gang) const;
  bool MayReserve(int gang, double now) const;
  // A finished member counts toward its gang's minimum until the pod is deleted.
  void NoteSucceeded(const PodSpec& pod);
  void ForgetSucceeded(const std::string& pod_key);
  // Undoes PlaceHead: the task is pending again (no wake-ups: the capacity was free before).
  void Unplace(int task);
  // PlaceHead for a given pending task rather than its class's head.
  void PlaceTask(int task, int node);
  // After a task was placed by this engine: marks it revocable when it uses borrowed capacity.
  void NoteRevocable(int task);

  // ---- preemption (preemption.cpp, preemption_search.cpp) ----
  // Cycle start: places nominated preemptors whose capacity is free now, ends nominations past
  // their deadline or without a pending preemptor (listed in nominations_ended).
  void ServeNominations(double now, AllocationResult& result);
  // Cycle end: plans for tasks still blocked, in allocation order, within the eviction cap.
  void PlanPreemptions(double now, AllocationResult& result);
  // Ends a plan: its held capacity is released, its victims not yet leaving are free again.
  void EndPlan(uint64_t id, AllocationResult* result);
  // A task is leaving (removed, or re-attached): its plan bookkeeping follows.
  void ForgetPreemption(const std::string& pod_key);
  // Adds (sign +1) or takes back (-1) a nomination's hold on its node and framework.
  void Hold(const PlanState::Held& held, int sign);

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
    int gang;
    Resources request;
    bool operator==(const ClassKey&) const = default;
  };
  struct ClassKeyHash {
    size_t operator()(const ClassKey& k) const {
      uint64_t h = static_cast<uint64_t>(k.framework) * 0x9E3779B97F4A7C15ULL ^
                   static_cast<uint64_t>(k.constraints) ^
                   (static_cast<uint64_t>(k.identity) << 32) ^
                   (static_cast<uint64_t>(k.gang) << 48);
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

  std::vector<GangState> gangs_;
  std::vector<int> free_gangs_;
  std::unordered_map<std::string, int> gang_index_;      // PodGroup key -> slot
  std::unordered_map<std::string, int> succeeded_gang_;  // finished member pod key -> slot
  std::unordered_map<std::string, int> reserving_;       // top-level group -> reserving gang

  std::map<uint64_t, PlanState> plans_;  // in flight, by creation
  uint64_t next_plan_ = 1;
  std::unordered_map<std::string, uint64_t> nominated_;    // preemptor pod -> plan
  std::unordered_map<std::string, uint64_t> victims_;      // chosen victim pod -> plan
  std::unordered_map<std::string, double> evict_refused_;  // pod -> not a victim before
  std::vector<std::string> ended_nominations_;             // for the next result
  std::vector<int> new_pending_;  // tasks enqueued since the last cycle, their wait not started
  // Tasks of frameworks on nodes, by priority: the priority search is skipped for a task with no
  // lower priority anywhere (the common case: every priority 0).
  std::map<int32_t, int> on_node_priorities_;
  void CountPriority(int32_t priority, int delta) {
    if ((on_node_priorities_[priority] += delta) == 0) on_node_priorities_.erase(priority);
  }

  // After constraints_ and pool_, whose references it keeps.
  PodIndex pods_{constraints_, pool_};
};

}  // namespace kubemesos
