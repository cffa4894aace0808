// PodIndex: the pods on nodes as the inter-pod placement checks see them (kube-scheduler keeps
// the same facts in NodeInfo and in the PreFilter states of InterPodAffinity, PodTopologySpread
// and NodePorts). It holds each pod's identity (namespace and labels, interned and shared by
// equal pods), the namespaces' labels (for namespaceSelector), the host ports in use per node,
// the pods whose own constraints name other pods (for symmetry), and counters: how many pods
// on nodes a selection (namespaces + label selector) matches, per node and per value of a
// topology label.
//
// Contract:
// - Pods are keyed by the engine's task slot. Add() a pod when its request starts counting on a
//   known node (bound, assumed in this cycle, or found when its node appears) and Remove() it
//   when that stops; pods placed earlier in a cycle therefore count at once.
// - Counters are created on first use by Track() and never dropped (there is one per distinct
//   selection and topology key in the pods' constraints, which are interned and never dropped
//   either). A new counter scans every pod on a node once; afterwards Add/Remove keep it exact.
//   Per-domain counts are rebuilt from the per-node counts when the node pool's epoch moved
//   (node labels may have changed) or a namespace's labels changed.
// - epoch() grows at every Add, Remove or namespace change: a class whose placement depends on
//   pods (PlacementConstraints::NeedsFullScan, host ports) may be worth retrying when it moved.
// - Ownership: the index keeps references to the engine's constraints table and node pool,
//   which must outlive it. Threads: none. Errors: none; nothing throws but std::bad_alloc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scheduler/constraints.h"
#include "scheduler/node_pool.h"

namespace kubemesos {

class PodIndex {
 public:
  static constexpr int kNone = -1;

  PodIndex(const std::vector<PlacementConstraints>& constraints, const NodePool& nodes)
      : constraints_(constraints), nodes_(nodes) {}
  PodIndex(const PodIndex&) = delete;
  PodIndex& operator=(const PodIndex&) = delete;

  // ---- identities ----
  // The id of (namespace, labels), with one more reference. Equal pods share an id.
  int Intern(std::string_view ns, const Labels& labels);
  void Release(int identity);  // one reference less; the id is reused once none is left
  const std::string& ns(int identity) const { return identities_[identity].ns; }
  const Labels& labels(int identity) const { return identities_[identity].labels; }

  // ---- namespaces ----
  void UpsertNamespace(const std::string& name, const Labels& labels);
  void RemoveNamespace(const std::string& name);
  // The namespace's labels; empty for a namespace not (yet) known.
  const Labels& NamespaceLabels(const std::string& name) const;
  // True when the term selects pods of namespace `ns`: listed in term.namespaces, or matched by
  // its namespaceSelector.
  bool NamespaceSelected(const PodAffinityTerm& term, const std::string& ns) const;
  // True when the term selects the pod with this identity (namespace and labels).
  bool Selects(const PodAffinityTerm& term, int identity) const;

  // ---- pods on nodes ----
  void Add(int task, int node, int identity, int constraints);
  void Remove(int task);
  bool Has(int task) const {
    return task < static_cast<int>(where_.size()) && where_[task].node >= 0;
  }
  // The tasks on a node, in no particular order.
  const std::vector<int>& PodsOn(int node) const;
  int IdentityOf(int task) const { return where_[task].identity; }
  int ConstraintsOf(int task) const { return where_[task].constraints; }

  // The host ports in use on a node, sorted (a port once per pod using it).
  const std::vector<HostPort>& HostPortsOn(int node) const;

  // A pod on a node whose own constraints have inter-pod terms (kube-scheduler's
  // PodsWithAffinity / PodsWithRequiredAntiAffinity), for the symmetric checks.
  struct PodWithTerms {
    int task;
    int node;
    int identity;
    int constraints;
  };
  const std::vector<PodWithTerms>& PodsWithTerms() const { return with_terms_; }

  // ---- counters ----
  // How many pods on nodes the term's selection (namespaces, namespaceSelector and label
  // selector; weight ignored) matches, per node and per value of `topology_key` on the node.
  int Track(const PodAffinityTerm& selection, const std::string& topology_key);
  int CountOnNode(int counter, int node);
  // The count in the domain `value` of the counter's topology key (0 when none).
  int CountInDomain(int counter, const std::string& value);
  // Every domain with a non-zero count, for iteration: value -> count.
  const std::unordered_map<std::string, int>& Domains(int counter);
  const std::string& TopologyKey(int counter) const { return counters_[counter].topology_key; }

  uint64_t epoch() const { return epoch_; }
  size_t pods() const { return pods_; }

  // ---- added for inter-pod affinity (scheduler/placement/inter_pod_affinity.h) ----
  // Like Track, for pods matched by EVERY term's selection (kube-scheduler counts a pod for a
  // pod's required affinity only when it matches all of its terms). One term: same as Track.
  int TrackAll(const std::vector<PodAffinityTerm>& selections, const std::string& topology_key);

  // The distinct inter-pod terms that pods on nodes carry in their own constraints ("held"
  // terms), for the symmetric checks: kube-scheduler walks the pods with affinity on every
  // node; here each distinct (kind, term) keeps how many pods on nodes hold it, per node and per
  // domain of its topology key, so that a class finds the terms that select it in O(distinct
  // terms) and a node's answer is a hash lookup. Held terms are never dropped (like counters).
  enum class TermKind : uint8_t {
    kRequiredAffinity,
    kRequiredAntiAffinity,
    kPreferredAffinity,
    kPreferredAntiAffinity,
  };
  struct HeldTerm {
    TermKind kind;
    PodAffinityTerm term;  // weight kept for preferred terms
    int holders = 0;       // pods on nodes holding it
  };
  const std::vector<HeldTerm>& HeldTerms() const { return held_; }
  // The ids of the held required anti-affinity terms (the hot symmetric check walks only these).
  const std::vector<int>& HeldAntiAffinity() const { return held_anti_; }
  // How many pods holding the term are on nodes whose label term.topology_key is `value`.
  // Refreshes the domains after node changes, so call it outside hot loops first (see
  // RefreshHeld) when many lookups follow.
  int HoldersInDomain(int held, const std::string& value);
  void RefreshHeld(int held);
  // Const lookup, valid after RefreshHeld(held) with no node change since.
  int HoldersInDomainNow(int held, const std::string& value) const;
  // Grows whenever a pod holding a required anti-affinity term leaves a node (or a namespace's
  // labels change): classes of any kind blocked by the symmetric check may then fit.
  uint64_t anti_affinity_epoch() const { return anti_affinity_epoch_; }
  // ---- topology domains (PodTopologySpread) ----
  // The live nodes' values of one topology label, interned: of_node[slot] is an index into
  // names, or kNone for a free slot or a node without the label. Rebuilt when the node pool's
  // epoch moved (never for usage changes); the reference stays valid, its contents until the
  // node pool changes.
  struct Topology {
    std::vector<int> of_node;        // by node slot
    std::vector<std::string> names;  // by domain id
    uint64_t epoch = 0;              // nodes_.epoch() it is for
  };
  const Topology& TopologyOf(const std::string& key);
  // ---- CSI volumes (NodeVolumeLimits) ----
  // How many distinct volumes of `driver` the pods on the node use (a volume shared by pods
  // counts once), and whether `volume` is among them.
  int CsiVolumeCount(int node, const std::string& driver) const;
  bool HasCsiVolume(int node, const CsiVolume& volume) const;

 private:
  // The CSI volumes in use on one node: driver -> volume handle -> pods using it.
  using CsiUse = std::unordered_map<std::string, std::unordered_map<std::string, int>>;
  void CountCsi(int node, const std::vector<CsiVolume>& volumes, int delta);

  struct Identity {
    std::string ns;
    Labels labels;
    int refs = 0;
  };
  struct Where {
    int node = kNone;
    int identity = kNone;
    int constraints = kNone;
    int with_terms_pos = kNone;  // position in with_terms_, or kNone
  };
  struct Counter {
    PodAffinityTerm selection;
    std::string topology_key;
    std::vector<int> by_node;                        // by node slot
    std::unordered_map<std::string, int> by_domain;  // value of topology_key -> count
    uint64_t domains_epoch = 0;                      // nodes_.epoch() the domains are for
    uint64_t namespaces_epoch = 0;                   // namespaces_epoch_ by_node is for
    std::vector<PodAffinityTerm> also;               // TrackAll: more selections, all ANDed
  };
  struct Held {
    std::vector<int> by_node;
    std::unordered_map<std::string, int> by_domain;
    uint64_t domains_epoch = 0;
  };

  void Count(Counter& counter, int node, int identity, int delta);
  bool CounterSelects(const Counter& counter, int identity) const;
  const std::vector<int>& HeldOf(int constraints);
  void Hold(int held, int node, int delta);
  void Refresh(int counter);
  static std::string IdentityKey(std::string_view ns, const Labels& labels);

  const std::vector<PlacementConstraints>& constraints_;
  const NodePool& nodes_;

  std::vector<Identity> identities_;
  std::unordered_map<std::string, int> identity_index_;
  std::vector<int> free_identities_;

  std::unordered_map<std::string, Labels> namespaces_;
  uint64_t namespaces_epoch_ = 1;

  std::vector<Where> where_;                  // by task slot
  std::vector<std::vector<int>> on_node_;     // node slot -> tasks on it
  std::vector<std::vector<HostPort>> ports_;  // node slot -> host ports in use
  std::vector<PodWithTerms> with_terms_;
  std::vector<CsiUse> csi_;  // node slot -> CSI volumes in use
  size_t pods_ = 0;

  std::vector<Counter> counters_;
  std::unordered_map<std::string, int> counter_index_;
  uint64_t epoch_ = 1;

  std::vector<HeldTerm> held_;
  std::vector<Held> held_counts_;  // parallel to held_
  std::unordered_map<std::string, int> held_index_;
  std::vector<std::vector<int>> held_of_;  // constraints id -> held term ids
  std::vector<uint8_t> held_known_;        // constraints id -> held_of_ computed
  std::vector<int> held_anti_;             // ids of kRequiredAntiAffinity held terms
  uint64_t anti_affinity_epoch_ = 1;
  std::unordered_map<std::string, Topology> topologies_;  // by topology key
};

}  // namespace kubemesos
