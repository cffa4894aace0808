// Where a task may run: labels, taints and tolerations, nodeSelector and required node affinity,
// with the matching rules of Kubernetes (NodeAffinity and TaintToleration filters).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace kubemesos {

using Labels = std::map<std::string, std::string>;

enum class TaintEffect { kNoSchedule, kPreferNoSchedule, kNoExecute };

struct Taint {
  std::string key;
  std::string value;
  TaintEffect effect = TaintEffect::kNoSchedule;
};

struct Toleration {
  std::string key;      // empty with kExists: tolerates every taint
  bool exists = false;  // operator Exists (else Equal)
  std::string value;
  bool any_effect = true;  // effect empty: matches every effect
  TaintEffect effect = TaintEffect::kNoSchedule;

  bool Tolerates(const Taint& taint) const;
};

// One matchExpressions (key = a label) or matchFields (key = "metadata.name") requirement.
struct NodeSelectorRequirement {
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist, kGt, kLt };
  std::string key;
  Op op = Op::kIn;
  std::vector<std::string> values;
  bool is_field = false;  // matchFields: only metadata.name is supported, as in Kubernetes
};

// A nodeSelectorTerm: all requirements must hold.
struct NodeSelectorTerm {
  std::vector<NodeSelectorRequirement> requirements;
};

// Everything that restricts the nodes a task may use. Value type; compared and hashed through
// CanonicalKey() so that tasks with equal constraints share work.
struct PlacementConstraints {
  Labels node_selector;                    // spec.nodeSelector
  std::vector<NodeSelectorTerm> affinity;  // required terms, ORed; empty: no constraint
  std::vector<Toleration> tolerations;

  // A stable text form; equal constraints give equal keys.
  std::string CanonicalKey() const;
};

// What the constraint check needs to know of a node.
struct NodeView {
  const std::string& name;
  const Labels& labels;
  const std::vector<Taint>& taints;
};

// True when the labels satisfy the requirement (Kubernetes semantics: NotIn and DoesNotExist
// match a missing label; Gt/Lt compare integers and fail on non-integers).
bool Matches(const NodeSelectorRequirement& requirement, const NodeView& node);
// True when the node passes spec.nodeSelector and the required affinity terms (one must match).
bool MatchesNodeAffinity(const PlacementConstraints& constraints, const NodeView& node);
// True when every NoSchedule and NoExecute taint is tolerated (PreferNoSchedule is ignored).
bool ToleratesTaints(const std::vector<Toleration>& tolerations, const std::vector<Taint>& taints);
// Both of the above. The engine applies them as two placement plugins (scheduler/placement/).
bool Admits(const PlacementConstraints& constraints, const NodeView& node);
// True when every label of `selector` is on the node with the same value.
bool SelectorMatches(const Labels& selector, const Labels& labels);

}  // namespace kubemesos
