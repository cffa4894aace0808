// The Framework controller: launches a Framework's tasks as pods and keeps them as the spec
// says (Mesos' framework scheduler launching TaskInfos, done for the user).
//
// - Creates the pods of spec.tasks (named <framework>-<task>-<index>, owner reference to the
//   Framework, the framework and task labels, schedulerName kubemesos) and recreates missing
//   ones; scaling instances down (or removing a task) deletes the pods past the new count.
// - Costs memory in proportion to the spec and the pods that exist, never to `instances`: a
//   task pod is built only when it is about to be created, at most creates_in_flight per
//   Framework at once (the next ones follow as results come back), and which instances are
//   missing is found from a cursor per task, not from a list of every instance.
// - A Framework asking for more than max_instances_per_framework instances in total launches
//   nothing (its pods are left alone, as with an invalid spec) and is reported once: a
//   TooManyInstances problem naming the cap and the flag (Event, and the TasksLaunched
//   condition through Tasks().problem).
// - restartPolicy OnFailure: a Failed pod is deleted and relaunched under the same name after
//   a backoff (base * 2^retry, capped), at most maxRetries times; the relaunch count travels
//   in the kubemesos.io/retry annotation. Never: a Failed pod stays as the task's result.
// - A deleted Framework's pods are deleted (the garbage collector would too, later), and so
//   are pods owned by a Framework that no longer exists.
// - Adopted pods (the framework label, no owner reference to the Framework: Spark executors,
//   Flink task managers) are counted and reported, never created or deleted.
// - Gangs (spec.gang, rules G2, G8, G9 of the gang design; framework_gangs.cpp): ReconcileGangs
//   reads the engine's gangs once per cycle. A gang partly bound (0 < bound < minMember) that
//   never reached its minimum in this process's life is rolled back after bindTimeoutSeconds
//   (onBindFailure Restart: its bound task pods are deleted and re-created pending; Report: an
//   Event); one that reached it and dropped below gets recoveryTimeoutSeconds, then onTimeout
//   (Requeue: every task pod deleted, re-created after the relaunch backoff; Fail: deleted,
//   nothing launched again, status phase Failed with reason GangTimeout, which a new leader
//   reads back from the Framework). Succeeded members count toward the minimum (as in the
//   engine; task pods are restartPolicy Never pods). Timers run only while this replica leads,
//   from what it observes.
// - Every pod that finishes yields one TaskResult (TakeFinished) and joins the framework's
//   newest results (lastResults, seeded from the Framework's status so a restart keeps them).
//
// Threads: owned and called by the scheduling loop's thread only; it does no I/O. Reconcile
// returns the writes to make (TaskWriter does them) and their results come back as
// TaskWriteResult events. Expectations: a pod being created is not acted on again until its
// watch event arrives (or its create failed, or created_event_timeout_seconds passed after it
// succeeded), a pod being deleted until its watch event or its write result arrives, so a slow
// API server or watch causes no duplicate writes. Errors: a failed create is reported (Problems,
// and in Tasks().problem) and retried with a backoff per framework; nothing throws. State: one
// timer per Framework at most; what is kept for a Framework or a pod is dropped when the object
// goes.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/controller/task_pod.h"
#include "operator/kube/objects.h"
#include "operator/loop/events.h"
#include "operator/loop/object_status.h"  // kGangTimeout

namespace kubemesos::controller {

struct ControllerOptions {
  double retry_backoff_seconds = 10;  // first OnFailure relaunch delay, doubled per retry
  double retry_backoff_max_seconds = 300;
  double create_backoff_seconds = 5;  // after failed creates, doubled per failed round
  size_t last_results = 5;            // newest results kept in status.lastResults
  // Total instances a Framework may ask for (--max-framework-instances); more: TooManyInstances.
  int64_t max_instances_per_framework = 100'000;
  size_t creates_in_flight = 100;  // task pod creates per Framework queued or in flight at once
  // After a create succeeded (or met 409), how long its pod's watch event is awaited before
  // the pod counts as missing again. Creating it again sooner would cost a 409, and charge a
  // namespace ResourceQuota for a pod that is never stored (until the quota's resync).
  double created_event_timeout_seconds = 30;
};

// One write for the TaskWriter.
struct TaskAction {
  bool create = true;     // false: delete
  std::string ns, name;   // the pod
  std::string framework;  // the Framework's name
  std::string uid;        // delete: precondition (only this incarnation of the name)
  nlohmann::json pod;     // create: the pod object
};

// A framework's task view for its status (pending and running come from the engine).
struct FrameworkTasks {
  int desired = 0;                      // instances the spec asks for
  int missing = 0;                      // desired pods that do not exist (yet): counted as pending
  int succeeded = 0;                    // pods Succeeded
  int failed = 0;                       // pods Failed for good (Never, retries used up, or adopted)
  int retrying = 0;                     // Failed pods waiting for their relaunch
  int lost = 0;                         // pods that vanished or went Unknown while not finished
  int restarts = 0;                     // relaunches of the pods that exist
  std::deque<TaskResult> last_results;  // newest first
  std::string problem;                  // why pods are not launched, empty when fine
  std::string problem_reason;           // TooManyInstances or CreateFailed; empty when fine
  std::string gang_failure;  // onTimeout Fail happened: why (phase Failed, reason GangTimeout)
};

// What became of a gang left partly bound (rule G2), for kubemesos_gang_partial_bind_total.
enum class GangPartialOutcome { kRecovered, kRestarted, kReported };

// A task result with the framework it belongs to, for the registry.
struct FinishedTask {
  std::string ns, framework;
  TaskResult result;
};

// A problem to report on a Framework (an Event), once per new message.
struct FrameworkProblem {
  std::string ns, name, message;
  // The Event's reason: TaskCreateFailed, TooManyInstances, or for gangs GangBindTimeout,
  // GangPartiallyBound, GangRequeued, GangTimeout.
  std::string reason;
};

class FrameworkController {
 public:
  explicit FrameworkController(ControllerOptions options = {});

  // Mirrors watch events of Frameworks and pods, and task write results; other events are
  // ignored. `now` is the loop's monotonic clock in seconds. `converted` (optional): the
  // event's Framework as already converted (SchedulerCore::framework_conversion); its value is
  // moved out. Null: the Framework is converted here.
  void Observe(const loop::LoopEvent& event, double now,
               kube::Converted<kube::FrameworkObjects>* converted = nullptr);

  // The writes to make now. Call only when the watches have synced and this replica leads.
  std::vector<TaskAction> Reconcile(double now);

  // Gangs (see the top of this file): `gangs` is the engine's view (Allocator::Gangs(); only
  // Frameworks' own gangs are used). Only a `leader` starts timers and acts; a standby only
  // learns which gangs reached their minimum. Returns the deletes to make.
  std::vector<TaskAction> ReconcileGangs(const std::vector<GangStatus>& gangs, double now,
                                         bool leader);
  // True when some Framework has a gang (ReconcileGangs has work).
  bool has_gangs() const { return !gang_frameworks_.empty(); }
  std::vector<GangPartialOutcome> TakeGangOutcomes();

  // The task view of a framework ("namespace/name"); nullptr when it has none.
  const FrameworkTasks* Tasks(const std::string& key);

  std::vector<FinishedTask> TakeFinished();
  std::vector<FrameworkProblem> TakeProblems();

  // For tests: pending timers (at most one per Framework) and Frameworks with state.
  size_t timer_count() const { return timers_.size(); }
  size_t state_count() const { return states_.size(); }

 private:
  struct Pod {  // an observed pod
    TaskPod pod;
    std::string task;    // the task its name says (kube::ParseTaskPodName); "": none
    int64_t index = -1;  // ... and the instance; -1: not named as a task instance
  };
  // A Framework gang's episode below its minimum, as ReconcileGangs tracks it.
  struct GangTrack {
    bool reached = false;      // seen at its minimum (since it last had no member bound)
    double below_since = -1;   // first seen 0 < counted < minMember while leading; -1: not below
    bool bind_failed = false;  // a member's bind failed during this episode
    std::string last_bind_failure;
    bool acted = false;  // a timeout's action was taken in this episode
  };
  struct State {
    std::string ns, name, uid;
    bool exists = false;          // the Framework object is there
    bool valid = false;           // ... and its spec converts (else its pods are left alone)
    bool over_cap = false;        // ... but asks for too many instances (its pods are left alone)
    bool seeded = false;          // lastResults and lost read from its status
    int lost_seen = 0;            // pods that vanished unfinished (seeded from status.tasks.lost)
    kube::FrameworkObjects spec;  // when valid
    std::unordered_map<std::string, size_t> tasks;  // task name -> index in spec.tasks
    // Per spec task: every instance below it has a pod or a create in flight (the scan for
    // missing pods resumes here; a pod that goes away moves it back).
    std::vector<int64_t> next_index;
    std::map<std::string, Pod> pods;             // observed, by pod name
    std::map<std::string, int> relaunch;         // pod name -> retry of its next create
    std::map<std::string, double> failed_since;  // pod name -> first seen Failed
    // Creates in flight, by pod name: until when the pod's watch event is awaited (infinity
    // until the write's result arrives).
    std::map<std::string, double> creating;
    std::set<std::string> deleting;  // deletes in flight (pod names)
    std::set<std::string> reported;  // "uid/state" whose result was taken
    std::set<std::string> changed;   // pods to look at at the next reconcile
    bool all_changed = true;         // ... all of them
    bool timer_due = false;          // look at the Failed pods (backoffs)
    double create_retry_at = 0, create_backoff = 0;
    std::string create_failure;  // the last failed create's message without the pod's name
    FrameworkTasks view;
    bool view_dirty = true;
    GangTrack gang;
    bool gang_failed = false;  // onTimeout Fail (or its status says so): launch nothing
    int requeues = 0;          // onTimeout Requeue so far: the relaunch backoff's exponent
  };

  void ObserveFramework(loop::WatchType watch, const nlohmann::json& object,
                        kube::Converted<kube::FrameworkObjects>* converted);
  void ObservePod(loop::WatchType watch, const nlohmann::json& object, double now);
  void ObserveWrite(const loop::TaskWriteResult& result, double now);
  void ObserveBind(const loop::BindResult& result);
  // One Framework gang's step of ReconcileGangs.
  void ReconcileGang(const std::string& key, State& s, const GangStatus& gang, double now,
                     bool leader, std::vector<TaskAction>& out);
  // Deletes (uid precondition) the Framework's own task pods; `bound_only`: those on a node.
  // Returns how many.
  int DeleteMembers(State& s, bool bound_only, std::vector<TaskAction>& out);
  void ReconcileOne(const std::string& key, State& s, double now, std::vector<TaskAction>& out);
  void LookAt(const std::string& key, State& s, Pod& pod, double now, std::vector<TaskAction>& out);
  void CreateMissing(const std::string& key, State& s, double now, std::vector<TaskAction>& out);
  // The spec task whose instance the pod is, or nullptr when the spec does not ask for it.
  const kube::FrameworkTask* DesiredTask(const State& s, const Pod& pod) const;
  // The instance named `pod_name` may have no pod now: the scan for missing pods covers it.
  void MayBeMissing(State& s, const std::string& pod_name);
  // Adds to lastResults (newest first, bounded); finished_now: also hand it to TakeFinished.
  void AddResult(State& s, const TaskResult& result, bool finished_now);
  State& StateOf(const std::string& ns, const std::string& name);
  // Drops the state of a Framework that is gone and has no pods or writes left.
  void ForgetIfGone(const std::string& key);
  // Reconcile `key` again at `at` (one timer per key: the earliest wins).
  void Schedule(const std::string& key, double at);
  double RetryDelay(int retry) const;

  ControllerOptions o_;
  std::unordered_map<std::string, State> states_;     // by "namespace/name"
  std::set<std::string> dirty_;                       // keys to reconcile
  std::set<std::pair<double, std::string>> timers_;   // (due time, key)
  std::unordered_map<std::string, double> timer_of_;  // key -> its due time in timers_
  bool reconciled_once_ = false;
  std::vector<FinishedTask> finished_;
  std::vector<FrameworkProblem> problems_;
  std::set<std::string> gang_frameworks_;  // keys of valid Frameworks with a gang
  std::vector<GangPartialOutcome> gang_outcomes_;
};

}  // namespace kubemesos::controller
