// What the Framework controller reads from a pod: which framework and task it belongs to, who
// owns it, where it is in its life, and, once it has finished, its result (Mesos' terminal
// task status: state, exit code, reason, message, start and finish time).
//
// Contract: pure functions of the JSON given; malformed fields read as absent; nothing throws.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace kubemesos::controller {

// The annotation holding how many times a task instance was relaunched (OnFailure).
inline constexpr const char* kRetryAnnotation = "kubemesos.io/retry";

struct TaskResult {
  std::string pod;    // pod name (same namespace as the framework)
  std::string task;   // spec.tasks[].name, empty for adopted pods without the task label
  std::string state;  // "Succeeded" or "Failed"
  int exit_code = 0;  // of the first container that failed, else of the first container
  std::string reason, message;
  std::string start_time, finish_time;  // RFC 3339, as the pod reports them; may be empty
  int retry = 0;                        // the instance's relaunch count
  bool operator==(const TaskResult&) const = default;
};

struct TaskPod {
  std::string ns, name, uid;
  std::string framework;   // the kubemesos.io/framework label (a Framework name, same namespace)
  std::string task;        // the kubemesos.io/task label
  bool kubemesos = false;  // spec.schedulerName is "kubemesos"
  std::string owner_uid;   // uid of its controlling Framework owner reference; empty: adopted
  std::string phase;       // status.phase; "Pending" when absent
  bool bound = false;      // spec.nodeName set
  bool deleting = false;   // metadata.deletionTimestamp set
  int retry = 0;           // kRetryAnnotation
  bool terminal() const { return phase == "Succeeded" || phase == "Failed"; }
  std::optional<TaskResult> result;  // set when terminal
};

// The pod's task view, or nullopt when it carries no framework label (not a framework's pod)
// or has no name.
std::optional<TaskPod> ReadTaskPod(const nlohmann::json& pod);

// lastResults entries of a Framework's status, and back (nullopt when not an object with a pod).
nlohmann::json TaskResultJson(const TaskResult& result);
std::optional<TaskResult> TaskResultFromJson(const nlohmann::json& entry);

}  // namespace kubemesos::controller
