// Registry: kubemesos' persistent records on top of a KvStore (etcd), as JSON values.
//
// Layout (keys relative to the store's prefix, default "/kubemesos/"):
//   frameworks/<ns>/<name>       {"frameworkID","registeredTime","failoverTimeoutSeconds",
//                                 "deletedTime" (only once the Framework object is gone)}
//   agents/<node>                {"group","firstSeen","lastSeen"}
//   tasks/<ns>/<framework>/<pod> {"state","exitCode","reason","message","startTime",
//                                 "finishTime"}   (the newest `task_retention` per framework)
//   settings/groups/<name>       the group's settings as last applied (weights, guarantees,
//                                limits: any JSON object)
//   preemptions/<ns>/<name>      a preemption plan in flight, keyed by its preemptor pod or
//                                gang: {"kind","group","gang","preemptors":[{"pod",
//                                "framework","node"}],"victims":[{"pod","framework","node",
//                                "group","priority","ranSeconds"}],"created","deadline",
//                                "message"}; written before its first eviction, removed when
//                                it is done (issue #16, rule P16)
// Times are RFC 3339 UTC strings with second precision. Task results are keyed under their
// framework so that listing and retention are one range read.
//
// Stored values are not trusted: anyone who can write the store (or an older writer) may have
// left a record of the wrong shape. A record is malformed when its key does not have the
// layout's shape (names longer than Kubernetes allows included), its value is longer than
// kMaxRecordBytes, not a JSON object, nested deeper than kMaxRecordDepth, or a field has the
// wrong type or an impossible value (times outside 1970..2200, a frameworkID longer than
// kMaxFrameworkIdBytes, a failover timeout above kMaxFailoverTimeoutSeconds, an exit code
// outside int32). The List* methods leave malformed records out and name each in `skipped`
// (at most kMaxSkippedReported, then a count); a Get* of one is an error naming the key;
// RegisterFramework replaces one with a new registration (noted in `skipped`); the other
// writes treat one as absent. Text kept from a record is bounded: task state, reason and
// message are cut (on a character boundary, invalid UTF-8 replaced) to kMaxStateBytes,
// kMaxReasonBytes and kMaxMessageBytes, when written and when read. A preemption record is
// malformed when it lists no preemptor, more than kMaxPlanPods preemptors or victims, a pod
// that is not "<namespace>/<name>", a kind other than Reclaim or Priority, a deadline before
// its creation, or a priority outside int32; its message is cut to kMaxMessageBytes.
//
// Threads: every method may be called from many threads (the store serialises); each blocks
// on the store. Errors: no exceptions; results carry a readable `error` (store errors, or a
// malformed record, naming the key). Ownership: the store must outlive the registry.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/registry/kv_store.h"

namespace kubemesos::registry {

using TimePoint = std::chrono::system_clock::time_point;

struct FrameworkRecord {
  std::string ns, name;
  std::string framework_id;  // stable across restarts and leader changes
  TimePoint registered_time;
  int64_t failover_timeout_seconds = 0;
  // When the Framework object was seen deleted; epoch (TimePoint{}) while it exists. The
  // registration is removed failover_timeout_seconds after this instant.
  TimePoint deleted_time{};
};

struct AgentRecord {
  std::string node;
  std::string group;
  TimePoint first_seen, last_seen;
};

struct TaskResult {
  std::string ns, framework, pod;
  std::string state;  // "Succeeded", "Failed", ...
  int exit_code = 0;
  std::string reason, message;
  TimePoint start_time, finish_time;
};

// A preemption plan in flight (issue #16): what the engine's Preemption holds, with its times
// on the wall clock (the engine's clock does not survive a leader change).
struct PreemptionRecord {
  std::string ns, name;  // the key: the preemptor pod's, or its gang's
  struct Victim {
    std::string pod, framework, node, group;  // pod and framework: "namespace/name"
    int32_t priority = 0;
    double ran_seconds = 0;
  };
  struct Preemptor {
    std::string pod, framework, node;
  };
  bool reclaim = true;  // "Reclaim" (across groups) or "Priority" (inside a group)
  std::string group;    // the preemptor's ResourceGroup
  std::string gang;     // the preemptor gang's key, or ""
  std::vector<Preemptor> preemptors;
  std::vector<Victim> victims;
  TimePoint created, deadline;
  std::string message;
};

// Bounds on stored records (see above).
inline constexpr size_t kMaxRecordBytes = 1 << 20;
inline constexpr int kMaxRecordDepth = 64;
inline constexpr size_t kMaxFrameworkIdBytes = 128;
inline constexpr int64_t kMaxFailoverTimeoutSeconds = 10LL * 365 * 24 * 3600;  // ten years
inline constexpr size_t kMaxStateBytes = 64;
inline constexpr size_t kMaxReasonBytes = 256;
inline constexpr size_t kMaxMessageBytes = 1024;
inline constexpr size_t kMaxSkippedReported = 100;
inline constexpr size_t kMaxPlanPods = 4096;  // preemptors, and victims, in one plan

template <typename T>
struct Result {
  std::string error;
  T value{};
  // Malformed records left out (or replaced), each a readable message naming the key.
  std::vector<std::string> skipped{};
  bool ok() const { return error.empty(); }
};

struct RegistryOptions {
  size_t task_retention = 1000;  // task results kept per framework (the newest by finish time)
};

class Registry {
 public:
  explicit Registry(KvStore& store, RegistryOptions options = {});

  // Idempotent: the first call creates the record with a new random frameworkID; later calls
  // (any replica) return the existing record, updating failoverTimeoutSeconds if it changed
  // and clearing deletedTime (a framework re-created within its failover timeout keeps its ID).
  // The timeout is clamped to [0, kMaxFailoverTimeoutSeconds].
  Result<FrameworkRecord> RegisterFramework(const std::string& ns, const std::string& name,
                                            int64_t failover_timeout_seconds, TimePoint now);
  Result<FrameworkRecord> GetFramework(const std::string& ns,
                                       const std::string& name);  // error
                                                                  // "not found"
  Result<std::vector<FrameworkRecord>> ListFrameworks();
  // Sets deletedTime = `when` on an existing registration (absent: nothing to do, no error).
  Status MarkFrameworkDeleted(const std::string& ns, const std::string& name, TimePoint when);
  // Removes the framework's registration and its task results.
  Status RemoveFramework(const std::string& ns, const std::string& name);

  // Creates or refreshes the node's registration: firstSeen kept, lastSeen = now.
  Status UpsertAgent(const std::string& node, const std::string& group, TimePoint now);
  Result<std::vector<AgentRecord>> ListAgents();
  Status RemoveAgent(const std::string& node);

  // Stores (or overwrites) the result, then (when `trim`) trims the framework's results to the
  // retention bound, deleting the oldest finish times first. A writer of many results passes
  // trim = false and calls TrimTaskResults once per framework afterwards.
  Status RecordTaskResult(const TaskResult& result, bool trim = true);
  Status TrimTaskResults(const std::string& ns, const std::string& framework);
  // The framework's results, oldest finish time first.
  Result<std::vector<TaskResult>> ListTaskResults(const std::string& ns,
                                                  const std::string& framework);

  Status PutGroupSettings(const std::string& group, const nlohmann::json& settings);
  Result<nlohmann::json> GetGroupSettings(const std::string& group);  // null if absent
  Result<std::vector<std::pair<std::string, nlohmann::json>>> ListGroupSettings();
  Status DeleteGroupSettings(const std::string& group);

  // Stores (or overwrites) the plan at preemptions/<ns>/<name>. An error when the record would
  // be malformed (see above) or larger than kMaxRecordBytes: then nothing is written.
  Status PutPreemption(const PreemptionRecord& plan);
  Result<std::vector<PreemptionRecord>> ListPreemptions();
  Status DeletePreemption(const std::string& ns, const std::string& name);

 private:
  KvStore& store_;
  const RegistryOptions o_;
};

// RFC 3339 UTC, second precision ("2024-05-01T12:00:00Z"), and back (false if malformed or
// outside the years 1970..2200, which a TimePoint holds without overflow).
std::string FormatTime(TimePoint t);
bool ParseTime(const std::string& s, TimePoint& t);

// A stored value parsed as JSON within the bounds above (size, nesting depth; any JSON type):
// "" on success, else what is wrong. Never throws (but std::bad_alloc).
std::string ParseRecordJson(const std::string& text, nlohmann::json& out);
// Checks a stored key and value against the layout: "" when it is a well-formed record or a
// key the layout does not describe (`leader` included), else what is wrong (naming the key).
std::string CheckRecord(const KeyValue& kv);
// A random version-4 UUID, e.g. "3f1c2a9e-7b4d-4e8f-9a01-5c6d7e8f9a0b".
std::string NewFrameworkId();

}  // namespace kubemesos::registry
