// Finding preemption plans (rules P1-P10 of the gang and preemption design), for tasks still
// blocked at the end of a cycle, in allocation order:
// - reclaim: a task (or a gang's minimum) whose group is below its guarantee takes back lent
//   capacity from groups above theirs. Victims come only from groups that stay at or above their
//   guarantee (the floor), compared at the children of the two groups' lowest common ancestor, so
//   that siblings that only inherit a parent's deficit never fight;
// - priority: a task preempts strictly lower-priority tasks of its own group when the group is at
//   its limit or no node fits.
// A plan is all or nothing: it exists only when every preemptor has a node where its request fits
// once the plan's victims (and pods already leaving) are gone, with every node-scoped and live
// placement check; then victims that are not needed are reprieved, so the set is minimal.
#include <algorithm>

#include "scheduler/allocator_impl.h"
#include "scheduler/placement_query.h"

namespace kubemesos {
namespace {

bool Fits(const Resources& avail, const Resources& request) {
  for (int r = 0; r < kMaxResourceKinds; ++r)
    if (request[r] > 0 && avail[r] < request[r]) return false;
  return true;
}

// What the search knows about the cluster in one cycle: built once, updated as plans are made.
struct Context {
  std::vector<std::vector<int>> by_node;      // candidate victims on each node
  std::vector<Resources> leaving;             // by node: requests of pods already leaving
  std::vector<ResourceSum> group_leaving;     // by group (subtree): requests leaving
  std::unordered_map<int, int> gang_leaving;  // gang slot -> members leaving
  std::vector<int64_t> lowest_priority;       // by group: of its candidate victims
  int64_t lowest = INT64_MAX;                 // of every candidate victim
  std::vector<double> share;                  // by group: dominant share when built
};

}  // namespace

struct PlanSearch {
  Allocator::Impl& impl;
  Context& ctx;
  double now;
  PreemptionKind kind;
  int group;  // the preemptor's group
  int32_t priority;
  int own_gang;
  bool single;              // one task, not a gang's minimum
  std::vector<int> a_path;  // the preemptor's group up to the root

  // The plan being built.
  std::vector<int> victims;
  std::unordered_map<int, Resources> removed;          // by node
  std::unordered_map<int, Resources> tentative;        // by node: preemptors placed in the plan
  std::unordered_map<int, ResourceSum> group_removed;  // by group (path of each victim)
  std::unordered_map<int, int> gang_removed;
  std::vector<std::pair<int, int>> placed;  // (member task, node)

  // The child of the lowest common ancestor of the preemptor's group and `b` on b's side, or
  // kNone when one group contains the other.
  int VictimSide(int b) const {
    int child = kNone;
    for (int g = b; g != kNone; g = impl.groups_.parent(g)) {
      if (std::find(a_path.begin(), a_path.end(), g) != a_path.end())
        return g == b || g == group ? kNone : child;
      child = g;
    }
    return kNone;
  }
  int PreemptorSide(int b) const {
    int child = kNone;
    for (int g : a_path) {
      if (impl.InSubtree(b, g)) return g == group ? kNone : child;
      child = g;
    }
    return kNone;
  }

  // The guarantee floor on the victim's side: every group from the victim's up to the child of
  // the LCA stays at or above its guarantee without the victim (rule P2/P3).
  bool FloorHolds(int b, int b_top, const Resources& request) const {
    for (int g = b;; g = impl.groups_.parent(g)) {
      const auto& guarantee = impl.groups_.spec(g).guarantee;
      if (!guarantee.empty()) {
        const ResourceSum& alloc = impl.groups_.allocated(g);
        auto gr = group_removed.find(g);
        for (int r = 0; r < kMaxResourceKinds; ++r) {
          if (!guarantee.Has(r) || request[r] <= 0) continue;
          WideAmount left = alloc[r] - ctx.group_leaving[g][r] - request[r];
          if (gr != group_removed.end()) left -= gr->second[r];
          if (left < guarantee.amount[r]) return false;
        }
      }
      if (g == b_top) return true;
    }
  }

  // Rule P1b on the preemptor's side, per LCA child: `total` fits within the guarantee of every
  // group from the preemptor's up to a_top (their allocation includes what is nominated).
  bool BelowGuarantee(int a_top, const ResourceSum& total) const {
    bool covered = false;
    for (int g : a_path) {
      const auto& guarantee = impl.groups_.spec(g).guarantee;
      for (int r = 0; r < kMaxResourceKinds; ++r) {
        if (!guarantee.Has(r) || total[r] <= 0) continue;
        covered = true;
        if (impl.groups_.allocated(g)[r] + total[r] > guarantee.amount[r]) return false;
      }
      if (g == a_top) break;
    }
    return covered;
  }

  // Rule P1b for some LCA: the preemptor's group, or it and some ancestors, are below their
  // guarantee with `total` (victims are then checked against their own LCA).
  bool SomeSideBelow(const ResourceSum& total) const {
    for (int g : a_path) {
      if (g == GroupTree::kRoot) break;
      if (BelowGuarantee(g, total)) return true;
    }
    return false;
  }

  bool Eligible(int v, const ResourceSum& total) {
    const auto& t = impl.tasks_[v];
    const auto& fw = impl.frameworks_[t.framework];
    if (t.gang != kNone && t.gang == own_gang) return false;
    if (kind == PreemptionKind::kPriority) {
      if (fw.group != group || t.priority >= priority) return false;
    } else {
      const int b_top = VictimSide(fw.group);
      if (b_top == kNone) return false;
      const int a_top = PreemptorSide(fw.group);
      if (a_top == kNone || !BelowGuarantee(a_top, total)) return false;
      if (!FloorHolds(fw.group, b_top, t.request)) return false;
    }
    if (t.gang != kNone) {
      // Only surplus members: the victim's gang stays at its minimum (never broken).
      const auto& gs = impl.gangs_[t.gang];
      auto gl = ctx.gang_leaving.find(t.gang);
      auto gr = gang_removed.find(t.gang);
      const int left = gs.count() - (gl == ctx.gang_leaving.end() ? 0 : gl->second) -
                       (gr == gang_removed.end() ? 0 : gr->second) - 1;
      if (gs.policy.min_member > 0 && left < gs.policy.min_member) return false;
    }
    return true;
  }

  Resources Avail(int n) const {
    Resources avail = impl.pool_.node(n).free + ctx.leaving[n];
    if (auto it = removed.find(n); it != removed.end()) avail = avail + it->second;
    if (auto it = tentative.find(n); it != tentative.end()) avail = avail - it->second;
    return avail;
  }

  // Within the limits of the preemptor's groups, with what the plan and pods already leaving take
  // out of them (victims of the same group, or under a common limited ancestor) and what is
  // already nominated for them (in their allocation).
  bool LimitHolds(const ResourceSum& total) const {
    for (int g : a_path) {
      if (g == GroupTree::kRoot) break;
      const auto& limit = impl.groups_.spec(g).limit;
      if (limit.empty()) continue;
      auto gr = group_removed.find(g);
      for (int r = 0; r < kMaxResourceKinds; ++r) {
        if (!limit.Has(r) || total[r] <= 0) continue;
        WideAmount after = impl.groups_.allocated(g)[r] - ctx.group_leaving[g][r] + total[r];
        if (gr != group_removed.end()) after -= gr->second[r];
        if (after > limit.amount[r]) return false;
      }
    }
    return true;
  }

  bool LiveFits(const PlacementQuery& query, int n, const Resources& avail) const {
    const NodeState& state = impl.pool_.node(n);
    placement::NodeInfo info{n, state.spec, state.reserved_for, avail};
    return query.Passes<placement::Scope::kLive>(info);
  }

  void Remove(int v, int sign) {
    const auto& t = impl.tasks_[v];
    Resources& r = removed[t.node];
    r = sign > 0 ? r + t.request : r - t.request;
    for (int g = impl.frameworks_[t.framework].group; g != kNone; g = impl.groups_.parent(g)) {
      if (sign > 0) {
        group_removed[g] += t.request;
      } else {
        group_removed[g] -= t.request;
      }
    }
    if (t.gang != kNone) gang_removed[t.gang] += sign;
  }

  // The victim order on one node (rule P9): lower priority, the most over-share group, younger
  // (less work lost), smaller, then by name.
  void SortVictims(std::vector<int>& list) const {
    std::sort(list.begin(), list.end(), [&](int a, int b) {
      const auto& ta = impl.tasks_[a];
      const auto& tb = impl.tasks_[b];
      if (ta.priority != tb.priority) return ta.priority < tb.priority;
      const double sa = ctx.share[impl.frameworks_[ta.framework].group];
      const double sb = ctx.share[impl.frameworks_[tb.framework].group];
      if (sa != sb) return sa > sb;
      if (ta.started != tb.started) return ta.started > tb.started;
      if (ta.request[kCpu] != tb.request[kCpu]) return ta.request[kCpu] < tb.request[kCpu];
      return ta.key < tb.key;
    });
  }

  // Places one member: on a node where it fits with what is leaving already (no new victim),
  // else on the node needing the best set of new victims. False when no node can take it.
  bool PlaceMember(int member, const ResourceSum& total) {
    auto& t = impl.tasks_[member];
    const int cls = t.cls;
    PlacementQuery query(impl, cls, now);
    const std::vector<uint8_t>& eligible = impl.EligibleNodes(cls);
    const int slots = impl.pool_.slots();
    for (int n = 0; n < slots; ++n) {
      const NodeState& node = impl.pool_.node(n);
      if (!node.alive || !node.healthy || !eligible[n]) continue;
      // A single task that fits on free capacity was refused by policy (headroom, limits), not
      // by capacity: it may only wait here for pods already leaving.
      if (single && ctx.leaving[n].IsZero()) continue;
      Resources avail = Avail(n);
      if (Fits(avail, t.request) && LiveFits(query, n, avail) && LimitHolds(total)) {
        tentative[n] = tentative[n] + t.request;
        placed.emplace_back(member, n);
        return true;
      }
    }
    // Nodes with victims: the best by (highest victim priority, number of victims, node order).
    const int enough = std::max(100, static_cast<int>(impl.pool_.count() / 10));
    int found = 0, best_node = kNone;
    std::vector<int> best;
    std::tuple<int64_t, size_t, int> best_key{INT64_MAX, SIZE_MAX, INT32_MAX};
    for (int n = 0; n < slots && found < enough; ++n) {
      const NodeState& node = impl.pool_.node(n);
      if (!node.alive || !node.healthy || !eligible[n] || ctx.by_node[n].empty()) continue;
      // Even with every candidate gone the member would not fit: skip the node cheaply.
      Resources most = Avail(n);
      std::vector<int> list;
      for (int v : ctx.by_node[n])
        if (std::find(victims.begin(), victims.end(), v) == victims.end()) {
          list.push_back(v);
          most = most + impl.tasks_[v].request;
        }
      if (!Fits(most, t.request)) continue;
      SortVictims(list);
      std::vector<int> chosen;
      bool ok = false;
      for (int v : list) {
        if (!Eligible(v, total)) continue;
        chosen.push_back(v);
        Remove(v, +1);
        Resources avail = Avail(n);
        if (Fits(avail, t.request) && LiveFits(query, n, avail) && LimitHolds(total)) {
          ok = true;
          break;
        }
      }
      if (ok) {
        // Reprieve: the most valuable first (last chosen), while the member still fits.
        for (size_t i = chosen.size(); i-- > 0;) {
          const int v = chosen[i];
          Remove(v, -1);
          Resources avail = Avail(n);
          if (Fits(avail, t.request) && LiveFits(query, n, avail) && LimitHolds(total)) {
            chosen.erase(chosen.begin() + static_cast<long>(i));
          } else {
            Remove(v, +1);
          }
        }
        ++found;
        int64_t top = INT64_MIN;
        for (int v : chosen) top = std::max<int64_t>(top, impl.tasks_[v].priority);
        std::tuple<int64_t, size_t, int> key{top, chosen.size(), n};
        if (key < best_key) {
          best_key = key;
          best = chosen;
          best_node = n;
        }
      }
      for (int v : chosen) Remove(v, -1);
      // One victim of the lowest priority there is: no later node can do better (the node
      // order is the last tie-break), so stop looking.
      if (best.size() == 1 && std::get<0>(best_key) <= ctx.lowest) break;
    }
    if (best_node == kNone) return false;
    for (int v : best) {
      Remove(v, +1);
      victims.push_back(v);
    }
    tentative[best_node] = tentative[best_node] + t.request;
    placed.emplace_back(member, best_node);
    return true;
  }

  // The plan's victims minus those no preemptor needs (rule P8): each, newest first, is put back
  // while every node still holds its preemptors.
  void Trim(const ResourceSum& total) {
    for (size_t i = victims.size(); i-- > 0;) {
      const int v = victims[i];
      const int n = impl.tasks_[v].node;
      Remove(v, -1);
      bool ok = Fits(Avail(n) + tentative[n], tentative[n]) && LimitHolds(total);
      if (ok) {
        victims.erase(victims.begin() + static_cast<long>(i));
      } else {
        Remove(v, +1);
      }
    }
  }
};

void Allocator::Impl::PlanPreemptions(double now, AllocationResult& result) {
  const PreemptionOptions& opts = options_.preemption;
  if (!opts.enabled || blocked_classes_.empty()) return;

  // Preemptor candidates: blocked classes whose reason preemption can answer, by framework.
  std::vector<int> frameworks;
  for (int cls : blocked_classes_) {
    const auto& c = classes_[cls];
    if (c.block != Block::kCapacity && c.block != Block::kLimit && c.block != Block::kHeadroom)
      continue;
    // A required check only a per-task search sees (inter-pod terms, DoNotSchedule spread).
    if (constraints_[c.constraints].FiltersOnOtherPods() || c.queue.empty()) continue;
    const auto& fw = frameworks_[c.framework];
    if (fw.group == kNone) continue;
    const GroupPreemption& p = groups_.spec(fw.group).preemption;
    if (!p.reclaim && !p.within_group) continue;
    frameworks.push_back(c.framework);
  }
  if (frameworks.empty()) return;
  std::sort(frameworks.begin(), frameworks.end());
  frameworks.erase(std::unique(frameworks.begin(), frameworks.end()), frameworks.end());
  // Allocation order: the group's weighted share, then the framework's, then the name.
  auto key = [&](int f) {
    const auto& fw = frameworks_[f];
    const auto& spec = groups_.spec(fw.group);
    return std::make_tuple(DominantShare(groups_.allocated(fw.group)) / spec.weight,
                           DominantShare(fw.allocated), fw_rank_[f]);
  };
  std::sort(frameworks.begin(), frameworks.end(), [&](int a, int b) { return key(a) < key(b); });

  Context ctx;
  bool built = false;
  auto build = [&] {
    built = true;
    ctx.by_node.assign(pool_.slots(), {});
    ctx.leaving.assign(pool_.slots(), Resources{});
    ctx.group_leaving.assign(groups_.size(), ResourceSum{});
    ctx.lowest_priority.assign(groups_.size(), INT64_MAX);
    for (size_t i = 0; i < tasks_.size(); ++i) {
      const auto& t = tasks_[i];
      if (t.key.empty() || t.terminal || t.node == kNone || t.framework == kNone) continue;
      const auto& fw = frameworks_[t.framework];
      // Pods leaving count as free for the plans, unless they have been at it for longer than
      // their grace period and the slack: a stuck pod is not waited for (kubernetes#95752).
      if (t.terminating && t.terminating_since >= 0 &&
          now - t.terminating_since > t.grace + opts.nomination_slack_seconds)
        continue;
      const bool leaving = t.terminating || victims_.count(t.key) > 0;
      if (leaving) {
        ctx.leaving[t.node] = ctx.leaving[t.node] + t.request;
        for (int g = fw.group; g != kNone; g = groups_.parent(g)) ctx.group_leaving[g] += t.request;
        if (t.gang != kNone) ++ctx.gang_leaving[t.gang];
        continue;
      }
      if (t.assumed || !fw.spec.preemptable || fw.group == kNone) continue;
      if (now - t.started < fw.spec.min_runtime_seconds) continue;
      if (auto r = evict_refused_.find(t.key); r != evict_refused_.end() && r->second > now)
        continue;
      ctx.by_node[t.node].push_back(static_cast<int>(i));
      ctx.lowest_priority[fw.group] = std::min<int64_t>(ctx.lowest_priority[fw.group], t.priority);
      ctx.lowest = std::min<int64_t>(ctx.lowest, t.priority);
    }
    ctx.share.resize(groups_.size());
    for (int g = 0; g < groups_.size(); ++g) ctx.share[g] = DominantShare(groups_.allocated(g));
  };

  // Victims in flight (chosen, their pods not gone yet) count against the cap: the engine never
  // plans more than the evictor can carry out before the nominations' deadline.
  int budget = opts.max_evictions_in_flight - static_cast<int>(victims_.size());
  for (int f : frameworks) {
    if (budget <= 0) break;
    auto& fw = frameworks_[f];
    const GroupPreemption& gp = groups_.spec(fw.group).preemption;
    for (int cls : std::vector<int>(fw.classes)) {
      if (budget <= 0) break;
      if (cls >= static_cast<int>(classes_.size()) || !classes_[cls].alive) continue;
      const Block block = classes_[cls].block;
      if ((block != Block::kCapacity && block != Block::kLimit && block != Block::kHeadroom) ||
          constraints_[classes_[cls].constraints].FiltersOnOtherPods())
        continue;
      const int gang = classes_[cls].gang;
      if (gang != kNone && gangs_[gang].need() <= 0) continue;  // surplus waits its turn
      // The tasks of the class in queue order (interchangeable: a failure for one is for all).
      std::vector<int> queue;
      for (const auto& entry : classes_[cls].queue) queue.push_back(std::get<3>(entry));
      for (int task : queue) {
        if (budget <= 0) break;
        auto& t = tasks_[task];
        if (t.cls != cls || nominated_.count(t.key)) continue;
        if (t.preempt_never || now < t.next_preempt_attempt) break;
        if (t.pending_since < 0) t.pending_since = now;
        // The members this plan must place: the task, or the gang's minimum (its pending members
        // in queue order, without nominated ones).
        std::vector<int> members{task};
        if (gang != kNone) {
          members.clear();
          std::vector<std::tuple<int64_t, uint64_t, int>> pending;
          for (int m : gangs_[gang].members)
            if (tasks_[m].cls != kNone && !nominated_.count(tasks_[m].key))
              pending.emplace_back(-int64_t{tasks_[m].priority}, tasks_[m].order, m);
          std::sort(pending.begin(), pending.end());
          const int need = gangs_[gang].need();
          if (static_cast<int>(pending.size()) < need) break;
          for (int i = 0; i < need; ++i) members.push_back(std::get<2>(pending[i]));
        }
        ResourceSum total;
        for (int m : members) total += tasks_[m].request;
        std::vector<PreemptionKind> kinds;
        const bool delayed = now - t.pending_since >= gp.delay_seconds;
        if (gp.reclaim && block != Block::kLimit && delayed)
          kinds.push_back(PreemptionKind::kReclaim);
        if (gp.within_group && block != Block::kHeadroom && fw.spec.revocable &&
            !on_node_priorities_.empty() && on_node_priorities_.begin()->first < t.priority)
          kinds.push_back(PreemptionKind::kPriority);
        if (!kinds.empty() && kinds.front() == PreemptionKind::kReclaim) {
          // Cheap before the search: is the group (or it and some ancestors) below its guarantee?
          PlanSearch probe{
              *this, ctx, now, kinds.front(), fw.group, t.priority, gang, true, {}, {}, {}, {},
              {},    {},  {}};
          for (int g = fw.group; g != kNone; g = groups_.parent(g)) probe.a_path.push_back(g);
          if (!probe.SomeSideBelow(total)) kinds.erase(kinds.begin());
        }
        if (kinds.empty()) {
          if (!gp.reclaim || block == Block::kLimit || delayed)
            t.next_preempt_attempt = now + opts.attempt_interval_seconds;
          break;
        }
        if (!built) build();
        // Priority preemption needs a lower-priority candidate in the group: most blocked tasks
        // have none, and are answered here without a search.
        if (kinds.back() == PreemptionKind::kPriority &&
            ctx.lowest_priority[fw.group] >= t.priority)
          kinds.pop_back();
        bool planned = false;
        for (PreemptionKind kind : kinds) {
          PlanSearch s{*this, ctx, now, kind, fw.group, t.priority, gang, gang == kNone,
                       {},    {},  {},  {},   {},       {},         {}};
          for (int g = fw.group; g != kNone; g = groups_.parent(g)) s.a_path.push_back(g);
          bool ok = true;
          for (int m : members)
            if (!s.PlaceMember(m, total)) {
              ok = false;
              break;
            }
          if (!ok) continue;
          s.Trim(total);
          if (static_cast<int>(s.victims.size()) > budget) continue;
          // Commit: hold each preemptor's request on its node, mark the victims.
          const uint64_t id = next_plan_++;
          PlanState ps;
          Preemption& plan = ps.plan;
          plan.kind = kind;
          plan.group = groups_.name(fw.group);
          plan.gang = gang != kNone ? gangs_[gang].key : std::string();
          plan.created = now;
          double grace = 0;
          for (int v : s.victims) {
            auto& vt = tasks_[v];
            auto& vfw = frameworks_[vt.framework];
            plan.victims.push_back({vt.key, vfw.spec.key, vt.node_name, groups_.name(vfw.group),
                                    vt.priority, std::max(0.0, now - vt.started)});
            victims_[vt.key] = id;
            ++vfw.preempted;
            grace = std::max(grace, vt.grace);
            ctx.leaving[vt.node] = ctx.leaving[vt.node] + vt.request;
            for (int g = vfw.group; g != kNone; g = groups_.parent(g))
              ctx.group_leaving[g] += vt.request;
            if (vt.gang != kNone) ++ctx.gang_leaving[vt.gang];
            auto& list = ctx.by_node[vt.node];
            list.erase(std::remove(list.begin(), list.end(), v), list.end());
          }
          for (const auto& [m, n] : s.placed) {
            auto& mt = tasks_[m];
            plan.preemptors.push_back({mt.key, fw.spec.key, pool_.node(n).spec.name});
            PlanState::Held h{
                mt.key,     n,    pool_.node(n).spec.name, mt.framework, mt.framework_key,
                mt.request, false};
            Hold(h, +1);
            ps.held.push_back(std::move(h));
            nominated_[mt.key] = id;
          }
          plan.deadline = now + grace + opts.nomination_slack_seconds;
          const std::string who = gang != kNone ? "Gang " + gangs_[gang].key : "Pod " + t.key;
          plan.message = kind == PreemptionKind::kReclaim
                             ? who + " reclaims the guarantee of ResourceGroup \"" + plan.group +
                                   "\": " + std::to_string(plan.victims.size()) +
                                   " pod(s) of groups above their guarantee are preempted."
                             : who + " (priority " + std::to_string(t.priority) + ") preempts " +
                                   std::to_string(plan.victims.size()) +
                                   " lower-priority pod(s) of ResourceGroup \"" + plan.group +
                                   "\".";
          budget -= static_cast<int>(plan.victims.size());
          result.preemptions.push_back(plan);
          plans_.emplace(id, std::move(ps));
          planned = true;
          break;
        }
        if (!planned) {
          // Back off, unless reclaim was only waiting for the delay to pass: it must not be held
          // back further by a failed priority search.
          if (!gp.reclaim || block == Block::kLimit || delayed)
            t.next_preempt_attempt = now + opts.attempt_interval_seconds;
          break;
        }
        if (gang != kNone) break;  // one plan per gang and cycle
      }
    }
  }
}

}  // namespace kubemesos
