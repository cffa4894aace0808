// InterPodAffinity's PreFilter, Filter and Score (see inter_pod_affinity.h).
#include "scheduler/placement/inter_pod_affinity.h"

#include <algorithm>

namespace kubemesos::placement {

InterPodAffinity::State InterPodAffinity::PreFilter(const ClassInfo& c) {
  State s;
  s.pods = &c.pods;
  const PodAffinity& own = c.constraints.pod_affinity;
  s.affinity = &own.required_affinity;
  if (!own.required_affinity.empty()) {
    std::vector<const std::string*> keys;
    for (const auto& term : own.required_affinity) {
      if (std::none_of(keys.begin(), keys.end(),
                       [&](const std::string* k) { return *k == term.topology_key; }))
        keys.push_back(&term.topology_key);
    }
    bool any = false;
    for (const std::string* key : keys) {
      int counter = c.pods.TrackAll(own.required_affinity, *key);
      any |= !c.pods.Domains(counter).empty();
      s.affinity_counters.push_back(counter);
    }
    s.first_pod = !any && std::all_of(own.required_affinity.begin(), own.required_affinity.end(),
                                      [&](const auto& t) { return c.pods.Selects(t, c.identity); });
  }
  for (const auto& term : own.required_anti_affinity) {
    int counter = c.pods.Track(term, term.topology_key);
    c.pods.Domains(counter);  // refreshed now: Filter only looks up
    s.anti_counters.push_back(counter);
  }
  for (const auto& term : own.preferred_affinity)
    s.score.push_back({c.pods.Track(term, term.topology_key), false, double(term.weight)});
  for (const auto& term : own.preferred_anti_affinity)
    s.score.push_back({c.pods.Track(term, term.topology_key), false, -double(term.weight)});
  // Symmetry (kube-scheduler's processExistingPod): the terms of pods on nodes that select this
  // pod. Scores are used only for classes searched over every node (NeedsFullScan); the others
  // skip this walk, which PreFilter would otherwise pay for every task they place.
  if (!c.constraints.NeedsFullScan()) return s;
  const auto& held = c.pods.HeldTerms();
  for (int id = 0; id < static_cast<int>(held.size()); ++id) {
    const auto& h = held[id];
    double weight = 0;
    switch (h.kind) {
      case PodIndex::TermKind::kRequiredAffinity:
        weight = kHardPodAffinityWeight;
        break;
      case PodIndex::TermKind::kPreferredAffinity:
        weight = h.term.weight;
        break;
      case PodIndex::TermKind::kPreferredAntiAffinity:
        weight = -h.term.weight;
        break;
      case PodIndex::TermKind::kRequiredAntiAffinity:
        break;  // a filter (ExistingPodsAntiAffinity), not a score
    }
    if (weight == 0 || h.holders <= 0 || !c.pods.Selects(h.term, c.identity)) continue;
    c.pods.RefreshHeld(id);
    s.score.push_back({id, true, weight});
  }
  return s;
}

Status InterPodAffinity::Filter(const State& s, const NodeInfo& node) {
  if (!s.affinity->empty()) {
    // Every term's topology key must be on the node, whatever the counts say.
    for (const auto& term : *s.affinity) {
      if (!TopologyValue(node, term.topology_key)) return Status::Unresolvable(kAffinityReason);
    }
    if (!s.first_pod) {
      for (int counter : s.affinity_counters) {
        const std::string* value = TopologyValue(node, s.pods->TopologyKey(counter));
        if (s.pods->CountInDomain(counter, *value) <= 0)
          return Status::Unresolvable(kAffinityReason);
      }
    }
  }
  for (int counter : s.anti_counters) {
    const std::string* value = TopologyValue(node, s.pods->TopologyKey(counter));
    if (value && s.pods->CountInDomain(counter, *value) > 0)
      return Status::Unresolvable(kAntiAffinityReason);
  }
  return {};
}

double InterPodAffinity::ScoreNode(const State& s, const NodeInfo& node) {
  double sum = 0;
  const auto& held = s.pods->HeldTerms();
  for (const ScoreTerm& t : s.score) {
    const std::string& key = t.held ? held[t.id].term.topology_key : s.pods->TopologyKey(t.id);
    const std::string* value = TopologyValue(node, key);
    if (!value) continue;
    const int n =
        t.held ? s.pods->HoldersInDomainNow(t.id, *value) : s.pods->CountInDomain(t.id, *value);
    sum += t.weight * n;
  }
  return sum;
}

}  // namespace kubemesos::placement
