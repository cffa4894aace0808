// ObserveObject: watched Nodes, ResourceGroups and Frameworks (JSON) -> RegistryRecorder calls.
#include "operator/registry/recorder.h"

#include "operator/kube/lenient.h"

namespace kubemesos::registry {

using nlohmann::json;

namespace {

using kube::lenient::Field;

std::map<std::string, std::string> StringMap(const json& object, const char* field) {
  std::map<std::string, std::string> out;
  const json& map = Field(object, field);
  if (!map.is_object()) return out;
  for (const auto& [k, v] : map.items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

}  // namespace

void ObserveObject(RegistryRecorder& recorder, std::string_view kind, bool deleted,
                   const json& object) {
  const json& meta = Field(object, "metadata");
  const json& name_field = Field(meta, "name");
  if (!name_field.is_string()) return;
  const std::string name = name_field.get<std::string>();
  const json& spec = Field(object, "spec");
  if (kind == "Node") {
    if (deleted)
      recorder.NodeGone(name);
    else
      recorder.NodeSeen(name, StringMap(meta, "labels"));
  } else if (kind == "ResourceGroup") {
    if (deleted) {
      recorder.GroupGone(name);
      return;
    }
    json settings = json::object();
    const json& weight = Field(spec, "weight");
    settings["weight"] = weight.is_number() ? weight : json(1);
    for (const char* f : {"guarantee", "limit", "nodeSelector"}) {
      const json& v = Field(spec, f);
      settings[f] = v.is_object() ? v : json::object();
    }
    const json& parent = Field(spec, "parent");
    settings["parent"] = parent.is_string() ? parent : json("");
    recorder.GroupSeen(name, std::move(settings), StringMap(spec, "nodeSelector"));
  } else if (kind == "Framework") {
    const json& ns = Field(meta, "namespace");
    if (!ns.is_string()) return;
    if (deleted) {
      recorder.FrameworkGone(ns.get<std::string>(), name);
      return;
    }
    const json& timeout = Field(spec, "failoverTimeoutSeconds");
    std::optional<int64_t> t;
    if (timeout.is_number_integer() && timeout.get<int64_t>() >= 0) t = timeout.get<int64_t>();
    recorder.FrameworkSeen(ns.get<std::string>(), name, t);
  }
}

}  // namespace kubemesos::registry
