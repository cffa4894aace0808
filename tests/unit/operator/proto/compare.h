// Compares what the protobuf codec decoded with what the API server's JSON says for the same
// object, field by field: used by the unit tests (on objects captured from a real
// kube-apiserver, testdata/) and by proto_wire_check (live, tests/integration/operator/proto).
//
// Rules (the codec's contract, codec.h / decode.cpp):
// - the fields the codec leaves out (schema.cpp's Dropped list) are removed from the JSON
//   first (Prune);
// - every other field of the JSON must be in the decoded object with an equal value;
// - a field only in the decoded object must be a zero value ("", 0, false, {}, []): the API
//   server's protobuf marshalers write non-pointer fields that its JSON omits when empty.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kubemesos::proto::testing {

using nlohmann::json;

inline void PruneContainers(json& spec) {
  static const char* const kLists[] = {"containers", "initContainers", "ephemeralContainers"};
  static const char* const kFields[] = {"command",
                                        "args",
                                        "env",
                                        "envFrom",
                                        "livenessProbe",
                                        "readinessProbe",
                                        "startupProbe",
                                        "lifecycle",
                                        "terminationMessagePath",
                                        "terminationMessagePolicy",
                                        "workingDir"};
  for (const char* list : kLists) {
    auto it = spec.find(list);
    if (it == spec.end() || !it->is_array()) continue;
    for (json& c : *it) {
      for (const char* f : kFields) c.erase(f);
    }
  }
}

// Removes what the codec leaves out from an object of the API server's JSON (any kind).
inline void Prune(json& object) {
  if (!object.is_object()) return;
  if (auto m = object.find("metadata"); m != object.end() && m->is_object()) {
    m->erase("managedFields");
  }
  const std::string kind = object.value("kind", "");
  if (auto s = object.find("spec"); s != object.end() && s->is_object() && kind == "Pod") {
    PruneContainers(*s);
  }
  if (auto s = object.find("status"); s != object.end() && s->is_object() && kind == "Node") {
    s->erase("images");
    s->erase("nodeInfo");
  }
}

inline bool IsZero(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return true;
    case json::value_t::string:
      return v.get_ref<const std::string&>().empty();
    case json::value_t::boolean:
      return !v.get<bool>();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return v.get<double>() == 0;
    case json::value_t::object:
      for (const auto& [k, x] : v.items()) {
        if (!IsZero(x)) return false;
      }
      return true;
    case json::value_t::array:
      return v.empty();
    default:
      return false;
  }
}

// Appends one line per difference ("spec.containers[0].name: ...") to `diffs`.
inline void Compare(const json& want, const json& got, const std::string& path,
                    std::vector<std::string>& diffs) {
  if (want.is_object() && got.is_object()) {
    for (const auto& [k, v] : want.items()) {
      std::string p = path.empty() ? k : path + "." + k;
      auto it = got.find(k);
      if (it == got.end()) {
        if (!v.is_null()) diffs.push_back(p + ": missing (JSON has " + v.dump() + ")");
        continue;
      }
      Compare(v, *it, p, diffs);
    }
    for (const auto& [k, v] : got.items()) {
      if (!want.contains(k) && !IsZero(v)) {
        diffs.push_back((path.empty() ? k : path + "." + k) + ": extra " + v.dump());
      }
    }
    return;
  }
  if (want.is_array() && got.is_array()) {
    if (want.size() != got.size()) {
      diffs.push_back(path + ": " + std::to_string(got.size()) + " items, JSON has " +
                      std::to_string(want.size()));
      return;
    }
    for (size_t i = 0; i < want.size(); ++i) {
      Compare(want[i], got[i], path + "[" + std::to_string(i) + "]", diffs);
    }
    return;
  }
  if (want.is_number() && got.is_number() ? want.get<double>() != got.get<double>() : want != got) {
    diffs.push_back(path + ": " + got.dump() + ", JSON has " + want.dump());
  }
}

}  // namespace kubemesos::proto::testing
