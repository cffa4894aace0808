// One allocation cycle: the quota stage (groups below their guarantee, in DRF order), then the
// fair-share stage (everyone, within limits and outside other groups' headroom), placing one task
// at a time for the framework with the lowest weighted dominant share, then explaining every
// task left pending.
#include <algorithm>

#include "scheduler/allocator_impl.h"
#include "scheduler/drf_sorter.h"
#include "scheduler/placement_query.h"

namespace kubemesos {
namespace {

enum class Stage { kQuota, kFairShare };

}  // namespace

Reason Allocator::Impl::LimitReason(int group) const {
  const std::string& name = groups_.name(group);
  return Reason{ReasonCode::kQuotaLimit, name,
                "Placing the task would exceed the limit of ResourceGroup \"" + name + "\"."};
}

Reason Allocator::Impl::DenyRevocableReason(int framework) const {
  const auto& fw = frameworks_[framework];
  return Reason{ReasonCode::kQuotaLimit, fw.spec.group,
                "Framework " + fw.spec.key +
                    " accepts no revocable capacity (spec.revocable: Deny) and ResourceGroup \"" +
                    fw.spec.group + "\" has no unused guarantee left for the task."};
}

int Allocator::Impl::NextClass(int framework) const {
  int best = kNone;
  for (int cls : frameworks_[framework].classes) {
    const auto& c = classes_[cls];
    if (c.block != Block::kNone) continue;
    if (best == kNone || *c.queue.begin() < *classes_[best].queue.begin()) best = cls;
  }
  return best;
}

int Allocator::Impl::FindNode(int cls, double now) {
  auto& c = classes_[cls];
  if (c.full_scan) return ScanNodes(cls, now);
  // The node-scoped plugins answer from the class's bitmap, the live ones inline.
  PlacementQuery query(*this, cls, now);
  return pool_.order().Next(c.cursor, cycle_, [&](int n) {
    return Eligible(cls, n) && query.Passes<placement::Scope::kLive>(NodeInfoOf(*this, n));
  });
}

Reason Allocator::Impl::Explain(int cls, double now) {
  // The class's eligibility bitmap already says which nodes pass every node-scoped plugin:
  // those get only the live checks.
  const std::vector<uint8_t>& eligible = EligibleNodes(cls);
  PlacementQuery query(*this, cls, now);
  auto diagnosis = placement::Diagnose<placement::Plugins>(query.info(), [&](auto&& visit) {
    for (int n = 0; n < pool_.slots(); ++n)
      if (pool_.node(n).alive) visit(NodeInfoOf(*this, n), eligible[n] != 0);
  });
  return placement::Explain(diagnosis, catalog_);
}

AllocationResult Allocator::Impl::Allocate(double now) {
  AllocationResult result;
  EnsureGroups();
  now_ = now;
  ++cycle_;
  changed_classes_.clear();

  // Offer filters that expired may let their frameworks use those nodes again.
  if (now >= next_filter_expiry_) {
    next_filter_expiry_ = 1e300;
    for (size_t f = 0; f < frameworks_.size(); ++f) {
      auto& fw = frameworks_[f];
      bool expired = false;
      for (auto it = fw.filters.begin(); it != fw.filters.end();) {
        if (it->second <= now) {
          it = fw.filters.erase(it);
          expired = true;
        } else {
          next_filter_expiry_ = std::min(next_filter_expiry_, it->second);
          ++it;
        }
      }
      if (expired) UnblockFramework(static_cast<int>(f));
    }
  }
  pool_.RefreshOrder();
  // Classes that wait for other pods (anti-affinity, spread, host ports) try again once the pods
  // on nodes changed: between cycles, not after every placement, so that a cycle costs each
  // blocked class one search at most.
  UnblockPodSensitive();

  // Frameworks that cannot take part say why.
  std::vector<int> candidates(runnable_.begin(), runnable_.end());
  for (int f : candidates) {
    const auto& fw = frameworks_[f];
    Block block = Block::kNone;
    Reason reason;
    if (fw.group == kNone) {
      block = Block::kUnknownGroup;
      reason.code = ReasonCode::kUnknownGroup;
      reason.subject = fw.spec.group;
      int g = groups_.Find(fw.spec.group);
      reason.message = g == kNone ? "ResourceGroup \"" + fw.spec.group + "\" does not exist."
                                  : "ResourceGroup \"" + fw.spec.group +
                                        "\" is invalid: " + groups_.invalid_message(g) + ".";
    } else if (fw.spec.suspended) {
      block = Block::kSuspended;
      reason.code = ReasonCode::kSuspended;
      reason.subject = fw.spec.key;
      reason.message = "Framework " + fw.spec.key + " is suspended: it receives no offers.";
    }
    if (block == Block::kNone) continue;
    for (int cls : std::vector<int>(fw.classes))
      if (classes_[cls].block == Block::kNone) BlockClass(cls, block, kNone, reason);
  }
  // Gangs that cannot be decided yet say why; reservations past their time end.
  if (!gangs_.empty()) PrepareGangs(now);
  // Preemptors whose victims have left take their nominated nodes before anyone else.
  // Tasks that arrived since the last cycle start waiting now (delaySeconds counts from here).
  for (int task : new_pending_)
    if (task < static_cast<int>(tasks_.size()) && tasks_[task].cls != kNone &&
        tasks_[task].pending_since < 0)
      tasks_[task].pending_since = now;
  new_pending_.clear();
  if (!plans_.empty() || !ended_nominations_.empty()) ServeNominations(now, result);

  // Nodes that cannot fit even the smallest pending request are skipped by every cursor.
  Resources smallest;
  smallest.amount.fill(INT64_MAX);
  for (int f : runnable_)
    for (int cls : frameworks_[f].classes)
      if (classes_[cls].block == Block::kNone) smallest = Min(smallest, classes_[cls].request);
  auto exhausted = [&](const NodeState& node) {
    if (!node.alive || !node.healthy) return true;
    for (int r = 0; r < kMaxResourceKinds; ++r)
      if (node.free[r] < smallest[r]) return true;
    return false;
  };
  if (!runnable_.empty()) {
    for (int node : pool_.order().order())
      if (exhausted(pool_.node(node))) pool_.MarkExhausted(node);
  }

  if (fw_rank_.size() != frameworks_.size() || fw_rank_dirty_) {
    std::vector<int> by_key;
    for (size_t f = 0; f < frameworks_.size(); ++f) by_key.push_back(static_cast<int>(f));
    std::sort(by_key.begin(), by_key.end(),
              [&](int a, int b) { return frameworks_[a].spec.key < frameworks_[b].spec.key; });
    fw_rank_.assign(frameworks_.size(), 0);
    for (size_t i = 0; i < by_key.size(); ++i) fw_rank_[by_key[i]] = static_cast<int>(i);
    fw_rank_dirty_ = false;
  }

  // A framework whose gang is on nodes but below its minimum (a member lost, a bind failed) is
  // served first within its group (rule G7 of the gang design): its share sorts below any other.
  auto share_of = [&](int f) {
    const auto& fw = frameworks_[f];
    return HasPartialGang(f) ? -1.0 : DominantShare(fw.allocated);
  };
  auto run_stage = [&](Stage stage) {
    std::vector<DrfSorter::Group> sorter_groups(groups_.size());
    for (int g = 0; g < groups_.size(); ++g)
      sorter_groups[g] = {groups_.parent(g), groups_.spec(g).weight,
                          DominantShare(groups_.allocated(g))};
    DrfSorter sorter(std::move(sorter_groups), static_cast<int>(frameworks_.size()));
    for (int f : runnable_) {
      int cls = NextClass(f);
      const auto& fw = frameworks_[f];
      if (stage == Stage::kQuota && !groups_.BelowGuarantee(fw.group, classes_[cls].request))
        continue;
      sorter.Add(f, fw.group, fw_rank_[f], share_of(f));
    }
    while (true) {
      int f = sorter.Pick();
      if (f < 0) break;
      int cls = NextClass(f);
      if (cls == kNone) {
        sorter.Remove(f);
        continue;
      }
      if (classes_[cls].gang != kNone && gangs_[classes_[cls].gang].need() > 0) {
        // All or nothing: the gang's minimum is decided now, with every quota check per member
        // (the guarantee part and the fair-share part in one transaction).
        const int g = classes_[cls].gang;
        std::vector<int> placed = PlaceGang(g, now);
        for (int task : placed) {
          auto& t = tasks_[task];
          auto& fw = frameworks_[t.framework];
          ++fw.offers_accepted;
          if (exhausted(pool_.node(t.node))) pool_.MarkExhausted(t.node);
          result.placements.push_back(
              {t.key, fw.spec.key, t.node_name, gangs_[g].key, t.revocable});
          sorter.Update(t.framework, share_of(t.framework));
          for (int p = fw.group; p != kNone; p = groups_.parent(p))
            sorter.UpdateGroup(p, DominantShare(groups_.allocated(p)));
        }
        continue;
      }
      TaskClass& c = classes_[cls];
      const int group = frameworks_[f].group;
      if (stage == Stage::kQuota && !groups_.BelowGuarantee(group, c.request)) {
        sorter.Remove(f);
        continue;
      }
      if (int g = groups_.LimitViolation(group, c.request); g != kNone) {
        BlockClass(cls, Block::kLimit, g, LimitReason(g));
        continue;
      }
      if (!frameworks_[f].spec.revocable && !groups_.WithinGuarantee(group, c.request, false)) {
        BlockClass(cls, Block::kLimit, group, DenyRevocableReason(f));
        continue;
      }
      if (stage == Stage::kFairShare) {
        if (ResourceId r = groups_.HeadroomViolation(group, c.request, pool_.free_total());
            r >= 0) {
          Reason reason{ReasonCode::kInsufficient, catalog_.Name(r),
                        "The free " + catalog_.Name(r) +
                            " is held back as headroom for the unmet guarantees of other groups."};
          BlockClass(cls, Block::kHeadroom, kNone, std::move(reason));
          continue;
        }
      }
      int node = FindNode(cls, now);
      if (node < 0) {
        Reason reason = Explain(cls, now);
        Block block =
            reason.code == ReasonCode::kNoEligibleNode ? Block::kNoEligible : Block::kCapacity;
        BlockClass(cls, block, kNone, std::move(reason));
        continue;
      }
      // Accept: the head task of the class is assumed on the node.
      int task = PlaceHead(cls, node);
      auto& t = tasks_[task];
      if (exhausted(pool_.node(node))) pool_.MarkExhausted(node);
      auto& fw = frameworks_[f];
      ++fw.offers_accepted;
      result.placements.push_back({t.key, fw.spec.key, t.node_name, {}, t.revocable});
      sorter.Update(f, share_of(f));
      for (int g = fw.group; g != kNone; g = groups_.parent(g))
        sorter.UpdateGroup(g, DominantShare(groups_.allocated(g)));
    }
  };
  if (!runnable_.empty()) {
    run_stage(Stage::kQuota);
    run_stage(Stage::kFairShare);
  }

  if (!gangs_.empty()) FinishGangs(now);
  // Tasks still blocked may preempt: reclaim lent guarantees, priority inside a group.
  PlanPreemptions(now, result);

  // A task short of capacity whose group has meanwhile reached its limit is held back by the
  // limit first: say so, so that no node is bought for it.
  for (size_t i = result.placements.empty() ? 0 : blocked_classes_.size(); i-- > 0;) {
    int cls = blocked_classes_[i];
    auto& c = classes_[cls];
    if (c.block != Block::kCapacity && c.block != Block::kNoEligible && c.block != Block::kHeadroom)
      continue;
    if (int g = groups_.LimitViolation(frameworks_[c.framework].group, c.request); g != kNone) {
      BlockClass(cls, Block::kLimit, g, LimitReason(g));
    }
  }

  // Explain every pending task whose reason is new.
  auto report = [&](int task, const Reason& reason) {
    auto& t = tasks_[task];
    if (t.reported && *t.reported == reason) return;
    t.reported = reason;
    result.unplaced.push_back({t.key, t.framework_key, reason});
  };
  std::sort(changed_classes_.begin(), changed_classes_.end());
  changed_classes_.erase(std::unique(changed_classes_.begin(), changed_classes_.end()),
                         changed_classes_.end());
  for (int cls : changed_classes_) {
    const auto& c = classes_[cls];
    if (!c.alive || c.block == Block::kNone) continue;
    for (const auto& entry : c.queue) report(std::get<3>(entry), c.reason);
  }
  for (int task : to_report_) {
    if (task >= static_cast<int>(tasks_.size())) continue;
    const auto& t = tasks_[task];
    if (t.key.empty() || !t.node_name.empty() || t.terminal) continue;
    if (t.framework == kNone) {
      Reason reason{ReasonCode::kUnknownFramework, t.framework_key,
                    t.framework_key.empty() || t.framework_key.back() == '/'
                        ? "The pod has no kubemesos.io/framework label."
                        : "Framework " + t.framework_key + " does not exist."};
      report(task, reason);
    } else if (t.cls != kNone && classes_[t.cls].block != Block::kNone) {
      report(task, classes_[t.cls].reason);
    }
  }
  to_report_.clear();
  return result;
}

}  // namespace kubemesos
