// PodIndex: identities, namespaces, pods on nodes, host ports and counters (see pod_index.h).
#include "scheduler/pod_index.h"

#include <algorithm>

namespace kubemesos {
namespace {

const std::vector<HostPort> kNoPorts;
const std::vector<int> kNoPods;
const Labels kNoLabels;

bool HasInterPodTerms(const PlacementConstraints& c) {
  return !c.pod_affinity.empty();
}

template <typename T>
void GrowTo(std::vector<T>& v, int index) {
  if (index >= static_cast<int>(v.size())) v.resize(index + 1);
}

}  // namespace

// ---------------------------------------------------------------- identities

std::string PodIndex::IdentityKey(std::string_view ns, const Labels& labels) {
  // Length-prefixed, so that no label can forge a separator.
  std::string key = std::to_string(ns.size()) + ":" + std::string(ns);
  for (const auto& [k, v] : labels) {
    key += std::to_string(k.size()) + ":" + k + std::to_string(v.size()) + ":" + v;
  }
  return key;
}

int PodIndex::Intern(std::string_view ns, const Labels& labels) {
  std::string key = IdentityKey(ns, labels);
  if (auto it = identity_index_.find(key); it != identity_index_.end()) {
    ++identities_[it->second].refs;
    return it->second;
  }
  int id;
  if (!free_identities_.empty()) {
    id = free_identities_.back();
    free_identities_.pop_back();
  } else {
    id = static_cast<int>(identities_.size());
    identities_.emplace_back();
  }
  identities_[id] = Identity{std::string(ns), labels, 1};
  identity_index_.emplace(std::move(key), id);
  return id;
}

void PodIndex::Release(int identity) {
  if (identity < 0) return;
  auto& id = identities_[identity];
  if (--id.refs > 0) return;
  identity_index_.erase(IdentityKey(id.ns, id.labels));
  id = Identity{};
  free_identities_.push_back(identity);
}

// ---------------------------------------------------------------- namespaces

void PodIndex::UpsertNamespace(const std::string& name, const Labels& labels) {
  auto [it, added] = namespaces_.try_emplace(name, labels);
  if (!added) {
    if (it->second == labels) return;
    it->second = labels;
  }
  ++namespaces_epoch_;
  ++anti_affinity_epoch_;
  ++epoch_;
}

void PodIndex::RemoveNamespace(const std::string& name) {
  if (namespaces_.erase(name) == 0) return;
  ++namespaces_epoch_;
  ++anti_affinity_epoch_;
  ++epoch_;
}

const Labels& PodIndex::NamespaceLabels(const std::string& name) const {
  auto it = namespaces_.find(name);
  return it == namespaces_.end() ? kNoLabels : it->second;
}

bool PodIndex::NamespaceSelected(const PodAffinityTerm& term, const std::string& ns) const {
  if (std::binary_search(term.namespaces.begin(), term.namespaces.end(), ns)) return true;
  return term.namespace_selector &&
         kubemesos::Selects(*term.namespace_selector, NamespaceLabels(ns));
}

bool PodIndex::Selects(const PodAffinityTerm& term, int identity) const {
  const auto& id = identities_[identity];
  return NamespaceSelected(term, id.ns) && kubemesos::Selects(term.selector, id.labels);
}

// ---------------------------------------------------------------- pods on nodes

void PodIndex::Add(int task, int node, int identity, int constraints) {
  GrowTo(where_, task);
  if (where_[task].node != kNone) Remove(task);
  GrowTo(on_node_, node);
  on_node_[node].push_back(task);
  Where& w = where_[task];
  w = Where{node, identity, constraints, kNone};
  const PlacementConstraints& c = constraints_[constraints];
  if (!c.host_ports.empty()) {
    GrowTo(ports_, node);
    auto& ports = ports_[node];
    ports.insert(ports.end(), c.host_ports.begin(), c.host_ports.end());
    std::sort(ports.begin(), ports.end());
  }
  if (!c.csi_volumes.empty()) CountCsi(node, c.csi_volumes, +1);
  if (HasInterPodTerms(c)) {
    w.with_terms_pos = static_cast<int>(with_terms_.size());
    with_terms_.push_back({task, node, identity, constraints});
  }
  for (auto& counter : counters_) Count(counter, node, identity, +1);
  for (int held : HeldOf(constraints)) Hold(held, node, +1);
  ++pods_;
  ++epoch_;
}

void PodIndex::Remove(int task) {
  if (!Has(task)) return;
  Where w = where_[task];
  auto& list = on_node_[w.node];
  *std::find(list.begin(), list.end(), task) = list.back();
  list.pop_back();
  const PlacementConstraints& c = constraints_[w.constraints];
  if (!c.host_ports.empty()) {
    auto& ports = ports_[w.node];
    for (const auto& port : c.host_ports) {
      auto it = std::lower_bound(ports.begin(), ports.end(), port);
      if (it != ports.end() && *it == port) ports.erase(it);
    }
  }
  if (!c.csi_volumes.empty()) CountCsi(w.node, c.csi_volumes, -1);
  if (w.with_terms_pos != kNone) {
    with_terms_[w.with_terms_pos] = with_terms_.back();
    where_[with_terms_[w.with_terms_pos].task].with_terms_pos = w.with_terms_pos;
    with_terms_.pop_back();
  }
  for (auto& counter : counters_) Count(counter, w.node, w.identity, -1);
  for (int held : HeldOf(w.constraints)) {
    Hold(held, w.node, -1);
    if (held_[held].kind == TermKind::kRequiredAntiAffinity) ++anti_affinity_epoch_;
  }
  where_[task] = Where{};
  --pods_;
  ++epoch_;
}

const std::vector<int>& PodIndex::PodsOn(int node) const {
  return node < static_cast<int>(on_node_.size()) ? on_node_[node] : kNoPods;
}

const std::vector<HostPort>& PodIndex::HostPortsOn(int node) const {
  return node < static_cast<int>(ports_.size()) ? ports_[node] : kNoPorts;
}

// ---------------------------------------------------------------- counters

bool PodIndex::CounterSelects(const Counter& counter, int identity) const {
  if (!Selects(counter.selection, identity)) return false;
  for (const auto& more : counter.also) {
    if (!Selects(more, identity)) return false;
  }
  return true;
}

void PodIndex::Count(Counter& counter, int node, int identity, int delta) {
  if (!CounterSelects(counter, identity)) return;
  GrowTo(counter.by_node, node);
  counter.by_node[node] += delta;
  // Domains are kept up to date only while they are current; otherwise Refresh rebuilds them.
  if (counter.domains_epoch != nodes_.epoch() || node >= nodes_.slots()) return;
  const auto& labels = nodes_.node(node).spec.labels;
  auto value = labels.find(counter.topology_key);
  if (value == labels.end()) return;
  int& n = counter.by_domain[value->second];
  n += delta;
  if (n == 0) counter.by_domain.erase(value->second);
}

int PodIndex::Track(const PodAffinityTerm& selection, const std::string& topology_key) {
  PlacementConstraints probe;  // reuse the canonical form of a term for the counter's key
  probe.pod_affinity.required_affinity.push_back(selection);
  probe.pod_affinity.required_affinity.back().weight = 0;
  probe.pod_affinity.required_affinity.back().topology_key = topology_key;
  std::string key = probe.CanonicalKey();
  if (auto it = counter_index_.find(key); it != counter_index_.end()) return it->second;
  int id = static_cast<int>(counters_.size());
  counters_.push_back(Counter{selection, topology_key, {}, {}, 0, 0, {}});
  counter_index_.emplace(std::move(key), id);
  Refresh(id);
  return id;
}

void PodIndex::Refresh(int id) {
  Counter& counter = counters_[id];
  if (counter.namespaces_epoch != namespaces_epoch_) {
    // First use, or a namespace's labels changed: count every pod on a node again. Only a
    // counter with a namespaceSelector can be stale this way, but a new one is always counted.
    bool by_namespace_labels = counter.selection.namespace_selector.has_value();
    for (const auto& more : counter.also)
      by_namespace_labels |= more.namespace_selector.has_value();
    if (counter.namespaces_epoch == 0 || by_namespace_labels) {
      counter.by_node.assign(on_node_.size(), 0);
      counter.domains_epoch = 0;
      for (size_t node = 0; node < on_node_.size(); ++node) {
        for (int task : on_node_[node]) {
          if (CounterSelects(counter, where_[task].identity)) ++counter.by_node[node];
        }
      }
    }
    counter.namespaces_epoch = namespaces_epoch_;
  }
  if (counter.domains_epoch != nodes_.epoch()) {
    counter.by_domain.clear();
    for (int node = 0; node < static_cast<int>(counter.by_node.size()); ++node) {
      if (counter.by_node[node] == 0 || node >= nodes_.slots() || !nodes_.node(node).alive)
        continue;
      const auto& labels = nodes_.node(node).spec.labels;
      if (auto value = labels.find(counter.topology_key); value != labels.end())
        counter.by_domain[value->second] += counter.by_node[node];
    }
    counter.domains_epoch = nodes_.epoch();
  }
}

int PodIndex::CountOnNode(int id, int node) {
  Refresh(id);
  const auto& by_node = counters_[id].by_node;
  return node < static_cast<int>(by_node.size()) ? by_node[node] : 0;
}

int PodIndex::CountInDomain(int id, const std::string& value) {
  Refresh(id);
  const auto& domains = counters_[id].by_domain;
  auto it = domains.find(value);
  return it == domains.end() ? 0 : it->second;
}

const std::unordered_map<std::string, int>& PodIndex::Domains(int id) {
  Refresh(id);
  return counters_[id].by_domain;
}

// ---------------------------------------------------------------- inter-pod affinity

int PodIndex::TrackAll(const std::vector<PodAffinityTerm>& selections,
                       const std::string& topology_key) {
  if (selections.size() == 1) return Track(selections[0], topology_key);
  PlacementConstraints probe;  // two or more terms: never the key of a single-term counter
  for (const auto& selection : selections) {
    probe.pod_affinity.required_affinity.push_back(selection);
    probe.pod_affinity.required_affinity.back().weight = 0;
    probe.pod_affinity.required_affinity.back().topology_key = topology_key;
  }
  std::string key = probe.CanonicalKey();
  if (auto it = counter_index_.find(key); it != counter_index_.end()) return it->second;
  int id = static_cast<int>(counters_.size());
  Counter counter{
      selections.empty() ? PodAffinityTerm{} : selections[0], topology_key, {}, {}, 0, 0, {}};
  if (selections.empty()) counter.selection.namespace_selector = LabelSelector{};  // every pod
  if (selections.size() > 1) counter.also.assign(selections.begin() + 1, selections.end());
  counters_.push_back(std::move(counter));
  counter_index_.emplace(std::move(key), id);
  Refresh(id);
  return id;
}

const std::vector<int>& PodIndex::HeldOf(int constraints) {
  static const std::vector<int> kNoHeld;
  const PlacementConstraints& c = constraints_[constraints];
  if (!HasInterPodTerms(c)) return kNoHeld;
  GrowTo(held_of_, constraints);
  GrowTo(held_known_, constraints);
  if (held_known_[constraints]) return held_of_[constraints];
  std::vector<int> ids;
  auto add = [&](TermKind kind, const std::vector<PodAffinityTerm>& terms) {
    for (const auto& term : terms) {
      PlacementConstraints probe;
      probe.pod_affinity.required_affinity.push_back(term);
      std::string key = probe.CanonicalKey();
      key.push_back(static_cast<char>('0' + static_cast<int>(kind)));
      auto [it, added] = held_index_.try_emplace(std::move(key), static_cast<int>(held_.size()));
      if (added) {
        if (kind == TermKind::kRequiredAntiAffinity)
          held_anti_.push_back(static_cast<int>(held_.size()));
        held_.push_back({kind, term, 0});
        held_counts_.emplace_back();
      }
      ids.push_back(it->second);
    }
  };
  add(TermKind::kRequiredAffinity, c.pod_affinity.required_affinity);
  add(TermKind::kRequiredAntiAffinity, c.pod_affinity.required_anti_affinity);
  add(TermKind::kPreferredAffinity, c.pod_affinity.preferred_affinity);
  add(TermKind::kPreferredAntiAffinity, c.pod_affinity.preferred_anti_affinity);
  held_of_[constraints] = std::move(ids);
  held_known_[constraints] = 1;
  return held_of_[constraints];
}

void PodIndex::Hold(int id, int node, int delta) {
  held_[id].holders += delta;
  Held& held = held_counts_[id];
  GrowTo(held.by_node, node);
  held.by_node[node] += delta;
  if (held.domains_epoch != nodes_.epoch() || node >= nodes_.slots()) return;
  const auto& labels = nodes_.node(node).spec.labels;
  auto value = labels.find(held_[id].term.topology_key);
  if (value == labels.end()) return;
  int& n = held.by_domain[value->second];
  n += delta;
  if (n == 0) held.by_domain.erase(value->second);
}

void PodIndex::RefreshHeld(int id) {
  Held& held = held_counts_[id];
  if (held.domains_epoch == nodes_.epoch()) return;
  held.by_domain.clear();
  const std::string& key = held_[id].term.topology_key;
  for (int node = 0; node < static_cast<int>(held.by_node.size()); ++node) {
    if (held.by_node[node] == 0 || node >= nodes_.slots() || !nodes_.node(node).alive) continue;
    const auto& labels = nodes_.node(node).spec.labels;
    if (auto value = labels.find(key); value != labels.end())
      held.by_domain[value->second] += held.by_node[node];
  }
  held.domains_epoch = nodes_.epoch();
}

int PodIndex::HoldersInDomain(int id, const std::string& value) {
  RefreshHeld(id);
  return HoldersInDomainNow(id, value);
}

int PodIndex::HoldersInDomainNow(int id, const std::string& value) const {
  const auto& domains = held_counts_[id].by_domain;
  auto it = domains.find(value);
  return it == domains.end() ? 0 : it->second;
}

// ---------------------------------------------------------------- topology domains

const PodIndex::Topology& PodIndex::TopologyOf(const std::string& key) {
  Topology& t = topologies_[key];
  if (t.epoch == nodes_.epoch() && t.epoch != 0) return t;
  t.of_node.assign(nodes_.slots(), kNone);
  t.names.clear();
  std::unordered_map<std::string_view, int> ids;
  for (int node = 0; node < nodes_.slots(); ++node) {
    const NodeState& state = nodes_.node(node);
    if (!state.alive) continue;
    auto value = state.spec.labels.find(key);
    if (value == state.spec.labels.end()) continue;
    auto [it, added] = ids.try_emplace(value->second, static_cast<int>(t.names.size()));
    if (added) t.names.push_back(value->second);
    t.of_node[node] = it->second;
  }
  t.epoch = nodes_.epoch();
  return t;
}

// ---------------------------------------------------------------- CSI volumes

void PodIndex::CountCsi(int node, const std::vector<CsiVolume>& volumes, int delta) {
  GrowTo(csi_, node);
  for (const auto& v : volumes) {
    auto& handles = csi_[node][v.driver];
    int& n = handles[v.handle];
    n += delta;
    if (n <= 0) handles.erase(v.handle);
    if (handles.empty()) csi_[node].erase(v.driver);
  }
}

int PodIndex::CsiVolumeCount(int node, const std::string& driver) const {
  if (node >= static_cast<int>(csi_.size())) return 0;
  auto it = csi_[node].find(driver);
  return it == csi_[node].end() ? 0 : static_cast<int>(it->second.size());
}

bool PodIndex::HasCsiVolume(int node, const CsiVolume& volume) const {
  if (node >= static_cast<int>(csi_.size())) return false;
  auto it = csi_[node].find(volume.driver);
  return it != csi_[node].end() && it->second.count(volume.handle) > 0;
}

}  // namespace kubemesos
