// The scheduling loop's logic without its thread: mirrors watch events into the engine, runs
// allocation cycles once every watch has synced, hands placements to the binder and reasons to
// the status reporter, and takes bind results back. Owned and called by one thread only (the
// SchedulingLoop); unit tests drive it directly.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "operator/kube/objects.h"
#include "operator/kube/volume_tracker.h"
#include "operator/loop/events.h"
#include "operator/loop/pod_group_status.h"
#include "operator/loop/sinks.h"
#include "scheduler/allocator.h"

namespace kubemesos::loop {

// What became of one bind, for metrics: the result and, when it succeeded, the time from the
// pod's creation to the bind (scheduling latency; negative when the creation time is unknown).
// A gang batch's bind span rides on result.gang_span_seconds.
struct BindOutcome {
  BindResult result;
  double latency_seconds = -1;
};

// The PodScheduled=False reason of a pending pod of ours whose volumes are not ready for it (a
// missing, deleted or unbound claim, a ReadWriteOncePod claim in use): it waits outside the
// engine, holds nothing and is not demand, and is re-evaluated when its claims or volumes change.
inline constexpr const char* kWaitingForVolume = "WaitingForVolume";

struct CycleStats {
  size_t placements = 0;
  size_t unplaced_reported = 0;
  double seconds = 0;  // time spent in Allocate
};

class SchedulerCore {
 public:
  // The sinks must outlive the core. `pods`: how pods are read (the cluster's default spread).
  SchedulerCore(AllocatorOptions options, BindSink& binder, StatusSink& status,
                kube::PodOptions pods = {});

  // Applies one event. Malformed objects are reported through StatusSink::ObjectProblem and
  // otherwise ignored; nothing throws.
  void Apply(const LoopEvent& event, double now);

  // True once every kind has delivered its first full list.
  bool synced() const;
  // True when something changed since the last cycle.
  bool dirty() const { return dirty_; }
  // Runs one allocation cycle if synced; returns what it did.
  CycleStats Cycle(double now);

  const Allocator& allocator() const { return allocator_; }
  // Preemption plans (issue #16) go to `evictor` after each cycle's placements: the plans made,
  // the nominations ended, and (while it tracks plans) the plans still in flight. Null (the
  // default): plans are not carried out. Set before the first cycle; it must outlive the core.
  void SetEvictSink(EvictSink* evictor) { evictor_ = evictor; }
  // A plan made by a previous leader, read back from the registry (Allocator::RestorePreemption;
  // before the first Allocate of this term).
  void RestorePreemption(const Preemption& plan) { allocator_.RestorePreemption(plan); }
  uint64_t bind_failures() const { return bind_failures_; }
  uint64_t binds_succeeded() const { return binds_succeeded_; }
  // The bind outcomes since the last call (the caller feeds them to metrics).
  std::vector<BindOutcome> TakeBindOutcomes();
  // The conversion of the Framework that the last Apply mirrored (an added or modified
  // Framework; also when it did not convert), else nullptr. The loop's observer hands it to
  // the Framework controller, which may move its value out: each event is converted once.
  // Valid until the next Apply.
  kube::Converted<kube::FrameworkObjects>* framework_conversion() {
    return framework_ ? &*framework_ : nullptr;
  }
  // Every PodGroup mirrored, by "namespace/name" (for PodGroupStatusWriter).
  const std::unordered_map<std::string, PodGroupObserved>& pod_groups() const {
    return pod_groups_;
  }

 private:
  void ApplyNode(WatchType watch, const nlohmann::json& object);
  void ApplyPod(WatchType watch, const nlohmann::json& object);
  void ApplyGroup(WatchType watch, const nlohmann::json& object);
  void ApplyFramework(WatchType watch, const nlohmann::json& object);
  void ApplyNamespace(WatchType watch, const nlohmann::json& object);
  // PersistentVolumeClaims, PersistentVolumes, StorageClasses and CSINodes: re-evaluates the
  // pods they concern, or re-upserts the node whose CSI limits changed.
  void ApplyStorage(ObjectKind kind, WatchType watch, const nlohmann::json& object);
  // Resolves a pod that uses volumes (volume_pods_) and hands it to the engine, or keeps it
  // out with a waiting reason.
  void ApplyVolumePod(const std::string& key);
  void ReapplyVolumePods(const std::vector<std::string>& keys);
  void ClearWaiting(const std::string& key);
  void ForgetVolumePod(const std::string& key);
  void ReportWaiting();  // the waiting reasons that changed, once synced
  void ApplyBindResult(const BindResult& result, double now);
  // Gives a cycle's placements to the binder: each gang's batch first (BindGang), then the rest.
  void HandOver(const std::vector<Placement>& placements);
  // Reports `message` on the object once (empty: it is fine again). `pending_pod`: a pending
  // pod of ours, which also says it on its PodScheduled condition (reason Unsupported when
  // `unsupported`, else InvalidSpec).
  void Problem(ObjectKind kind, const std::string& ns, const std::string& name,
               const std::string& message, bool pending_pod = false, bool unsupported = false);
  void ReportInvalidGroups();
  // PodGroups (kube/pod_group.h): a usable one is the engine's gang; a refused one (malformed
  // or asking for what kubemesos does not enforce) is not, and its pending pods are held out of
  // the engine, each refused (InvalidSpec or Unsupported) with the group's reason.
  void ApplyPodGroup(WatchType watch, const nlohmann::json& object);
  // UpsertPod, unless the pod is a pending member of a refused PodGroup (then held out).
  void UpsertOrHold(const PodSpec& pod);
  // Re-offers the pending members of PodGroup `gang` after its refusal changed.
  void RefreshGangPods(const std::string& gang);

  Allocator allocator_;
  kube::PodOptions pod_options_;
  BindSink& binder_;
  StatusSink& status_;
  EvictSink* evictor_ = nullptr;
  std::array<bool, kObjectKinds> synced_{};
  bool dirty_ = true;
  bool groups_changed_ = false;
  uint64_t next_order_ = 1;
  std::unordered_map<std::string, uint64_t> pod_order_;  // first-seen order of pods
  std::unordered_map<std::string, double> pod_created_;  // pending pods: creation (Unix s)
  std::vector<BindOutcome> bind_outcomes_;
  std::map<std::string, std::string> problems_;  // object with a problem -> its last message
  std::optional<kube::Converted<kube::FrameworkObjects>> framework_;  // see framework_conversion
  kube::VolumeTracker volumes_;
  // Pods that use volumes, as converted (without what their volumes add), to re-evaluate.
  std::unordered_map<std::string, PodSpec> volume_pods_;
  std::unordered_map<std::string, std::string> waiting_;           // pod -> why it waits
  std::set<std::string> waiting_dirty_;                            // changed since the last cycle
  std::unordered_map<std::string, std::string> reported_waiting_;  // pod -> last reported
  uint64_t bind_failures_ = 0;
  uint64_t binds_succeeded_ = 0;
  // PodGroups: what is known of each, and the refused ones (key -> unsupported?) for
  // UpsertOrHold.
  std::unordered_map<std::string, PodGroupObserved> pod_groups_;
  std::unordered_map<std::string, bool> refused_gangs_;
  // Pending pods of ours that name a PodGroup, as converted: re-offered (or held out) when
  // their group's refusal changes, which the engine alone cannot do. One PodSpec per such pod.
  std::unordered_map<std::string, PodSpec> gang_pods_;
  // PodGroups named by pods of ours (PodGroupObserved::ours): group -> how many such pods
  // exist, and each such pod's group, to count it out when it goes.
  std::unordered_map<std::string, int> our_gangs_;
  std::unordered_map<std::string, std::string> gang_of_pod_;
};

}  // namespace kubemesos::loop
