// Converts Kubernetes objects (v1 Node and Pod, kubemesos.io/v1alpha1 ResourceGroup and
// Framework), given as parsed JSON, into the engine's inputs (scheduler/allocator.h).
//
// Used by `kubemesos simulate` (objects read from YAML files) and by the operator (objects
// from the API server), so nothing here knows about YAML, files or HTTP.
//
// Contract:
// - Every converter validates what the engine trusts the caller to validate: required fields,
//   types, quantities (parsed exactly, never negative, at most 2^62 milli-units: see the
//   overflow contract in scheduler/resources.h), enumerations, ranges.
// - Failures come back as a Converted<T> holding an error that names the object and the
//   field, e.g. `Pod default/x: spec.containers[0].resources.requests.cpu: invalid quantity
//   "abc": no digits`. No exception escapes; malformed input never crashes.
// - Resource names are interned into the caller's ResourceCatalog (the Allocator's). More than
//   kMaxResourceKinds distinct kinds is an error. A failed conversion may still have interned
//   names; that is harmless.
// - Units follow ResourceCatalog: cpu in millicores, everything else in whole units.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "scheduler/allocator.h"

namespace kubemesos::kube {

// The scheduler name that hands pods to kubemesos, and the label naming their framework.
inline constexpr const char* kSchedulerName = "kubemesos";
inline constexpr const char* kFrameworkLabel = "kubemesos.io/framework";
inline constexpr const char* kTaskLabel = "kubemesos.io/task";
// Set on a pod at bind time when it was placed on capacity lent by another group's guarantee
// (Placement::revocable): reclaim may preempt it.
inline constexpr const char* kRevocableAnnotation = "kubemesos.io/revocable";

// A converted value, or the error that prevented it.
template <typename T>
struct Converted {
  std::optional<T> value;
  std::string error;  // non-empty exactly when !value
  // The error is well-formed input kubemesos does not enforce (reason Unsupported), not a
  // malformed object (reason InvalidSpec).
  bool unsupported = false;

  bool ok() const { return value.has_value(); }
  static Converted Ok(T v) { return Converted{std::move(v), {}}; }
  static Converted Err(std::string e) { return Converted{std::nullopt, std::move(e)}; }
  static Converted Unsupported(std::string e) {
    return Converted{std::nullopt, std::move(e), true};
  }
};

// "Pod default/x", "Node n1", "ResourceGroup analytics", "apps/v1 Deployment ns/name": how
// errors and warnings name an object. The kinds converted here (at their expected apiVersion,
// or with none) are named by kind alone, and a Pod or Framework without a namespace is in
// "default"; any other object is named by apiVersion and kind. An object without `kind` (the
// items of a LIST have none) is taken to be `default_kind`. Never throws.
std::string DescribeObject(const nlohmann::json& object,
                           const std::string& default_kind = "object");

// A v1 Node: metadata.name, metadata.labels, spec.taints, spec.unschedulable and every
// resource of status.allocatable (status.capacity when allocatable is absent, as in
// hand-written input). Ready is the status of the condition of type Ready being "True"; a node
// that has no status.conditions at all is treated as Ready, so that hand-written simulate
// input need not spell conditions out (real nodes always report the condition).
Converted<NodeSpec> NodeFromJson(const nlohmann::json& node, ResourceCatalog& catalog);

// A v1 Pod. key = "namespace/name" (namespace "default" when absent); framework =
// "namespace/<label kubemesos.io/framework>" only when spec.schedulerName is "kubemesos"
// (empty otherwise, and empty for a kubemesos pod without the label: see IsKubemesosPod).
// request = the effective request Kubernetes computes (see EffectiveRequest in pod.cpp):
// max(sum of containers and sidecars, each init container plus the sidecars started before
// it), pod-level spec.resources where set, plus spec.overhead, and pods = 1. Each quantity and
// each kind of that total is at most 2^62 milli-units (kMaxAmount); more is an error naming the
// field or the container that pushed the total over ("spec.containers[1]: total cpu request
// too large (max 4611686018427387904m)"), never a wrapped number; except for a pod already on
// a node (node_name set, not terminal): it holds whatever it holds there, so it converts with
// the maximum of every kind the catalog knows, and its node is full while it stays. Constraints
// from spec.nodeSelector, required node affinity and spec.tolerations. node_name = spec.nodeName;
// terminal = status.phase Succeeded or Failed. `order` is left 0 for the caller. A pod still to
// be placed also gets its topology spread constraints (see pod_spread.h), or, without any and
// with options.system_default_spread, the cluster defaults. A pending pod of ours
// (schedulerName kubemesos, not terminal) asking for a field that can affect placement and that
// kubemesos does not enforce is an error with `unsupported` set, naming the field (see
// pod_support.h); malformed input is reported first, as a plain error. Preemption fields
// (pod_preemption.h): terminating = metadata.deletionTimestamp set; preempt_never =
// spec.preemptionPolicy Never; grace_seconds = spec.terminationGracePeriodSeconds (default 30;
// see kMaxGraceSeconds); started = status.startTime (see PodOptions).
struct PodOptions {
  bool system_default_spread = true;  // `kubemesos run --default-spread system|none`
  // Allocate's clock and the Unix time at one instant, when the caller knows them
  // (SchedulerCore: the event's `now` and the wall clock): a placed pod's status.startTime then
  // becomes PodSpec::started in Allocate's clock, as engine_now minus how long ago it started
  // (a start in the future counts as now; never below 0, the engine clock's origin). NaN (the
  // default: simulate, tests) or an unreadable startTime: started stays -1 (unknown).
  double engine_now = std::numeric_limits<double>::quiet_NaN();
  double unix_now = std::numeric_limits<double>::quiet_NaN();
};
Converted<PodSpec> PodFromJson(const nlohmann::json& pod, ResourceCatalog& catalog,
                               const PodOptions& options = {});

// True when spec.schedulerName is "kubemesos". Never throws.
bool IsKubemesosPod(const nlohmann::json& pod);

// True when spec.schedulingGates is a non-empty list: kube-scheduler leaves such a pod alone
// (it is not placed, holds nothing and is not demand) until its last gate is removed.
// Never throws.
bool HasSchedulingGates(const nlohmann::json& pod);

// A kubemesos.io/v1alpha1 ResourceGroup: spec.parent, spec.weight (default 1, > 0),
// spec.guarantee and spec.limit (resource lists; a guarantee above the limit of the same kind
// is an error), spec.nodeSelector.
Converted<GroupSpec> GroupFromJson(const nlohmann::json& group, ResourceCatalog& catalog);

// The most spec.tasks entries, instances per task and instances in total that a Framework may
// ask for: the CRD's limits (crds/kubemesos.io_frameworks.yaml), checked here again. The
// operator's own cap on total instances (--max-framework-instances) is at most the total.
inline constexpr int64_t kMaxFrameworkTasks = 100;
inline constexpr int64_t kMaxTaskInstances = 1'000'000;
inline constexpr int64_t kMaxFrameworkInstances = 1'000'000;

// One entry of a Framework's spec.tasks: what it takes to build any of its pods when it is due.
struct FrameworkTask {
  std::string name;
  int64_t instances = 1;
  bool on_failure = false;  // restartPolicy OnFailure (else Never)
  int64_t max_retries = 0;
  // The v1 Pod every instance gets, without metadata.name: the task's template with
  // schedulerName "kubemesos" (and the pod's restartPolicy "Never" unless the template sets
  // one: a task runs once), the labels kubemesos.io/framework and kubemesos.io/task added, and
  // an owner reference to the Framework when its metadata.uid is known. See TaskPodJson.
  nlohmann::json pod;
};

// spec.gang beyond what the engine decides (framework.gang holds the engine's GangPolicy): what
// the operator does when a gang stays below its minimum. Defaults are the CRD's.
struct FrameworkGangActions {
  // A gang left below minMember by failed binds is retried this long, then rolled back
  // (onBindFailure Restart: its bound task pods are deleted and re-created; Report: Events only).
  double bind_timeout_seconds = 30;
  // A gang that ran and dropped below minMember (node lost, member failed) gets this long to
  // recover, then onTimeout applies (Requeue: delete every member, re-created with backoff;
  // Fail: delete them and launch nothing more, phase Failed, reason GangTimeout).
  double recovery_timeout_seconds = 600;
  enum class OnTimeout { kRequeue, kFail } on_timeout = OnTimeout::kRequeue;
  enum class OnBindFailure { kRestart, kReport } on_bind_failure = OnBindFailure::kRestart;
};

// A Framework as the engine and the Framework controller see it. Its size follows the spec,
// never `instances`: task pods are built one at a time, when they are about to be created.
struct FrameworkObjects {
  FrameworkSpec framework;
  std::string ns, name, uid;          // uid: empty when not known (hand-written input)
  std::vector<FrameworkTask> tasks;   // in spec order
  int64_t total_instances = 0;        // the sum of tasks[].instances
  FrameworkGangActions gang_actions;  // meaningful when framework.gang.min_member > 0
};

// "<framework>-<task>-<index>": the name of a task instance's pod.
std::string TaskPodName(const std::string& framework, const std::string& task, int64_t index);

// The task and index of a pod named by TaskPodName for `framework`, or nullopt when the name is
// not of that form. The index is the decimal after the last '-' (no leading zeros, at most 9
// digits); an index holds no '-', so any task name parses back. Never throws.
std::optional<std::pair<std::string, int64_t>> ParseTaskPodName(const std::string& framework,
                                                                const std::string& pod_name);

// The pod of instance `index` of `task`: a copy of task.pod named TaskPodName(...) in the
// framework's namespace. Convert it with PodFromJson. Never throws (beyond std::bad_alloc).
nlohmann::json TaskPodJson(const FrameworkObjects& framework, const FrameworkTask& task,
                           int64_t index);

// A kubemesos.io/v1alpha1 Framework: key "namespace/name", spec.resourceGroup (required),
// spec.suspended (default false), spec.offerFilters.refuseSeconds (default 5, >= 0) and
// spec.tasks[] (at most kMaxFrameworkTasks; name required and unique, instances between 0 and
// kMaxTaskInstances (default 1) and at most kMaxFrameworkInstances in total, template.spec
// required, restartPolicy Never|OnFailure, maxRetries >= 0). Costs time and memory in
// proportion to the object, not to its instances.
// spec.gang (optional; absent: framework.gang.min_member 0, no gang): minMember (required,
// 1..kMaxFrameworkInstances, and at most total_instances when spec.tasks is non-empty),
// minResources (quantities), bindTimeoutSeconds (30), starvationSeconds (600, 0 = never
// reserve), reservationTimeoutSeconds (300; bindTimeoutSeconds must not exceed it),
// recoveryTimeoutSeconds (600), onTimeout Requeue|Fail, onBindFailure Restart|Report,
// backoff {baseSeconds 10, maxSeconds 600; base <= max}: the CRD's rules and defaults, into
// framework.gang and gang_actions. minResources names are interned into `catalog` (the
// engine's); without one (callers that only need the tasks, like the Framework controller)
// they are checked but framework.gang.min_resources stays empty.
Converted<FrameworkObjects> FrameworkFromJson(const nlohmann::json& framework,
                                              ResourceCatalog* catalog = nullptr);

}  // namespace kubemesos::kube
