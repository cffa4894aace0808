// VolumeTracker: storage objects, pods by claim, and volume resolution (see volume_tracker.h).
#include "operator/kube/volume_tracker.h"

#include <algorithm>

#include "operator/kube/object_key.h"

namespace kubemesos::kube {
namespace {

const std::map<std::string, int64_t> kNoLimits;

std::string ClaimKey(const std::string& ns, const std::string& name) {
  return ObjectKey::Namespaced(ns, name).String();
}

std::string Quoted(const std::string& s) {
  return "\"" + s + "\"";
}

// Applies one event to a map of converted objects: returns true when what is kept changed.
template <typename T, typename Convert>
bool ApplyTo(std::unordered_map<std::string, T>& map, const std::string& key, bool deleted,
             const nlohmann::json& object, Convert convert, std::string* error) {
  if (!deleted) {
    auto converted = convert(object);
    if (converted.ok()) {
      auto [it, added] = map.try_emplace(key, *converted.value);
      if (added) return true;
      if (it->second == *converted.value) return false;
      it->second = std::move(*converted.value);
      return true;
    }
    if (error) *error = converted.error;
  }
  return map.erase(key) > 0;  // deleted, or unreadable: forgotten
}

}  // namespace

VolumeTracker::Keys VolumeTracker::PodsOfClaim(const std::string& claim_key) const {
  auto it = by_claim_.find(claim_key);
  if (it == by_claim_.end()) return {};
  return Keys(it->second.begin(), it->second.end());
}

VolumeTracker::Keys VolumeTracker::ApplyClaim(bool deleted, const nlohmann::json& object,
                                              std::string* error) {
  ObjectKey name = ObjectKey::Of(object);
  if (name.name.empty()) return {};
  std::string key = ClaimKey(name.ns, name.name);
  auto volume_of = [&]() -> std::string {
    auto it = claims_.find(key);
    return it == claims_.end() ? "" : it->second.volume_name;
  };
  const std::string before = volume_of();
  if (!ApplyTo(claims_, key, deleted, object, ClaimFromJson, error)) return {};
  if (std::string after = volume_of(); after != before) {  // keep claims_of_volume_ exact
    if (!before.empty()) {
      auto& claims = claims_of_volume_[before];
      claims.erase(key);
      if (claims.empty()) claims_of_volume_.erase(before);
    }
    if (!after.empty()) claims_of_volume_[after].insert(key);
  }
  return PodsOfClaim(key);
}

VolumeTracker::Keys VolumeTracker::ApplyVolume(bool deleted, const nlohmann::json& object,
                                               std::string* error) {
  ObjectKey name = ObjectKey::Of(object);
  if (name.name.empty()) return {};
  if (!ApplyTo(volumes_, name.name, deleted, object, VolumeFromJson, error)) return {};
  Keys out;  // the pods of the claims bound to it (usually one claim)
  if (auto claims = claims_of_volume_.find(name.name); claims != claims_of_volume_.end()) {
    for (const auto& claim_key : claims->second) {
      Keys pods = PodsOfClaim(claim_key);
      out.insert(out.end(), pods.begin(), pods.end());
    }
  }
  return out;
}

VolumeTracker::Keys VolumeTracker::ApplyStorageClass(bool deleted, const nlohmann::json& object,
                                                     std::string* error) {
  ObjectKey name = ObjectKey::Of(object);
  if (name.name.empty()) return {};
  if (!ApplyTo(classes_, name.name, deleted, object, StorageClassFromJson, error)) return {};
  Keys out;  // the pods of unbound claims of this class (classes rarely change)
  for (const auto& [claim_key, pods] : by_claim_) {
    auto claim = claims_.find(claim_key);
    if (claim != claims_.end() && claim->second.volume_name.empty() &&
        claim->second.storage_class.value_or("") == name.name)
      out.insert(out.end(), pods.begin(), pods.end());
  }
  return out;
}

std::string VolumeTracker::ApplyCsiNode(bool deleted, const nlohmann::json& object,
                                        std::string* error) {
  ObjectKey name = ObjectKey::Of(object);
  if (name.name.empty()) return "";
  std::map<std::string, int64_t> limits;  // none: deleted or unreadable
  if (!deleted) {
    auto converted = CsiNodeFromJson(object);
    if (converted.ok()) {
      limits = std::move(converted.value->limits);
    } else if (error) {
      *error = converted.error;
    }
  }
  auto it = limits_.find(name.name);
  const auto& old = it == limits_.end() ? kNoLimits : it->second;
  if (old == limits) return "";
  if (limits.empty()) {
    limits_.erase(it);
  } else {
    limits_[name.name] = std::move(limits);
  }
  return name.name;
}

const std::map<std::string, int64_t>& VolumeTracker::LimitsOf(const std::string& node) const {
  auto it = limits_.find(node);
  return it == limits_.end() ? kNoLimits : it->second;
}

VolumeTracker::Keys VolumeTracker::SetPod(const std::string& key, PodVolumes volumes,
                                          std::string uid, uint64_t order, bool on_node,
                                          bool terminal) {
  if (volumes.empty()) return ForgetPod(key);
  Keys out = ForgetPod(key);
  ObjectKey name = ObjectKey::Parse(key);
  Pod& pod = pods_[key];
  pod = Pod{std::move(volumes), name.ns, name.name, std::move(uid), order, on_node, terminal};
  for (const auto& claim : pod.volumes.claims) {
    auto& users = by_claim_[ClaimKey(pod.ns, claim.name)];
    out.insert(out.end(), users.begin(), users.end());
    users.insert(key);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

VolumeTracker::Keys VolumeTracker::ForgetPod(const std::string& key) {
  auto it = pods_.find(key);
  if (it == pods_.end()) return {};
  Keys out;
  for (const auto& claim : it->second.volumes.claims) {
    std::string claim_key = ClaimKey(it->second.ns, claim.name);
    auto users = by_claim_.find(claim_key);
    if (users == by_claim_.end()) continue;
    users->second.erase(key);
    out.insert(out.end(), users->second.begin(), users->second.end());
    if (users->second.empty()) by_claim_.erase(users);
  }
  pods_.erase(it);
  return out;
}

std::string VolumeTracker::UsedElsewhere(const std::string& pod_key, const Pod& pod,
                                         const std::string& claim_key) const {
  auto users = by_claim_.find(claim_key);
  if (users == by_claim_.end()) return "";
  for (const auto& other_key : users->second) {
    if (other_key == pod_key) continue;
    const Pod& other = pods_.at(other_key);
    if (other.terminal) continue;
    // A pod on a node holds the claim; among pending pods the first seen gets it, so that two
    // pods of one cycle are never both placed.
    if (other.on_node || other.order < pod.order ||
        (other.order == pod.order && other_key < pod_key))
      return other_key;
  }
  return "";
}

VolumeTracker::Resolution VolumeTracker::Resolve(const std::string& key) const {
  Resolution out;
  auto it = pods_.find(key);
  if (it == pods_.end()) return out;
  const Pod& pod = it->second;
  const bool pending = !pod.on_node && !pod.terminal;
  out.csi = pod.volumes.inline_csi;
  auto wait = [&](std::string why) {
    if (pending && out.waiting.empty()) out.waiting = std::move(why);
  };
  for (const auto& ref : pod.volumes.claims) {
    std::string claim_key = ClaimKey(pod.ns, ref.name);
    auto claim_it = claims_.find(claim_key);
    if (claim_it == claims_.end()) {
      wait("persistentvolumeclaim " + Quoted(ref.name) + " not found");
      continue;
    }
    const ClaimInfo& claim = claim_it->second;
    if (claim.deleting) {
      wait("persistentvolumeclaim " + Quoted(ref.name) + " is being deleted");
      continue;
    }
    if (ref.ephemeral && !pod.uid.empty() && claim.controller_uid != pod.uid) {
      wait("PVC " + claim_key + " was not created for pod " + key + " (pod is not owner)");
      continue;
    }
    if (claim.read_write_once_pod && pending) {
      if (std::string other = UsedElsewhere(key, pod, claim_key); !other.empty()) {
        wait("persistentvolumeclaim " + Quoted(ref.name) +
             " has access mode ReadWriteOncePod and is used by pod " + other);
        continue;
      }
    }
    if (claim.volume_name.empty()) {
      std::string cls = claim.storage_class.value_or("");
      auto sc = classes_.find(cls);
      if (cls.empty() || (sc != classes_.end() && !sc->second.wait_for_first_consumer)) {
        wait("pod has unbound immediate PersistentVolumeClaims: persistentvolumeclaim " +
             Quoted(ref.name) + " is not bound yet");
      } else if (sc == classes_.end()) {
        wait("persistentvolumeclaim " + Quoted(ref.name) + " is not bound and its storageclass " +
             Quoted(cls) + " was not found");
      } else {
        wait("persistentvolumeclaim " + Quoted(ref.name) + " is not bound: storageclass " +
             Quoted(cls) +
             " binds WaitForFirstConsumer, and kubemesos does not bind or provision volumes "
             "(bind the claim first, e.g. a PersistentVolume with claimRef, or use "
             "kube-scheduler for this pod)");
      }
      continue;
    }
    auto volume = volumes_.find(claim.volume_name);
    if (volume == volumes_.end()) {
      wait("persistentvolume " + Quoted(claim.volume_name) + " of persistentvolumeclaim " +
           Quoted(ref.name) + " not found");
      continue;
    }
    const VolumeInfo& pv = volume->second;
    if (!pv.csi_driver.empty()) out.csi.push_back({pv.csi_driver, pv.csi_handle});
    if (!pending) continue;
    if (!pv.node_affinity.empty()) out.affinity.push_back(pv.node_affinity);
    out.affinity.insert(out.affinity.end(), pv.zone_terms.begin(), pv.zone_terms.end());
  }
  std::sort(out.csi.begin(), out.csi.end());
  out.csi.erase(std::unique(out.csi.begin(), out.csi.end()), out.csi.end());
  if (!out.waiting.empty()) out.affinity.clear();
  return out;
}

}  // namespace kubemesos::kube
