// Topology spread constraints of a pending pod and the cluster defaults (see pod_spread.h).
#include "operator/kube/pod_spread.h"

#include <algorithm>
#include <array>

namespace kubemesos::kube {
namespace {

using Op = NodeSelectorRequirement::Op;

// "Honor" or "Ignore"; absent: `fallback`.
bool ReadPolicy(const json& c, std::string_view key, const std::string& path, bool fallback) {
  auto value = ReadString(c, key, path);
  if (!value) return fallback;
  if (*value == "Honor") return true;
  if (*value == "Ignore") return false;
  throw FieldError(Join(path, key), "unsupported value \"" + *value + "\" (Honor or Ignore)");
}

SpreadConstraint ReadOne(const json& c, const std::string& path, const Labels& labels) {
  if (!c.is_object()) {
    throw FieldError(path, std::string("expected an object, got ") + TypeName(c));
  }
  SpreadConstraint out;
  auto skew = ReadInt(c, "maxSkew", path);
  if (!skew || *skew < 1 || *skew > INT32_MAX) {
    throw FieldError(Join(path, "maxSkew"), "required: an integer greater than 0");
  }
  out.max_skew = static_cast<int32_t>(*skew);
  out.topology_key = RequireString(c, "topologyKey", path);
  const std::string when = RequireString(c, "whenUnsatisfiable", path);
  if (when == "DoNotSchedule") {
    out.do_not_schedule = true;
  } else if (when == "ScheduleAnyway") {
    out.do_not_schedule = false;
  } else {
    throw FieldError(Join(path, "whenUnsatisfiable"),
                     "unsupported value \"" + when + "\" (DoNotSchedule or ScheduleAnyway)");
  }
  if (auto min = ReadInt(c, "minDomains", path)) {
    if (!out.do_not_schedule) {
      throw FieldError(Join(path, "minDomains"), "may only be set with DoNotSchedule");
    }
    if (*min < 1 || *min > INT32_MAX) {
      throw FieldError(Join(path, "minDomains"), "must be greater than 0");
    }
    out.min_domains = static_cast<int32_t>(*min);
  }
  out.honor_node_affinity = ReadPolicy(c, "nodeAffinityPolicy", path, true);
  out.honor_taints = ReadPolicy(c, "nodeTaintsPolicy", path, false);
  out.selector = ReadLabelSelector(c, "labelSelector", path);
  if (const json* keys = ReadArray(c, "matchLabelKeys", path); keys && !keys->empty()) {
    const std::string kpath = Join(path, "matchLabelKeys");
    if (out.selector.nothing) {
      throw FieldError(kpath, "must not be set when labelSelector is not set");
    }
    for (size_t i = 0; i < keys->size(); ++i) {
      const json& key = (*keys)[i];
      if (!key.is_string() || key.get<std::string>().empty()) {
        throw FieldError(Join(kpath, i), "expected a non-empty string");
      }
      // A key the pod lacks is skipped (upstream: only the pod's present labels are merged).
      auto it = labels.find(key.get<std::string>());
      if (it == labels.end()) continue;
      out.selector.requirements.push_back({it->first, Op::kIn, {it->second}, false});
    }
  }
  return out;
}

}  // namespace

std::vector<SpreadConstraint> ReadSpreadConstraints(const json& spec, const Labels& labels) {
  std::vector<SpreadConstraint> out;
  const json* list = ReadArray(spec, "topologySpreadConstraints", "spec");
  for (size_t i = 0; list && i < list->size(); ++i) {
    out.push_back(ReadOne((*list)[i], Join("spec.topologySpreadConstraints", i), labels));
  }
  return out;
}

std::vector<SpreadConstraint> SystemDefaultSpread(const json& meta, const Labels& labels) {
  const json* owners = ReadArray(meta, "ownerReferences", "metadata");
  bool replicated = false;
  for (size_t i = 0; owners && i < owners->size() && !replicated; ++i) {
    const json& owner = (*owners)[i];
    if (!owner.is_object()) continue;  // ownerReferences is not ours to validate
    const json* controller = Find(owner, "controller");
    const json* kind = Find(owner, "kind");
    const json* api = Find(owner, "apiVersion");
    if (!controller || !controller->is_boolean() || !controller->get<bool>() || !kind ||
        !kind->is_string() || !api || !api->is_string())
      continue;
    const std::string k = kind->get<std::string>();
    const std::string v = api->get<std::string>();
    replicated = ((k == "ReplicaSet" || k == "StatefulSet") && v.starts_with("apps/")) ||
                 (k == "ReplicationController" && v == "v1");
  }
  if (!replicated) return {};
  // The labels the controllers set per pod: no sibling shares them.
  static constexpr std::array<std::string_view, 3> kPerPod = {"statefulset.kubernetes.io/pod-name",
                                                              "apps.kubernetes.io/pod-index",
                                                              "controller-revision-hash"};
  LabelSelector selector;
  for (const auto& [k, v] : labels) {
    if (std::find(kPerPod.begin(), kPerPod.end(), k) != kPerPod.end()) continue;
    selector.requirements.push_back({k, Op::kIn, {v}, false});
  }
  if (selector.requirements.empty()) return {};  // upstream: an empty selector, no defaults
  std::vector<SpreadConstraint> out(2);
  out[0].max_skew = 3;
  out[0].topology_key = "kubernetes.io/hostname";
  out[1].max_skew = 5;
  out[1].topology_key = "topology.kubernetes.io/zone";
  for (auto& c : out) {
    c.do_not_schedule = false;
    c.selector = selector;
    c.system_default = true;
  }
  return out;
}

}  // namespace kubemesos::kube
