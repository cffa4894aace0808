// Randomized property: no placement violates a required inter-pod term, given existing pods of
// other schedulers with their own terms. Random nodes (zone and hostname labels, some without a
// zone), random bound pods (labels, namespaces, required anti-affinity and affinity), random
// pending pods with required affinity and anti-affinity; after a few cycles (pods leave between
// them), a brute-force model over every pod on a node checks each pod placed by the engine.
// The model shares only the label matcher (Selects) with the engine.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos {
namespace {

using namespace kubemesos::testing;
using Op = NodeSelectorRequirement::Op;

struct ModelPod {
  std::string ns;
  Labels labels;
  PodAffinity affinity;
  std::string node;  // empty: pending
  bool ours = false;
};

bool NamespaceOk(const PodAffinityTerm& t, const std::string& ns) {
  if (std::find(t.namespaces.begin(), t.namespaces.end(), ns) != t.namespaces.end()) return true;
  return t.namespace_selector.has_value();  // the generator uses only the empty selector
}

bool TermSelects(const PodAffinityTerm& t, const ModelPod& p) {
  return NamespaceOk(t, p.ns) && Selects(t.selector, p.labels);
}

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  std::string Ns() { return Chance(0.8) ? "default" : "other"; }
  Labels PodLabels() {
    Labels l;
    if (Chance(0.9)) l["app"] = Indexed("a", Int(0, 2));
    if (Chance(0.3)) l["tier"] = Chance(0.5) ? "front" : "back";
    return l;
  }
  PodAffinityTerm Term(const std::string& ns) {
    PodAffinityTerm t;
    switch (Int(0, 3)) {
      case 0:
        t.selector.requirements.push_back({"app", Op::kIn, {Indexed("a", Int(0, 2))}, false});
        break;
      case 1:
        t.selector.requirements.push_back({"app", Op::kNotIn, {Indexed("a", Int(0, 2))}, false});
        break;
      case 2:
        t.selector.requirements.push_back({"tier", Op::kExists, {}, false});
        break;
      default:
        t.selector.requirements.push_back({"app", Op::kIn, {Indexed("a", Int(0, 2))}, false});
        t.selector.requirements.push_back({"tier", Op::kDoesNotExist, {}, false});
        break;
    }
    if (Chance(0.15)) {
      t.namespace_selector = LabelSelector{};  // every namespace
    } else {
      t.namespaces = {Chance(0.85) ? ns : std::string("other")};
      if (t.namespaces[0] != ns && Chance(0.5)) t.namespaces.push_back(ns);
      std::sort(t.namespaces.begin(), t.namespaces.end());
    }
    t.topology_key = Chance(0.5) ? "zone" : "kubernetes.io/hostname";
    return t;
  }
  PodAffinity Affinity(const std::string& ns, double p_affinity, double p_anti) {
    PodAffinity a;
    for (int n = Chance(p_affinity) ? Int(1, 2) : 0; n > 0; --n)
      a.required_affinity.push_back(Term(ns));
    for (int n = Chance(p_anti) ? Int(1, 2) : 0; n > 0; --n)
      a.required_anti_affinity.push_back(Term(ns));
    return a;
  }

 private:
  std::mt19937 rng_;
};

// The violations of `p`'s required terms and of other pods' anti-affinity toward it, given
// every pod on a node. `p` is one the engine placed.
std::vector<std::string> Violations(const std::string& key,
                                    const std::map<std::string, ModelPod>& pods,
                                    const std::map<std::string, Labels>& nodes) {
  std::vector<std::string> out;
  const ModelPod& p = pods.at(key);
  const Labels& here = nodes.at(p.node);
  auto value = [&](const std::string& node, const std::string& topology) -> const std::string* {
    auto it = nodes.at(node).find(topology);
    return it == nodes.at(node).end() ? nullptr : &it->second;
  };
  auto same_domain = [&](const ModelPod& q, const std::string& topology) {
    const std::string* mine = value(p.node, topology);
    const std::string* theirs = value(q.node, topology);
    return mine && theirs && *mine == *theirs;
  };
  // Required affinity: the node has every key, and each term's domain holds a pod matching all
  // terms (the pod itself counts only if it matches them all: the first-pod rule).
  const auto& aff = p.affinity.required_affinity;
  for (const auto& t : aff) {
    if (!here.count(t.topology_key)) {
      out.push_back(key + ": node " + p.node + " lacks " + t.topology_key);
      continue;
    }
    bool found = false;
    for (const auto& [qk, q] : pods) {
      if (q.node.empty() || !same_domain(q, t.topology_key)) continue;
      if (std::all_of(aff.begin(), aff.end(), [&](const auto& u) { return TermSelects(u, q); }))
        found = true;
    }
    if (!found) out.push_back(key + ": no pod for its affinity in " + t.topology_key);
  }
  for (const auto& [qk, q] : pods) {
    if (qk == key || q.node.empty()) continue;
    for (const auto& t : p.affinity.required_anti_affinity) {
      if (TermSelects(t, q) && same_domain(q, t.topology_key))
        out.push_back(key + ": anti-affinity matches " + qk);
    }
    // Symmetry: a pod placed before `p` (bound, or by the engine) with anti-affinity toward it.
    // Pairs where `q` was placed after `p` are checked from q's side.
    for (const auto& t : q.affinity.required_anti_affinity) {
      if (TermSelects(t, p) && same_domain(q, t.topology_key))
        out.push_back(key + ": " + qk + "'s anti-affinity selects it");
    }
  }
  return out;
}

TEST(InterPodPropertyTest, NoPlacementViolatesARequiredTerm) {
  int placed_total = 0, with_terms_placed = 0;
  for (uint32_t seed = 1; seed <= 400; ++seed) {
    Generator g(seed);
    AllocatorOptions options;
    options.policy = g.Chance(0.5) ? Policy::kBinpack : Policy::kSpread;
    Allocator a(options);
    a.UpsertGroup(Group("g"));
    a.UpsertFramework(Framework("default/f", "g"));
    a.UpsertFramework(Framework("other/f", "g"));
    std::map<std::string, Labels> nodes;
    const int node_count = g.Int(2, 8);
    for (int n = 0; n < node_count; ++n) {
      Labels labels{{"kubernetes.io/hostname", Indexed("n", n)}};
      if (g.Chance(0.85)) labels["zone"] = Indexed("z", g.Int(0, 2));
      nodes[Indexed("n", n)] = labels;
      a.UpsertNode(Node(Indexed("n", n), 16, 16, labels));
    }
    std::map<std::string, ModelPod> pods;
    for (int i = g.Int(0, 8); i > 0; --i) {
      ModelPod p{g.Ns(), g.PodLabels(), {}, Indexed("n", g.Int(0, node_count - 1)), false};
      p.affinity = g.Affinity(p.ns, 0.2, 0.4);
      std::string key = p.ns + "/" + Indexed("bound-", i);
      PodSpec spec = BoundPod(key, p.node, 0.1, 0.1);
      spec.labels = p.labels;
      spec.constraints.pod_affinity = p.affinity;
      a.UpsertPod(spec);
      pods[key] = p;
    }
    for (int i = g.Int(1, 14); i > 0; --i) {
      ModelPod p{g.Ns(), g.PodLabels(), {}, "", true};
      p.affinity = g.Affinity(p.ns, 0.35, 0.5);
      std::string key = p.ns + "/" + Indexed("pod-", i);
      PodSpec spec = Task(key, p.ns + "/f", 0.1, 0.1, static_cast<uint64_t>(i));
      spec.labels = p.labels;
      spec.constraints.pod_affinity = p.affinity;
      a.UpsertPod(spec);
      pods[key] = p;
    }
    std::vector<std::string> placed_order;
    for (int cycle = 0; cycle < 3; ++cycle) {
      // The pods on nodes as this cycle starts, then each placement of the cycle in order:
      // every placement is checked against the pods on nodes when it was made.
      std::map<std::string, ModelPod> before;
      for (const auto& [k, p] : pods)
        if (!p.node.empty()) before[k] = p;
      auto result = a.Allocate(cycle);
      for (const auto& pl : result.placements) {
        pods[pl.pod].node = pl.node;
        placed_order.push_back(pl.pod);
        before[pl.pod] = pods[pl.pod];
        for (const auto& v : Violations(pl.pod, before, nodes))
          ADD_FAILURE() << "seed " << seed << " cycle " << cycle << ": " << v;
      }
      // A bound pod leaves now and then: what it kept away may come.
      if (g.Chance(0.5)) {
        for (auto it = pods.begin(); it != pods.end(); ++it) {
          if (!it->second.ours && !it->second.node.empty()) {
            a.RemovePod(it->first);
            pods.erase(it);
            break;
          }
        }
      }
    }
    placed_total += static_cast<int>(placed_order.size());
    for (const auto& k : placed_order)
      if (!pods[k].affinity.empty()) ++with_terms_placed;
  }
  // The property would hold vacuously if nothing were placed.
  EXPECT_GT(placed_total, 1000);
  EXPECT_GT(with_terms_placed, 500);
}

}  // namespace
}  // namespace kubemesos
