// PodTopologySpread: the per-task counts (PreFilter), the skew check (Filter) and the score
// (see pod_topology_spread.h; kube-scheduler's filtering.go and scoring.go).
#include "scheduler/placement/pod_topology_spread.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>

namespace kubemesos::placement {
namespace {

constexpr std::string_view kHostnameKey = "kubernetes.io/hostname";

// Whether a node counts for a constraint (kube-scheduler: matchNodeInclusionPolicies). The
// affinity is the pod's nodeSelector and required node affinity only: the node affinity of its
// volumes is another plugin's concern upstream, and does not narrow the spread domains.
class Inclusion {
 public:
  explicit Inclusion(const PlacementConstraints& pod) : pod_(pod) {
    if (!pod.volume_affinity.empty()) {
      trimmed_.emplace();
      trimmed_->node_selector = pod.node_selector;
      trimmed_->affinity = pod.affinity;
    }
    open_ = pod.node_selector.empty() && pod.affinity.empty();
  }
  // Per node, computed lazily and shared by the constraints of the same policies.
  void Reset() { affinity_ = taints_ = -1; }
  bool Includes(const SpreadConstraint& c, const NodeSpec& node) {
    if (c.honor_node_affinity && !open_) {
      if (affinity_ < 0) {
        const NodeView view{node.name, node.labels, node.taints};
        affinity_ = MatchesNodeAffinity(trimmed_ ? *trimmed_ : pod_, view) ? 1 : 0;
      }
      if (!affinity_) return false;
    }
    if (c.honor_taints && !node.taints.empty()) {
      if (taints_ < 0) taints_ = ToleratesTaints(pod_.tolerations, node.taints) ? 1 : 0;
      if (!taints_) return false;
    }
    return true;
  }

 private:
  const PlacementConstraints& pod_;
  std::optional<PlacementConstraints> trimmed_;
  bool open_ = true;  // no nodeSelector and no required affinity: every node matches
  int affinity_ = -1;
  int taints_ = -1;
};

int Track(PodIndex& pods, const SpreadConstraint& c, const std::string& ns) {
  PodAffinityTerm term;
  term.selector = c.selector;
  term.namespaces = {ns};
  return pods.Track(term, c.topology_key);
}

void PrepareHard(PodTopologySpread::State& s, const ClassInfo& c, const std::string& ns,
                 const Labels& own) {
  std::vector<int> counters;
  for (auto& hard : s.hard) {
    counters.push_back(Track(c.pods, *hard.constraint, ns));
    hard.self_match = Selects(hard.constraint->selector, own) ? 1 : 0;
    hard.topology = &c.pods.TopologyOf(hard.constraint->topology_key);
  }
  // Every topology is current now (TopologyOf above); take their sizes after the last call.
  for (auto& hard : s.hard) hard.counts.assign(hard.topology->names.size(), -1);
  Inclusion inclusion(c.constraints);
  for (int n = 0; n < c.nodes.slots(); ++n) {
    // A node lacking any DoNotSchedule key is no domain of any of them (upstream:
    // nodeLabelsMatchSpreadConstraints); free slots have no domain either.
    bool all = true;
    for (const auto& hard : s.hard) all = all && hard.topology->of_node[n] >= 0;
    if (!all) continue;
    inclusion.Reset();
    for (size_t i = 0; i < s.hard.size(); ++i) {
      auto& hard = s.hard[i];
      if (!inclusion.Includes(*hard.constraint, c.nodes.node(n).spec)) continue;
      int& count = hard.counts[hard.topology->of_node[n]];
      count = std::max(count, 0) + c.pods.CountOnNode(counters[i], n);
    }
  }
  for (auto& hard : s.hard) {
    int min = INT_MAX, domains = 0;
    for (int count : hard.counts) {
      if (count < 0) continue;
      ++domains;
      min = std::min(min, count);
    }
    // Fewer eligible domains than minDomains: the global minimum is 0 (with minDomains >= 1, an
    // empty set of domains lands here too).
    hard.min_match = domains < hard.constraint->min_domains ? 0 : min;
  }
}

void PrepareSoft(PodTopologySpread::State& s, const ClassInfo& c, const std::string& ns) {
  // The cluster defaults apply only to a pod without constraints of its own, so either every
  // soft constraint is a default or none is.
  s.require_all_keys = !s.soft.front().constraint->system_default;
  for (auto& soft : s.soft) {
    soft.counter = Track(c.pods, *soft.constraint, ns);
    soft.per_node = soft.constraint->topology_key == kHostnameKey;
    soft.topology = &c.pods.TopologyOf(soft.constraint->topology_key);
  }
  // Domain ids, plus one for the nodes lacking the key (counted only without
  // requireAllTopologies, as upstream, where they form the domain "").
  for (auto& soft : s.soft) soft.counts.assign(soft.topology->names.size() + 1, -1);
  auto has_keys = [&](int n) {
    for (const auto& soft : s.soft)
      if (soft.topology->of_node[n] < 0) return false;
    return true;
  };
  auto alive = [&](int n) { return c.nodes.node(n).alive; };
  Inclusion inclusion(c.constraints);
  int scored_nodes = 0;
  for (int n = 0; n < c.nodes.slots(); ++n) {
    if (!alive(n) || (s.require_all_keys && !has_keys(n))) continue;
    ++scored_nodes;
    inclusion.Reset();
    for (auto& soft : s.soft) {
      if (soft.per_node || !inclusion.Includes(*soft.constraint, c.nodes.node(n).spec)) continue;
      const int domain = soft.topology->of_node[n];
      int& count = soft.counts[domain >= 0 ? domain : soft.topology->names.size()];
      count = std::max(count, 0) + c.pods.CountOnNode(soft.counter, n);
    }
  }
  for (auto& soft : s.soft) {
    const auto domains =
        std::count_if(soft.counts.begin(), soft.counts.end(), [](int count) { return count >= 0; });
    const double size = soft.per_node ? scored_nodes : static_cast<double>(domains);
    soft.weight = std::log(size + 2);
  }
  // kube-scheduler's Score before NormalizeScore: for each constraint whose key the node has,
  // the count in its domain times the constraint's weight, plus maxSkew - 1; rounded.
  s.raw.assign(c.nodes.slots(), 0);
  double highest = 0;
  for (int n = 0; n < c.nodes.slots(); ++n) {
    if (!alive(n) || (s.require_all_keys && !has_keys(n))) continue;
    double score = 0;
    for (const auto& soft : s.soft) {
      const int domain = soft.topology->of_node[n];
      if (domain < 0) continue;
      const int count =
          soft.per_node ? c.pods.CountOnNode(soft.counter, n) : std::max(soft.counts[domain], 0);
      score += count * soft.weight + (soft.constraint->max_skew - 1);
    }
    score = std::round(score);
    highest = std::max(highest, score);
    s.raw[n] = -score;
  }
  // Upstream scores a node lacking a key 0 after normalisation, the bottom of the range: here,
  // one below the worst raw score of the nodes that have every key.
  s.worst = -highest - 1;
  if (!s.require_all_keys) return;
  for (int n = 0; n < c.nodes.slots(); ++n)
    if (alive(n) && !has_keys(n)) s.raw[n] = s.worst;
}

}  // namespace

PodTopologySpread::State PodTopologySpread::PreFilter(const ClassInfo& c) {
  State s;
  if (c.constraints.spread.empty()) return s;  // the common case: nothing to count
  for (const auto& constraint : c.constraints.spread) {
    if (constraint.do_not_schedule) {
      s.hard.push_back(Hard{&constraint, nullptr, {}, 0, 0});
    } else {
      s.soft.push_back(Soft{&constraint, nullptr, -1, false, {}, 0});
    }
  }
  const std::string& ns = c.pods.ns(c.identity);
  if (!s.hard.empty()) PrepareHard(s, c, ns, c.pods.labels(c.identity));
  if (!s.soft.empty()) PrepareSoft(s, c, ns);
  return s;
}

Status PodTopologySpread::Filter(const State& s, const NodeInfo& node) {
  for (const auto& hard : s.hard) {
    const int domain = hard.topology->of_node[node.index];
    if (domain < 0) return Status::Unresolvable(kReasonMissingLabel);
    const int match = std::max(hard.counts[domain], 0);
    // Upstream answers Unschedulable here (preemption might remove matching pods). In this
    // engine that code means "short of a resource" and would count the node as eligible with
    // no resource named; only other nodes or other pods can help, so the node is rejected for
    // this task with its own reason ("N didn't match pod topology spread constraints").
    if (match + hard.self_match - hard.min_match > hard.constraint->max_skew)
      return Status::Unresolvable(kReason);
  }
  return {};
}

double PodTopologySpread::ScoreNode(const State& s, const NodeInfo& node) {
  return s.raw[node.index];
}

}  // namespace kubemesos::placement
