// Mirroring watch events into the engine and running its cycles.
#include "operator/loop/scheduler_core.h"

#include <chrono>
#include <ctime>

#include "operator/kube/lenient.h"
#include "operator/kube/object_key.h"
#include "operator/kube/objects.h"

namespace kubemesos::loop {
namespace {

using kube::ObjectKey;

// metadata.namespace / metadata.name, without throwing on odd objects.
ObjectKey NameOf(const nlohmann::json& object) {
  return ObjectKey::Of(object);
}

// The engine's key of a namespaced object.
std::string Key(const ObjectKey& n) {
  return ObjectKey::Namespaced(n.ns, n.name).String();
}

// metadata.creationTimestamp ("2026-11-27T04:03:18Z") as Unix seconds, or -1.
double CreationTime(const nlohmann::json& object) {
  const std::string text =
      kube::lenient::Str(kube::lenient::Field(object, "metadata"), "creationTimestamp");
  if (text.empty()) return -1;
  std::tm tm{};
  if (!strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return -1;
  return static_cast<double>(timegm(&tm));
}

double WallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool PodIsPending(const nlohmann::json& pod) {
  const nlohmann::json& spec = kube::lenient::Field(pod, "spec");
  return spec.is_object() && kube::lenient::Str(spec, "nodeName").empty();
}

}  // namespace

const char* KindName(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kNode:
      return "Node";
    case ObjectKind::kPod:
      return "Pod";
    case ObjectKind::kResourceGroup:
      return "ResourceGroup";
    case ObjectKind::kFramework:
      return "Framework";
    case ObjectKind::kNamespace:
      return "Namespace";
    case ObjectKind::kPersistentVolumeClaim:
      return "PersistentVolumeClaim";
    case ObjectKind::kPersistentVolume:
      return "PersistentVolume";
    case ObjectKind::kStorageClass:
      return "StorageClass";
    case ObjectKind::kCSINode:
      return "CSINode";
    case ObjectKind::kPodGroup:
      return "PodGroup";
  }
  return "Object";
}

SchedulerCore::SchedulerCore(AllocatorOptions options, BindSink& binder, StatusSink& status,
                             kube::PodOptions pods)
    : allocator_(options), pod_options_(pods), binder_(binder), status_(status) {}

bool SchedulerCore::synced() const {
  for (bool s : synced_)
    if (!s) return false;
  return true;
}

void SchedulerCore::Problem(ObjectKind kind, const std::string& ns, const std::string& name,
                            const std::string& message, bool pending_pod, bool unsupported) {
  std::string key = std::string(KindName(kind)) + " " + ns + "/" + name;
  if (message.empty()) {  // fine again (or gone): nothing to remember
    problems_.erase(key);
    return;
  }
  auto& last = problems_[key];
  if (last == message) return;
  last = message;
  if (pending_pod && unsupported) {
    status_.PodUnsupported(ns, name, message);
  } else if (pending_pod) {
    status_.PodInvalid(ns, name, message);
  } else {
    status_.ObjectProblem(kind, ns, name, message);
  }
}

void SchedulerCore::Apply(const LoopEvent& event, double now) {
  framework_.reset();  // the conversion belongs to one event
  switch (event.type) {
    case LoopEvent::Type::kSynced:
      synced_[static_cast<int>(event.kind)] = true;
      dirty_ = true;
      return;
    case LoopEvent::Type::kBindResult:
      ApplyBindResult(event.bind, now);
      return;
    case LoopEvent::Type::kEvictionFailed:
      // Refused for good (a PodDisruptionBudget, 403) or not recorded: the plan is cancelled
      // and the engine plans again (loop/evictor.h).
      allocator_.EvictionFailed(event.evict.victim, now);
      dirty_ = true;
      return;
    case LoopEvent::Type::kWake:
    case LoopEvent::Type::kTaskWrite:  // the Framework controller's business
      return;
    case LoopEvent::Type::kObject:
      break;
  }
  dirty_ = true;
  switch (event.kind) {
    case ObjectKind::kNode:
      ApplyNode(event.watch, event.object);
      break;
    case ObjectKind::kPod:
      // status.startTime -> PodSpec::started in the engine's clock (kube/pod_preemption.h).
      pod_options_.engine_now = now;
      pod_options_.unix_now = WallNow();
      ApplyPod(event.watch, event.object);
      break;
    case ObjectKind::kResourceGroup:
      ApplyGroup(event.watch, event.object);
      break;
    case ObjectKind::kFramework:
      ApplyFramework(event.watch, event.object);
      break;
    case ObjectKind::kNamespace:
      ApplyNamespace(event.watch, event.object);
      break;
    case ObjectKind::kPersistentVolumeClaim:
    case ObjectKind::kPersistentVolume:
    case ObjectKind::kStorageClass:
    case ObjectKind::kCSINode:
      ApplyStorage(event.kind, event.watch, event.object);
      break;
    case ObjectKind::kPodGroup:
      ApplyPodGroup(event.watch, event.object);
      break;
  }
}

void SchedulerCore::ApplyNode(WatchType watch, const nlohmann::json& object) {
  ObjectKey name = NameOf(object);
  if (name.name.empty()) return;
  if (watch == WatchType::kDeleted) {
    allocator_.RemoveNode(name.name);
    Problem(ObjectKind::kNode, "", name.name, "");
    return;
  }
  auto node = kube::NodeFromJson(object, allocator_.catalog());
  if (!node.ok()) {
    Problem(ObjectKind::kNode, "", name.name, node.error);
    allocator_.RemoveNode(name.name);  // no new tasks on a node we cannot read
    return;
  }
  Problem(ObjectKind::kNode, "", name.name, "");
  node.value->csi_limits = volumes_.LimitsOf(name.name);
  allocator_.UpsertNode(*node.value);
}

void SchedulerCore::ApplyPod(WatchType watch, const nlohmann::json& object) {
  ObjectKey name = NameOf(object);
  if (name.name.empty()) return;
  std::string key = Key(name);
  if (watch == WatchType::kDeleted) {
    allocator_.RemovePod(key);
    pod_order_.erase(key);
    pod_created_.erase(key);
    gang_pods_.erase(key);
    if (auto gang = gang_of_pod_.find(key); gang != gang_of_pod_.end()) {
      if (--our_gangs_[gang->second] <= 0) {
        our_gangs_.erase(gang->second);
        if (auto group = pod_groups_.find(gang->second); group != pod_groups_.end())
          group->second.ours = false;
      }
      gang_of_pod_.erase(gang);
    }
    Problem(ObjectKind::kPod, name.ns, name.name, "");
    ForgetVolumePod(key);
    return;
  }
  if (PodIsPending(object) && !kube::IsKubemesosPod(object)) {
    return;  // another scheduler's pending pod: not ours, and it holds nothing yet
  }
  if (PodIsPending(object) && kube::HasSchedulingGates(object)) {
    // kube-scheduler's rule: a gated pod is never placed, holds nothing and is not pending
    // demand; it is scheduled in the first cycle after its last gate is removed. Its
    // PodScheduled=False/SchedulingGated condition is the API server's, set at creation
    // (gates can only be removed: such a pod was never handed to the engine), so there is
    // nothing to write and nothing to forget.
    return;
  }
  auto pod = kube::PodFromJson(object, allocator_.catalog(), pod_options_);
  auto volumes = kube::PodVolumesFromJson(object);
  if (pod.ok() && !volumes.ok()) pod.error = volumes.error;
  if (!pod.ok() || !volumes.ok()) {
    // A pending pod here is ours (see above): it gets the condition too.
    Problem(ObjectKind::kPod, name.ns, name.name, pod.error, PodIsPending(object), pod.unsupported);
    return;
  }
  auto [it, inserted] = pod_order_.try_emplace(key, next_order_);
  if (inserted) ++next_order_;
  pod.value->order = it->second;
  if (pod.value->terminal) pod_order_.erase(key);
  // Remembered until our bind's result arrives (the watch may show the binding first), or
  // the pod ends or goes away.
  if (pod.value->terminal) {
    pod_created_.erase(key);
  } else if (pod.value->node_name.empty()) {
    pod_created_.try_emplace(key, CreationTime(object));
  }
  if (!pod.value->gang.empty() && kube::IsKubemesosPod(object) &&
      gang_of_pod_.try_emplace(key, pod.value->gang).second &&
      ++our_gangs_[pod.value->gang] == 1) {  // schedulingGroup is immutable: counted once
    if (auto group = pod_groups_.find(pod.value->gang); group != pod_groups_.end())
      group->second.ours = true;
  }
  if (!pod.value->gang.empty() && pod.value->node_name.empty() && !pod.value->terminal) {
    gang_pods_[key] = *pod.value;  // pending, so ours (see above)
  } else {
    gang_pods_.erase(key);
  }
  if (volumes.value->empty() && !volumes_.Tracks(key)) {
    UpsertOrHold(*pod.value);  // the common case: no claim, no CSI volume
    return;
  }
  const PodSpec& spec = *pod.value;
  kube::VolumeTracker::Keys affected =
      volumes_.SetPod(key, std::move(*volumes.value),
                      kube::lenient::Str(kube::lenient::Field(object, "metadata"), "uid"),
                      spec.order, !spec.node_name.empty(), spec.terminal);
  if (volumes_.Tracks(key)) {
    volume_pods_[key] = std::move(*pod.value);
    ApplyVolumePod(key);
  } else {
    volume_pods_.erase(key);
    ClearWaiting(key);
    UpsertOrHold(*pod.value);
  }
  ReapplyVolumePods(affected);
}

void SchedulerCore::ApplyVolumePod(const std::string& key) {
  auto it = volume_pods_.find(key);
  if (it == volume_pods_.end()) return;
  kube::VolumeTracker::Resolution resolution = volumes_.Resolve(key);
  if (!resolution.waiting.empty()) {
    // Not placed, holds nothing and is no demand: said on the pod at the next cycle.
    allocator_.RemovePod(key);
    auto& waiting = waiting_[key];
    if (waiting != resolution.waiting) {
      waiting = std::move(resolution.waiting);
      waiting_dirty_.insert(key);
    }
    return;
  }
  ClearWaiting(key);
  PodSpec spec = it->second;
  spec.constraints.volume_affinity = std::move(resolution.affinity);
  spec.constraints.csi_volumes = std::move(resolution.csi);
  UpsertOrHold(spec);
}

void SchedulerCore::ReapplyVolumePods(const std::vector<std::string>& keys) {
  for (const auto& key : keys) ApplyVolumePod(key);
}

void SchedulerCore::ClearWaiting(const std::string& key) {
  if (waiting_.erase(key) > 0) waiting_dirty_.insert(key);
}

void SchedulerCore::ForgetVolumePod(const std::string& key) {
  kube::VolumeTracker::Keys affected = volumes_.ForgetPod(key);
  volume_pods_.erase(key);
  waiting_.erase(key);
  waiting_dirty_.erase(key);
  reported_waiting_.erase(key);
  ReapplyVolumePods(affected);
}

void SchedulerCore::ApplyNamespace(WatchType watch, const nlohmann::json& object) {
  ObjectKey name = NameOf(object);
  if (name.name.empty()) return;
  auto ns = watch == WatchType::kDeleted ? kube::Converted<kube::NamespaceInfo>::Err("")
                                         : kube::NamespaceFromJson(object);
  if (!ns.ok()) {
    // Deleted, or unreadable: its labels are unknown (a namespaceSelector then selects it as a
    // namespace without labels).
    allocator_.RemoveNamespace(name.name);
    Problem(ObjectKind::kNamespace, "", name.name, ns.error);
    return;
  }
  Problem(ObjectKind::kNamespace, "", name.name, "");
  allocator_.UpsertNamespace(ns.value->name, ns.value->labels);
}

void SchedulerCore::ApplyStorage(ObjectKind kind, WatchType watch, const nlohmann::json& object) {
  ObjectKey name = NameOf(object);
  if (name.name.empty()) return;
  std::string error;
  kube::VolumeTracker::Keys affected;
  switch (kind) {
    case ObjectKind::kPersistentVolumeClaim:
      affected = volumes_.ApplyClaim(watch == WatchType::kDeleted, object, &error);
      break;
    case ObjectKind::kPersistentVolume:
      affected = volumes_.ApplyVolume(watch == WatchType::kDeleted, object, &error);
      break;
    case ObjectKind::kStorageClass:
      affected = volumes_.ApplyStorageClass(watch == WatchType::kDeleted, object, &error);
      break;
    case ObjectKind::kCSINode:
      if (std::string node = volumes_.ApplyCsiNode(watch == WatchType::kDeleted, object, &error);
          !node.empty()) {
        if (const NodeSpec* spec = allocator_.FindNode(node)) {
          NodeSpec changed = *spec;
          changed.csi_limits = volumes_.LimitsOf(node);
          allocator_.UpsertNode(changed);
        }
      }
      break;
    default:
      return;
  }
  Problem(kind, kind == ObjectKind::kPersistentVolumeClaim ? name.ns : "", name.name, error);
  ReapplyVolumePods(affected);
}

void SchedulerCore::ApplyGroup(WatchType watch, const nlohmann::json& object) {
  ObjectKey name = NameOf(object);
  if (name.name.empty()) return;
  groups_changed_ = true;
  if (watch == WatchType::kDeleted) {
    allocator_.RemoveGroup(name.name);
    Problem(ObjectKind::kResourceGroup, "", name.name, "");
    return;
  }
  auto group = kube::GroupFromJson(object, allocator_.catalog());
  if (!group.ok()) {
    Problem(ObjectKind::kResourceGroup, "", name.name, group.error);
    allocator_.RemoveGroup(name.name);  // ignored: its frameworks say UnknownGroup
    return;
  }
  allocator_.UpsertGroup(*group.value);
}

void SchedulerCore::ApplyFramework(WatchType watch, const nlohmann::json& object) {
  ObjectKey name = NameOf(object);
  if (name.name.empty()) return;
  if (watch == WatchType::kDeleted) {
    allocator_.RemoveFramework(Key(name));
    Problem(ObjectKind::kFramework, name.ns, name.name, "");
    return;
  }
  framework_ = kube::FrameworkFromJson(object, &allocator_.catalog());
  if (!framework_->ok()) {
    Problem(ObjectKind::kFramework, name.ns, name.name, framework_->error);
    allocator_.RemoveFramework(Key(name));
    return;
  }
  Problem(ObjectKind::kFramework, name.ns, name.name, "");
  allocator_.UpsertFramework(framework_->value->framework);
}

void SchedulerCore::ApplyBindResult(const BindResult& result, double now) {
  BindOutcome outcome{result, -1};
  if (result.ok()) {
    ++binds_succeeded_;
    if (auto created = pod_created_.find(result.pod); created != pod_created_.end()) {
      if (created->second > 0) outcome.latency_seconds = std::max(0.0, WallNow() - created->second);
      pod_created_.erase(created);
    }
  }
  bind_outcomes_.push_back(std::move(outcome));
  if (result.ok() || result.status == 409) {
    // Bound (or already bound: the pod watch brings the truth, which replaces the assumption).
    return;
  }
  ++bind_failures_;
  dirty_ = true;
  // The resources go back, and the node is filtered for the framework for its refuse_seconds,
  // so the retry goes elsewhere first. A pod that is gone (404) is removed by its watch event.
  allocator_.BindFailed(result.pod, now);
}

std::vector<BindOutcome> SchedulerCore::TakeBindOutcomes() {
  std::vector<BindOutcome> out;
  out.swap(bind_outcomes_);
  return out;
}

void SchedulerCore::ReportInvalidGroups() {
  for (const auto& group : allocator_.Groups()) {
    Problem(
        ObjectKind::kResourceGroup, "", group.name,
        group.valid ? "" : "ResourceGroup " + group.name + " is invalid: " + group.invalid_message);
  }
}

void SchedulerCore::ReportWaiting() {
  for (const auto& key : waiting_dirty_) {
    auto waiting = waiting_.find(key);
    if (waiting == waiting_.end()) {
      reported_waiting_.erase(key);  // placeable again: the engine reports it from now on
      continue;
    }
    auto [reported, added] = reported_waiting_.try_emplace(key, waiting->second);
    if (!added && reported->second == waiting->second) continue;
    reported->second = waiting->second;
    ObjectKey name = ObjectKey::Parse(key);
    status_.PodWaiting(name.ns, name.name, kWaitingForVolume, waiting->second);
  }
  waiting_dirty_.clear();
}

void SchedulerCore::HandOver(const std::vector<Placement>& placements) {
  // Rule G2: a gang's binds go out together, before the cycle's other binds. The engine
  // returns each gang's placements contiguous.
  std::vector<Placement> batch;
  for (size_t i = 0; i < placements.size(); ++i) {
    if (placements[i].gang.empty()) continue;
    batch.push_back(placements[i]);
    if (i + 1 == placements.size() || placements[i + 1].gang != placements[i].gang) {
      binder_.BindGang(batch);
      batch.clear();
    }
  }
  for (const auto& placement : placements) {
    if (placement.gang.empty()) binder_.Bind(placement);
  }
}

CycleStats SchedulerCore::Cycle(double now) {
  CycleStats stats;
  if (!synced()) return stats;  // never allocate from a partial view of the cluster
  auto start = std::chrono::steady_clock::now();
  AllocationResult result = allocator_.Allocate(now);
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  dirty_ = false;
  HandOver(result.placements);
  if (evictor_) {  // placements first, then preemptions
    const double unix_offset = WallNow() - now;
    for (const auto& plan : result.preemptions) evictor_->Preempt(plan, unix_offset);
    if (!result.nominations_ended.empty()) evictor_->NominationsEnded(result.nominations_ended);
    if (evictor_->Tracking()) evictor_->InFlight(allocator_.Preemptions());
  }
  for (const auto& pending : result.unplaced) status_.PodPending(pending);
  ReportWaiting();
  stats.placements = result.placements.size();
  stats.unplaced_reported = result.unplaced.size();
  if (groups_changed_) {
    groups_changed_ = false;
    ReportInvalidGroups();
  }
  return stats;
}

}  // namespace kubemesos::loop
