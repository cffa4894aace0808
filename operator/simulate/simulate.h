// `kubemesos simulate`: what-if capacity planning. Reads Kubernetes objects (Nodes, Pods,
// ResourceGroups, Frameworks) from YAML files, runs one allocation cycle of the real engine on
// them and reports where every task would go, what stays pending and why, and each group's
// and framework's resulting share. No cluster is contacted. User documentation:
// docs/simulate.md.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/kube/objects.h"
#include "operator/simulate/yaml_json.h"
#include "scheduler/allocator.h"

namespace kubemesos::simulate {

// One Kubernetes object read from an input, in input order.
struct InputObject {
  std::string file;  // for messages
  int line = 0;      // where the object starts in `file` (its document, or its List item)
  nlohmann::json object;
};

// Reads the multi-document YAML `text` of `file`: unpacks `kind: List` items, keeps v1 Node and
// Pod and kubemesos.io/v1alpha1 ResourceGroup and Framework objects (appended to *objects),
// and skips any other kind with a warning such as
// "warning: FILE: skipping apps/v1 Deployment ns/name". Returns false with
// *error = "FILE: line L[, column C]: <what>" on malformed or hostile YAML (see yaml_json.h:
// the text draws on *budget, a fresh default budget when null; share one budget between all
// the files of one run) or a document that is not an object with apiVersion and kind. Throws
// nothing but std::bad_alloc.
bool ReadInput(const std::string& file, const std::string& text, std::vector<InputObject>* objects,
               std::vector<std::string>* warnings, std::string* error,
               YamlBudget* budget = nullptr);

// The start of Simulate's error when the failure is not the input's (`simulate` exits 3).
inline constexpr std::string_view kInternalError = "internal error: ";

struct SimulationOptions {
  Policy policy = Policy::kBinpack;
  // Plan preemptions (the operator's switch): a second cycle once pending tasks have waited
  // the longest delaySeconds (see preemption_report.h).
  bool preemption = true;
  // The wall clock the running pods' status.startTime is read against; 0: now.
  std::time_t now = 0;
};

// Converts the objects, feeds one Allocator (nodes, groups, frameworks, then pods and framework
// task pods in input order, `order` increasing), runs Allocate(kSimulationStart) and, with
// options.preemption and tasks still pending, a second cycle PreemptionCheckAt(groups) later
// (pending tasks have then waited long enough to reclaim; running pods had run RanSeconds at
// the first), and returns the report:
//   placements     [{namespace, pod, framework, node}]
//   unschedulable  [{namespace, pod, framework, reason, message}]
//   preemptions    [{kind, group[, gang], preemptors, nodes, victims, message}] (PreemptionsJson)
//   frameworks     {"ns/name": {group, placed, pending, revocable, allocated, dominantShare}}
//   groups         {name: {allocated, dominantShare, frameworks, guaranteePolicy, borrowed,
//                   lent[, invalid]}}
//   gangs          [{kind (Framework|PodGroup), key, phase, minMember, active, pending
//                    [, lastFailure]}] (Allocator::Gangs() after the cycle)
//   stats          {allocationSeconds (both cycles), nodes, tasks[, preemptionCheckSeconds]}
// "allocated" maps resource names to cores (cpu), bytes (memory, storage) or counts.
// A Framework task pod whose namespace/name is already among the input's Pods is not created
// again: the existing pod stands for it (the operator creates only missing task pods).
// Pods of other schedulers count only when bound to a node (spec.nodeName) and not terminal;
// a kubemesos pod without the framework label is reported unschedulable (UnknownFramework)
// without reaching the engine. Returns an error "FILE: line L: <object>: <what>" when an object
// does not convert or an object is defined twice. Never throws: an exception (a bug, or
// std::bad_alloc) becomes an error starting with kInternalError.
kube::Converted<nlohmann::ordered_json> Simulate(const std::vector<InputObject>& objects,
                                                 const SimulationOptions& options);

}  // namespace kubemesos::simulate
