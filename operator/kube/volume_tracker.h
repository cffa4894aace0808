// VolumeTracker: the storage objects the scheduler mirrors (PersistentVolumeClaims,
// PersistentVolumes, StorageClasses, CSINodes) and the pods that use claims, indexed by claim,
// so that a change to a claim or volume re-evaluates only the pods it concerns. Resolve() turns
// a pod's volumes into what placement needs (kube-scheduler's VolumeBinding, VolumeRestrictions
// and VolumeZone, for volumes that are already bound), or into the reason it must wait.
//
// Contract:
// - Apply* take an object (`deleted`: it is gone), keep the few fields placement reads
// (kube/volumes.h)
//   and return the keys ("namespace/name") of the tracked pods whose resolution may have
//   changed. A malformed object is dropped (as if deleted) and its error returned through
//   `error` for the caller to report.
// - Used by the scheduling loop (SchedulerCore) and by `simulate`; not thread-safe. Nothing throws
// but std::bad_alloc.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/kube/volumes.h"

namespace kubemesos::kube {

class VolumeTracker {
 public:
  using Keys = std::vector<std::string>;

  Keys ApplyClaim(bool deleted, const nlohmann::json& object, std::string* error);
  Keys ApplyVolume(bool deleted, const nlohmann::json& object, std::string* error);
  Keys ApplyStorageClass(bool deleted, const nlohmann::json& object, std::string* error);
  // Returns the name of the node whose limits changed ("" when none).
  std::string ApplyCsiNode(bool deleted, const nlohmann::json& object, std::string* error);
  // The CSI volume limits of a node (empty when it has no CSINode or no limits).
  const std::map<std::string, int64_t>& LimitsOf(const std::string& node) const;

  // A pod that uses volumes (`volumes` non-empty), or one that stopped using them. `uid` is its
  // metadata.uid ("" when unknown), `order` its first-seen order, `on_node` whether it is on a
  // node (bound or assumed), `terminal` whether it has ended. Returns the other pods sharing a
  // claim with it, whose ReadWriteOncePod check may have changed.
  Keys SetPod(const std::string& key, PodVolumes volumes, std::string uid, uint64_t order,
              bool on_node, bool terminal);
  Keys ForgetPod(const std::string& key);
  bool Tracks(const std::string& key) const { return pods_.count(key) > 0; }

  struct Resolution {
    // Non-empty: the pod must not be placed yet, and this says why, naming the claim.
    std::string waiting;
    // The node affinity and zone terms of the bound volumes
    // (PlacementConstraints::volume_affinity).
    std::vector<std::vector<NodeSelectorTerm>> affinity;
    std::vector<CsiVolume> csi;  // sorted, unique
  };
  // The resolution of a tracked pod (an untracked one resolves to nothing). A pod on a node
  // never waits: only its CSI volumes matter (they count against the node's limits).
  Resolution Resolve(const std::string& key) const;

  size_t claims() const { return claims_.size(); }
  size_t volumes() const { return volumes_.size(); }

 private:
  struct Pod {
    PodVolumes volumes;
    std::string ns, name, uid;
    uint64_t order = 0;
    bool on_node = false;
    bool terminal = false;
  };
  Keys PodsOfClaim(const std::string& claim_key) const;
  // The reason a pending pod may not use `claim` (ReadWriteOncePod held by another pod), or "".
  std::string UsedElsewhere(const std::string& pod_key, const Pod& pod,
                            const std::string& claim_key) const;

  std::unordered_map<std::string, ClaimInfo> claims_;  // "ns/name"
  std::unordered_map<std::string, VolumeInfo> volumes_;
  std::unordered_map<std::string, StorageClassInfo> classes_;
  std::unordered_map<std::string, std::map<std::string, int64_t>> limits_;  // node -> limits
  std::unordered_map<std::string, Pod> pods_;
  std::unordered_map<std::string, std::set<std::string>> by_claim_;  // claim key -> pod keys
  // PV name -> the claims whose spec.volumeName names it.
  std::unordered_map<std::string, std::set<std::string>> claims_of_volume_;
};

}  // namespace kubemesos::kube
