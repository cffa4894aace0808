// The Framework controller's logic (see framework_controller.h).
#include "operator/controller/framework_controller.h"

#include <algorithm>
#include <cmath>

#include "operator/kube/lenient.h"
#include "operator/kube/objects.h"

namespace kubemesos::controller {

using kube::lenient::Field;
using kube::lenient::Int;
using kube::lenient::Str;
using nlohmann::json;

FrameworkController::FrameworkController(ControllerOptions options) : o_(options) {}

FrameworkController::State& FrameworkController::StateOf(const std::string& ns,
                                                         const std::string& name) {
  auto [it, inserted] = states_.try_emplace(ns + "/" + name);
  if (inserted) {
    it->second.ns = ns;
    it->second.name = name;
  }
  return it->second;
}

void FrameworkController::Observe(const loop::LoopEvent& event, double now) {
  using Type = loop::LoopEvent::Type;
  if (event.type == Type::kTaskWrite) {
    ObserveWrite(event.task, now);
  } else if (event.type == Type::kObject) {
    if (event.kind == loop::ObjectKind::kFramework) ObserveFramework(event.watch, event.object);
    if (event.kind == loop::ObjectKind::kPod) ObservePod(event.watch, event.object, now);
  }
}

void FrameworkController::ObserveFramework(loop::WatchType watch, const json& object) {
  const json& meta = Field(object, "metadata");
  std::string name = Str(meta, "name");
  if (name.empty()) return;
  std::string ns = Str(meta, "namespace");
  if (ns.empty()) ns = "default";
  State& s = StateOf(ns, name);
  dirty_.insert(ns + "/" + name);
  s.view_dirty = true;
  if (watch == loop::WatchType::kDeleted) {
    s.exists = false;
    s.valid = false;
    s.desired.clear();
    return;
  }
  s.exists = true;
  s.uid = Str(meta, "uid");
  if (!s.seeded) {  // what the previous leader wrote: the history that pods no longer show
    s.seeded = true;
    const json& status = Field(object, "status");
    s.lost_seen = Int(Field(status, "tasks"), "lost");
    if (const json& last = Field(status, "lastResults"); last.is_array()) {
      for (const auto& entry : last) {
        if (auto r = TaskResultFromJson(entry)) AddResult(s, *r, false);
      }
    }
  }
  auto converted = kube::FrameworkFromJson(object);
  s.valid = converted.ok();  // the scheduling core reports why not; pods are left alone
  if (!s.valid) return;
  std::map<std::string, std::pair<bool, int>> policies;  // task -> (OnFailure, maxRetries)
  if (const json& tasks = Field(Field(object, "spec"), "tasks"); tasks.is_array()) {
    for (const auto& t : tasks) {
      policies[Str(t, "name")] = {Str(t, "restartPolicy") == "OnFailure", Int(t, "maxRetries")};
    }
  }
  s.desired.clear();
  for (auto& pod : converted.value->task_pods) {
    Desired d;
    d.task = Str(Field(Field(pod, "metadata"), "labels"), kube::kTaskLabel);
    std::tie(d.on_failure, d.max_retries) = policies[d.task];
    std::string pod_name = Str(Field(pod, "metadata"), "name");
    d.pod = std::move(pod);
    s.desired.emplace(std::move(pod_name), std::move(d));
  }
}

void FrameworkController::ObservePod(loop::WatchType watch, const json& object, double now) {
  auto pod = ReadTaskPod(object);
  if (!pod) return;
  State& s = StateOf(pod->ns, pod->framework);
  std::string key = pod->ns + "/" + pod->framework;
  dirty_.insert(key);
  s.view_dirty = true;
  if (watch == loop::WatchType::kDeleted) {
    auto it = s.pods.find(pod->name);
    bool ours_to_delete = s.deleting.erase(pod->name) > 0;
    if (it != s.pods.end() && !it->second.terminal() && !ours_to_delete && s.exists) {
      ++s.lost_seen;  // removed by someone else before it finished (Mesos: TASK_LOST)
    }
    s.pods.erase(pod->name);
    s.failed_since.erase(pod->name);
    s.reported.erase(pod->uid + "/Succeeded");
    s.reported.erase(pod->uid + "/Failed");
    return;
  }
  s.creating.erase(pod->name);
  if (pod->phase == "Failed") {
    s.failed_since.try_emplace(pod->name, now);
  } else {
    s.failed_since.erase(pod->name);
  }
  if (pod->result && s.reported.insert(pod->uid + "/" + pod->result->state).second) {
    AddResult(s, *pod->result, true);
  }
  s.pods[pod->name] = std::move(*pod);
}

void FrameworkController::ObserveWrite(const loop::TaskWriteResult& result, double now) {
  auto it = states_.find(result.ns + "/" + result.framework);
  if (it == states_.end()) return;
  State& s = it->second;
  dirty_.insert(it->first);
  s.view_dirty = true;
  if (!result.create) {
    // A failed delete is tried again at the next reconcile; a done one waits for its event.
    if (!result.ok()) s.deleting.erase(result.name);
    return;
  }
  s.creating.erase(result.name);
  if (result.ok() || result.status == 409) {  // 409: it exists; its watch event is coming
    if (result.ok()) {
      s.create_backoff = 0;
      s.view.problem.clear();
    }
    return;
  }
  s.create_backoff = std::min(300.0, std::max(o_.create_backoff_seconds, s.create_backoff * 2));
  s.create_retry_at = now + s.create_backoff;
  timers_.emplace(s.create_retry_at, it->first);
  std::string message = "cannot create pod " + result.name + ": " + result.message;
  if (message != s.view.problem) problems_.push_back({s.ns, s.name, message});
  s.view.problem = message;
}

double FrameworkController::RetryDelay(int retry) const {
  return std::min(o_.retry_backoff_max_seconds, o_.retry_backoff_seconds * std::pow(2.0, retry));
}

std::vector<TaskAction> FrameworkController::Reconcile(double now) {
  std::vector<TaskAction> out;
  if (!reconciled_once_) {  // after (re)gaining the lead: look at everything once
    reconciled_once_ = true;
    for (const auto& [key, state] : states_) dirty_.insert(key);
  }
  while (!timers_.empty() && timers_.begin()->first <= now) {
    dirty_.insert(timers_.begin()->second);
    timers_.erase(timers_.begin());
  }
  std::set<std::string> keys;
  keys.swap(dirty_);
  for (const auto& key : keys) {
    auto it = states_.find(key);
    if (it == states_.end()) continue;
    State& s = it->second;
    ReconcileOne(key, s, now, out);
    if (!s.exists && s.pods.empty() && s.creating.empty()) states_.erase(it);
  }
  return out;
}

void FrameworkController::ReconcileOne(const std::string& key, State& s, double now,
                                       std::vector<TaskAction>& out) {
  s.view_dirty = true;
  if (s.exists && !s.valid) return;
  auto remove = [&](const TaskPod& p) {
    if (p.deleting || !s.deleting.insert(p.name).second) return;
    out.push_back({false, s.ns, p.name, s.name, p.uid, {}});
  };
  for (auto& [name, d] : s.desired) {
    auto found = s.pods.find(name);
    if (found != s.pods.end()) {
      const TaskPod& p = found->second;
      if (p.owner_uid != s.uid || p.deleting || s.deleting.count(name)) continue;
      if (p.phase == "Failed" && d.on_failure && p.retry < d.max_retries) {
        double due = s.failed_since[name] + RetryDelay(p.retry);
        if (now >= due) {
          s.relaunch[name] = p.retry + 1;
          remove(p);
        } else {
          timers_.emplace(due, key);
        }
      }
      continue;
    }
    if (s.creating.count(name)) continue;
    if (now < s.create_retry_at) {
      timers_.emplace(s.create_retry_at, key);
      continue;
    }
    TaskAction create{true, s.ns, name, s.name, "", d.pod};
    if (auto r = s.relaunch.find(name); r != s.relaunch.end()) {
      create.pod["metadata"]["annotations"][kRetryAnnotation] = std::to_string(r->second);
      s.relaunch.erase(r);
    }
    s.creating.insert(name);
    out.push_back(std::move(create));
  }
  for (const auto& [name, p] : s.pods) {
    bool owned = !p.owner_uid.empty();
    if (owned && (!s.exists || p.owner_uid != s.uid || !s.desired.count(name))) remove(p);
  }
}

void FrameworkController::AddResult(State& s, const TaskResult& result, bool finished_now) {
  auto& last = s.view.last_results;
  bool known = std::any_of(last.begin(), last.end(), [&](const TaskResult& r) {
    return r.pod == result.pod && r.finish_time == result.finish_time && r.retry == result.retry;
  });
  if (finished_now) finished_.push_back({s.ns, s.name, result});
  if (known) return;
  auto pos = std::find_if(last.begin(), last.end(), [&](const TaskResult& r) {
    return r.finish_time < result.finish_time;  // newest first
  });
  last.insert(pos, result);
  while (last.size() > o_.last_results) last.pop_back();
}

const FrameworkTasks* FrameworkController::Tasks(const std::string& key) {
  auto it = states_.find(key);
  if (it == states_.end()) return nullptr;
  State& s = it->second;
  if (!s.view_dirty) return &s.view;
  s.view_dirty = false;
  FrameworkTasks& v = s.view;
  v.desired = static_cast<int>(s.desired.size());
  v.missing = v.succeeded = v.failed = v.retrying = v.restarts = 0;
  v.lost = s.lost_seen;
  for (const auto& [name, d] : s.desired) v.missing += s.pods.count(name) ? 0 : 1;
  for (const auto& [name, p] : s.pods) {
    v.restarts += p.retry;
    if (p.phase == "Succeeded") ++v.succeeded;
    if (p.phase == "Unknown") ++v.lost;
    if (p.phase != "Failed") continue;
    auto d = s.desired.find(name);
    bool will_retry = s.exists && p.owner_uid == s.uid && d != s.desired.end() &&
                      d->second.on_failure && p.retry < d->second.max_retries;
    ++(will_retry ? v.retrying : v.failed);
  }
  return &v;
}

std::vector<FinishedTask> FrameworkController::TakeFinished() {
  std::vector<FinishedTask> out;
  out.swap(finished_);
  return out;
}

std::vector<FrameworkProblem> FrameworkController::TakeProblems() {
  std::vector<FrameworkProblem> out;
  out.swap(problems_);
  return out;
}

}  // namespace kubemesos::controller
