// The one bounded reservation of a starving gang (rule G6 of the gang design): what it holds,
// where, until when, and the backoff after a reservation timed out. Reserved capacity is usage on
// the node (NodePool::AddUsage) that no placement sees as free until it is released.
#include <algorithm>

#include "scheduler/allocator_impl.h"

namespace kubemesos {

void Allocator::Impl::EndReservation(int g, double now, bool timed_out) {
  auto& gs = gangs_[g];
  for (const auto& r : gs.reserved) {
    if (pool_.Find(r.node_name) != r.node) continue;
    pool_.AddUsage(r.node, Resources{} - r.amount);
    OnCapacityFreed(r.node, kNone);
  }
  gs.reserved.clear();
  if (!gs.reserve_scope.empty()) reserving_.erase(gs.reserve_scope);
  gs.reserve_scope.clear();
  gs.reserved_until = -1;
  if (timed_out) {
    // Back off before reserving again, so that another starving gang of the subtree gets its turn.
    gs.backoff = gs.backoff <= 0 ? gs.policy.backoff_base_seconds
                                 : std::min(gs.backoff * 2, gs.policy.backoff_max_seconds);
    gs.next_reserve_after = now + gs.backoff;
  }
}

std::string Allocator::Impl::ReserveScope(int g) const {
  const auto& gs = gangs_[g];
  if (gs.classes.empty()) return "";
  int top = frameworks_[classes_[gs.classes.front()].framework].group;
  while (top != kNone && groups_.parent(top) != GroupTree::kRoot && groups_.parent(top) != kNone)
    top = groups_.parent(top);
  return top == kNone ? "" : groups_.name(top);
}

bool Allocator::Impl::MayReserve(int g, double now) const {
  const auto& gs = gangs_[g];
  if (gs.policy.starvation_seconds <= 0 || gs.waiting_since < 0 ||
      now - gs.waiting_since < gs.policy.starvation_seconds || now < gs.next_reserve_after ||
      (gs.reserved_until >= 0 && now >= gs.reserved_until))
    return false;
  const std::string scope = ReserveScope(g);
  auto holder = reserving_.find(scope);
  return !scope.empty() && (holder == reserving_.end() || holder->second == g);
}

void Allocator::Impl::Reserve(int g, const std::vector<std::pair<int, Resources>>& tentative,
                              const std::vector<GangReservation>& held, int need, double now) {
  auto& gs = gangs_[g];
  const std::string scope = ReserveScope(g);
  if (gs.reserved_until < 0) gs.reserved_until = now + gs.policy.reservation_timeout_seconds;
  gs.reserve_scope = scope;
  reserving_[scope] = g;
  std::vector<uint8_t> taken(pool_.slots(), 0), was_held(pool_.slots(), 0);
  for (const auto& r : held)
    if (pool_.Find(r.node_name) == r.node) was_held[r.node] = 1;
  auto reserve = [&](int node, const Resources& amount) {
    pool_.AddUsage(node, amount);
    gs.reserved.push_back({node, pool_.node(node).spec.name, amount});
    taken[node] = 1;
  };
  for (const auto& [node, amount] : tentative) reserve(node, amount);
  std::vector<std::tuple<int64_t, uint64_t, int>> rest;  // in queue order
  for (int task : gs.members)
    if (tasks_[task].node_name.empty())
      rest.emplace_back(-int64_t{tasks_[task].priority}, tasks_[task].order, task);
  std::sort(rest.begin(), rest.end());
  for (int i = static_cast<int>(tentative.size()); i < need && i < static_cast<int>(rest.size());
       ++i) {
    const auto& t = tasks_[std::get<2>(rest[i])];
    const std::vector<uint8_t>& eligible = EligibleNodes(t.cls);
    // The nodes it held before first (what frees up there accumulates), then the freest.
    int best = kNone;
    auto better = [&](int n, int than) {
      if (than == kNone) return true;
      if (was_held[n] != was_held[than]) return was_held[n] > was_held[than];
      return pool_.node(n).free[kCpu] > pool_.node(than).free[kCpu];
    };
    for (int n = 0; n < pool_.slots(); ++n) {
      const auto& node = pool_.node(n);
      if (!node.alive || !node.healthy || !eligible[n] || taken[n]) continue;
      if (better(n, best)) best = n;
    }
    if (best == kNone) break;
    Resources amount;
    for (int r = 0; r < kMaxResourceKinds; ++r)
      amount[r] = std::clamp<int64_t>(pool_.node(best).free[r], 0, t.request[r]);
    reserve(best, amount);
  }
}

}  // namespace kubemesos
