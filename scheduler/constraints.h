// Where a task may run: labels, taints and tolerations, nodeSelector and required node affinity,
// with the matching rules of Kubernetes (NodeAffinity and TaintToleration filters).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
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

// A Kubernetes metav1.LabelSelector: matchLabels (as In with one value) and matchExpressions
// (In, NotIn, Exists, DoesNotExist only), all of which must hold. `nothing`: a null selector,
// which selects no pod (inter-pod affinity and topology spread treat a missing labelSelector
// so). An empty, non-null selector selects every pod.
struct LabelSelector {
  std::vector<NodeSelectorRequirement> requirements;
  bool nothing = false;
};

// True when the selector selects a pod (or namespace) with these labels.
bool Selects(const LabelSelector& selector, const Labels& labels);

// One inter-pod (anti-)affinity term (v1 PodAffinityTerm), resolved at conversion:
// matchLabelKeys/mismatchLabelKeys are already merged into `selector` (as In/NotIn with the
// incoming pod's own values), and `namespaces` is already defaulted to the pod's namespace when
// both namespaces and namespaceSelector are absent.
struct PodAffinityTerm {
  LabelSelector selector;
  std::vector<std::string> namespaces;  // sorted, unique
  // Set: also every namespace whose labels it selects (empty selector: all namespaces).
  std::optional<LabelSelector> namespace_selector;
  std::string topology_key;
  int32_t weight = 0;  // preferred terms only: 1..100
};

// spec.affinity.podAffinity and podAntiAffinity.
struct PodAffinity {
  std::vector<PodAffinityTerm> required_affinity;
  std::vector<PodAffinityTerm> required_anti_affinity;
  std::vector<PodAffinityTerm> preferred_affinity;
  std::vector<PodAffinityTerm> preferred_anti_affinity;
  bool empty() const {
    return required_affinity.empty() && required_anti_affinity.empty() &&
           preferred_affinity.empty() && preferred_anti_affinity.empty();
  }
};

// One v1 TopologySpreadConstraint, resolved at conversion (matchLabelKeys merged into
// `selector`; the pod's namespace is implied: spread counts pods of the pod's own namespace).
struct SpreadConstraint {
  int32_t max_skew = 1;
  std::string topology_key;
  bool do_not_schedule = true;  // whenUnsatisfiable: DoNotSchedule (filter) or ScheduleAnyway
  LabelSelector selector;
  int32_t min_domains = 1;          // DoNotSchedule only
  bool honor_node_affinity = true;  // nodeAffinityPolicy: Honor (default) or Ignore
  bool honor_taints = false;        // nodeTaintsPolicy: Honor or Ignore (default)
  bool system_default = false;      // added by the cluster defaults, not the pod
};

// A container port with a hostPort (kube-scheduler: NodePorts). ip "" means 0.0.0.0.
struct HostPort {
  std::string protocol = "TCP";
  std::string ip;
  int32_t port = 0;
  friend auto operator<=>(const HostPort&, const HostPort&) = default;
};

// A CSI volume a pod uses (kube-scheduler: NodeVolumeLimits): the PersistentVolume's
// spec.csi.driver and volumeHandle, or for an inline CSI volume the driver and
// "<namespace>-<pod>-<volume>". Pods sharing a volume count it once on a node.
struct CsiVolume {
  std::string driver;
  std::string handle;
  friend auto operator<=>(const CsiVolume&, const CsiVolume&) = default;
};

// A preferred node affinity term (preferredDuringSchedulingIgnoredDuringExecution).
struct PreferredNodeTerm {
  int32_t weight = 0;  // 1..100
  NodeSelectorTerm term;
};

// Everything that restricts the nodes a task may use. Value type; compared and hashed through
// CanonicalKey() so that tasks with equal constraints share work.
struct PlacementConstraints {
  Labels node_selector;                    // spec.nodeSelector
  std::vector<NodeSelectorTerm> affinity;  // required terms, ORed; empty: no constraint
  std::vector<Toleration> tolerations;
  // More required node selections, each ORed inside and all ANDed with the above: the node
  // affinity of the PersistentVolumes the pod's claims are bound to.
  std::vector<std::vector<NodeSelectorTerm>> volume_affinity;
  std::vector<PreferredNodeTerm> preferred_affinity;
  PodAffinity pod_affinity;
  std::vector<SpreadConstraint> spread;
  std::vector<HostPort> host_ports;  // sorted, unique
  // The CSI volumes the pod uses, for the per-node volume count limits (CSINode); sorted, unique.
  std::vector<CsiVolume> csi_volumes;

  // True when placement depends on more than the node and its free resources (the pods on
  // nodes: inter-pod affinity, spread) or ranks nodes per class (preferences): the engine then
  // searches every node afresh for each task of the class (see placement::Scope::kPod) instead
  // of walking the shared node order with a cursor.
  bool NeedsFullScan() const;
  // True when whether a node fits depends on the pods on nodes (NeedsFullScan, host ports, CSI
  // volume counts): a class that fits nowhere may fit once pods come or go.
  bool DependsOnPods() const;
  // True when a required check depends on other pods in a way only a per-task search sees: the
  // pod's own required inter-pod affinity or anti-affinity, DoNotSchedule topology spread.
  // Preemption cannot plan for such a task (it checks node-scoped and live filters only); soft
  // terms (preferred affinity, ScheduleAnyway spread, the cluster default spread) do not count.
  bool FiltersOnOtherPods() const;

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
