// SchedulerCore and PodGroups (kube/pod_group.h): a usable PodGroup is the engine's gang; the
// pending members of a refused one are held out of the engine (see scheduler_core.h).
#include "operator/loop/scheduler_core.h"

#include "operator/kube/object_key.h"
#include "operator/kube/pod_group.h"

namespace kubemesos::loop {

using kube::ObjectKey;

void SchedulerCore::ApplyPodGroup(WatchType watch, const nlohmann::json& object) {
  ObjectKey name = ObjectKey::Of(object);
  if (name.name.empty()) return;
  std::string key = ObjectKey::Namespaced(name.ns, name.name).String();
  bool was_refused = refused_gangs_.count(key) > 0;
  if (watch == WatchType::kDeleted) {
    // Its pods stay pending with WaitingForPodGroup (the engine) until it is back.
    allocator_.RemoveGang(key);
    pod_groups_.erase(key);
    refused_gangs_.erase(key);
    Problem(ObjectKind::kPodGroup, name.ns, name.name, "");
    if (was_refused) RefreshGangPods(key);
    return;
  }
  PodGroupObserved observed = ObservePodGroup(object);
  observed.ours = our_gangs_.count(key) > 0;
  auto gang = kube::PodGroupFromJson(object);
  // A refused group is reported when a pod of ours is held for it (UpsertOrHold): another
  // scheduler's group is none of our business.
  if (gang.ok()) Problem(ObjectKind::kPodGroup, name.ns, name.name, "");
  if (!gang.ok()) {
    allocator_.RemoveGang(key);
    observed.refused = gang.error;
    refused_gangs_.insert_or_assign(key, gang.unsupported);
    pod_groups_[key] = std::move(observed);
    RefreshGangPods(key);  // the message may have changed: each member says the new one
    return;
  }
  pod_groups_[key] = std::move(observed);
  allocator_.UpsertGang(*gang.value);
  if (was_refused) {
    refused_gangs_.erase(key);
    RefreshGangPods(key);
  }
}

void SchedulerCore::UpsertOrHold(const PodSpec& pod) {
  auto refused = pod.gang.empty() || !pod.node_name.empty() || pod.terminal
                     ? refused_gangs_.end()
                     : refused_gangs_.find(pod.gang);
  ObjectKey name = ObjectKey::Parse(pod.key);
  if (refused == refused_gangs_.end()) {
    // A member of a group that is no longer refused: its old refusal is forgotten, and the
    // engine explains it from now on.
    if (!pod.gang.empty()) Problem(ObjectKind::kPod, name.ns, name.name, "");
    allocator_.UpsertPod(pod);
    return;
  }
  allocator_.RemovePod(pod.key);  // held: not placed, holds nothing, no demand
  const PodGroupObserved& group = pod_groups_[pod.gang];
  ObjectKey group_name = ObjectKey::Parse(pod.gang);
  Problem(ObjectKind::kPodGroup, group_name.ns, group_name.name, group.refused);  // once
  Problem(ObjectKind::kPod, name.ns, name.name, "its PodGroup is refused: " + group.refused,
          /*pending_pod=*/true, /*unsupported=*/refused->second);
}

void SchedulerCore::RefreshGangPods(const std::string& gang) {
  for (const auto& [key, spec] : gang_pods_) {
    if (spec.gang != gang) continue;
    if (volume_pods_.count(key)) {
      ApplyVolumePod(key);
    } else {
      UpsertOrHold(spec);
    }
  }
}

}  // namespace kubemesos::loop
