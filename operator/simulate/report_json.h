// JSON pieces of the `kubemesos simulate` report shared by simulate.cpp and
// preemption_report.cpp: resource amounts and pod references, spelled one way.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "operator/kube/object_key.h"
#include "scheduler/resources.h"

namespace kubemesos::simulate {

// Resource amounts for the report: cpu in cores, everything else in its unit. cpu and memory
// always appear; other kinds when non-zero.
inline nlohmann::ordered_json ResourcesJson(const Resources& amounts,
                                            const ResourceCatalog& catalog) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (ResourceId id = 0; id < catalog.size(); ++id) {
    int64_t amount = amounts[id];
    if (amount == 0 && id != kCpu && id != kMemory) continue;
    if (id == kCpu && amount % 1000 != 0) {
      out[catalog.Name(id)] = ResourceCatalog::ToDisplay(id, amount);
    } else {
      out[catalog.Name(id)] = id == kCpu ? amount / 1000 : amount;
    }
  }
  return out;
}

// {namespace, pod, framework} of a pod key "ns/name" and its framework key "ns/name" (the
// framework by name: its namespace is the pod's).
inline nlohmann::ordered_json PodRef(const std::string& pod, const std::string& framework) {
  kube::ObjectKey key = kube::ObjectKey::Parse(pod);
  return {{"namespace", key.ns},
          {"pod", key.name},
          {"framework", kube::ObjectKey::Parse(framework).name}};
}

}  // namespace kubemesos::simulate
