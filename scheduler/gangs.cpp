// Gangs: membership, the all-or-nothing decision of a gang's minimum inside a cycle (a
// transaction undone member by member when it falls short), the one bounded reservation of a
// starving gang per top-level group subtree, and the gangs' status.
//
// The rules are G1-G11 of the design brief (docs/design.md, "Gangs"): nothing partial leaves
// the engine; nothing is held across cycles except a starving gang's reservation, which has a
// deadline and a backoff; a gang that is on nodes but below its minimum is served first.
#include <algorithm>

#include "scheduler/allocator_impl.h"
#include "scheduler/placement_query.h"

namespace kubemesos {
namespace {

std::string Fraction(int a, int b) {
  return std::to_string(a) + "/" + std::to_string(b);
}

}  // namespace

// ---------------------------------------------------------------- membership

int Allocator::Impl::GangSlot(const std::string& key, bool create) {
  if (auto it = gang_index_.find(key); it != gang_index_.end()) return it->second;
  if (!create) return kNone;
  int g = TakeSlot(gangs_, free_gangs_);
  gangs_[g] = GangState{};
  gangs_[g].alive = true;
  gangs_[g].key = key;
  gangs_[g].pod_group = true;
  gang_index_[key] = g;
  return g;
}

int Allocator::Impl::NewFrameworkGang(int framework) {
  int g = TakeSlot(gangs_, free_gangs_);
  auto& gs = gangs_[g];
  gs = GangState{};
  gs.alive = true;
  gs.key = frameworks_[framework].spec.key;
  gs.has_spec = true;
  gs.policy = frameworks_[framework].spec.gang;
  return g;
}

void Allocator::Impl::MaybeFreeGang(int g) {
  auto& gs = gangs_[g];
  if (gs.has_spec || !gs.members.empty() || !gs.succeeded.empty()) return;
  if (!gs.reserve_scope.empty()) EndReservation(g, now_, false);
  if (gs.pod_group) gang_index_.erase(gs.key);
  gs = GangState{};
  free_gangs_.push_back(g);
}

void Allocator::Impl::JoinGang(int task) {
  auto& t = tasks_[task];
  int g = kNone;
  if (!t.gang_key.empty()) {
    g = GangSlot(t.gang_key, true);  // a PodGroup not seen yet: members wait for it
  } else if (t.framework != kNone) {
    g = frameworks_[t.framework].gang;
  }
  t.gang = g;
  if (g == kNone) return;
  auto& gs = gangs_[g];
  gs.members.insert(task);
  if (!t.node_name.empty()) ++gs.active;
  WakeGang(g);  // one more member may complete it
}

void Allocator::Impl::LeaveGang(int task) {
  auto& t = tasks_[task];
  const int g = t.gang;
  t.gang = kNone;
  auto& gs = gangs_[g];
  gs.members.erase(task);
  if (!t.node_name.empty()) --gs.active;
  MaybeFreeGang(g);
}

void Allocator::Impl::WakeGang(int g) {
  for (int cls : std::vector<int>(gangs_[g].classes)) UnblockClass(cls);
}

void Allocator::Impl::ReattachMembers(int framework) {
  auto& fw = frameworks_[framework];
  std::vector<int> members(fw.members.begin(), fw.members.end());
  std::sort(members.begin(), members.end());
  for (int task : members) Detach(task);
  if (fw.spec.gang.min_member > 0 && fw.gang == kNone) fw.gang = NewFrameworkGang(framework);
  if (fw.spec.gang.min_member == 0 && fw.gang != kNone) {
    gangs_[fw.gang].has_spec = false;
    MaybeFreeGang(fw.gang);
    fw.gang = kNone;
  }
  for (int task : members) Attach(task);
}

void Allocator::Impl::NoteSucceeded(const PodSpec& pod) {
  int g = kNone;
  if (!pod.gang.empty()) {
    g = GangSlot(pod.gang, false);
  } else if (auto f = framework_index_.find(pod.framework); f != framework_index_.end()) {
    g = frameworks_[f->second].gang;
  }
  if (g == kNone) return;
  gangs_[g].succeeded.insert(pod.key);
  succeeded_gang_[pod.key] = g;
}

void Allocator::Impl::ForgetSucceeded(const std::string& pod_key) {
  auto it = succeeded_gang_.find(pod_key);
  if (it == succeeded_gang_.end()) return;
  const int g = it->second;
  succeeded_gang_.erase(it);
  gangs_[g].succeeded.erase(pod_key);
  MaybeFreeGang(g);
}

bool Allocator::Impl::HasPartialGang(int framework) const {
  if (gangs_.size() == free_gangs_.size()) return false;  // no gangs: the common case
  for (int cls : frameworks_[framework].classes) {
    const int g = classes_[cls].gang;
    if (g != kNone && gangs_[g].active > 0 && gangs_[g].need() > 0) return true;
  }
  return false;
}

// ---------------------------------------------------------------- the cycle

void Allocator::Impl::PrepareGangs(double now) {
  for (auto it = reserving_.begin(); it != reserving_.end();) {
    const int g = (it++)->second;  // EndReservation erases the entry
    const auto& gs = gangs_[g];
    const bool pending = gs.need() > 0 && static_cast<int>(gs.members.size()) > gs.active;
    if (now >= gs.reserved_until) {
      EndReservation(g, now, true);
    } else if (!gs.has_spec || !pending) {
      EndReservation(g, now, false);
    } else {
      WakeGang(g);  // every cycle: what freed up on its nodes joins the reservation
    }
  }
  // A gang that has waited long enough to reserve tries again now, even if nothing changed.
  for (int g = 0; g < static_cast<int>(gangs_.size()); ++g) {
    const auto& gs = gangs_[g];
    if (gs.alive && gs.reserve_scope.empty() && gs.need() > 0 && MayReserve(g, now)) WakeGang(g);
  }
  for (int f : std::vector<int>(runnable_.begin(), runnable_.end())) {
    for (int cls : std::vector<int>(frameworks_[f].classes)) {
      const auto& c = classes_[cls];
      if (c.block != Block::kNone || c.gang == kNone) continue;
      const auto& gs = gangs_[c.gang];
      Reason reason;
      reason.subject = gs.key;
      if (!gs.has_spec) {
        reason.code = ReasonCode::kWaitingForGang;
        reason.message = "PodGroup " + gs.key + " does not exist: the pod waits for it.";
      } else if (static_cast<int>(gs.members.size() + gs.succeeded.size()) < gs.policy.min_member) {
        reason.code = ReasonCode::kWaitingForMembers;
        reason.message = "Gang " + gs.key + " is placed all together once " +
                         std::to_string(gs.policy.min_member) + " members exist; " +
                         std::to_string(gs.members.size() + gs.succeeded.size()) + " do.";
      } else {
        continue;
      }
      for (int other : std::vector<int>(gs.classes))
        if (classes_[other].block == Block::kNone) BlockClass(other, Block::kGang, kNone, reason);
    }
  }
}

void Allocator::Impl::Unplace(int task) {
  auto& t = tasks_[task];
  const int f = t.framework;
  pool_.AddUsage(t.node, Resources{} - t.request);
  pods_.Remove(task);
  auto& fw = frameworks_[f];
  fw.allocated -= t.request;
  --fw.running;
  AddToGroupPath(f, Resources{} - t.request);
  CountPriority(t.priority, -1);
  if (t.gang != kNone) --gangs_[t.gang].active;
  if (t.revocable) --fw.revocable;
  t.revocable = false;
  t.node = kNone;
  t.node_name.clear();
  t.assumed = false;
  Enqueue(task);
}

std::vector<int> Allocator::Impl::PlaceGang(int g, double now) {
  auto& gs = gangs_[g];
  const int need = gs.need();
  // Its own reservation is free for it: release it (no wake-ups; others get it back below).
  std::vector<GangReservation> held = std::move(gs.reserved);
  gs.reserved.clear();
  for (const auto& r : held)
    if (pool_.Find(r.node_name) == r.node) pool_.AddUsage(r.node, Resources{} - r.amount);

  // The members are decided together: classes parked for capacity try again now.
  Reason failure;
  Block failure_block = Block::kNone;
  int failure_group = kNone;
  for (int cls : std::vector<int>(gs.classes)) {
    const Block b = classes_[cls].block;
    if (b == Block::kCapacity || b == Block::kNoEligible || b == Block::kHeadroom ||
        b == Block::kLimit) {
      UnblockClass(cls);
    } else if (b != Block::kNone && failure_block == Block::kNone) {
      failure_block = b;  // unknown group, suspension: nothing can be placed
      failure = classes_[cls].reason;
    }
  }

  // The whole minimum against every limit on the members' path (rule G4): a gang that can
  // never fit says so instead of waiting for capacity.
  if (failure_block == Block::kNone && !gs.classes.empty()) {
    std::vector<std::tuple<int64_t, uint64_t, int>> pending;  // in queue order
    ResourceSum minimum;
    for (int task : gs.members) {
      const auto& t = tasks_[task];
      if (!t.node_name.empty()) {
        minimum += t.request;
      } else {
        pending.emplace_back(-int64_t{t.priority}, t.order, task);
      }
    }
    std::sort(pending.begin(), pending.end());
    for (int i = 0; i < need && i < static_cast<int>(pending.size()); ++i)
      minimum += tasks_[std::get<2>(pending[i])].request;
    const int group = frameworks_[classes_[gs.classes.front()].framework].group;
    if (int over = groups_.ExceedsLimit(group, gs.policy.min_resources, minimum); over != kNone) {
      failure_block = Block::kLimit;
      failure_group = over;
      failure = LimitReason(over);
      failure.message = "Gang " + gs.key + " needs more for its minimum of " +
                        std::to_string(gs.policy.min_member) + " members than the limit of " +
                        "ResourceGroup \"" + groups_.name(over) +
                        "\" allows: it can never be placed.";
    }
  }

  std::vector<int> placed;
  while (failure_block == Block::kNone && static_cast<int>(placed.size()) < need) {
    int cls = kNone;
    for (int c : gs.classes) {
      if (classes_[c].queue.empty()) continue;
      if (cls == kNone || *classes_[c].queue.begin() < *classes_[cls].queue.begin()) cls = c;
    }
    if (cls == kNone) {  // fewer pending members than needed (PrepareGangs says why)
      failure_block = Block::kGang;
      failure = Reason{ReasonCode::kWaitingForMembers, gs.key,
                       "Gang " + gs.key + " has fewer pending members than it needs."};
      break;
    }
    const TaskClass& c = classes_[cls];
    const int group = frameworks_[c.framework].group;
    if (int over = groups_.LimitViolation(group, c.request); over != kNone) {
      failure_block = Block::kLimit;
      failure_group = over;
      failure = LimitReason(over);
      break;
    }
    if (!frameworks_[c.framework].spec.revocable &&
        !groups_.WithinGuarantee(group, c.request, false)) {
      failure_block = Block::kLimit;
      failure_group = group;
      failure = DenyRevocableReason(c.framework);
      break;
    }
    if (!groups_.BelowGuarantee(group, c.request)) {
      if (ResourceId r = groups_.HeadroomViolation(group, c.request, pool_.free_total()); r >= 0) {
        failure_block = Block::kHeadroom;
        failure = Reason{ReasonCode::kInsufficient, catalog_.Name(r),
                         "The free " + catalog_.Name(r) +
                             " is held back as headroom for the unmet guarantees of other groups."};
        break;
      }
    }
    // With a reservation just released, the cycle's exhausted marks (taken while it was held)
    // are stale for this gang: walk the whole order instead of the cursor.
    int node = kNone;
    if (held.empty() || c.full_scan) {
      node = FindNode(cls, now);
    } else {
      PlacementQuery query(*this, cls, now);
      for (int n : pool_.order().order()) {
        if (Eligible(cls, n) && query.Passes<placement::Scope::kLive>(NodeInfoOf(*this, n))) {
          node = n;
          break;
        }
      }
    }
    if (node < 0) {
      failure = Explain(cls, now);
      failure_block =
          failure.code == ReasonCode::kNoEligibleNode ? Block::kNoEligible : Block::kCapacity;
      break;
    }
    placed.push_back(PlaceHead(cls, node));
  }

  if (failure_block == Block::kNone && static_cast<int>(placed.size()) >= need) {
    gs.waiting_since = -1;
    gs.attempts = 0;
    gs.last_failure.reset();
    if (!gs.reserve_scope.empty()) {
      reserving_.erase(gs.reserve_scope);
      gs.reserve_scope.clear();
      gs.reserved_until = -1;
      gs.backoff = 0;
    }
    for (const auto& r : held)
      if (pool_.Find(r.node_name) == r.node) OnCapacityFreed(r.node, kNone);
    return placed;
  }

  // Short of the minimum: undo, newest first, so that nothing partial leaves the engine.
  std::vector<std::pair<int, Resources>> tentative;
  for (auto it = placed.rbegin(); it != placed.rend(); ++it) {
    tentative.emplace_back(tasks_[*it].node, tasks_[*it].request);
    Unplace(*it);
  }
  if (gs.waiting_since < 0) gs.waiting_since = now;
  ++gs.attempts;

  // A gang starving for long enough holds, for a bounded time (rule G6), what it could place
  // and the free capacity of the nodes it would need for the rest, so that what frees up there
  // is not taken by smaller tasks before the gang fits.
  const bool capacity_short = failure_block == Block::kCapacity ||
                              failure_block == Block::kNoEligible ||
                              failure_block == Block::kHeadroom;
  if (capacity_short && MayReserve(g, now)) {
    Reserve(g, tentative, held, need, now);
  } else if (!gs.reserve_scope.empty()) {
    EndReservation(g, now, false);
  }
  for (const auto& r : held) {
    const bool again = std::any_of(gs.reserved.begin(), gs.reserved.end(),
                                   [&](const GangReservation& x) { return x.node == r.node; });
    if (!again && pool_.Find(r.node_name) == r.node) OnCapacityFreed(r.node, kNone);
  }

  Reason reason = failure;
  reason.message = "Gang " + gs.key + ": " + Fraction(static_cast<int>(tentative.size()), need) +
                   " placeable. " + failure.message;
  gs.last_failure = reason;
  for (int cls : std::vector<int>(gs.classes))
    if (classes_[cls].block == Block::kNone) BlockClass(cls, failure_block, failure_group, reason);
  return {};
}

void Allocator::Impl::FinishGangs(double now) {
  for (auto& gs : gangs_) {
    if (!gs.alive) continue;
    if (gs.count() >= gs.policy.min_member && gs.policy.min_member > 0) gs.reached_min = true;
    const bool partial = gs.active > 0 && gs.need() > 0;
    if (!partial) {
      gs.below_min_since = -1;
    } else if (gs.below_min_since < 0) {
      gs.below_min_since = now;
    }
  }
}

// ---------------------------------------------------------------- PodGroups and views

void Allocator::Impl::UpsertGang(const GangSpec& spec) {
  const int g = GangSlot(spec.key, true);
  auto& gs = gangs_[g];
  if (gs.has_spec && gs.policy == spec.policy) return;
  gs.has_spec = true;
  gs.policy = spec.policy;
  WakeGang(g);
}

void Allocator::Impl::RemoveGang(const std::string& key) {
  const int g = GangSlot(key, false);
  if (g == kNone) return;
  gangs_[g].has_spec = false;
  if (!gangs_[g].reserve_scope.empty()) EndReservation(g, now_, false);
  WakeGang(g);  // the next cycle says that its members wait for it
  MaybeFreeGang(g);
}

std::vector<GangStatus> Allocator::Impl::Gangs() const {
  std::vector<GangStatus> out;
  for (const auto& gs : gangs_) {
    if (!gs.alive || !gs.has_spec || gs.policy.min_member <= 0) continue;
    GangStatus status;
    status.key = gs.key;
    status.pod_group = gs.pod_group;
    status.min_member = gs.policy.min_member;
    status.active = gs.active;
    for (int task : gs.members) {
      const auto& t = tasks_[task];
      if (t.node_name.empty()) {
        ++status.pending;
      } else if (!t.assumed) {
        ++status.bound;
      }
    }
    const int done = static_cast<int>(gs.succeeded.size());
    status.last_failure = gs.last_failure;
    status.waiting_since = gs.waiting_since;
    status.below_min_since = gs.below_min_since;
    status.attempts = gs.attempts;
    for (const auto& r : gs.reserved) status.reserved += r.amount;
    status.reserved_until = gs.reserve_scope.empty() ? -1 : gs.reserved_until;
    if (static_cast<int>(gs.members.size()) + done < gs.policy.min_member) {
      status.phase =
          gs.reached_min && gs.active > 0 ? GangPhase::kDegraded : GangPhase::kWaitingForMembers;
    } else if (status.bound + done >= gs.policy.min_member) {
      status.phase = GangPhase::kRunning;
    } else if (gs.count() >= gs.policy.min_member) {
      status.phase = GangPhase::kBinding;
    } else if (gs.active > 0 && gs.reached_min) {
      status.phase = GangPhase::kDegraded;
    } else if (!gs.reserved.empty()) {
      status.phase = GangPhase::kReserving;
    } else {
      status.phase = GangPhase::kPending;
    }
    out.push_back(std::move(status));
  }
  std::sort(out.begin(), out.end(), [](const GangStatus& a, const GangStatus& b) {
    return std::tie(a.pod_group, a.key) < std::tie(b.pod_group, b.key);
  });
  return out;
}

}  // namespace kubemesos
