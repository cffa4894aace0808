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

// Whether a node counts for a constraint (kube-scheduler: matchNodeInclusionPolicies). `affinity`
// is the pod's nodeSelector and required node affinity only: the node affinity of its volumes is
// another plugin's concern upstream, and does not narrow the spread domains.
class Inclusion {
 public:
  explicit Inclusion(const PlacementConstraints& pod) : pod_(pod) {
    if (!pod.volume_affinity.empty()) {
      trimmed_.emplace();
      trimmed_->node_selector = pod.node_selector;
      trimmed_->affinity = pod.affinity;
    }
  }
  // Per node, computed lazily and shared by the constraints of the same policies.
  void Reset() { affinity_ = taints_ = -1; }
  bool Includes(const SpreadConstraint& c, const NodeSpec& node) {
    if (c.honor_node_affinity) {
      if (affinity_ < 0) {
        const NodeView view{node.name, node.labels, node.taints};
        affinity_ = MatchesNodeAffinity(trimmed_ ? *trimmed_ : pod_, view) ? 1 : 0;
      }
      if (!affinity_) return false;
    }
    if (c.honor_taints) {
      if (taints_ < 0) taints_ = ToleratesTaints(pod_.tolerations, node.taints) ? 1 : 0;
      if (!taints_) return false;
    }
    return true;
  }

 private:
  const PlacementConstraints& pod_;
  std::optional<PlacementConstraints> trimmed_;
  int affinity_ = -1;
  int taints_ = -1;
};

int Track(PodIndex& pods, const SpreadConstraint& c, const std::string& ns) {
  PodAffinityTerm term;
  term.selector = c.selector;
  term.namespaces = {ns};
  return pods.Track(term, c.topology_key);
}

// The node's value of `key`, or nullptr.
const std::string* ValueOf(const Labels& labels, const std::string& key) {
  auto it = labels.find(key);
  return it == labels.end() ? nullptr : &it->second;
}

// kube-scheduler's Score before NormalizeScore: for each constraint whose key the node has, the
// count in its domain times the constraint's weight, plus maxSkew - 1; rounded.
double RawScore(const PodTopologySpread::State& s, const NodeInfo& node) {
  double score = 0;
  for (const auto& soft : s.soft) {
    const std::string* value = ValueOf(node.spec.labels, soft.constraint->topology_key);
    if (!value) continue;
    int count;
    if (soft.per_node) {
      count = s.pods->CountOnNode(soft.counter, node.index);
    } else {
      auto it = soft.domains.find(*value);
      count = it == soft.domains.end() ? 0 : it->second;
    }
    score += count * soft.weight + (soft.constraint->max_skew - 1);
  }
  return std::round(score);
}

bool HasKeys(const Labels& labels, const std::vector<PodTopologySpread::Soft>& soft) {
  for (const auto& c : soft)
    if (!labels.contains(c.constraint->topology_key)) return false;
  return true;
}

void PrepareHard(PodTopologySpread::State& s, const ClassInfo& c, const std::string& ns,
                 const Labels& own) {
  std::vector<int> counters;
  for (auto& hard : s.hard) {
    counters.push_back(Track(*s.pods, *hard.constraint, ns));
    hard.self_match = Selects(hard.constraint->selector, own) ? 1 : 0;
  }
  Inclusion inclusion(c.constraints);
  std::vector<const std::string*> values(s.hard.size());
  for (int n = 0; n < c.nodes.slots(); ++n) {
    const NodeState& node = c.nodes.node(n);
    if (!node.alive) continue;
    // A node lacking any DoNotSchedule key is no domain of any of them (upstream:
    // nodeLabelsMatchSpreadConstraints).
    bool all = true;
    for (size_t i = 0; i < s.hard.size() && all; ++i) {
      values[i] = ValueOf(node.spec.labels, s.hard[i].constraint->topology_key);
      all = values[i] != nullptr;
    }
    if (!all) continue;
    inclusion.Reset();
    for (size_t i = 0; i < s.hard.size(); ++i) {
      if (!inclusion.Includes(*s.hard[i].constraint, node.spec)) continue;
      s.hard[i].domains[*values[i]] += s.pods->CountOnNode(counters[i], n);
    }
  }
  for (auto& hard : s.hard) {
    int min = INT_MAX;
    for (const auto& [value, count] : hard.domains) min = std::min(min, count);
    // Fewer eligible domains than minDomains: the global minimum is 0 (with minDomains >= 1, an
    // empty set of domains lands here too).
    hard.min_match = static_cast<int>(hard.domains.size()) < hard.constraint->min_domains ? 0 : min;
  }
}

void PrepareSoft(PodTopologySpread::State& s, const ClassInfo& c, const std::string& ns) {
  // The cluster defaults apply only to a pod without constraints of its own, so either every
  // soft constraint is a default or none is.
  s.require_all_keys = !s.soft.front().constraint->system_default;
  for (auto& soft : s.soft) {
    soft.counter = Track(*s.pods, *soft.constraint, ns);
    soft.per_node = soft.constraint->topology_key == kHostnameKey;
  }
  Inclusion inclusion(c.constraints);
  int scored_nodes = 0;
  static const std::string kEmpty;
  for (int n = 0; n < c.nodes.slots(); ++n) {
    const NodeState& node = c.nodes.node(n);
    if (!node.alive) continue;
    if (s.require_all_keys && !HasKeys(node.spec.labels, s.soft)) continue;
    ++scored_nodes;
    inclusion.Reset();
    for (auto& soft : s.soft) {
      if (soft.per_node || !inclusion.Includes(*soft.constraint, node.spec)) continue;
      // Without requireAllTopologies a node lacking the key counts in the domain "", as
      // upstream (it only widens the weight: such a node scores no count for this key).
      const std::string* value = ValueOf(node.spec.labels, soft.constraint->topology_key);
      soft.domains[value ? *value : kEmpty] += s.pods->CountOnNode(soft.counter, n);
    }
  }
  for (auto& soft : s.soft) {
    const size_t size = soft.per_node ? scored_nodes : soft.domains.size();
    soft.weight = std::log(static_cast<double>(size) + 2);
  }
  if (!s.require_all_keys) return;
  // Upstream scores a node lacking a key 0 after normalisation, the bottom of the range: here,
  // one below the worst raw score of the nodes that have every key.
  double highest = 0;
  for (int n = 0; n < c.nodes.slots(); ++n) {
    const NodeState& node = c.nodes.node(n);
    if (!node.alive || !HasKeys(node.spec.labels, s.soft)) continue;
    highest = std::max(highest, RawScore(s, NodeInfo{n, node.spec, node.reserved_for, node.free}));
  }
  s.worst = -highest - 1;
}

}  // namespace

PodTopologySpread::State PodTopologySpread::PreFilter(const ClassInfo& c) {
  State s;
  if (c.constraints.spread.empty()) return s;  // the common case: nothing to count
  s.pods = &c.pods;
  for (const auto& constraint : c.constraints.spread) {
    if (constraint.do_not_schedule) {
      s.hard.push_back(Hard{&constraint, {}, 0, 0});
    } else {
      s.soft.push_back(Soft{&constraint, -1, false, {}, 0});
    }
  }
  const std::string& ns = c.pods.ns(c.identity);
  if (!s.hard.empty()) PrepareHard(s, c, ns, c.pods.labels(c.identity));
  if (!s.soft.empty()) PrepareSoft(s, c, ns);
  return s;
}

Status PodTopologySpread::Filter(const State& s, const NodeInfo& node) {
  for (const auto& hard : s.hard) {
    const std::string* value = ValueOf(node.spec.labels, hard.constraint->topology_key);
    if (!value) return Status::Unresolvable(kReasonMissingLabel);
    auto it = hard.domains.find(*value);
    const int match = it == hard.domains.end() ? 0 : it->second;
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
  if (s.require_all_keys && !HasKeys(node.spec.labels, s.soft)) return s.worst;
  return -RawScore(s, node);
}

}  // namespace kubemesos::placement
