// The Framework controller's logic (see framework_controller.h).
#include "operator/controller/framework_controller.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <utility>

#include "operator/kube/lenient.h"
#include "operator/kube/object_key.h"

namespace kubemesos::controller {

using kube::lenient::Field;
using kube::lenient::Int;
using kube::lenient::Str;
using nlohmann::json;

namespace {

// What decides which pods a spec wants and how they are relaunched; a change of anything else
// (a status write, a template) needs no look at the existing pods.
using Shape = std::vector<std::tuple<std::string, int64_t, bool, int64_t>>;

Shape ShapeOf(const kube::FrameworkObjects& spec) {
  Shape out;
  for (const auto& t : spec.tasks)
    out.emplace_back(t.name, t.instances, t.on_failure, t.max_retries);
  return out;
}

}  // namespace

FrameworkController::FrameworkController(ControllerOptions options) : o_(options) {}

FrameworkController::State& FrameworkController::StateOf(const std::string& ns,
                                                         const std::string& name) {
  auto [it, inserted] = states_.try_emplace(kube::ObjectKey{ns, name}.String());
  if (inserted) {
    it->second.ns = ns;
    it->second.name = name;
  }
  return it->second;
}

void FrameworkController::ForgetIfGone(const std::string& key) {
  auto it = states_.find(key);
  if (it == states_.end()) return;
  const State& s = it->second;
  if (s.exists || !s.pods.empty() || !s.creating.empty()) return;
  states_.erase(it);
  dirty_.erase(key);
  if (auto t = timer_of_.find(key); t != timer_of_.end()) {
    timers_.erase({t->second, key});
    timer_of_.erase(t);
  }
}

void FrameworkController::Schedule(const std::string& key, double at) {
  auto [it, inserted] = timer_of_.try_emplace(key, at);
  if (!inserted) {
    if (it->second <= at) return;  // an earlier one is pending: it looks at everything due
    timers_.erase({it->second, key});
    it->second = at;
  }
  timers_.emplace(at, key);
}

void FrameworkController::Observe(const loop::LoopEvent& event, double now,
                                  kube::Converted<kube::FrameworkObjects>* converted) {
  using Type = loop::LoopEvent::Type;
  if (event.type == Type::kTaskWrite) {
    ObserveWrite(event.task, now);
  } else if (event.type == Type::kBindResult) {
    ObserveBind(event.bind);
  } else if (event.type == Type::kObject) {
    if (event.kind == loop::ObjectKind::kFramework)
      ObserveFramework(event.watch, event.object, converted);
    if (event.kind == loop::ObjectKind::kPod) ObservePod(event.watch, event.object, now);
  }
}

void FrameworkController::ObserveFramework(loop::WatchType watch, const json& object,
                                           kube::Converted<kube::FrameworkObjects>* converted) {
  const json& meta = Field(object, "metadata");
  kube::ObjectKey of = kube::ObjectKey::Of(object);
  if (of.name.empty()) return;
  const kube::ObjectKey id = kube::ObjectKey::Namespaced(std::move(of.ns), std::move(of.name));
  const std::string &ns = id.ns, &name = id.name;
  std::string key = id.String();
  State& s = StateOf(ns, name);
  dirty_.insert(key);
  s.view_dirty = true;
  if (watch == loop::WatchType::kDeleted) {
    gang_frameworks_.erase(key);
    s.exists = s.valid = s.over_cap = false;
    s.spec = {};
    s.tasks.clear();
    s.next_index.clear();
    s.relaunch.clear();
    s.all_changed = true;  // its pods go
    ForgetIfGone(key);
    return;
  }
  s.exists = true;
  std::string uid = Str(meta, "uid");
  if (uid != s.uid) {
    s.all_changed = true;
    s.gang = {};  // another incarnation: its gang starts afresh
    s.gang_failed = false;
    s.view.gang_failure.clear();
    s.requeues = 0;
  }
  s.uid = uid;
  // onTimeout Fail is terminal and lives on the object: a new leader launches nothing either.
  if (const json& status = Field(object, "status");
      Str(status, "phase") == "Failed" && Str(status, "reason") == loop::kGangTimeout) {
    if (!s.gang_failed) s.view.gang_failure = Str(status, "message");
    s.gang_failed = true;
  }
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
  kube::Converted<kube::FrameworkObjects> own;
  if (!converted) {
    own = kube::FrameworkFromJson(object);
    converted = &own;
  }
  bool was_valid = s.valid;
  s.valid = converted->ok();  // the scheduling core reports why not; pods are left alone
  if (s.valid && converted->value->framework.gang.min_member > 0) {
    gang_frameworks_.insert(key);
  } else {
    gang_frameworks_.erase(key);
  }
  if (!s.valid) return;
  // The scan cursors survive an update that keeps the task (see State::next_index).
  std::unordered_map<std::string, int64_t> cursors;
  for (const auto& [task, i] : s.tasks) cursors[task] = s.next_index[i];
  if (!was_valid || ShapeOf(s.spec) != ShapeOf(*converted->value)) s.all_changed = true;
  s.spec = std::move(*converted->value);
  s.tasks.clear();
  s.next_index.assign(s.spec.tasks.size(), 0);
  for (size_t i = 0; i < s.spec.tasks.size(); ++i) {
    s.tasks[s.spec.tasks[i].name] = i;
    if (auto c = cursors.find(s.spec.tasks[i].name); c != cursors.end())
      s.next_index[i] = c->second;
  }
  for (auto it = s.relaunch.begin(); it != s.relaunch.end();) {  // relaunches no longer wanted
    auto parsed = kube::ParseTaskPodName(s.name, it->first);
    auto t = parsed ? s.tasks.find(parsed->first) : s.tasks.end();
    bool wanted = t != s.tasks.end() && parsed->second < s.spec.tasks[t->second].instances;
    it = wanted ? std::next(it) : s.relaunch.erase(it);
  }
  bool over = s.spec.total_instances > o_.max_instances_per_framework;
  if (over) {
    std::string message =
        "spec.tasks ask for " + std::to_string(s.spec.total_instances) +
        " instances in total, more than this kubemesos allows per Framework (" +
        std::to_string(o_.max_instances_per_framework) +
        ", --max-framework-instances); no task pods are launched until the spec asks for fewer";
    if (!s.over_cap) problems_.push_back({s.ns, s.name, message, "TooManyInstances"});
    s.view.problem = message;
    s.view.problem_reason = "TooManyInstances";
  } else if (s.over_cap) {
    s.view.problem.clear();
    s.view.problem_reason.clear();
  }
  if (s.over_cap != over) s.all_changed = true;
  s.over_cap = over;
}

void FrameworkController::ObservePod(loop::WatchType watch, const json& object, double now) {
  auto pod = ReadTaskPod(object);
  if (!pod) return;
  State& s = StateOf(pod->ns, pod->framework);
  std::string key = kube::ObjectKey{pod->ns, pod->framework}.String();
  dirty_.insert(key);
  s.view_dirty = true;
  if (watch == loop::WatchType::kDeleted) {
    auto it = s.pods.find(pod->name);
    bool ours_to_delete = s.deleting.erase(pod->name) > 0;
    if (it != s.pods.end() && !it->second.pod.terminal() && !ours_to_delete && s.exists) {
      ++s.lost_seen;  // removed by someone else before it finished (Mesos: TASK_LOST)
    }
    s.pods.erase(pod->name);
    s.changed.erase(pod->name);
    s.failed_since.erase(pod->name);
    s.reported.erase(pod->uid + "/Succeeded");
    s.reported.erase(pod->uid + "/Failed");
    MayBeMissing(s, pod->name);
    ForgetIfGone(key);
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
  s.changed.insert(pod->name);
  Pod& p = s.pods[pod->name];
  if (auto parsed = kube::ParseTaskPodName(pod->framework, pod->name)) {
    std::tie(p.task, p.index) = std::move(*parsed);
  }
  p.pod = std::move(*pod);
}

void FrameworkController::MayBeMissing(State& s, const std::string& pod_name) {
  auto parsed = kube::ParseTaskPodName(s.name, pod_name);
  if (!parsed) return;
  if (auto t = s.tasks.find(parsed->first); t != s.tasks.end()) {
    s.next_index[t->second] = std::min(s.next_index[t->second], parsed->second);
  }
}

void FrameworkController::ObserveWrite(const loop::TaskWriteResult& result, double now) {
  std::string key = kube::ObjectKey{result.ns, result.framework}.String();
  auto it = states_.find(key);
  if (it == states_.end()) return;
  State& s = it->second;
  dirty_.insert(key);
  s.view_dirty = true;
  if (!result.create) {
    // A failed delete is tried again at the next reconcile; a done one waits for its event.
    if (!result.ok() && s.deleting.erase(result.name)) s.changed.insert(result.name);
    return;
  }
  auto creating = s.creating.find(result.name);
  if (result.ok() || result.status == 409) {  // 409: it exists; its watch event is coming
    if (creating != s.creating.end()) {       // not seen yet: await its event (not for ever)
      creating->second = now + o_.created_event_timeout_seconds;
      Schedule(key, creating->second);
    }
    if (result.ok()) {
      s.create_backoff = 0;
      s.create_failure.clear();
      if (s.view.problem_reason == "CreateFailed") {
        s.view.problem.clear();
        s.view.problem_reason.clear();
      }
    }
    ForgetIfGone(key);
    return;
  }
  if (creating != s.creating.end()) s.creating.erase(creating);
  MayBeMissing(s, result.name);
  // The creates of one round fail together (a quota, a webhook): the backoff doubles once
  // per round and the problem is reported once per new message.
  if (now >= s.create_retry_at) {
    s.create_backoff = std::min(300.0, std::max(o_.create_backoff_seconds, s.create_backoff * 2));
    s.create_retry_at = now + s.create_backoff;
  }
  std::string message = "cannot create pod " + result.name + ": " + result.message;
  // The same refusal names each pod ("pods \"fw-w-7\" is forbidden: exceeded quota ..."):
  // compared without the name, it is reported once.
  std::string refusal = result.message;
  for (size_t at; (at = refusal.find(result.name)) != std::string::npos;) {
    refusal.replace(at, result.name.size(), "*");
  }
  if (refusal != s.create_failure) {
    problems_.push_back({s.ns, s.name, message, "TaskCreateFailed"});
    s.create_failure = refusal;
  }
  if (s.view.problem_reason != "TooManyInstances") {
    s.view.problem = message;
    s.view.problem_reason = "CreateFailed";
  }
  ForgetIfGone(key);
}

double FrameworkController::RetryDelay(int retry) const {
  return std::min(o_.retry_backoff_max_seconds, o_.retry_backoff_seconds * std::pow(2.0, retry));
}

std::vector<TaskAction> FrameworkController::Reconcile(double now) {
  std::vector<TaskAction> out;
  if (!reconciled_once_) {  // after (re)gaining the lead: look at everything once
    reconciled_once_ = true;
    for (auto& [key, state] : states_) {
      dirty_.insert(key);
      state.all_changed = true;
    }
  }
  while (!timers_.empty() && timers_.begin()->first <= now) {
    const std::string& key = timers_.begin()->second;
    dirty_.insert(key);
    if (auto s = states_.find(key); s != states_.end()) s->second.timer_due = true;
    timer_of_.erase(key);
    timers_.erase(timers_.begin());
  }
  std::set<std::string> keys;
  keys.swap(dirty_);
  for (const auto& key : keys) {
    auto it = states_.find(key);
    if (it == states_.end()) continue;
    ReconcileOne(key, it->second, now, out);
    ForgetIfGone(key);
  }
  return out;
}

const kube::FrameworkTask* FrameworkController::DesiredTask(const State& s, const Pod& pod) const {
  if (!s.exists || !s.valid || pod.index < 0) return nullptr;
  auto t = s.tasks.find(pod.task);
  if (t == s.tasks.end()) return nullptr;
  const kube::FrameworkTask& task = s.spec.tasks[t->second];
  return pod.index < task.instances ? &task : nullptr;
}

void FrameworkController::ReconcileOne(const std::string& key, State& s, double now,
                                       std::vector<TaskAction>& out) {
  s.view_dirty = true;
  bool timer_due = std::exchange(s.timer_due, false);
  for (auto it = s.creating.begin(); it != s.creating.end();) {  // created, never seen
    if (it->second > now) {
      ++it;
      continue;
    }
    MayBeMissing(s, it->first);
    it = s.creating.erase(it);
  }
  if (s.exists && (!s.valid || s.over_cap)) {  // left alone; a new spec looks at all again
    s.changed.clear();
    return;
  }
  // The pods whose fate may have changed: all after a spec change, else those with news.
  if (s.all_changed) {
    for (auto& [name, p] : s.pods) LookAt(key, s, p, now, out);
  } else {
    if (timer_due) {  // backoffs ending
      for (const auto& [name, since] : s.failed_since) s.changed.insert(name);
    }
    for (const auto& name : s.changed) {
      if (auto p = s.pods.find(name); p != s.pods.end()) LookAt(key, s, p->second, now, out);
    }
  }
  s.changed.clear();
  s.all_changed = false;
  if (s.exists && !s.gang_failed) CreateMissing(key, s, now, out);
}

void FrameworkController::LookAt(const std::string& key, State& s, Pod& pod, double now,
                                 std::vector<TaskAction>& out) {
  const TaskPod& p = pod.pod;
  auto remove = [&] {
    if (p.deleting || !s.deleting.insert(p.name).second) return;
    out.push_back({false, s.ns, p.name, s.name, p.uid, {}});
  };
  const kube::FrameworkTask* task = DesiredTask(s, pod);
  bool owned = !p.owner_uid.empty();
  if (owned && (!s.exists || p.owner_uid != s.uid || !task)) return remove();
  if (!task || p.owner_uid != s.uid || p.deleting || s.deleting.count(p.name)) return;
  if (p.phase != "Failed" || !task->on_failure || p.retry >= task->max_retries) return;
  auto since = s.failed_since.find(p.name);
  double due = (since == s.failed_since.end() ? now : since->second) + RetryDelay(p.retry);
  if (now < due) return Schedule(key, due);
  s.relaunch[p.name] = p.retry + 1;
  remove();
}

void FrameworkController::CreateMissing(const std::string& key, State& s, double now,
                                        std::vector<TaskAction>& out) {
  if (s.creating.size() >= o_.creates_in_flight) return;  // their results bring us back
  if (now < s.create_retry_at) {
    bool missing = false;
    for (size_t i = 0; i < s.spec.tasks.size(); ++i)
      missing = missing || s.next_index[i] < s.spec.tasks[i].instances;
    if (missing) Schedule(key, s.create_retry_at);
    return;
  }
  size_t budget = o_.creates_in_flight - s.creating.size();
  for (size_t i = 0; i < s.spec.tasks.size() && budget > 0; ++i) {
    const kube::FrameworkTask& task = s.spec.tasks[i];
    // Resumes where the last scan stopped: every instance below has a pod or a create.
    for (int64_t& k = s.next_index[i]; k < task.instances && budget > 0; ++k) {
      std::string name = kube::TaskPodName(s.name, task.name, k);
      if (s.pods.count(name) || s.creating.count(name)) continue;
      TaskAction create{true, s.ns, name, s.name, "", kube::TaskPodJson(s.spec, task, k)};
      if (auto r = s.relaunch.find(name); r != s.relaunch.end()) {
        create.pod["metadata"]["annotations"][kRetryAnnotation] = std::to_string(r->second);
        s.relaunch.erase(r);
      }
      s.creating.emplace(name, std::numeric_limits<double>::infinity());
      out.push_back(std::move(create));
      --budget;
    }
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
  bool wanted = s.exists && s.valid;
  v.desired = wanted ? static_cast<int>(s.spec.total_instances) : 0;
  v.missing = v.succeeded = v.failed = v.retrying = v.restarts = 0;
  v.lost = s.lost_seen;
  int present = 0;  // desired instances that have a pod: the rest are missing (arithmetic)
  for (const auto& [name, pod] : s.pods) {
    const TaskPod& p = pod.pod;
    const kube::FrameworkTask* task = DesiredTask(s, pod);
    if (task) ++present;
    v.restarts += p.retry;
    if (p.phase == "Succeeded") ++v.succeeded;
    if (p.phase == "Unknown") ++v.lost;
    if (p.phase != "Failed") continue;
    bool will_retry =
        task && p.owner_uid == s.uid && task->on_failure && p.retry < task->max_retries;
    ++(will_retry ? v.retrying : v.failed);
  }
  // Over the cap, or after a gang failed for good, nothing is launched: no instance is waiting
  // to be (the condition or the status reason says why).
  v.missing = wanted && !s.over_cap && !s.gang_failed ? v.desired - present : 0;
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
