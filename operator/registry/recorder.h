// RegistryRecorder: keeps the registry's records in step with the cluster while this replica
// leads: framework registrations (stable frameworkID), agent (node) registrations, the group
// settings in force, and task results.
//
// How it works: the observation methods (FrameworkSeen, NodeSeen, GroupSeen, ..., TaskFinished)
// only update an in-memory picture of what the registry should hold, under a short lock; they
// never do I/O, so the informer threads and the scheduling loop thread can call them freely.
// One worker thread (Start) compares that picture with what the registry holds and writes the
// difference, at most `writes_per_second`, and ONLY while `is_leader()` is true (checked before
// every write). Updates coalesce: ten changes of one group between two passes are one write.
//
// Recovery: when leadership is won, the worker first reads the registry (framework IDs and
// deletion marks, settings, agents) and only then writes; FrameworkId() answers from what it
// read, so a new leader reports the same frameworkIDs as the old one. Deletions (a Framework,
// node or group gone) are inferred only after MarkSynced(): before every watch delivered its
// first list, an object missing from the picture may simply not be listed yet.
//
// Records (layout in registry.h):
// - frameworks: registered when first seen; failoverTimeoutSeconds from the spec (default
//   600); when the Framework object is deleted the registration gets a deletedTime and is
//   removed with its task results once the failover timeout has passed (a new leader keeps
//   counting from the stored deletedTime). A framework re-created in time keeps its ID.
// - agents: one per node, with the ResourceGroup whose nodeSelector reserves it ("" = none;
//   the engine's rule, scheduler/group_tree.h: the deepest valid match), firstSeen, lastSeen;
//   lastSeen is rewritten at most every `agent_refresh` per node (and at once when the group
//   changes);
//   deleted nodes' records are removed.
// - settings/groups/<name>: {"weight","guarantee","limit","parent","nodeSelector"} from the
//   ResourceGroup's spec as last applied; removed with the group.
// - task results: written in arrival order, then trimmed to the registry's retention per
//   framework. At most `max_queued_results` wait; beyond that the oldest are dropped (counted).
//
// Errors: store errors are logged (once per distinct message a minute), counted through the
// hooks (RecorderHooks) — `run` feeds kubemesos_registry_requests_total{op,result} — and
// retried on the next pass after `error_backoff`. Malformed records (registry.h) do not stop
// the recorder: they are left out of what it read, logged the same way and counted in
// Stats::skipped_records; a framework's unreadable registration is replaced. A pass that
// throws is logged, counted (kubemesos_internal_errors_total{component="recorder"}) and
// retried after `error_backoff`. Nothing throws out of the worker.
// Threads: every public method is thread-safe. Ownership: the Registry and the callbacks must
// outlive the recorder; the destructor stops the worker.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include "operator/client/request_policy.h"
#include "operator/registry/registry.h"

namespace kubemesos::registry {

struct RecorderOptions {
  int64_t default_failover_timeout_seconds = 600;
  std::chrono::seconds agent_refresh{300};  // lastSeen rewritten at most this often per node
  double writes_per_second = 50;            // every store write shares this budget
  int write_burst = 50;
  size_t max_queued_results = 10000;
  std::chrono::milliseconds period{1000};  // the worker wakes at least this often
  // A full pass (failover timeouts, lastSeen ages) at least this often even without changes.
  std::chrono::milliseconds full_pass{10000};
  std::chrono::milliseconds error_backoff{2000};  // after a failed write
};

// How the recorder reports: `request` after every store request (op from the fixed set
// below, ok or not); `log` for notable events and errors (level "info" or "warn"; a message
// and JSON fields), errors at most once a minute per distinct message. Either may be empty.
struct RecorderHooks {
  std::function<void(std::string_view op, bool ok)> request;
  std::function<void(std::string_view level, std::string_view msg, const nlohmann::json& fields)>
      log;
};

// The registry request ops reported through RecorderHooks::request (a small fixed set).
inline constexpr std::string_view kOpRead = "read";
inline constexpr std::string_view kOpFramework = "framework";
inline constexpr std::string_view kOpAgent = "agent";
inline constexpr std::string_view kOpSettings = "settings";
inline constexpr std::string_view kOpTaskResult = "task_result";

class RegistryRecorder {
 public:
  using LeaderCheck = std::function<bool()>;
  using WallClock = std::function<TimePoint()>;

  // `now` defaults to the system clock; tests pass a settable one.
  RegistryRecorder(Registry& registry, LeaderCheck is_leader, RecorderOptions options = {},
                   RecorderHooks hooks = {}, WallClock now = {});
  ~RegistryRecorder();

  void Start();  // the worker thread
  void Stop();   // joins it; idempotent

  // --- Observations: any thread, no I/O. ---
  // `failover_timeout_seconds` nullopt = the default.
  void FrameworkSeen(const std::string& ns, const std::string& name,
                     std::optional<int64_t> failover_timeout_seconds);
  void FrameworkGone(const std::string& ns, const std::string& name);
  void NodeSeen(const std::string& name, std::map<std::string, std::string> labels);
  void NodeGone(const std::string& name);
  // `settings`: what to store (see above); `node_selector`: the group's reservation.
  void GroupSeen(const std::string& name, nlohmann::json settings,
                 std::map<std::string, std::string> node_selector);
  void GroupGone(const std::string& name);
  // Every watch has delivered its first full list: absent objects are really gone.
  void MarkSynced();
  // A task (pod) reached Succeeded or Failed: queue its result for the registry.
  void TaskFinished(const TaskResult& result);

  // The framework's stable ID as registered or read from the registry; "" while unknown
  // (not registered yet, or this replica has not led since it started).
  std::string FrameworkId(const std::string& ns, const std::string& name) const;

  // Leadership changes (from the election's callback): Won() wakes the worker to read the
  // registry at once; Lost() forgets what it read, so the next term reads it again.
  void Won();
  void Lost();
  // True once the registry was read in the current term (`run` allocates only then).
  bool Recovered() const { return recovered_flag_.load(); }

  // One pass on the calling thread (what the worker does each period). Tests use it with
  // the worker not started.
  void RunOnce();
  // True when the last pass found nothing left to write (tests wait on it).
  bool Idle() const;

  struct Stats {
    uint64_t writes = 0;           // successful store writes
    uint64_t errors = 0;           // failed store requests
    uint64_t dropped_results = 0;  // task results dropped because the queue was full
    uint64_t recoveries = 0;       // times the registry was read after winning leadership
    uint64_t skipped_records = 0;  // malformed records left out (or replaced), logged
  };
  Stats GetStats() const;

 private:
  struct Desired;  // the picture, guarded by mu_
  struct Written;  // what the registry holds as far as the worker knows; pass_mu_
  enum class Outcome { kIdle, kMore, kError };  // of a pass or a step of it
  enum class Gate { kGo, kBudget, kStop };
  void Changed();  // mu_ held: bump the generation, wake the worker
  Outcome Pass();
  bool Recover();
  Gate Admit();  // leader? budget left? then wait for a rate token
  bool Stopping();
  bool Count(std::string_view op, const std::string& error);  // hooks; false on error
  void NoteSkipped(const std::vector<std::string>& skipped);  // malformed records: log
  // hooks_.log("warn"), at most once a minute per distinct `dedupe` (pass_mu_ held).
  void LogLimited(std::string_view msg, const nlohmann::json& fields, const std::string& dedupe);
  Outcome PassFrameworks(const Desired& d, bool synced);
  Outcome PassResults(const Desired& d, bool synced);
  Outcome PassSettings(const Desired& d, bool synced);
  Outcome PassAgents(const Desired& d, bool synced);

  Registry& registry_;
  const LeaderCheck is_leader_;
  const RecorderOptions o_;
  const RecorderHooks hooks_;
  const WallClock now_;

  mutable std::mutex mu_;  // guards everything below up to `ids_`
  std::unique_ptr<Desired> desired_;
  std::deque<TaskResult> results_;
  bool synced_ = false;
  uint64_t generation_ = 0;  // bumped by every observation
  Stats stats_;
  std::map<std::string, std::string> ids_;  // "ns/name" -> frameworkID

  // Worker state (passes are serialised by pass_mu_: the worker, or a test thread).
  std::mutex pass_mu_;
  std::unique_ptr<Written> written_;
  bool recovered_ = false;
  std::atomic<bool> recovered_flag_{false};  // recovered_, readable from any thread
  std::atomic<bool> lost_{false};            // Lost() since the last pass
  bool idle_ = false;                        // guarded by mu_
  uint64_t written_generation_ = 0;
  std::chrono::steady_clock::time_point next_refresh_{};
  int budget_ = 0;  // writes left in this pass
  TimePoint now_wall_{};
  client::TokenBucket bucket_;  // writes_per_second, write_burst
  std::map<std::string, std::chrono::steady_clock::time_point> logged_;  // error -> last log

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stop_ = false;
  bool wake_ = false;
  std::thread thread_;
};

// Feeds one watched object (a Node, ResourceGroup or Framework as JSON) to the recorder;
// `deleted` for a DELETED event. Other kinds and malformed objects are ignored.
void ObserveObject(RegistryRecorder& recorder, std::string_view kind, bool deleted,
                   const nlohmann::json& object);

}  // namespace kubemesos::registry
