// Quota: limits (never exceeded by a group or any ancestor), guarantees (served first), the
// headroom held back so that the unmet guarantee of every Hold group stays satisfiable, as Mesos
// <= 1.8 does, and which placements use guaranteed capacity (the rest is revocable). The unmet
// guarantee of a Lend group is not held: others use it and reclaim gives it back.
#include <algorithm>

#include "scheduler/group_tree.h"

namespace kubemesos {
namespace {

bool Holds(const GroupSpec& spec) {
  return spec.guarantee_policy == GuaranteePolicy::kHold;
}

// The unmet part of a Hold group's guarantee, per guaranteed resource (zero for Lend groups).
template <typename Group>
ResourceSum Unmet(const Group& g) {
  ResourceSum unmet;
  if (!Holds(g.spec)) return unmet;
  for (int r = 0; r < kMaxResourceKinds; ++r) {
    if (g.spec.guarantee.Has(r))
      unmet[r] = std::max<WideAmount>(0, g.spec.guarantee.amount[r] - g.allocated[r]);
  }
  return unmet;
}

}  // namespace

int GroupTree::LimitViolation(int group, const Resources& request) const {
  int violation = kNone;
  for (int g = group; g != kNone && g != kRoot; g = groups_[g].parent) {
    const auto& limit = groups_[g].spec.limit;
    if (limit.empty()) continue;
    for (int r = 0; r < kMaxResourceKinds; ++r) {
      if (limit.Has(r) && request[r] > 0 &&
          groups_[g].allocated[r] + request[r] > limit.amount[r]) {
        violation = g;  // keep walking: report the outermost binding group
        break;
      }
    }
  }
  return violation;
}

int GroupTree::ExceedsLimit(int group, const ResourceBound& declared,
                            const ResourceSum& minimum) const {
  int violation = kNone;
  for (int g = group; g != kNone && g != kRoot; g = groups_[g].parent) {
    const auto& limit = groups_[g].spec.limit;
    for (int r = 0; r < kMaxResourceKinds; ++r) {
      const WideAmount need = declared.Has(r) ? WideAmount{declared.amount[r]} : minimum[r];
      if (limit.Has(r) && need > limit.amount[r]) {
        violation = g;
        break;
      }
    }
  }
  return violation;
}

bool GroupTree::BelowGuarantee(int group, const Resources& request) const {
  for (int g = group; g != kNone && g != kRoot; g = groups_[g].parent) {
    const auto& guarantee = groups_[g].spec.guarantee;
    for (int r = 0; r < kMaxResourceKinds; ++r) {
      if (guarantee.Has(r) && request[r] > 0 && groups_[g].allocated[r] < guarantee.amount[r])
        return true;
    }
  }
  return false;
}

bool GroupTree::WithinGuarantee(int group, const Resources& request, bool counted) const {
  if (group == kNone) return false;
  bool covered = false;
  for (int g = group; g != kNone && g != kRoot; g = groups_[g].parent) {
    const auto& guarantee = groups_[g].spec.guarantee;
    for (int r = 0; r < kMaxResourceKinds; ++r) {
      if (!guarantee.Has(r) || request[r] <= 0) continue;
      covered = true;
      const WideAmount after = groups_[g].allocated[r] + (counted ? 0 : request[r]);
      if (after > guarantee.amount[r]) return false;
    }
  }
  return covered;
}

void GroupTree::RecomputeNeed(int group) {
  const int kinds = catalog_.size();  // kinds past the catalog's are zero everywhere
  for (int g = group; g != kNone; g = groups_[g].parent) {
    auto& state = groups_[g];
    Group* parent = state.parent != kNone ? &groups_[state.parent] : nullptr;
    // No early exit: an ancestor's own unmet guarantee changes with the allocation too.
    // need = max(unmet guarantee, children's need), kind by kind, in one pass (this runs
    // along the path of every placement).
    const bool holds = Holds(state.spec);
    for (int r = 0; r < kinds; ++r) {
      WideAmount unmet = 0;
      if (holds && state.spec.guarantee.Has(r))
        unmet = std::max<WideAmount>(0, state.spec.guarantee.amount[r] - state.allocated[r]);
      const WideAmount need = std::max(unmet, state.children_need[r]);
      if (parent) parent->children_need[r] += need - state.need[r];
      state.need[r] = need;
    }
  }
}

void GroupTree::RecomputeAllNeeds() {
  // Children have larger depth; process deepest first.
  std::vector<int> by_depth(groups_.size());
  for (size_t i = 0; i < groups_.size(); ++i) by_depth[i] = static_cast<int>(i);
  std::sort(by_depth.begin(), by_depth.end(),
            [&](int a, int b) { return groups_[a].depth > groups_[b].depth; });
  for (auto& g : groups_) g.children_need = ResourceSum{};
  for (int g : by_depth) {
    auto& state = groups_[g];
    if (!state.valid) continue;
    state.need = g == kRoot ? state.children_need : Max(Unmet(state), state.children_need);
    if (state.parent != kNone) groups_[state.parent].children_need += state.need;
  }
}

ResourceId GroupTree::HeadroomViolation(int group, const Resources& request,
                                        const ResourceSum& free_total) const {
  const auto& root = groups_[kRoot];
  if (root.need.IsZero()) return -1;
  // Headroom after the placement: recompute `need` along the path as if `request` were added.
  ResourceSum child_old, child_new;
  bool first = true;
  for (int g = group; g != kNone; g = groups_[g].parent) {
    const auto& state = groups_[g];
    ResourceSum children_need = state.children_need;
    if (!first) {
      children_need -= child_old;
      children_need += child_new;
    }
    ResourceSum unmet;
    if (g != kRoot && Holds(state.spec)) {
      for (int r = 0; r < kMaxResourceKinds; ++r) {
        if (state.spec.guarantee.Has(r))
          unmet[r] = std::max<WideAmount>(
              0, state.spec.guarantee.amount[r] - state.allocated[r] - request[r]);
      }
    }
    child_old = state.need;
    child_new = Max(unmet, children_need);
    first = false;
  }
  const ResourceSum& headroom_after = child_new;  // the root's new need
  for (int r = 0; r < kMaxResourceKinds; ++r) {
    if (request[r] > 0 && headroom_after[r] > 0 && free_total[r] - request[r] < headroom_after[r])
      return r;
  }
  return -1;
}

}  // namespace kubemesos
