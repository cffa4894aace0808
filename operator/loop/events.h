// What flows into the scheduling loop: watch events of the kinds it mirrors, "synced"
// signals, and the results of binds, evictions and task pod writes done on other threads.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace kubemesos::loop {

enum class ObjectKind {
  kNode,
  kPod,
  kResourceGroup,
  kFramework,
  // Read for placement only (namespaceSelector, volumes); never written to.
  kNamespace,
  kPersistentVolumeClaim,
  kPersistentVolume,
  kStorageClass,
  kCSINode,
  // scheduling.k8s.io/v1beta1 PodGroups: gangs that pods join by name; their status is written
  // (PodGroupStatusWriter). Served only with the GenericWorkload feature gate: when it is not,
  // the kind syncs as empty (client/informer.h, absent_ok).
  kPodGroup,
};
enum class WatchType { kAdded, kModified, kDeleted };

inline constexpr int kObjectKinds = 10;

const char* KindName(ObjectKind kind);

struct BindResult {
  std::string pod;  // "namespace/name"
  std::string node;
  int status = 0;  // HTTP status of the binding POST; 0: transport failure
  std::string message;
  // The gang (Placement::gang) whose all-or-nothing batch this bind was part of; empty: none.
  std::string gang;
  // On the result that completes a gang batch: seconds from the first bind of the batch sent
  // to the last one answered (the gang's bind span); -1 on every other result.
  double gang_span_seconds = -1;
  bool ok() const { return status >= 200 && status < 300; }
};

// What became of a pod the Framework controller asked to create or delete.
struct TaskWriteResult {
  bool create = true;  // false: a delete
  std::string ns, name;
  std::string framework;  // the Framework's name (same namespace)
  int status = 0;         // HTTP status; 0: transport failure or not sent
  std::string message;
  bool ok() const { return status >= 200 && status < 300; }
};

// An eviction of a preemption plan's victim that the engine must hear of (loop/evictor.h): a
// refusal for good (429: a PodDisruptionBudget; 403; an error) or a plan that could not be
// recorded. The loop cancels the plan (Allocator::EvictionFailed).
struct EvictionResult {
  std::string victim;  // "namespace/name"
  std::string plan;    // the plan's key (its preemptor pod's or gang's)
  int status = 0;      // HTTP status of the eviction; 0: not sent
  std::string message;
};

struct LoopEvent {
  enum class Type { kObject, kSynced, kBindResult, kTaskWrite, kWake, kEvictionFailed };
  Type type = Type::kWake;
  ObjectKind kind = ObjectKind::kPod;
  WatchType watch = WatchType::kAdded;
  nlohmann::json object;  // kObject
  BindResult bind;        // kBindResult
  TaskWriteResult task;   // kTaskWrite
  EvictionResult evict;   // kEvictionFailed

  static LoopEvent Object(ObjectKind kind, WatchType watch, nlohmann::json object) {
    LoopEvent e;
    e.type = Type::kObject;
    e.kind = kind;
    e.watch = watch;
    e.object = std::move(object);
    return e;
  }
  static LoopEvent Synced(ObjectKind kind) {
    LoopEvent e;
    e.type = Type::kSynced;
    e.kind = kind;
    return e;
  }
  static LoopEvent Bound(BindResult result) {
    LoopEvent e;
    e.type = Type::kBindResult;
    e.bind = std::move(result);
    return e;
  }
  static LoopEvent EvictionFailed(EvictionResult result) {
    LoopEvent e;
    e.type = Type::kEvictionFailed;
    e.evict = std::move(result);
    return e;
  }
  static LoopEvent TaskWritten(TaskWriteResult result) {
    LoopEvent e;
    e.type = Type::kTaskWrite;
    e.task = std::move(result);
    return e;
  }
};

}  // namespace kubemesos::loop
