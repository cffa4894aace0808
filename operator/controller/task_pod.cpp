// Reading a pod's task view and its terminal result.
#include "operator/controller/task_pod.h"

#include <cstdlib>

#include "operator/kube/lenient.h"
#include "operator/kube/object_key.h"
#include "operator/kube/objects.h"

namespace kubemesos::controller {
namespace {

using kube::lenient::Field;
using kube::lenient::Int;
using kube::lenient::Str;
using nlohmann::json;

int ParseCount(const std::string& s) {
  if (s.empty()) return 0;
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  return (*end == '\0' && v > 0 && v < 1000000) ? static_cast<int>(v) : 0;
}

// The terminated state of each container, in order: the first non-zero exit code wins, and
// the latest finish time of all.
TaskResult ReadResult(const json& status, const TaskPod& pod) {
  TaskResult r;
  r.pod = pod.name;
  r.task = pod.task;
  r.state = pod.phase;
  r.retry = pod.retry;
  r.reason = Str(status, "reason");
  r.message = Str(status, "message");
  r.start_time = Str(status, "startTime");
  bool have_code = false;
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    const json& statuses = Field(status, list);
    if (!statuses.is_array()) continue;
    for (const auto& cs : statuses) {
      const json& term = Field(Field(cs, "state"), "terminated");
      if (!term.is_object()) continue;
      int exit_code = Int(term, "exitCode");
      if (!have_code || (r.exit_code == 0 && exit_code != 0)) {
        r.exit_code = exit_code;
        have_code = true;
        if (r.reason.empty() || exit_code != 0) {
          if (auto reason = Str(term, "reason"); !reason.empty()) r.reason = reason;
        }
        if (auto message = Str(term, "message"); !message.empty() && r.message.empty())
          r.message = message;
      }
      if (r.start_time.empty()) r.start_time = Str(term, "startedAt");
      if (auto finished = Str(term, "finishedAt"); finished > r.finish_time)
        r.finish_time = finished;  // RFC 3339 UTC strings order as times
    }
  }
  if (!have_code && r.state == "Failed") r.exit_code = 1;  // failed without a container status
  return r;
}

}  // namespace

std::optional<TaskPod> ReadTaskPod(const json& pod) {
  const json& meta = Field(pod, "metadata");
  TaskPod t;
  t.framework = Str(Field(meta, "labels"), kube::kFrameworkLabel);
  t.name = Str(meta, "name");
  if (t.framework.empty() || t.name.empty()) return std::nullopt;
  t.ns = kube::ObjectKey::Namespaced(Str(meta, "namespace"), t.name).ns;
  t.uid = Str(meta, "uid");
  t.task = Str(Field(meta, "labels"), kube::kTaskLabel);
  t.kubemesos = kube::IsKubemesosPod(pod);
  t.deleting = Field(meta, "deletionTimestamp").is_string();
  t.retry = ParseCount(Str(Field(meta, "annotations"), kRetryAnnotation));
  const json& owners = Field(meta, "ownerReferences");
  if (owners.is_array()) {
    for (const auto& owner : owners) {
      if (Str(owner, "kind") == "Framework" && Str(owner, "name") == t.framework &&
          Str(owner, "apiVersion").starts_with("kubemesos.io/")) {
        t.owner_uid = Str(owner, "uid");
      }
    }
  }
  t.bound = !Str(Field(pod, "spec"), "nodeName").empty();
  const json& status = Field(pod, "status");
  t.phase = Str(status, "phase");
  if (t.phase.empty()) t.phase = "Pending";
  if (t.terminal()) t.result = ReadResult(status, t);
  return t;
}

json TaskResultJson(const TaskResult& r) {
  json out = {{"pod", r.pod}, {"state", r.state}, {"exitCode", r.exit_code}};
  if (!r.task.empty()) out["task"] = r.task;
  if (!r.reason.empty()) out["reason"] = r.reason;
  if (!r.message.empty()) out["message"] = r.message;
  if (!r.start_time.empty()) out["startTime"] = r.start_time;
  if (!r.finish_time.empty()) out["finishTime"] = r.finish_time;
  if (r.retry > 0) out["retry"] = r.retry;
  return out;
}

std::optional<TaskResult> TaskResultFromJson(const json& entry) {
  TaskResult r;
  r.pod = Str(entry, "pod");
  if (r.pod.empty()) return std::nullopt;
  r.task = Str(entry, "task");
  r.state = Str(entry, "state");
  r.exit_code = Int(entry, "exitCode");
  r.reason = Str(entry, "reason");
  r.message = Str(entry, "message");
  r.start_time = Str(entry, "startTime");
  r.finish_time = Str(entry, "finishTime");
  r.retry = Int(entry, "retry");
  return r;
}

}  // namespace kubemesos::controller
