// The status of ResourceGroups and Frameworks (docs/design.md, "API"), built from the engine's
// view and written through their status subresources by one writer (the scheduling loop's),
// only when it changed, coalesced per object and rate-limited: no two components write the
// same status and a steady cluster causes no writes.
#pragma once

#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/client/kube_client.h"
#include "operator/loop/gang_status.h"
#include "operator/loop/preemption_status.h"
#include "operator/loop/write_queue.h"
#include "scheduler/allocator.h"

namespace kubemesos::loop {

// `status` of a ResourceGroup: allocated (quantities), dominantShare, frameworks,
// guaranteePolicy (Lend or Hold), borrowed, lent and reclaimable (quantities: above the
// guarantee, guarantee unused, what reclaim could take now; see GroupStatus), and a Ready
// condition (False with reason Invalid and the message when the group cannot be used).
// `ready_since` is the condition's lastTransitionTime.
nlohmann::json GroupStatusJson(const GroupStatus& group, const ResourceCatalog& catalog,
                               const std::string& ready_since);
// The Framework status reason of a gang that failed for good (onTimeout Fail, rule G8).
inline constexpr const char* kGangTimeout = "GangTimeout";

// What the engine does not know about a framework: the lives of its tasks (from the Framework
// controller) and its registration (from the registry).
struct FrameworkExtras {
  int missing = 0;    // task pods not created yet: reported as pending
  int succeeded = 0;  // finished tasks
  int failed = 0;     // failed for good
  int retrying = 0;   // failed, waiting to be relaunched: reported as pending
  int lost = 0;
  int restarts = 0;
  nlohmann::json last_results;  // array, newest first; null: not reported
  std::string launch_problem;   // why task pods cannot be created, empty when fine
  std::string launch_reason;    // TasksLaunched's reason then (default CreateFailed)
  std::string framework_id;     // empty: not registered (no registry)
  // Non-empty: its gang failed for good (onTimeout Fail): phase Failed, reason GangTimeout and
  // this message, whatever its tasks do.
  std::string gang_failure;
};

// `status` of a Framework: phase, frameworkID, allocated, dominantShare, tasks {pending,
// running, succeeded, failed, lost, restarts}, offers {accepted, declined}, lastResults, and
// conditions: Ready (False with reason UnknownGroup when its group is missing or invalid) and
// TasksLaunched (False with reason CreateFailed when a task pod cannot be created, or
// extras.launch_reason, e.g. TooManyInstances). Phase:
// Suspended; Running while a task runs; Pending while a task waits (or is to be created or
// relaunched); once all ended: Failed if any failed for good, else Succeeded; Pending with
// nothing at all. A gang that failed for good (extras.gang_failure): Failed, with status.reason
// GangTimeout and status.message. `since` holds the conditions' lastTransitionTimes.
nlohmann::json FrameworkStatusJson(const FrameworkStatus& framework, const FrameworkExtras& extras,
                                   const ResourceCatalog& catalog, const std::string& ready_since,
                                   const std::string& launched_since);
// A resource amount as a Kubernetes quantity: "1500m" / "2" for cpu, "4Gi" for exact binary
// multiples of memory and storage, plain integers otherwise.
std::string QuantityString(ResourceId id, int64_t amount);
// The non-zero amounts as {name: QuantityString} (an empty object when none).
nlohmann::json QuantitiesJson(const Resources& amounts, const ResourceCatalog& catalog);

// Threads: Publish is called by the scheduling loop's thread only; one worker writes.
// Ownership: borrows the client. Errors: a failed write is retried at the next Publish.
class ObjectStatusWriter {
 public:
  ObjectStatusWriter(client::KubeClient& client, double writes_per_second, int burst);

  // Queues a status write for every group and framework whose status changed since it was
  // last written. `extras` (optional) completes a framework's status, by "namespace/name".
  // A framework with a gang (spec.gang) also gets status.gang and the GangSchedulable and
  // GangScheduled conditions (gang_status.h); one without has status.gang removed. `now`: the
  // engine's clock (Allocate's `now`), to turn the gang's times into wall times; negative:
  // SchedulingLoop::Now().
  // Every framework also gets status.preemption (preemption_status.h).
  void Publish(const Allocator& allocator,
               const std::function<FrameworkExtras(const std::string&)>& extras = nullptr,
               double now = -1);
  // Records the plans of a cycle (AllocationResult::preemptions) made at engine time `now` for
  // the victims' frameworks' status.preemption.lastPreempted (written at the next Publish);
  // returns the Preempted Events to emit on those Frameworks. `wall_now`: the wall clock now
  // (tests pin it). Loop thread only.
  std::vector<FrameworkPreemptions::Event> NotePreemptions(
      const std::vector<Preemption>& plans, double now, std::time_t wall_now = std::time(nullptr)) {
    return preemptions_.Note(plans, now, wall_now);
  }
  // A Framework object as the watch delivered it: its status.preemption.preemptedTasks, the
  // count earlier leaders wrote (see FrameworkPreemptions::Observe). Loop thread only.
  void ObserveFramework(const std::string& key, const nlohmann::json& framework) {
    preemptions_.Observe(key, PreemptedTasksOf(framework));
  }
  void Stop() { queue_.Stop(); }
  uint64_t writes() const { return queue_.writes(); }
  uint64_t failures() const { return queue_.failures(); }

 private:
  void Submit(const std::string& key, const std::string& path, nlohmann::json status);
  // When the condition `key` last changed to `value` (now, if it just did).
  std::string Since(const std::string& key, bool value);

  client::KubeClient& client_;
  std::map<std::string, std::string> written_;                 // object key -> status last queued
  std::map<std::string, std::pair<bool, std::string>> ready_;  // key -> (ready, since)
  std::mutex failed_mu_;
  std::set<std::string> failed_;      // keys whose write failed (worker thread) -> write again
  FrameworkGangStatus gangs_;         // Framework gangs' times, by framework key
  FrameworkPreemptions preemptions_;  // Frameworks' last preemption, by framework key
  WriteQueue queue_;                  // last: stopped (and joined) before the rest is destroyed
};

}  // namespace kubemesos::loop
