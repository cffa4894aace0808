// The allocation engine: a Mesos-style allocator running weighted, hierarchical Dominant
// Resource Fairness with quota guarantees (served first; unused guarantees lent to others and
// reclaimed by preemption, or held as headroom), limits, priority preemption inside a group,
// static reservations, offer filters and suspension, at task granularity.
//
// Contract:
// - Incremental: callers mirror the cluster with Upsert*/Remove* calls (cheap, O(log n) each),
//   then call Allocate(). Allocate does work proportional to what changed: tasks that could not
//   be placed stay parked until a change could let them fit (capacity freed on an eligible
//   node, a node added, a group or framework changed, a filter expired).
// - Deterministic: the same sequence of calls gives the same placements. Ties break by name.
// - Threads: none inside. An Allocator is not thread-safe; one scheduling loop owns it.
// - Errors: inputs are trusted to be validated by the caller (quantities parsed, names
//   non-empty). Amounts (allocatable, requests, guarantees, limits) are clamped into
//   [0, kMaxAmount = 2^62]; the engine's totals are exact 128-bit sums, so no number of pods or
//   nodes can overflow them (the overflow contract is in resources.h). Views narrow totals to
//   int64, saturating. Inconsistent references (a pod naming an unknown framework, a framework
//   naming an unknown group, a group loop) are not errors: the affected tasks stay pending with a
//   Reason that says so, and everything else is scheduled.
// - Placement is "assumed": a placed task counts on its node at once. The caller binds it and
//   later reports the bound pod through UpsertPod (no change) or calls BindFailed().
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/constraints.h"
#include "scheduler/resources.h"

namespace kubemesos {

// A Kubernetes node as the engine sees it.
struct NodeSpec {
  std::string name;
  Labels labels;
  std::vector<Taint> taints;
  bool ready = true;           // the Ready condition is True
  bool unschedulable = false;  // spec.unschedulable (cordoned)
  Resources allocatable;       // status.allocatable
  // CSI driver -> the most unique volumes of that driver the node may have attached (the
  // node's CSINode spec.drivers[].allocatable.count). A driver not listed has no limit.
  std::map<std::string, int64_t> csi_limits;
};

// What a group does with the part of its guarantee it does not use (spec.guaranteePolicy).
// kLend: anyone may use it within their limits; tasks placed on it are revocable and the group
// gets it back by preemption (reclaim) when it has pending tasks. kHold: it is held back as idle
// headroom (Mesos <= 1.8), never lent.
enum class GuaranteePolicy { kLend, kHold };

// How a group's pending tasks may preempt (spec.preemption). Victims are chosen by the engine
// only: never across the guarantee floor (a victim's group keeps at least its guarantee), never
// by a task that has waited less than delay_seconds.
struct GroupPreemption {
  bool reclaim = true;        // reclaim: Any (true) | Never: take back lent guarantee from others
  bool within_group = true;   // withinGroup: LowerPriority (true) | Never: priority preemption
  double delay_seconds = 30;  // a task must have been pending this long before it preempts
  friend bool operator==(const GroupPreemption&, const GroupPreemption&) = default;
};

// A ResourceGroup (a Mesos role).
struct GroupSpec {
  std::string name;
  std::string parent;  // empty: a top-level group
  double weight = 1.0;
  ResourceBound guarantee;
  ResourceBound limit;
  Labels node_selector;  // non-empty: matching nodes are reserved for this group's subtree
  GuaranteePolicy guarantee_policy = GuaranteePolicy::kLend;
  GroupPreemption preemption;
};

// All-or-nothing placement (gang scheduling). In a cycle the engine places at least
// `min_member - active` pending members of a gang, or none of them; members beyond that are then
// placed like ordinary tasks (elastic surplus). `active` counts members bound or assumed and not
// terminal. Times are in the same seconds as Allocate's `now`.
struct GangPolicy {
  int min_member = 0;  // 0: no gang
  // The gang's minimum request as a whole, when declared (Framework spec.gang.minResources):
  // checked against the limits of the members' groups. Empty: the sum of the members' requests.
  ResourceBound min_resources;
  // A gang that has failed to fit for this long may hold what it could place (a reservation)
  // for at most reservation_timeout_seconds; then it backs off (base, doubling, max) before it
  // may reserve again. At most one gang reserves per top-level group subtree. 0: never reserve.
  double starvation_seconds = 600;
  double reservation_timeout_seconds = 300;
  double backoff_base_seconds = 10;
  double backoff_max_seconds = 600;
  friend bool operator==(const GangPolicy&, const GangPolicy&) = default;
};

// A gang that pods join by name (a scheduling.k8s.io PodGroup), keyed "namespace/name".
struct GangSpec {
  std::string key;
  GangPolicy policy;
};

// A Framework (a Mesos framework), keyed "namespace/name".
struct FrameworkSpec {
  std::string key;
  std::string group;
  bool suspended = false;
  double refuse_seconds = 5.0;
  // Its tasks (those not naming a PodGroup) form one gang when gang.min_member > 0.
  GangPolicy gang;
  // spec.revocable: Allow (true) lets its tasks use capacity lent by other groups (revocable
  // placements); Deny (false) places its tasks only where the placement is not revocable, i.e.
  // within its group's (and every ancestor's) guarantee (Mesos' REVOCABLE_RESOURCES capability).
  bool revocable = true;
  // spec.preemption.preemptable: false keeps its tasks from ever being chosen as victims.
  bool preemptable = true;
  // spec.preemption.minRuntimeSeconds: a task of it is not a victim before it has run this long.
  double min_runtime_seconds = 0;
};

// A pod: either a task waiting for a node (node_name empty) or a pod already on a node, of any
// scheduler, holding its request there until it is terminal or removed.
struct PodSpec {
  std::string key;        // "namespace/name"
  std::string framework;  // framework key for kubemesos tasks; empty for other pods
  Labels labels;          // metadata.labels: what other pods' affinity and spread select
  Resources request;      // the Kubernetes effective request, including pods=1
  PlacementConstraints constraints;
  std::string node_name;   // spec.nodeName; empty while pending
  bool terminal = false;   // Succeeded or Failed: holds nothing
  bool succeeded = false;  // phase Succeeded: counts toward its gang's minimum while it exists
  uint64_t order = 0;      // queue position inside its framework (creation order); ties by key
  // spec.priority (set at admission from its PriorityClass): a framework's pending tasks go
  // highest priority first, then by `order`. No preemption (yet): it orders, never evicts.
  int32_t priority = 0;
  // The PodGroup (GangSpec key) the pod joins (spec.schedulingGroup); empty: its framework's
  // gang, if the framework has one. A named gang not upserted yet keeps the pod pending with
  // kWaitingForGang.
  std::string gang;
  // metadata.deletionTimestamp is set: it still holds its node until it is removed, and is never
  // chosen as a victim (its capacity is about to be free).
  bool terminating = false;
  // spec.preemptionPolicy: Never: it waits, it never preempts.
  bool preempt_never = false;
  // When it started running, in Allocate's clock (the caller converts status.startTime); -1: when
  // the engine first saw it on a node. Only minRuntimeSeconds and the victim order read it.
  double started = -1;
  // terminationGracePeriodSeconds: how long a victim may take to leave; a nomination waits for
  // the longest of its victims' plus PreemptionOptions::nomination_slack_seconds.
  double grace_seconds = 30;
};

enum class Policy { kBinpack, kSpread };

// The cluster-wide preemption switches (operator flags).
struct PreemptionOptions {
  bool enabled = true;  // false: the engine never plans a preemption
  // At most this many victims chosen and not gone yet (in flight) at any time: plans wait for
  // earlier victims to leave rather than outrun the evictor and expire in its queue.
  int max_evictions_in_flight = 100;
  double nomination_slack_seconds = 30;  // a nomination lives max(victims' grace) + this
  double attempt_interval_seconds = 15;  // a task whose last search found no plan waits this long
};

struct AllocatorOptions {
  // binpack: the most-allocated eligible node that fits; spread: the least-allocated, visited
  // round-robin. "Allocated" is the mean of the cpu and memory fractions in use at the start
  // of the cycle.
  Policy policy = Policy::kBinpack;
  PreemptionOptions preemption;
};

// Why a task is still pending.
enum class ReasonCode {
  kInsufficient,       // subject: the resource no eligible node has enough of
  kQuotaLimit,         // subject: the group (or ancestor) whose limit would be exceeded
  kNoEligibleNode,     // selectors, affinity, taints, health, reservations or offer filters
  kUnknownGroup,       // subject: the group that is missing or invalid
  kUnknownFramework,   // subject: the framework key
  kSuspended,          // subject: the framework key
  kWaitingForGang,     // subject: the PodGroup key that does not exist (yet)
  kWaitingForMembers,  // subject: the gang key; fewer members exist than min_member
};

struct Reason {
  ReasonCode code = ReasonCode::kInsufficient;
  std::string subject;
  std::string message;  // a sentence for humans: counts of nodes and what they lack

  // "Insufficient cpu", "QuotaLimit analytics", "NoEligibleNode", ...
  std::string Short() const;
  // True when more nodes would not help (the autoscaler must not react): quota limits,
  // unknown groups or frameworks, suspension.
  bool BlockedByPolicy() const;
  friend bool operator==(const Reason&, const Reason&) = default;
};

struct Placement {
  std::string pod;
  std::string framework;
  std::string node;
  // The gang key when the placement is part of a gang's all-or-nothing decision (its minimum);
  // those placements are contiguous in AllocationResult::placements. Empty otherwise.
  std::string gang;
  // Placed on borrowed capacity: its group (or an ancestor) was at or above its guarantee in a
  // resource the task requests (Mesos' revocable resources). Reclaim may take it back.
  bool revocable = false;
};

enum class PreemptionKind {
  kReclaim,   // across groups: the preemptor's group takes back its lent guarantee
  kPriority,  // inside a group: a higher priority task preempts lower ones
};

// One preemption plan, all or nothing (rules P1-P12 of the gang and preemption design): evicting
// every victim lets every preemptor be placed on its node, with every placement check. The
// engine holds the preemptors' capacity on those nodes (a nomination) until each preemptor is
// placed, the plan is cancelled (EvictionFailed) or `deadline` passes; victims stay on their
// nodes until their pods are removed and are never chosen twice.
struct Preemption {
  struct Victim {
    std::string pod;
    std::string framework;
    std::string node;
    std::string group;  // the victim's ResourceGroup
    int32_t priority = 0;
    double ran_seconds = 0;  // how long it had run (lost work)
  };
  struct Nomination {
    std::string pod;
    std::string framework;
    std::string node;
  };
  PreemptionKind kind = PreemptionKind::kReclaim;
  std::string group;                   // the preemptor's ResourceGroup
  std::string gang;                    // the preemptor gang's key, when it is a gang's minimum
  std::vector<Nomination> preemptors;  // one per preemptor pod (several for a gang)
  std::vector<Victim> victims;
  double created = 0;   // Allocate's clock
  double deadline = 0;  // the nominations expire then (Allocate's clock)
  std::string message;  // for Events: who preempts whom and why
};

struct Unplaced {
  std::string pod;
  std::string framework;
  Reason reason;
};

struct AllocationResult {
  std::vector<Placement> placements;
  // Tasks whose pending reason was set or changed in this cycle (all pending tasks on the first
  // cycle). Tasks already reported with the same reason are not repeated.
  std::vector<Unplaced> unplaced;
  // Plans made in this cycle: evict the victims, nominate the preemptors. Victims in flight never
  // exceed PreemptionOptions::max_evictions_in_flight.
  std::vector<Preemption> preemptions;
  // Nominations that ended this cycle without a placement (expired or cancelled): pod keys whose
  // status.nominatedNodeName should be cleared.
  std::vector<std::string> nominations_ended;
};

enum class GangPhase {
  kWaitingForMembers,  // fewer members exist than min_member
  kPending,            // below its minimum; the last attempt failed (last_failure says why)
  kReserving,          // pending, and holding what it could place (reserved) until reserved_until
  kBinding,            // at its minimum counting assumed placements, not all bound yet
  kRunning,            // at least min_member members bound
  kDegraded,           // was at its minimum, now 0 < active < min_member
};

struct GangStatus {
  std::string key;         // the PodGroup key, or the framework key for a Framework's gang
  bool pod_group = false;  // from UpsertGang (true) or a Framework's spec (false)
  int min_member = 0;
  int active = 0;   // bound or assumed, not terminal
  int bound = 0;    // observed bound (spec.nodeName), not terminal
  int pending = 0;  // waiting for a node
  GangPhase phase = GangPhase::kPending;
  std::optional<Reason> last_failure;  // why the last attempt placed nothing
  double waiting_since = -1;    // start of the current wait below the minimum; -1: not waiting
  double below_min_since = -1;  // first cycle seen with 0 < active < min_member; -1: none
  Resources reserved;           // held for this gang while kReserving
  double reserved_until = -1;
  int attempts = 0;  // failed attempts in the current wait
};

struct GroupStatus {
  std::string name;
  bool valid = true;
  std::string invalid_message;
  Resources allocated;  // the whole subtree
  // Per resource: allocated above the guarantee (borrowed; all of it where nothing is guaranteed),
  // the guarantee the group does not use (lent to others under kLend, held idle under kHold),
  // and the most reclaim could take from the group now (borrowed, at most what its preemptable
  // frameworks hold).
  Resources borrowed;
  Resources lent;
  Resources reclaimable;
  GuaranteePolicy guarantee_policy = GuaranteePolicy::kLend;
  double dominant_share = 0;
  int frameworks = 0;  // frameworks registered directly under this group
  ResourceBound guarantee;
  ResourceBound limit;
};

struct FrameworkStatus {
  std::string key;
  std::string group;
  bool group_valid = false;  // the group exists and is valid
  bool suspended = false;
  Resources allocated;
  double dominant_share = 0;
  int running = 0;  // non-terminal pods bound or assumed
  int pending = 0;
  int64_t offers_accepted = 0;  // one per placed task
  int64_t offers_declined = 0;  // one per BindFailed/Decline
  int revocable = 0;            // running tasks placed on borrowed capacity
  int64_t preempted = 0;        // its tasks chosen as victims in this engine's life
};

class Allocator {
 public:
  explicit Allocator(AllocatorOptions options = {});
  ~Allocator();
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  // Resource names are interned here; callers build Resources with these ids.
  ResourceCatalog& catalog();
  const ResourceCatalog& catalog() const;

  void UpsertNode(const NodeSpec& node);
  void RemoveNode(const std::string& name);
  void UpsertGroup(const GroupSpec& group);
  void RemoveGroup(const std::string& name);
  void UpsertFramework(const FrameworkSpec& framework);
  void RemoveFramework(const std::string& key);
  void UpsertPod(const PodSpec& pod);
  void RemovePod(const std::string& key);
  // Namespaces and their labels, for the namespaceSelector of inter-pod affinity terms. A
  // namespace not upserted has no labels.
  void UpsertNamespace(const std::string& name, const Labels& labels);
  void RemoveNamespace(const std::string& name);
  // The labels of a namespace as last upserted (empty when unknown).
  const Labels& NamespaceLabels(const std::string& name) const;

  // Gangs that pods join by name (PodGroups). Removing one leaves its pods pending with
  // kWaitingForGang; a Framework's own gang comes with FrameworkSpec::gang.
  void UpsertGang(const GangSpec& gang);
  void RemoveGang(const std::string& key);

  // A bind of an assumed placement failed: the task returns to its queue, the node's resources
  // are released, and the node is filtered for the framework for its refuse_seconds.
  void BindFailed(const std::string& pod_key, double now_seconds);

  // The eviction of a victim was refused for good (a PodDisruptionBudget's 429, a 403): the
  // plan that chose it is cancelled (victims not yet evicted are free again, nominations end
  // and are listed in the next result's nominations_ended), and the pod is not chosen as a
  // victim again for PreemptionOptions::attempt_interval_seconds. Unknown pods are ignored.
  void EvictionFailed(const std::string& victim_pod, double now_seconds);
  // A plan made by a previous leader (read back from the registry): its victims are marked as
  // chosen and its preemptors' nominations held until its deadline, as if this engine had made
  // it. Pods or nodes that no longer exist are skipped. Call before the first Allocate.
  void RestorePreemption(const Preemption& plan);
  // Plans whose nominations are still held, in creation order.
  std::vector<Preemption> Preemptions() const;

  // Runs one allocation cycle at monotonic time `now_seconds` (used for offer filters only).
  AllocationResult Allocate(double now_seconds);

  // Read-only views, sorted by name.
  std::vector<GroupStatus> Groups() const;
  std::vector<FrameworkStatus> Frameworks() const;
  // Every gang with at least one member or a spec, PodGroups and Frameworks' (sorted by
  // pod_group, then key).
  std::vector<GangStatus> Gangs() const;
  // The current pending reason of a task, if it is pending and was examined.
  std::optional<Reason> PendingReason(const std::string& pod_key) const;
  Resources TotalCapacity() const;   // sum of allocatable of all nodes
  Resources TotalAllocated() const;  // sum of requests of all pods on nodes
  size_t node_count() const;
  size_t pending_task_count() const;
  // The named node as last upserted, or nullptr. Valid until the next call that changes nodes.
  const NodeSpec* FindNode(const std::string& name) const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kubemesos
