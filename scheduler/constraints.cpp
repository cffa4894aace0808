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

bool MatchesNodeAffinity(const PlacementConstraints& constraints, const NodeView& node) {
  if (!SelectorMatches(constraints.node_selector, node.labels)) return false;
  if (constraints.affinity.empty()) return true;
  for (const auto& term : constraints.affinity) {
    if (TermMatches(term, node)) return true;
  }
  return false;
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
  for (const auto& [k, v] : node_selector) key += "s:" + k + "=" + v + ";";
  for (const auto& term : affinity) {
    key += "t{";
    for (const auto& r : term.requirements) {
      key += (r.is_field ? "f:" : "l:") + r.key + "/" + std::to_string(static_cast<int>(r.op));
      for (const auto& v : r.values) key += "," + v;
      key += ";";
    }
    key += "}";
  }
  for (const auto& t : tolerations) {
    key += "o:" + t.key + (t.exists ? "?" : "=") + t.value + "/" +
           (t.any_effect ? "*" : EffectName(t.effect)) + ";";
  }
  return key;
}

}  // namespace kubemesos
