// Carrying out preemption plans (see evictor.h).
#include "operator/loop/evictor.h"

#include "operator/kube/object_key.h"
#include "operator/loop/kube_event.h"
#include "operator/loop/plan_record.h"
#include "operator/util/guard.h"
#include "operator/util/log.h"
#include "operator/util/text.h"
#include "operator/util/time_format.h"

namespace kubemesos::loop {
namespace {

using nlohmann::json;

std::string PodPath(const std::string& pod) {
  kube::ObjectKey k = kube::ObjectKey::Parse(pod);
  return "/api/v1/namespaces/" + k.ns + "/pods/" + k.name;
}

EventTarget PodTarget(const std::string& pod) {
  kube::ObjectKey k = kube::ObjectKey::Parse(pod);
  return {k.ns, k.name};
}

json DisruptionTarget(bool on, const std::string& message) {
  return {
      {"conditions", json::array({{{"type", "DisruptionTarget"},
                                   {"status", on ? "True" : "False"},
                                   {"reason", on ? "PreemptionByScheduler" : "PreemptionCancelled"},
                                   {"message", util::SanitizeUtf8(message, kMaxEventMessageBytes)},
                                   {"lastTransitionTime", util::NowRfc3339()}}})}};
}

bool Gone(int status) {
  return status == 404;
}

}  // namespace

Evictor::Evictor(client::KubeClient& client, EventQueue<LoopEvent>& results,
                 registry::Registry* registry, EvictorOptions options)
    : client_(client),
      results_(results),
      registry_(registry),
      o_(std::move(options)),
      pool_(
          o_.concurrency, [this](Item& item) { Do(item); }, "evictor") {}

Evictor::~Evictor() {
  Stop();
}

bool Evictor::Stop(Clock::time_point deadline) {
  // Queued plans are dropped: a recorded one is carried on by the next leader, an unrecorded
  // one evicted nothing and is planned again.
  return pool_.Stop(util::StopMode::kDrop, deadline);
}

size_t Evictor::plans() const {
  std::lock_guard<std::mutex> lock(mu_);
  return plans_.size();
}

bool Evictor::Tracking() const {
  return plans() > 0;
}

void Evictor::Track(std::shared_ptr<Plan> plan) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    plan->working = true;
    // A plan with the same key replaces the one before it (that one expired or was cancelled
    // and the engine planned again): its record is overwritten, not deleted.
    if (auto old = plans_.find(plan->key); old != plans_.end()) old->second->finished = true;
    plans_[plan->key] = plan;
  }
  pool_.Push({plan, false, {}});
}

void Evictor::Preempt(const Preemption& plan, double unix_offset) {
  auto p = std::make_shared<Plan>();
  p->key = PlanKey(plan);
  p->record = ToRecord(plan, unix_offset);
  if (p->key.empty()) return;  // no preemptor: nothing to do (the engine never makes one)
  Track(std::move(p));
}

void Evictor::Resume(const registry::PreemptionRecord& record) {
  auto p = std::make_shared<Plan>();
  p->key = kube::ObjectKey::Namespaced(record.ns, record.name).String();
  p->record = record;
  p->resume = true;
  p->recorded = true;
  Track(std::move(p));
}

void Evictor::NominationsEnded(const std::vector<std::string>& pods) {
  if (!pods.empty()) pool_.Push({nullptr, false, pods});
}

void Evictor::InFlight(const std::vector<Preemption>& plans) {
  std::set<std::string> live;
  for (const auto& plan : plans) live.insert(PlanKey(plan));
  std::vector<std::shared_ptr<Plan>> finish;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, plan] : plans_) {
      if (live.count(key) || plan->done) continue;
      plan->done = true;
      if (!plan->working && !plan->finished) {
        plan->finished = true;
        finish.push_back(plan);
      }
    }
  }
  for (auto& plan : finish) pool_.Push({plan, true, {}});
}

void Evictor::Do(Item& item) {
  if (!item.plan) {
    util::Guarded("evictor", "clearing nominations", [&] { ClearNominations(item.pods); });
    return;
  }
  Plan& plan = *item.plan;
  if (item.finish) {
    util::Guarded("evictor", plan.key, [&] { Finish(plan); });
    return;
  }
  bool carried = util::Guarded("evictor", plan.key, [&] { Carry(plan); });
  if (!carried) {
    // Cut short by an internal error: the engine re-plans (victims not evicted are free).
    const std::string victim = plan.record.victims.empty() ? "" : plan.record.victims[0].pod;
    util::Guarded("evictor", plan.key, [&] {
      results_.Push(LoopEvent::EvictionFailed(
          {victim, plan.key, 0, "not evicted: internal error (see the log)"}));
    });
  }
  bool finish = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    plan.working = false;
    if (plan.done && !plan.finished) finish = plan.finished = true;
  }
  if (finish) util::Guarded("evictor", plan.key, [&] { Finish(plan); });
}

void Evictor::Cancel(const Plan& plan, const std::string& victim, int status,
                     const std::string& why) {
  log::Warn("preemption plan cancelled", {{"plan", plan.key},
                                          {"victim", victim},
                                          {"status", status},
                                          {"reason", util::SanitizeUtf8(why, 300)}});
  results_.Push(LoopEvent::EvictionFailed({victim, plan.key, status, why}));
}

void Evictor::Carry(Plan& plan) {
  const registry::PreemptionRecord& r = plan.record;
  const std::string first_victim = r.victims.empty() ? "" : r.victims[0].pod;
  if (!MayWrite()) return;  // not the leader: the next one reads the plan back
  // 1. The record first (rule P16): a new leader must find every plan that evicted anything.
  if (registry_ && !plan.recorded) {
    registry::Status st = registry_->PutPreemption(r);
    if (!st.ok()) {
      Cancel(plan, first_victim, 0, "not evicted: the plan could not be recorded: " + st.error);
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    plan.recorded = true;
  }
  // 2. Nominations: the freed capacity is the preemptors' (rule P11).
  for (const auto& n : r.preemptors) {
    if (!MayWrite()) return;
    PatchStatus(n.pod, {{"nominatedNodeName", n.node}});
  }
  const std::string preemptor = r.gang.empty() ? r.preemptors.front().pod : "gang " + r.gang;
  if (!plan.resume && !r.victims.empty() && MayWrite()) {  // (none: pods already leaving)
    PostEvent(client_, PodTarget(r.preemptors.front().pod), "Normal", "Preempting",
              "Preempting " + std::to_string(r.victims.size()) + " pod(s) for " + preemptor + ": " +
                  r.message);
  }
  // 3. The victims, in the plan's order.
  for (const auto& v : r.victims) {
    if (!MayWrite()) return;
    const std::string why = "Preempted by " + preemptor + " on node " + v.node + ": " + r.message;
    if (!plan.resume) {
      // A victim gone already (404) is fine: the eviction below says so too.
      PatchStatus(v.pod, DisruptionTarget(true, why));
      PostEvent(client_, PodTarget(v.pod), "Normal", "Preempted", why);
    }
    std::string message;
    int status = Evict(v.pod, message);
    if (o_.on_eviction) o_.on_eviction(status);
    if (status >= 200 && status < 300 && o_.mode == EvictionMode::kEvictionApi && !plan.resume) {
      // The Eviction API sets its own reason (EvictionByEvictionAPI) on the condition: say
      // again that the scheduler preempted it, as kube-scheduler's condition does.
      PatchStatus(v.pod, DisruptionTarget(true, why));
    }
    if ((status >= 200 && status < 300) || Gone(status)) continue;
    // Refused (429: a PodDisruptionBudget; 403) or failed: the victim stays, and so does the
    // rest of the plan's victims (rule P7: no partial plan); the engine re-plans.
    PatchStatus(v.pod, DisruptionTarget(false, "Not preempted: the eviction was refused (HTTP " +
                                                   std::to_string(status) + "): " + message));
    Cancel(plan, v.pod, status, message);
    return;
  }
}

int Evictor::Evict(const std::string& pod, std::string& message) {
  client::HttpResponse response;
  if (o_.mode == EvictionMode::kDelete) {
    response = client_.Request("DELETE", PodPath(pod));
  } else {
    kube::ObjectKey k = kube::ObjectKey::Parse(pod);
    json eviction = {{"apiVersion", "policy/v1"},
                     {"kind", "Eviction"},
                     {"metadata", {{"name", k.name}, {"namespace", k.ns}}}};
    response = client_.Request("POST", PodPath(pod) + "/eviction", util::SafeDump(eviction));
  }
  message = response.message.empty() ? response.body : response.message;
  message = util::SanitizeUtf8(message, 512);
  return response.status;
}

bool Evictor::PatchStatus(const std::string& pod, const json& status) {
  auto response =
      client_.Request("PATCH", PodPath(pod) + "/status", util::SafeDump({{"status", status}}),
                      "application/strategic-merge-patch+json");
  return response.ok() || Gone(response.status);
}

void Evictor::Finish(Plan& plan) {
  std::vector<std::string> preemptors;
  for (const auto& n : plan.record.preemptors) preemptors.push_back(n.pod);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = plans_.find(plan.key);
    if (it != plans_.end() && it->second.get() == &plan) plans_.erase(it);
  }
  if (!MayWrite()) return;  // the next leader reads the record back and ends it
  if (registry_ && plan.recorded) {
    registry::Status st = registry_->DeletePreemption(plan.record.ns, plan.record.name);
    if (!st.ok()) {
      log::Warn(
          "cannot delete a finished preemption plan's record (the next leader drops it at "
          "its deadline)",
          {{"plan", plan.key}, {"error", util::SanitizeUtf8(st.error, 300)}});
    }
  }
  ClearNominations(preemptors);
}

void Evictor::ClearNominations(const std::vector<std::string>& pods) {
  for (const auto& pod : pods) {
    {
      // A pod that a newer plan nominates keeps its nomination.
      std::lock_guard<std::mutex> lock(mu_);
      bool nominated = false;
      for (const auto& [key, plan] : plans_) {
        for (const auto& n : plan->record.preemptors) nominated = nominated || n.pod == pod;
      }
      if (nominated) continue;
    }
    if (!MayWrite()) return;
    PatchStatus(pod, {{"nominatedNodeName", nullptr}});
  }
}

}  // namespace kubemesos::loop
