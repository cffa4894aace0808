// Preemption plans in flight: the nominations that hold freed capacity for preemptors until they
// are placed (or the plan is cancelled or expires), the victims already chosen, and the calls
// that change them from outside (EvictionFailed, RestorePreemption). Finding plans is in
// preemption_search.cpp.
#include <algorithm>

#include "scheduler/allocator_impl.h"
#include "scheduler/placement_query.h"

namespace kubemesos {

namespace {

bool HeldSlot(const NodePool& pool, const PlanState::Held& h) {
  return h.node != kNone && pool.Find(h.node_name) == h.node;
}

}  // namespace

void Allocator::Impl::Hold(const PlanState::Held& h, int sign) {
  const Resources delta = sign > 0 ? h.amount : Resources{} - h.amount;
  if (HeldSlot(pool_, h)) pool_.AddUsage(h.node, delta);
  auto f = framework_index_.find(h.framework_key);
  if (f != framework_index_.end() && f->second == h.framework) {
    frameworks_[h.framework].allocated += delta;
    AddToGroupPath(h.framework, delta);
  }
}

void Allocator::Impl::ForgetPreemption(const std::string& pod) {
  evict_refused_.erase(pod);
  victims_.erase(pod);
  // A nominated preemptor that went away is released by the next ServeNominations.
}

void Allocator::Impl::EndPlan(uint64_t id, AllocationResult* result) {
  auto it = plans_.find(id);
  if (it == plans_.end()) return;
  for (auto& h : it->second.held) {
    if (h.done) continue;
    h.done = true;
    Hold(h, -1);
    if (HeldSlot(pool_, h)) OnCapacityFreed(h.node, h.framework);
    nominated_.erase(h.pod);
    if (result) {
      result->nominations_ended.push_back(h.pod);
    } else {
      ended_nominations_.push_back(h.pod);
    }
  }
  // Victims that have not started to leave may be chosen again by a later plan.
  for (const auto& v : it->second.plan.victims)
    if (auto vi = victims_.find(v.pod); vi != victims_.end() && vi->second == id)
      victims_.erase(vi);
  plans_.erase(it);
}

void Allocator::Impl::ServeNominations(double now, AllocationResult& result) {
  for (auto& p : ended_nominations_) result.nominations_ended.push_back(std::move(p));
  ended_nominations_.clear();
  std::vector<uint64_t> finished;
  for (auto& [id, ps] : plans_) {
    // Preemptors that are no longer pending (placed elsewhere, deleted) give their hold back.
    std::vector<size_t> waiting;
    for (size_t i = 0; i < ps.held.size(); ++i) {
      auto& h = ps.held[i];
      if (h.done) continue;
      auto ti = task_index_.find(h.pod);
      if (ti == task_index_.end() || tasks_[ti->second].cls == kNone) {
        h.done = true;
        Hold(h, -1);
        if (HeldSlot(pool_, h)) OnCapacityFreed(h.node, h.framework);
        nominated_.erase(h.pod);
        continue;
      }
      waiting.push_back(i);
    }
    if (waiting.empty()) {
      finished.push_back(id);
      continue;
    }
    if (now >= ps.plan.deadline) {
      // EndPlan lists the nominations as ended; the preemptors look again after the attempt
      // interval, without the victims that did not leave in time (see PlanPreemptions).
      for (size_t i : waiting)
        tasks_[task_index_.at(ps.held[i].pod)].next_preempt_attempt =
            now + options_.preemption.attempt_interval_seconds;
      finished.push_back(id);
      continue;
    }
    // Place the waiting preemptors on their nodes once all of them fit there (a gang's minimum
    // together, as one decision): release the holds, try, and put them back if anyone is short.
    for (size_t i : waiting) Hold(ps.held[i], -1);
    std::vector<int> placed;
    bool all = true;
    for (size_t i : waiting) {
      auto& h = ps.held[i];
      const int task = task_index_.at(h.pod);
      auto& t = tasks_[task];
      const int f = t.framework;
      const int group = frameworks_[f].group;
      bool fits =
          HeldSlot(pool_, h) && pool_.node(h.node).healthy && t.cls != kNone && group != kNone &&
          groups_.LimitViolation(group, t.request) == kNone &&
          (frameworks_[f].spec.revocable || groups_.WithinGuarantee(group, t.request, false));
      if (fits) {
        PlacementQuery query(*this, t.cls, now);
        fits = Eligible(t.cls, h.node) &&
               query.Passes<placement::Scope::kLive>(NodeInfoOf(*this, h.node));
      }
      if (!fits) {
        all = false;
        break;
      }
      PlaceTask(task, h.node);
      placed.push_back(task);
    }
    if (!all) {
      for (auto it = placed.rbegin(); it != placed.rend(); ++it) Unplace(*it);
      for (size_t i : waiting) Hold(ps.held[i], +1);
      continue;
    }
    for (size_t i : waiting) {
      ps.held[i].done = true;
      nominated_.erase(ps.held[i].pod);
    }
    for (int task : placed) {
      auto& t = tasks_[task];
      auto& fw = frameworks_[t.framework];
      ++fw.offers_accepted;
      result.placements.push_back({t.key, fw.spec.key, t.node_name, ps.plan.gang, t.revocable});
    }
    finished.push_back(id);
  }
  for (uint64_t id : finished) EndPlan(id, &result);
}

void Allocator::Impl::EvictionFailed(const std::string& pod, double now) {
  evict_refused_[pod] = now + options_.preemption.attempt_interval_seconds;
  auto it = victims_.find(pod);
  if (it == victims_.end()) return;
  const uint64_t id = it->second;
  // The preemptors may look again at once, without the refused victim.
  if (auto p = plans_.find(id); p != plans_.end())
    for (const auto& n : p->second.plan.preemptors)
      if (auto ti = task_index_.find(n.pod); ti != task_index_.end())
        tasks_[ti->second].next_preempt_attempt = 0;
  EndPlan(id, nullptr);
}

void Allocator::Impl::RestorePreemption(const Preemption& plan) {
  PlanState ps;
  ps.plan = plan;
  const uint64_t id = next_plan_++;
  for (const auto& n : plan.preemptors) {
    PlanState::Held h;
    h.pod = n.pod;
    auto ti = task_index_.find(n.pod);
    const int node = pool_.Find(n.node);
    if (ti == task_index_.end() || !tasks_[ti->second].node_name.empty() || node == kNone ||
        nominated_.count(n.pod)) {
      h.done = true;  // gone, placed, or its node gone: nothing to hold
    } else {
      h.node = node;
      h.node_name = n.node;
      h.amount = tasks_[ti->second].request;
      h.framework = tasks_[ti->second].framework;
      h.framework_key = tasks_[ti->second].framework_key;
      Hold(h, +1);
      nominated_[n.pod] = id;
    }
    ps.held.push_back(std::move(h));
  }
  for (const auto& v : plan.victims)
    if (task_index_.count(v.pod)) victims_[v.pod] = id;
  plans_.emplace(id, std::move(ps));
}

std::vector<Preemption> Allocator::Impl::Preemptions() const {
  std::vector<Preemption> out;
  for (const auto& [id, ps] : plans_) out.push_back(ps.plan);
  return out;
}

}  // namespace kubemesos
