// Gang metrics from the engine's gang view (see gang_metrics.h).
#include "operator/run/gang_metrics.h"

#include <array>

#include "operator/kube/gang_text.h"

namespace kubemesos::run {
namespace {

bool Placed(GangPhase phase) {
  return phase == GangPhase::kBinding || phase == GangPhase::kRunning;
}

constexpr std::array<GangPhase, 6> kPhases = {GangPhase::kWaitingForMembers, GangPhase::kPending,
                                              GangPhase::kReserving,         GangPhase::kBinding,
                                              GangPhase::kRunning,           GangPhase::kDegraded};

}  // namespace

void GangMetrics::Observe(const std::vector<GangStatus>& gangs, const ResourceCatalog& catalog,
                          double now) {
  uint64_t gen = ++generation_;
  std::array<int64_t, kPhases.size()> counts{};
  Resources reserved;
  for (const GangStatus& g : gangs) {
    ++counts[static_cast<size_t>(g.phase)];
    reserved += g.reserved;
    auto [it, fresh] = tracks_.try_emplace((g.pod_group ? "PodGroup " : "Framework ") + g.key);
    Track& t = it->second;
    t.seen = gen;
    // Attempts: the failed ones since last seen (a new wait restarts the engine's count).
    int failed = g.attempts >= t.attempts && !fresh ? g.attempts - t.attempts : g.attempts;
    if (failed > 0) {
      bool policy = g.last_failure && g.last_failure->BlockedByPolicy();
      metrics_.AddGangAttempts(
          policy ? metrics::GangAttempt::kRejected : metrics::GangAttempt::kUnschedulable,
          static_cast<uint64_t>(failed));
    }
    t.attempts = g.attempts;
    if (!fresh && t.phase == GangPhase::kReserving && g.phase != GangPhase::kReserving &&
        !Placed(g.phase)) {
      metrics_.AddGangAttempts(metrics::GangAttempt::kTimeout);  // the reservation ran out
    }
    if (Placed(g.phase) && (fresh || !Placed(t.phase))) {
      if (!(fresh && g.phase == GangPhase::kRunning)) {
        metrics_.AddGangAttempts(metrics::GangAttempt::kScheduled);
      }
    }
    if (g.phase == GangPhase::kRunning) {
      if (t.wait_start >= 0) metrics_.ObserveGangScheduled(now - t.wait_start);
      t.wait_start = -1;
    } else if (t.wait_start < 0 && !(fresh && g.phase == GangPhase::kDegraded)) {
      t.wait_start = g.waiting_since >= 0 ? g.waiting_since : now;
    }
    t.phase = g.phase;
  }
  for (auto it = tracks_.begin(); it != tracks_.end();) {
    it = it->second.seen == gen ? std::next(it) : tracks_.erase(it);
  }
  std::array<metrics::GangPhaseCount, kPhases.size()> phases;
  for (size_t i = 0; i < kPhases.size(); ++i) {
    phases[i] = {kube::GangPhaseName(kPhases[i]), counts[i]};
  }
  std::vector<metrics::ResourceValue> values;
  for (ResourceId id = 0; id < catalog.size(); ++id) {
    if (reserved[id] != 0) {
      values.push_back({catalog.Name(id), ResourceCatalog::ToDisplay(id, reserved[id])});
    }
  }
  metrics_.SetGangs(phases, values);
}

}  // namespace kubemesos::run
