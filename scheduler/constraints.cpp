// Kubernetes' node-affinity and taint-toleration matching rules.
#include "scheduler/constraints.h"

#include <charconv>

namespace kubemesos {
namespace {

bool ParseInt(const std::string& s, long long& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

bool TermMatches(const NodeSelectorTerm& term, const NodeView& node) {
  // An empty term matches nothing, as in Kubernetes.
  if (term.requirements.empty()) return false;
  for (const auto& requirement : term.requirements) {
    if (!Matches(requirement, node)) return false;
  }
  return true;
}

// Canonical text forms for CanonicalKey(). Every string is length-prefixed, so that no label
// value can forge a separator and make two different constraints share a key.
void AppendString(std::string& key, const std::string& s) {
  key += std::to_string(s.size());
  key += ':';
  key += s;
}

void AppendRequirement(std::string& key, const NodeSelectorRequirement& r) {
  key += r.is_field ? 'f' : 'l';
  AppendString(key, r.key);
  key += std::to_string(static_cast<int>(r.op));
  for (const auto& v : r.values) AppendString(key, v);
  key += ';';
}

void AppendTerm(std::string& key, const NodeSelectorTerm& term) {
  key += "t{";
  for (const auto& r : term.requirements) AppendRequirement(key, r);
  key += "}";
}

void AppendSelector(std::string& key, const LabelSelector& selector) {
  key += selector.nothing ? "!" : "";
  for (const auto& r : selector.requirements) AppendRequirement(key, r);
}

const char* EffectName(TaintEffect effect) {
  switch (effect) {
    case TaintEffect::kNoSchedule:
      return "NoSchedule";
    case TaintEffect::kPreferNoSchedule:
      return "PreferNoSchedule";
    case TaintEffect::kNoExecute:
      return "NoExecute";
  }
  return "";
}

}  // namespace

bool Toleration::Tolerates(const Taint& taint) const {
  if (!any_effect && effect != taint.effect) return false;
  if (key.empty()) return exists;  // empty key requires Exists and matches all keys
  if (key != taint.key) return false;
  return exists || value == taint.value;
}

bool Matches(const NodeSelectorRequirement& requirement, const NodeView& node) {
  const std::string* actual = nullptr;
  if (requirement.is_field) {
    if (requirement.key == "metadata.name") actual = &node.name;
  } else if (auto it = node.labels.find(requirement.key); it != node.labels.end()) {
    actual = &it->second;
  }
  using Op = NodeSelectorRequirement::Op;
  switch (requirement.op) {
    case Op::kIn:
      if (!actual) return false;
      for (const auto& v : requirement.values)
        if (v == *actual) return true;
      return false;
    case Op::kNotIn:
      if (!actual) return true;
      for (const auto& v : requirement.values)
        if (v == *actual) return false;
      return true;
    case Op::kExists:
      return actual != nullptr;
    case Op::kDoesNotExist:
      return actual == nullptr;
    case Op::kGt:
    case Op::kLt: {
      long long have = 0, want = 0;
      if (!actual || requirement.values.size() != 1 || !ParseInt(*actual, have) ||
          !ParseInt(requirement.values[0], want))
        return false;
      return requirement.op == Op::kGt ? have > want : have < want;
    }
  }
  return false;
}

bool SelectorMatches(const Labels& selector, const Labels& labels) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

bool Selects(const LabelSelector& selector, const Labels& labels) {
  if (selector.nothing) return false;
  static const std::string kNoName;
  for (const auto& requirement : selector.requirements) {
    if (!Matches(requirement, NodeView{kNoName, labels, {}})) return false;
  }
  return true;
}

namespace {

bool AnyTermMatches(const std::vector<NodeSelectorTerm>& terms, const NodeView& node) {
  for (const auto& term : terms) {
    if (TermMatches(term, node)) return true;
  }
  return false;
}

}  // namespace

bool MatchesNodeAffinity(const PlacementConstraints& constraints, const NodeView& node) {
  if (!SelectorMatches(constraints.node_selector, node.labels)) return false;
  if (!constraints.affinity.empty() && !AnyTermMatches(constraints.affinity, node)) return false;
  for (const auto& terms : constraints.volume_affinity) {
    if (!AnyTermMatches(terms, node)) return false;
  }
  return true;
}

bool PlacementConstraints::NeedsFullScan() const {
  return !preferred_affinity.empty() || !pod_affinity.empty() || !spread.empty();
}

bool PlacementConstraints::FiltersOnOtherPods() const {
  if (!pod_affinity.required_affinity.empty() || !pod_affinity.required_anti_affinity.empty())
    return true;
  for (const auto& s : spread)
    if (s.do_not_schedule) return true;
  return false;
}

bool PlacementConstraints::DependsOnPods() const {
  return NeedsFullScan() || !host_ports.empty() || !csi_volumes.empty();
}

bool ToleratesTaints(const std::vector<Toleration>& tolerations, const std::vector<Taint>& taints) {
  for (const auto& taint : taints) {
    if (taint.effect == TaintEffect::kPreferNoSchedule) continue;
    bool tolerated = false;
    for (const auto& toleration : tolerations) {
      if (toleration.Tolerates(taint)) {
        tolerated = true;
        break;
      }
    }
    if (!tolerated) return false;
  }
  return true;
}

bool Admits(const PlacementConstraints& constraints, const NodeView& node) {
  return MatchesNodeAffinity(constraints, node) &&
         ToleratesTaints(constraints.tolerations, node.taints);
}

std::string PlacementConstraints::CanonicalKey() const {
  std::string key;
  for (const auto& [k, v] : node_selector) {
    key += "s";
    AppendString(key, k);
    AppendString(key, v);
  }
  for (const auto& term : affinity) AppendTerm(key, term);
  for (const auto& t : tolerations) {
    key += "o";
    AppendString(key, t.key);
    key += t.exists ? "?" : "=";
    AppendString(key, t.value);
    key += t.any_effect ? "*" : EffectName(t.effect);
  }
  for (const auto& terms : volume_affinity) {
    key += "v[";
    for (const auto& term : terms) AppendTerm(key, term);
    key += "]";
  }
  for (const auto& p : preferred_affinity) {
    key += "p" + std::to_string(p.weight);
    AppendTerm(key, p.term);
  }
  auto terms = [&](const char* tag, const std::vector<PodAffinityTerm>& list) {
    for (const auto& t : list) {
      key += tag + std::to_string(t.weight) + "@";
      AppendString(key, t.topology_key);
      key += "{";
      AppendSelector(key, t.selector);
      key += "}ns{";
      for (const auto& n : t.namespaces) AppendString(key, n);
      if (t.namespace_selector) {
        key += "}nss{";
        AppendSelector(key, *t.namespace_selector);
      }
      key += "}";
    }
  };
  terms("A", pod_affinity.required_affinity);
  terms("N", pod_affinity.required_anti_affinity);
  terms("a", pod_affinity.preferred_affinity);
  terms("n", pod_affinity.preferred_anti_affinity);
  for (const auto& c : spread) {
    key += "S" + std::to_string(c.max_skew) + "/" + std::to_string(c.min_domains) + "/" +
           (c.do_not_schedule ? "D" : "A") + (c.honor_node_affinity ? "h" : "i") +
           (c.honor_taints ? "h" : "i") + (c.system_default ? "d" : "") + "@";
    AppendString(key, c.topology_key);
    key += "{";
    AppendSelector(key, c.selector);
    key += "}";
  }
  for (const auto& p : host_ports) {
    key += "H";
    AppendString(key, p.protocol);
    AppendString(key, p.ip);
    key += std::to_string(p.port);
  }
  for (const auto& v : csi_volumes) {
    key += "c";
    AppendString(key, v.driver);
    AppendString(key, v.handle);
  }
  return key;
}

}  // namespace kubemesos
