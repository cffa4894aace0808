// The full search for classes whose placement depends on other pods or on per-class preferences
// (PlacementConstraints::NeedsFullScan): every node in the policy's order is filtered by every
// plugin, the survivors are scored, and the best one wins. kube-scheduler does the same per pod
// (Filter, then Score with NormalizeScore and weights); here it runs per task of such classes
// only, while every other class keeps its O(nodes)-per-cycle cursor (node_order.h).
#include <algorithm>
#include <array>

#include "scheduler/allocator_impl.h"
#include "scheduler/placement_query.h"

namespace kubemesos {

int Allocator::Impl::ScanNodes(int cls, double now) {
  using placement::Plugins;
  // PreFilter again for every task: pods placed earlier in this cycle count at once.
  PlacementQuery query(*this, cls, now);
  const std::vector<uint8_t>& eligible = EligibleNodes(cls);
  const bool scored = Plugins::AnyScore(query.states());

  struct Candidate {
    int node;
    double policy;                           // the binpack or spread score, 0..100
    std::array<double, Plugins::kSize> raw;  // by plugin; NodeScorer plugins only
  };
  std::vector<Candidate> candidates;
  std::array<double, Plugins::kSize> weight{};    // 0 for plugins that score nothing here
  if (scored) candidates.reserve(pool_.count());  // no regrowth: a copy of 5,000 would dominate
  for (int n : pool_.order().order()) {
    if (!eligible[n]) continue;
    const placement::NodeInfo info = NodeInfoOf(*this, n);
    if (!query.Passes<placement::Scope::kLive>(info) || !query.Passes<placement::Scope::kPod>(info))
      continue;
    if (!scored) return n;  // the policy's order already ranks the nodes
    Candidate c{n, 0, {}};
    // The policy's score now, not as of the cycle's start: tasks placed by this scan move it.
    const double allocated = placement::NodeResourcesFit::Score(info.spec, pool_.used(n));
    c.policy = 100.0 * (options_.policy == Policy::kBinpack ? allocated : 1.0 - allocated);
    Plugins::ScoreEach(query.states(), info, [&](size_t i, double w, double raw) {
      c.raw[i] = raw;
      weight[i] = w;
    });
    candidates.push_back(c);
  }
  if (candidates.empty()) return kNone;

  // Per plugin: min-max over the candidates, to [0, 100], times its weight.
  std::array<double, Plugins::kSize> lo, hi;
  lo.fill(1e300);
  hi.fill(-1e300);
  for (const auto& c : candidates) {
    for (size_t i = 0; i < Plugins::kSize; ++i) {
      lo[i] = std::min(lo[i], c.raw[i]);
      hi[i] = std::max(hi[i], c.raw[i]);
    }
  }
  int best = kNone;
  double best_score = -1e300;
  for (const auto& c : candidates) {  // in the policy's order: ties go to the earlier node
    double score = c.policy;
    for (size_t i = 0; i < Plugins::kSize; ++i) {
      if (weight[i] == 0 || hi[i] <= lo[i]) continue;
      score += weight[i] * 100.0 * (c.raw[i] - lo[i]) / (hi[i] - lo[i]);
    }
    if (score > best_score) {
      best_score = score;
      best = c.node;
    }
  }
  return best;
}

}  // namespace kubemesos
