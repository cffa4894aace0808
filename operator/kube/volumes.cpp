// Converters for PersistentVolumeClaims, PersistentVolumes, StorageClasses, CSINodes,
// Namespaces and a pod's volumes (see volumes.h).
#include "operator/kube/volumes.h"

#include <set>

#include "operator/kube/convert_guard.h"
#include "operator/kube/fields.h"
#include "operator/kube/object_key.h"

namespace kubemesos::kube {
namespace {

using Op = NodeSelectorRequirement::Op;

std::string NameOf(const json& object) {
  return RequireString(*ReadObjectOrEmpty(object, "metadata"), "name", "metadata");
}

// The uid of the ownerReference with controller: true, or "".
std::string ControllerUid(const json& meta) {
  const json* owners = ReadArray(meta, "ownerReferences", "metadata");
  for (size_t i = 0; owners && i < owners->size(); ++i) {
    const json& o = (*owners)[i];
    std::string path = Join("metadata.ownerReferences", i);
    if (!o.is_object())
      throw FieldError(path, std::string("expected an object, got ") + TypeName(o));
    if (ReadBool(o, "controller", path).value_or(false))
      return ReadString(o, "uid", path).value_or("");
  }
  return "";
}

ClaimInfo ConvertClaim(const json& claim) {
  ClaimInfo out;
  const json& meta = *ReadObjectOrEmpty(claim, "metadata");
  out.name = NameOf(claim);
  out.ns = ObjectKey::Namespaced(ReadString(meta, "namespace", "metadata").value_or(""), "").ns;
  out.deleting = !ReadString(meta, "deletionTimestamp", "metadata").value_or("").empty();
  out.controller_uid = ControllerUid(meta);
  const json& spec = *ReadObjectOrEmpty(claim, "spec");
  out.volume_name = ReadString(spec, "volumeName", "spec").value_or("");
  out.storage_class = ReadString(spec, "storageClassName", "spec");
  if (const json* modes = ReadArray(spec, "accessModes", "spec")) {
    for (size_t i = 0; i < modes->size(); ++i) {
      const json& m = (*modes)[i];
      if (!m.is_string()) {
        throw FieldError(Join("spec.accessModes", i),
                         std::string("expected a string, got ") + TypeName(m));
      }
      if (m.get<std::string>() == "ReadWriteOncePod") out.read_write_once_pod = true;
    }
  }
  return out;
}

// VolumeZone's reading of one topology label value: "a__b" is the set {a, b}.
std::vector<std::string> ZoneValues(const std::string& value) {
  std::set<std::string> values;
  size_t start = 0;
  while (true) {
    size_t end = value.find("__", start);
    std::string part = value.substr(start, end == std::string::npos ? end : end - start);
    if (!part.empty()) values.insert(part);
    if (end == std::string::npos) break;
    start = end + 2;
  }
  return {values.begin(), values.end()};
}

// "failure-domain.beta.kubernetes.io/zone" -> "topology.kubernetes.io/zone"; others: "".
std::string GaLabel(const std::string& key) {
  if (key == kZoneLabels[2]) return kZoneLabels[0];
  if (key == kZoneLabels[3]) return kZoneLabels[1];
  return "";
}

// VolumeZone's filter for one label of the volume, as ORed node selector terms.
std::vector<NodeSelectorTerm> ZoneTerms(const std::string& key, const std::string& value) {
  std::vector<std::string> values = ZoneValues(value);
  std::vector<NodeSelectorTerm> terms;
  terms.push_back({{{key, Op::kIn, values, false}}});
  if (std::string ga = GaLabel(key); !ga.empty()) terms.push_back({{{ga, Op::kIn, values, false}}});
  NodeSelectorTerm none;  // a node with no topology label at all is not constrained
  for (const char* label : kZoneLabels)
    none.requirements.push_back({label, Op::kDoesNotExist, {}, false});
  terms.push_back(std::move(none));
  return terms;
}

VolumeInfo ConvertVolume(const json& volume) {
  VolumeInfo out;
  out.name = NameOf(volume);
  const json& meta = *ReadObjectOrEmpty(volume, "metadata");
  Labels labels = ReadStringMap(meta, "labels", "metadata");
  for (const char* label : kZoneLabels) {
    auto it = labels.find(label);
    if (it != labels.end() && !ZoneValues(it->second).empty())
      out.zone_terms.push_back(ZoneTerms(label, it->second));
  }
  const json& spec = *ReadObjectOrEmpty(volume, "spec");
  if (const json* affinity = ReadObject(spec, "nodeAffinity", "spec")) {
    if (const json* required = ReadObject(*affinity, "required", "spec.nodeAffinity")) {
      std::string path = "spec.nodeAffinity.required.nodeSelectorTerms";
      const json* terms = ReadArray(*required, "nodeSelectorTerms", "spec.nodeAffinity.required");
      if (!terms || terms->empty()) throw FieldError(path, "required: at least one term");
      out.node_affinity = ReadNodeSelectorTerms(*terms, path);
    }
  }
  if (const json* csi = ReadObject(spec, "csi", "spec")) {
    out.csi_driver = RequireString(*csi, "driver", "spec.csi");
    out.csi_handle = RequireString(*csi, "volumeHandle", "spec.csi");
  }
  PlacementConstraints probe;  // the canonical form of terms, for change detection
  probe.volume_affinity = out.zone_terms;
  probe.volume_affinity.push_back(out.node_affinity);
  probe.csi_volumes.push_back({out.csi_driver, out.csi_handle});
  out.key = probe.CanonicalKey();
  return out;
}

StorageClassInfo ConvertStorageClass(const json& sc) {
  StorageClassInfo out;
  out.name = NameOf(sc);
  std::string mode = ReadString(sc, "volumeBindingMode", "").value_or("Immediate");
  if (mode != "Immediate" && mode != "WaitForFirstConsumer") {
    throw FieldError("volumeBindingMode",
                     "unsupported value \"" + mode + "\" (Immediate or WaitForFirstConsumer)");
  }
  out.wait_for_first_consumer = mode == "WaitForFirstConsumer";
  return out;
}

CsiNodeInfo ConvertCsiNode(const json& csi_node) {
  CsiNodeInfo out;
  out.node = NameOf(csi_node);
  const json& spec = *ReadObjectOrEmpty(csi_node, "spec");
  const json* drivers = ReadArray(spec, "drivers", "spec");
  for (size_t i = 0; drivers && i < drivers->size(); ++i) {
    const json& d = (*drivers)[i];
    std::string path = Join("spec.drivers", i);
    if (!d.is_object())
      throw FieldError(path, std::string("expected an object, got ") + TypeName(d));
    std::string driver = RequireString(d, "name", path);
    const json* allocatable = ReadObject(d, "allocatable", path);
    if (!allocatable) continue;
    auto count = ReadInt(*allocatable, "count", Join(path, "allocatable"));
    if (!count) continue;
    if (*count < 0)
      throw FieldError(Join(Join(path, "allocatable"), "count"), "must not be negative");
    out.limits[driver] = *count;
  }
  return out;
}

NamespaceInfo ConvertNamespace(const json& ns) {
  return {NameOf(ns), ReadStringMap(*ReadObjectOrEmpty(ns, "metadata"), "labels", "metadata")};
}

PodVolumes ConvertPodVolumes(const json& pod) {
  PodVolumes out;
  const json& meta = *ReadObjectOrEmpty(pod, "metadata");
  std::string name = RequireString(meta, "name", "metadata");
  std::string ns =
      ObjectKey::Namespaced(ReadString(meta, "namespace", "metadata").value_or(""), "").ns;
  const json* spec = ReadObject(pod, "spec", "");
  const json* volumes = spec ? ReadArray(*spec, "volumes", "spec") : nullptr;
  std::set<std::string> seen;
  for (size_t i = 0; volumes && i < volumes->size(); ++i) {
    const json& v = (*volumes)[i];
    std::string path = Join("spec.volumes", i);
    if (!v.is_object())
      throw FieldError(path, std::string("expected an object, got ") + TypeName(v));
    std::string volume = RequireString(v, "name", path);
    PodVolumes::Claim claim;
    if (const json* pvc = ReadObject(v, "persistentVolumeClaim", path)) {
      claim.name = RequireString(*pvc, "claimName", Join(path, "persistentVolumeClaim"));
    } else if (ReadObject(v, "ephemeral", path)) {
      claim.name = name + "-" + volume;  // the claim the ephemeral volume controller creates
      claim.ephemeral = true;
    } else if (const json* csi = ReadObject(v, "csi", path)) {
      out.inline_csi.push_back(
          {RequireString(*csi, "driver", Join(path, "csi")), ns + "-" + name + "-" + volume});
      continue;
    } else {
      continue;
    }
    if (seen.insert(claim.name).second) out.claims.push_back(std::move(claim));
  }
  std::sort(out.inline_csi.begin(), out.inline_csi.end());
  out.inline_csi.erase(std::unique(out.inline_csi.begin(), out.inline_csi.end()),
                       out.inline_csi.end());
  return out;
}

}  // namespace

Converted<ClaimInfo> ClaimFromJson(const json& claim) {
  return Guard<ClaimInfo>("PersistentVolumeClaim", claim, [&] { return ConvertClaim(claim); });
}
Converted<VolumeInfo> VolumeFromJson(const json& volume) {
  return Guard<VolumeInfo>("PersistentVolume", volume, [&] { return ConvertVolume(volume); });
}
Converted<StorageClassInfo> StorageClassFromJson(const json& sc) {
  return Guard<StorageClassInfo>("StorageClass", sc, [&] { return ConvertStorageClass(sc); });
}
Converted<CsiNodeInfo> CsiNodeFromJson(const json& csi_node) {
  return Guard<CsiNodeInfo>("CSINode", csi_node, [&] { return ConvertCsiNode(csi_node); });
}
Converted<NamespaceInfo> NamespaceFromJson(const json& ns) {
  return Guard<NamespaceInfo>("Namespace", ns, [&] { return ConvertNamespace(ns); });
}
Converted<PodVolumes> PodVolumesFromJson(const json& pod) {
  return Guard<PodVolumes>("Pod", pod, [&] { return ConvertPodVolumes(pod); });
}

}  // namespace kubemesos::kube
