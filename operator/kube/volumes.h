// Converters for the storage objects the scheduler reads (v1 PersistentVolumeClaim,
// PersistentVolume, Namespace; storage.k8s.io/v1 StorageClass and CSINode) and for the volumes
// of a pod. Each keeps only the fields placement needs (kube-scheduler's VolumeBinding,
// VolumeRestrictions, VolumeZone and NodeVolumeLimits), so the memory held per object is a
// small part of the object.
//
// Contract: as objects.h. Every converter validates the fields it keeps and returns a
// Converted<T> whose error names the object and the field; nothing throws.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/kube/objects.h"
#include "scheduler/constraints.h"

namespace kubemesos::kube {

// A PersistentVolumeClaim.
struct ClaimInfo {
  std::string ns, name;
  std::string volume_name;                   // spec.volumeName: the PV it is bound to ("": none)
  std::optional<std::string> storage_class;  // spec.storageClassName (nullopt: unset)
  bool deleting = false;                     // metadata.deletionTimestamp is set
  bool read_write_once_pod = false;          // spec.accessModes holds ReadWriteOncePod
  std::string controller_uid;                // the uid of its controller ownerReference
  friend bool operator==(const ClaimInfo&, const ClaimInfo&) = default;
};
Converted<ClaimInfo> ClaimFromJson(const nlohmann::json& claim);

// The legacy topology labels VolumeZone reads on a PersistentVolume, GA and beta.
inline constexpr const char* kZoneLabels[] = {
    "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region"};

// A PersistentVolume.
struct VolumeInfo {
  std::string name;
  // spec.nodeAffinity.required.nodeSelectorTerms (ORed); empty: the volume is reachable from
  // every node.
  std::vector<NodeSelectorTerm> node_affinity;
  // The zone and region labels as VolumeZone applies them, one requirement list per label
  // (ORed inside, all ANDed): the node's label (GA, or GA for a beta label) is in the set
  // ("__" separates values), or the node has none of the topology labels at all.
  std::vector<std::vector<NodeSelectorTerm>> zone_terms;
  std::string csi_driver, csi_handle;  // spec.csi ("": not a CSI volume)
  std::string key;  // a canonical form of the fields above, to tell a change from noise
  friend bool operator==(const VolumeInfo& a, const VolumeInfo& b) { return a.key == b.key; }
};
Converted<VolumeInfo> VolumeFromJson(const nlohmann::json& volume);

// A StorageClass: only its volumeBindingMode matters here.
struct StorageClassInfo {
  std::string name;
  bool wait_for_first_consumer = false;  // volumeBindingMode WaitForFirstConsumer
  friend bool operator==(const StorageClassInfo&, const StorageClassInfo&) = default;
};
Converted<StorageClassInfo> StorageClassFromJson(const nlohmann::json& storage_class);

// A CSINode: the per-driver volume limits of the node of the same name.
struct CsiNodeInfo {
  std::string node;
  std::map<std::string, int64_t> limits;  // driver -> spec.drivers[].allocatable.count
};
Converted<CsiNodeInfo> CsiNodeFromJson(const nlohmann::json& csi_node);

// A Namespace: its labels (namespaceSelector of inter-pod affinity terms).
struct NamespaceInfo {
  std::string name;
  Labels labels;
};
Converted<NamespaceInfo> NamespaceFromJson(const nlohmann::json& ns);

// The volumes of a pod that placement depends on (spec.volumes).
struct PodVolumes {
  // persistentVolumeClaim.claimName, and for a generic ephemeral volume the claim
  // "<pod>-<volume>" (ephemeral = true), in spec order, each once.
  struct Claim {
    std::string name;
    bool ephemeral = false;
    friend bool operator==(const Claim&, const Claim&) = default;
  };
  std::vector<Claim> claims;
  std::vector<CsiVolume> inline_csi;  // csi volumes: driver, "<namespace>-<pod>-<volume>"
  bool empty() const { return claims.empty() && inline_csi.empty(); }
};
Converted<PodVolumes> PodVolumesFromJson(const nlohmann::json& pod);

// The terms of a v1 NodeSelector's nodeSelectorTerms at `path` (defined in pod.cpp, which reads
// the same shape in a pod's required node affinity). Throws FieldError.
std::vector<NodeSelectorTerm> ReadNodeSelectorTerms(const nlohmann::json& list,
                                                    const std::string& path);

}  // namespace kubemesos::kube
