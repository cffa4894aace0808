// The operator's Prometheus metrics (docs/design.md, "Metrics"): one registry with
// exactly the `kubemesos_*` series, fed by the scheduling loop through a small API that takes
// the engine's numbers (resources in display units: cpu in cores, memory in bytes) and keeps
// label sets bounded (groups, frameworks, resources, a fixed set of ops and results; never pods).
//
// Contract:
// - Ownership: a Metrics object owns its registry and every series. It must outlive any
//   HttpServer that serves it. Not copyable or movable.
// - Threads: every method is safe to call from any thread (one internal mutex, uncontended in
//   the intended use: the scheduling loop thread calls everything except AddRegistryRequest,
//   which the registry client may call from its own threads, and SetLeader). ExpositionText()
//   may run concurrently with the updates (the HTTP server's threads call it).
// - Allocation: once a series exists, updates do not allocate (series are cached by label
//   values and looked up with string_view keys). Creating a series (a new group, framework,
//   resource, op) allocates once.
// - Stale series: SetGroups and SetFrameworks take the complete current set; the series of
//   groups, frameworks and resources missing from it are removed, so dashboards never show a
//   group that no longer exists. A missing guarantee or limit for a resource means none
//   (no series), not zero.
// - Errors: nothing throws after construction except std::bad_alloc. Negative or NaN
//   durations are ignored. Counters fed from totals show the total; a total that goes down
//   (its owner recreated) restarts the series at the new total, which Prometheus reads as a
//   counter reset. kubemesos_internal_errors_total has a series per component once that
//   component has had an error (the set of components is small and fixed in the code).
// - prometheus-cpp stays inside metrics.cpp; this header has no third-party includes.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace kubemesos::metrics {

// Result of a bind POST or a registry request: label `result` = success | conflict | error.
enum class Outcome { kSuccess, kConflict, kError };

// Maps an HTTP status of a pods/binding POST to an Outcome: 2xx success, 409 conflict (already
// bound), anything else (including 0, a transport failure) error.
Outcome OutcomeFromHttpStatus(int status);

// What became of a gang left partly bound by failed binds (rule G2): label `outcome` =
// recovered (reached minMember within its bind timeout) | restarted (its bound members were
// deleted) | reported (onBindFailure Report: left as is, with an Event).
enum class PartialBindOutcome { kRecovered, kRestarted, kReported };

// How a preemption victim was evicted (label `mode`) and what the API server said (label
// `result`): ok (2xx), pdb_429 (a PodDisruptionBudget refused it), forbidden (403), not_found
// (404: already gone, success), error (anything else, including transport failures).
enum class EvictionMode { kEvictionApi, kDelete };
enum class EvictionResult { kOk, kPdb429, kForbidden, kNotFound, kError };
EvictionResult EvictionResultFromHttpStatus(int status);

// One resource quantity in display units (cpu: cores, memory and storage: bytes, others:
// count). `resource` is the Kubernetes name ("cpu", "memory", "nvidia.com/gpu").
struct ResourceValue {
  std::string_view resource;
  double value = 0;
};

// The state of one ResourceGroup after a cycle. The views must stay valid during the call.
struct GroupSample {
  std::string_view name;
  std::span<const ResourceValue> allocated;  // the whole subtree
  std::span<const ResourceValue> guarantee;  // only the resources the group guarantees
  std::span<const ResourceValue> limit;      // only the resources the group limits
  double dominant_share = 0;
};

// The state of one Framework after a cycle.
struct FrameworkSample {
  std::string_view framework;  // "namespace/name"
  std::string_view group;
  double dominant_share = 0;
  int64_t pending_tasks = 0;
  int64_t offers_accepted_total = 0;  // running totals since the framework appeared
  int64_t offers_declined_total = 0;
};

// How many gangs (PodGroups and Framework gangs) are in one phase.
struct GangPhaseCount {
  std::string_view phase;  // WaitingForMembers, Pending, Reserving, Binding, Running, Degraded
  int64_t gangs = 0;
};

// kubemesos_gang_schedule_attempts_total{result}: a gang's minimum was placed (scheduled), an
// attempt failed for capacity (unschedulable) or for policy such as its group's limit
// (rejected), or a reservation ended without placing it (timeout).
enum class GangAttempt { kScheduled, kUnschedulable, kRejected, kTimeout };

class Metrics {
 public:
  // Creates the registry and the series that always exist: the histograms,
  // binds_total{result} for the three results, gang_schedule_attempts_total{result} for the
  // four, gang_partial_bind_total{outcome} for the three outcomes, evictions_total{mode,result}
  // for the ten pairs, preemptions_in_flight (0), is_leader (0).
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // kubemesos_allocation_cycle_seconds: the time one Allocate took.
  void ObserveCycle(double seconds);

  // kubemesos_binds_total{result} += 1; on success, and when latency_seconds >= 0, also
  // kubemesos_scheduling_latency_seconds (pod created -> bound). Pass a negative latency when
  // the creation time is unknown.
  void ObserveBind(Outcome outcome, double latency_seconds = -1);

  // kubemesos_gang_bind_span_seconds: first to last bind of one gang batch. Negative or NaN:
  // ignored.
  void ObserveGangBindSpan(double seconds);
  // kubemesos_gang_partial_bind_total{outcome} += 1 (all three series always exist).
  void AddGangPartialBind(PartialBindOutcome outcome);

  // kubemesos_group_{allocated,guarantee,limit}{group,resource} and
  // kubemesos_group_dominant_share{group}, for the complete set of groups.
  void SetGroups(std::span<const GroupSample> groups);

  // kubemesos_pending_tasks{framework}, kubemesos_framework_dominant_share{framework} and
  // kubemesos_offers_total{group,framework,outcome} (fed from the running totals: the counter
  // grows by the difference), for the complete set of frameworks. A framework that moved to
  // another group continues under the new group label (the old series is removed).
  void SetFrameworks(std::span<const FrameworkSample> frameworks);

  // kubemesos_cluster_capacity{resource} and kubemesos_cluster_allocated{resource}; resources
  // missing from a call are removed.
  void SetCluster(std::span<const ResourceValue> capacity,
                  std::span<const ResourceValue> allocated);

  // kubemesos_gangs{phase} for the phases given (a phase not given reads 0) and
  // kubemesos_gang_reserved_resources{resource}: what gangs hold reserved in all (resources
  // missing from a call are removed).
  void SetGangs(std::span<const GangPhaseCount> phases, std::span<const ResourceValue> reserved);
  // kubemesos_gang_time_to_schedule_seconds: from a gang's first pending member to minMember
  // bound.
  void ObserveGangScheduled(double seconds);
  // kubemesos_gang_schedule_attempts_total{result} += count (all four series always exist).
  void AddGangAttempts(GangAttempt result, uint64_t count = 1);

  // kubemesos_evictions_total{mode,result} += 1 (all ten series always exist).
  void AddEviction(EvictionMode mode, EvictionResult result);
  // kubemesos_preemptions_in_flight: preemption plans whose nominations are held.
  void SetPreemptionsInFlight(int64_t plans);

  // kubemesos_is_leader: 1 or 0.
  void SetLeader(bool leader);

  // kubemesos_registry_requests_total{op,result} += count. `op` must come from a small fixed
  // set (e.g. "get", "put", "delete", "txn", "watch", "lease").
  void AddRegistryRequest(std::string_view op, Outcome outcome, uint64_t count = 1);

  // kubemesos_watch_restarts_total{resource} follows `total` (an informer's restart count;
  // `resource` is the watched collection, e.g. "pods").
  void SetWatchRestarts(std::string_view resource, uint64_t total);

  // Everything in the Prometheus text exposition format (version 0.0.4), as served on
  // /metrics. First brings kubemesos_internal_errors_total{component} up to the process-wide
  // counts of util::InternalErrors() (operator/util/guard.h: exceptions caught at thread entry
  // points), so a scrape shows them even when the loop thread is busy or stuck.
  std::string ExpositionText() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kubemesos::metrics
