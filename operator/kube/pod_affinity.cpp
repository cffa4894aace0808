// Reads spec.affinity.podAffinity and podAntiAffinity (see pod_affinity.h).
#include "operator/kube/pod_affinity.h"

#include <algorithm>
#include <set>

#include "operator/kube/fields.h"

namespace kubemesos::kube {
namespace {

using json = nlohmann::json;
using Op = NodeSelectorRequirement::Op;

std::vector<std::string> ReadStrings(const json& object, const char* key, const std::string& path) {
  std::vector<std::string> out;
  const json* list = ReadArray(object, key, path);
  for (size_t i = 0; list && i < list->size(); ++i) {
    const json& v = (*list)[i];
    if (!v.is_string() || v.get<std::string>().empty()) {
      throw FieldError(Join(Join(path, key), i), "expected a non-empty string");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

PodAffinityTerm ReadTerm(const json& item, const std::string& path, const std::string& ns,
                         const Labels& labels) {
  if (!item.is_object()) {
    throw FieldError(path, std::string("expected an object, got ") + TypeName(item));
  }
  PodAffinityTerm term;
  term.topology_key = RequireString(item, "topologyKey", path);
  const json* selector = ReadObject(item, "labelSelector", path);
  term.selector = ReadLabelSelector(item, "labelSelector", path);  // null: selects no pod
  // kube-apiserver merges these into the selector at creation (MatchLabelKeysInPodAffinity);
  // merging again is harmless (the same requirement twice), and covers older servers.
  for (const char* key : {"matchLabelKeys", "mismatchLabelKeys"}) {
    const bool match = std::string_view(key) == "matchLabelKeys";
    for (const std::string& label : ReadStrings(item, key, path)) {
      if (!selector) throw FieldError(Join(path, key), "requires labelSelector");
      auto it = labels.find(label);
      if (it == labels.end()) continue;  // the pod lacks the label: no requirement
      term.selector.requirements.push_back(
          {label, match ? Op::kIn : Op::kNotIn, {it->second}, false});
    }
  }
  std::vector<std::string> namespaces = ReadStrings(item, "namespaces", path);
  std::set<std::string> unique(namespaces.begin(), namespaces.end());
  term.namespaces.assign(unique.begin(), unique.end());
  if (ReadObject(item, "namespaceSelector", path)) {
    term.namespace_selector = ReadLabelSelector(item, "namespaceSelector", path);
  }
  if (term.namespaces.empty() && !term.namespace_selector) term.namespaces = {ns};
  return term;
}

std::vector<PodAffinityTerm> ReadTerms(const json& kind, const std::string& path, bool preferred,
                                       const std::string& ns, const Labels& labels) {
  std::vector<PodAffinityTerm> out;
  const char* key = preferred ? "preferredDuringSchedulingIgnoredDuringExecution"
                              : "requiredDuringSchedulingIgnoredDuringExecution";
  const json* list = ReadArray(kind, key, path);
  const std::string lpath = Join(path, key);
  for (size_t i = 0; list && i < list->size(); ++i) {
    const std::string tpath = Join(lpath, i);
    const json& item = (*list)[i];
    if (!preferred) {
      out.push_back(ReadTerm(item, tpath, ns, labels));
      continue;
    }
    if (!item.is_object()) {
      throw FieldError(tpath, std::string("expected an object, got ") + TypeName(item));
    }
    auto weight = ReadInt(item, "weight", tpath);
    if (!weight || *weight < 1 || *weight > 100) {
      throw FieldError(Join(tpath, "weight"), "required: an integer from 1 to 100");
    }
    const json* term = ReadObject(item, "podAffinityTerm", tpath);
    if (!term) throw FieldError(Join(tpath, "podAffinityTerm"), "required");
    out.push_back(ReadTerm(*term, Join(tpath, "podAffinityTerm"), ns, labels));
    out.back().weight = static_cast<int32_t>(*weight);
  }
  return out;
}

}  // namespace

PodAffinity ReadPodAffinity(const json& spec, const std::string& ns, const Labels& labels) {
  PodAffinity out;
  const json* affinity = ReadObject(spec, "affinity", "spec");
  if (!affinity) return out;
  if (const json* a = ReadObject(*affinity, "podAffinity", "spec.affinity")) {
    const std::string path = "spec.affinity.podAffinity";
    out.required_affinity = ReadTerms(*a, path, false, ns, labels);
    out.preferred_affinity = ReadTerms(*a, path, true, ns, labels);
  }
  if (const json* a = ReadObject(*affinity, "podAntiAffinity", "spec.affinity")) {
    const std::string path = "spec.affinity.podAntiAffinity";
    out.required_anti_affinity = ReadTerms(*a, path, false, ns, labels);
    out.preferred_anti_affinity = ReadTerms(*a, path, true, ns, labels);
  }
  return out;
}

}  // namespace kubemesos::kube
