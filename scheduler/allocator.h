// The allocation engine: a Mesos-style allocator running weighted, hierarchical Dominant
// Resource Fairness with quota guarantees (served first, then held as headroom), limits,
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

// A ResourceGroup (a Mesos role).
struct GroupSpec {
  std::string name;
  std::string parent;  // empty: a top-level group
  double weight = 1.0;
  ResourceBound guarantee;
  ResourceBound limit;
  Labels node_selector;  // non-empty: matching nodes are reserved for this group's subtree
};

// A Framework (a Mesos framework), keyed "namespace/name".
struct FrameworkSpec {
  std::string key;
  std::string group;
  bool suspended = false;
  double refuse_seconds = 5.0;
};

// A pod: either a task waiting for a node (node_name empty) or a pod already on a node, of any
// scheduler, holding its request there until it is terminal or removed.
struct PodSpec {
  std::string key;        // "namespace/name"
  std::string framework;  // framework key for kubemesos tasks; empty for other pods
  Labels labels;          // metadata.labels: what other pods' affinity and spread select
  Resources request;      // the Kubernetes effective request, including pods=1
  PlacementConstraints constraints;
  std::string node_name;  // spec.nodeName; empty while pending
  bool terminal = false;  // Succeeded or Failed: holds nothing
  uint64_t order = 0;     // queue position inside its framework (creation order); ties by key
};

enum class Policy { kBinpack, kSpread };

struct AllocatorOptions {
  // binpack: the most-allocated eligible node that fits; spread: the least-allocated, visited
  // round-robin. "Allocated" is the mean of the cpu and memory fractions in use at the start
  // of the cycle.
  Policy policy = Policy::kBinpack;
};

// Why a task is still pending.
enum class ReasonCode {
  kInsufficient,      // subject: the resource no eligible node has enough of
  kQuotaLimit,        // subject: the group (or ancestor) whose limit would be exceeded
  kNoEligibleNode,    // selectors, affinity, taints, health, reservations or offer filters
  kUnknownGroup,      // subject: the group that is missing or invalid
  kUnknownFramework,  // subject: the framework key
  kSuspended,         // subject: the framework key
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
};

struct GroupStatus {
  std::string name;
  bool valid = true;
  std::string invalid_message;
  Resources allocated;  // the whole subtree
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

  // A bind of an assumed placement failed: the task returns to its queue, the node's resources
  // are released, and the node is filtered for the framework for its refuse_seconds.
  void BindFailed(const std::string& pod_key, double now_seconds);

  // Runs one allocation cycle at monotonic time `now_seconds` (used for offer filters only).
  AllocationResult Allocate(double now_seconds);

  // Read-only views, sorted by name.
  std::vector<GroupStatus> Groups() const;
  std::vector<FrameworkStatus> Frameworks() const;
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
