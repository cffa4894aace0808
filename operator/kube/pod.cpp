// The Pod converter (see objects.h): the effective request as Kubernetes computes it (every sum
// checked against the per-object maximum), and the placement constraints (nodeSelector,
// required and preferred node affinity, tolerations, host ports, inter-pod affinity through
// pod_affinity.h).
#include <algorithm>

#include "operator/kube/convert_guard.h"
#include "operator/kube/fields.h"
#include "operator/kube/object_key.h"
#include "operator/kube/objects.h"
#include "operator/kube/pod_affinity.h"
#include "operator/kube/pod_preemption.h"
#include "operator/kube/pod_spread.h"
#include "operator/kube/pod_support.h"
#include "operator/kube/volumes.h"

namespace kubemesos::kube {
namespace {

using Op = NodeSelectorRequirement::Op;

// A zero request of a resource no node has is the same as none: keep catalog slots free.
constexpr ZeroKinds kZeros = ZeroKinds::kDropUnknownZero;

// a + b for the effective request. A kind whose sum exceeds the per-object maximum (2^62
// milli-units; ResourceCatalog::MaxAmount) makes the pod an error at `path`, the part that
// pushed it over: the API server accepts such pods, and a wrapped (or saturated) total would
// place them next to others on a full node (issue #12).
Resources Sum(const Resources& a, const Resources& b, const std::string& path,
              const ResourceCatalog& catalog) {
  Resources out;
  for (ResourceId id = 0; id < kMaxResourceKinds; ++id) {
    if (!CheckedAdd(a[id], b[id], &out[id]) || out[id] > ResourceCatalog::MaxAmount(id)) {
      throw TooLargeError(path, "total " + catalog.Name(id) + " request too large (max " +
                                    std::to_string(kMaxAmount) + "m)");
    }
  }
  return out;
}

// A container's requests, each defaulting to the limit of the same resource when only the
// limit is set (the API server's defaulting).
Resources ContainerRequest(const json& container, const std::string& path,
                           ResourceCatalog& catalog) {
  if (!container.is_object()) {
    throw FieldError(path, std::string("expected an object, got ") + TypeName(container));
  }
  const json& resources = *ReadObjectOrEmpty(container, "resources", path);
  std::string rpath = Join(path, "resources");
  // Limits first: a zero request of a kind only the limit names must still be known as set.
  ResourceBound limits = ReadResourceBound(resources, "limits", rpath, catalog, kZeros);
  ResourceBound requests = ReadResourceBound(resources, "requests", rpath, catalog, kZeros);
  for (ResourceId id = 0; id < kMaxResourceKinds; ++id) {
    if (limits.Has(id) && !requests.Has(id)) requests.Set(id, limits.amount[id]);
  }
  return requests.amount;
}

// Kubernetes' PodRequests (k8s.io/component-helpers/resource): regular containers and sidecars
// (init containers with restartPolicy Always) run together; each regular init container runs
// alone next to the sidecars started before it. Pod-level spec.resources replace the
// aggregate for the kinds they set; spec.overhead is added on top.
Resources EffectiveRequest(const json& spec, ResourceCatalog& catalog) {
  const json* containers = ReadArray(spec, "containers", "spec");
  if (!containers || containers->empty()) {
    throw FieldError("spec.containers", "required: at least one container");
  }
  Resources total;
  for (size_t i = 0; i < containers->size(); ++i) {
    std::string path = Join("spec.containers", i);
    total = Sum(total, ContainerRequest((*containers)[i], path, catalog), path, catalog);
  }
  Resources init_peak;  // the largest request while init containers run
  Resources sidecars;   // sidecars started so far
  if (const json* inits = ReadArray(spec, "initContainers", "spec")) {
    for (size_t i = 0; i < inits->size(); ++i) {
      std::string path = Join("spec.initContainers", i);
      Resources request = ContainerRequest((*inits)[i], path, catalog);
      auto policy = ReadString((*inits)[i], "restartPolicy", path);
      if (policy && *policy != "Always") {
        throw FieldError(Join(path, "restartPolicy"),
                         "unsupported value \"" + *policy + "\" (only Always is allowed)");
      }
      if (policy) {  // a sidecar: keeps running next to the main containers
        total = Sum(total, request, path, catalog);
        sidecars = Sum(sidecars, request, path, catalog);
        init_peak = Max(init_peak, sidecars);
      } else {
        init_peak = Max(init_peak, Sum(request, sidecars, path, catalog));
      }
    }
  }
  Resources request = Max(total, init_peak);
  if (const json* pod_resources = ReadObject(spec, "resources", "spec")) {
    ResourceBound limits =
        ReadResourceBound(*pod_resources, "limits", "spec.resources", catalog, kZeros);
    ResourceBound requests =
        ReadResourceBound(*pod_resources, "requests", "spec.resources", catalog, kZeros);
    for (ResourceId id = 0; id < kMaxResourceKinds; ++id) {
      if (requests.Has(id)) {
        request[id] = requests.amount[id];
      } else if (limits.Has(id)) {
        request[id] = limits.amount[id];
      }
    }
  }
  request = Sum(request, ReadResourceList(spec, "overhead", "spec", catalog, kZeros),
                "spec.overhead", catalog);
  request[kPods] = 1;
  return request;
}

Op ParseOp(const std::string& op, const std::string& path) {
  if (op == "In") return Op::kIn;
  if (op == "NotIn") return Op::kNotIn;
  if (op == "Exists") return Op::kExists;
  if (op == "DoesNotExist") return Op::kDoesNotExist;
  if (op == "Gt") return Op::kGt;
  if (op == "Lt") return Op::kLt;
  throw FieldError(
      path, "unsupported operator \"" + op + "\" (In, NotIn, Exists, DoesNotExist, Gt or Lt)");
}

bool IsInteger(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

NodeSelectorRequirement ReadRequirement(const json& item, const std::string& path, bool field) {
  if (!item.is_object()) {
    throw FieldError(path, std::string("expected an object, got ") + TypeName(item));
  }
  NodeSelectorRequirement r;
  r.is_field = field;
  r.key = RequireString(item, "key", path);
  r.op = ParseOp(RequireString(item, "operator", path), Join(path, "operator"));
  if (const json* values = ReadArray(item, "values", path)) {
    for (size_t i = 0; i < values->size(); ++i) {
      const json& v = (*values)[i];
      if (!v.is_string()) {
        throw FieldError(Join(Join(path, "values"), i),
                         std::string("expected a string, got ") + TypeName(v));
      }
      r.values.push_back(v.get<std::string>());
    }
  }
  std::string vpath = Join(path, "values");
  switch (r.op) {
    case Op::kIn:
    case Op::kNotIn:
      if (r.values.empty()) throw FieldError(vpath, "must be non-empty for In and NotIn");
      break;
    case Op::kExists:
    case Op::kDoesNotExist:
      if (!r.values.empty()) throw FieldError(vpath, "must be empty for Exists and DoesNotExist");
      break;
    case Op::kGt:
    case Op::kLt:
      if (r.values.size() != 1 || !IsInteger(r.values[0])) {
        throw FieldError(vpath, "must be a single integer for Gt and Lt");
      }
      break;
  }
  if (field) {
    if (r.key != "metadata.name") {
      throw FieldError(Join(path, "key"), "only metadata.name is supported in matchFields");
    }
    if (r.op != Op::kIn && r.op != Op::kNotIn) {
      throw FieldError(Join(path, "operator"), "matchFields supports only In and NotIn");
    }
  }
  return r;
}

std::vector<NodeSelectorTerm> ReadRequiredAffinity(const json& spec) {
  std::vector<NodeSelectorTerm> terms;
  const json* affinity = ReadObject(spec, "affinity", "spec");
  if (!affinity) return terms;
  const json* node = ReadObject(*affinity, "nodeAffinity", "spec.affinity");
  if (!node) return terms;
  std::string path = "spec.affinity.nodeAffinity";
  const json* required = ReadObject(*node, "requiredDuringSchedulingIgnoredDuringExecution", path);
  if (!required) return terms;
  path = Join(path, "requiredDuringSchedulingIgnoredDuringExecution");
  const json* list = ReadArray(*required, "nodeSelectorTerms", path);
  path = Join(path, "nodeSelectorTerms");
  if (!list || list->empty()) throw FieldError(path, "required: at least one term");
  for (size_t i = 0; i < list->size(); ++i) {
    std::string tpath = Join(path, i);
    const json& item = (*list)[i];
    if (!item.is_object()) {
      throw FieldError(tpath, std::string("expected an object, got ") + TypeName(item));
    }
    NodeSelectorTerm term;  // an empty term matches no node, as in Kubernetes
    for (const char* key : {"matchExpressions", "matchFields"}) {
      const json* reqs = ReadArray(item, key, tpath);
      if (!reqs) continue;
      for (size_t k = 0; k < reqs->size(); ++k) {
        term.requirements.push_back(ReadRequirement((*reqs)[k], Join(Join(tpath, key), k),
                                                    std::string(key) == "matchFields"));
      }
    }
    terms.push_back(std::move(term));
  }
  return terms;
}

std::vector<Toleration> ReadTolerations(const json& spec) {
  std::vector<Toleration> out;
  const json* list = ReadArray(spec, "tolerations", "spec");
  if (!list) return out;
  for (size_t i = 0; i < list->size(); ++i) {
    std::string path = Join("spec.tolerations", i);
    const json& item = (*list)[i];
    if (!item.is_object()) {
      throw FieldError(path, std::string("expected an object, got ") + TypeName(item));
    }
    Toleration t;
    t.key = ReadString(item, "key", path).value_or("");
    std::string op = ReadString(item, "operator", path).value_or("Equal");
    if (op != "Equal" && op != "Exists" && !op.empty()) {
      throw FieldError(Join(path, "operator"),
                       "unsupported operator \"" + op + "\" (Equal or Exists)");
    }
    t.exists = op == "Exists";
    t.value = ReadString(item, "value", path).value_or("");
    if (t.key.empty() && !t.exists) {
      throw FieldError(Join(path, "operator"), "must be Exists when key is empty");
    }
    if (t.exists && !t.value.empty()) {
      throw FieldError(Join(path, "value"), "must be empty when operator is Exists");
    }
    std::string effect = ReadString(item, "effect", path).value_or("");
    t.any_effect = effect.empty();
    if (effect == "NoSchedule") {
      t.effect = TaintEffect::kNoSchedule;
    } else if (effect == "PreferNoSchedule") {
      t.effect = TaintEffect::kPreferNoSchedule;
    } else if (effect == "NoExecute") {
      t.effect = TaintEffect::kNoExecute;
    } else if (!effect.empty()) {
      throw FieldError(Join(path, "effect"), "unsupported effect \"" + effect + "\"");
    }
    out.push_back(std::move(t));
  }
  return out;
}

// The host ports of the containers and sidecars (init containers with restartPolicy Always, which
// keep running), as kube-scheduler's NodePorts reads them: protocol (default TCP), hostIP
// (default 0.0.0.0) and hostPort 1..65535 (containerPort with hostNetwork). Sorted and unique.
std::vector<HostPort> ReadHostPorts(const json& spec) {
  std::vector<HostPort> out;
  // The API server's defaulting, for hand-written (simulate) input: with hostNetwork every
  // container port is a host port.
  bool host_network = ReadBool(spec, "hostNetwork", "spec").value_or(false);
  for (const char* list : {"initContainers", "containers"}) {
    const json* containers = ReadArray(spec, list, "spec");
    for (size_t i = 0; containers && i < containers->size(); ++i) {
      const json& c = (*containers)[i];
      if (!c.is_object()) continue;  // EffectiveRequest reports it
      std::string cpath = Join(Join("spec", list), i);
      if (std::string_view(list) == "initContainers" &&
          ReadString(c, "restartPolicy", cpath).value_or("") != "Always")
        continue;  // runs before the others, and its ports are free again when it ends
      const json* ports = ReadArray(c, "ports", cpath);
      for (size_t j = 0; ports && j < ports->size(); ++j) {
        const json& port = (*ports)[j];
        std::string ppath = Join(Join(cpath, "ports"), j);
        if (!port.is_object()) {
          throw FieldError(ppath, std::string("expected an object, got ") + TypeName(port));
        }
        auto host = ReadInt(port, "hostPort", ppath);
        if (host_network && (!host || *host == 0)) host = ReadInt(port, "containerPort", ppath);
        if (!host || *host == 0) continue;
        if (*host < 0 || *host > 65535) {
          throw FieldError(Join(ppath, "hostPort"), "must be between 1 and 65535");
        }
        HostPort p;
        p.port = static_cast<int32_t>(*host);
        p.protocol = ReadString(port, "protocol", ppath).value_or("TCP");
        if (p.protocol.empty()) p.protocol = "TCP";
        p.ip = ReadString(port, "hostIP", ppath).value_or("");
        if (p.ip == "0.0.0.0") p.ip.clear();
        out.push_back(std::move(p));
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// preferredDuringSchedulingIgnoredDuringExecution of spec.affinity.nodeAffinity: weight 1..100
// and a preference term (an empty one matches every node).
std::vector<PreferredNodeTerm> ReadPreferredAffinity(const json& spec) {
  std::vector<PreferredNodeTerm> out;
  const json* affinity = ReadObject(spec, "affinity", "spec");
  const json* node = affinity ? ReadObject(*affinity, "nodeAffinity", "spec.affinity") : nullptr;
  std::string path = "spec.affinity.nodeAffinity";
  const json* list =
      node ? ReadArray(*node, "preferredDuringSchedulingIgnoredDuringExecution", path) : nullptr;
  path = Join(path, "preferredDuringSchedulingIgnoredDuringExecution");
  for (size_t i = 0; list && i < list->size(); ++i) {
    std::string tpath = Join(path, i);
    const json& item = (*list)[i];
    if (!item.is_object()) {
      throw FieldError(tpath, std::string("expected an object, got ") + TypeName(item));
    }
    PreferredNodeTerm p;
    auto weight = ReadInt(item, "weight", tpath);
    if (!weight || *weight < 1 || *weight > 100) {
      throw FieldError(Join(tpath, "weight"), "required: an integer from 1 to 100");
    }
    p.weight = static_cast<int32_t>(*weight);
    const json* preference = ReadObject(item, "preference", tpath);
    if (!preference) throw FieldError(Join(tpath, "preference"), "required");
    std::string ppath = Join(tpath, "preference");
    for (const char* key : {"matchExpressions", "matchFields"}) {
      const json* reqs = ReadArray(*preference, key, ppath);
      for (size_t k = 0; reqs && k < reqs->size(); ++k) {
        p.term.requirements.push_back(ReadRequirement((*reqs)[k], Join(Join(ppath, key), k),
                                                      std::string(key) == "matchFields"));
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

PodSpec ConvertPod(const json& pod, ResourceCatalog& catalog, const PodOptions& options) {
  PodSpec out;
  const json& meta = *ReadObjectOrEmpty(pod, "metadata");
  std::string name = RequireString(meta, "name", "metadata");
  ObjectKey key =
      ObjectKey::Namespaced(ReadString(meta, "namespace", "metadata").value_or(""), name);
  const std::string& ns = key.ns;
  out.key = key.String();
  Labels labels = ReadStringMap(meta, "labels", "metadata");
  const json* spec = ReadObject(pod, "spec", "");
  if (!spec) throw FieldError("spec", "required");
  std::string scheduler = ReadString(*spec, "schedulerName", "spec").value_or("");
  if (scheduler == kSchedulerName) {
    auto it = labels.find(kFrameworkLabel);
    if (it != labels.end() && !it->second.empty()) out.framework = ns + "/" + it->second;
  }
  out.node_name = ReadString(*spec, "nodeName", "spec").value_or("");
  // Admission resolves priorityClassName into spec.priority (an int32).
  if (auto priority = ReadInt(*spec, "priority", "spec")) {
    if (*priority < INT32_MIN || *priority > INT32_MAX)
      throw FieldError("spec.priority", "out of the int32 range");
    out.priority = static_cast<int32_t>(*priority);
  }
  // The PodGroup the pod joins (spec.schedulingGroup.podGroupName, same namespace): read for
  // every pod, so bound members count towards their gang whoever placed them.
  if (const json* group = ReadObject(*spec, "schedulingGroup", "spec")) {
    std::string pod_group = ReadString(*group, "podGroupName", "spec.schedulingGroup").value_or("");
    if (!pod_group.empty()) out.gang = ObjectKey::Namespaced(ns, pod_group).String();
  }
  const json& status = *ReadObjectOrEmpty(pod, "status");
  std::string phase = ReadString(status, "phase", "status").value_or("");
  out.terminal = phase == "Succeeded" || phase == "Failed";
  out.succeeded = phase == "Succeeded";
  ReadPreemptionFields(meta, *spec, status, !out.node_name.empty(), options, out);
  try {
    out.request = EffectiveRequest(*spec, catalog);
  } catch (const TooLargeError&) {
    if (out.node_name.empty() || out.terminal) throw;
    // Already on a node (bound by another scheduler, or spec.nodeName): it holds whatever it
    // holds there. Ignored, it would leave the node looking free; so it counts as the most
    // one pod may hold of every kind, and the node is full while it stays.
    for (ResourceId id = 0; id < catalog.size(); ++id)
      out.request[id] = ResourceCatalog::MaxAmount(id);
  }
  out.constraints.node_selector = ReadStringMap(*spec, "nodeSelector", "spec");
  out.constraints.affinity = ReadRequiredAffinity(*spec);
  out.constraints.tolerations = ReadTolerations(*spec);
  out.constraints.host_ports = ReadHostPorts(*spec);
  out.labels = labels;
  if (out.node_name.empty()) {
    // Preferences only rank nodes for a pod still to be placed.
    out.constraints.preferred_affinity = ReadPreferredAffinity(*spec);
  }
  // Every pod's inter-pod terms: a pending pod's filter and rank its nodes, a bound pod's
  // (of any scheduler) keep others away or draw them near (symmetry).
  try {
    out.constraints.pod_affinity = ReadPodAffinity(*spec, ns, labels);
  } catch (const FieldError&) {
    if (out.node_name.empty() || out.terminal) throw;
    // Already on a node: it must keep counting (its requests, labels and ports), so only its
    // malformed terms are dropped. kube-apiserver validates these fields, so such a pod can
    // only come from a server that did not; the pod then still matches others' terms.
    out.constraints.pod_affinity = PodAffinity{};
  }
  if (out.node_name.empty() && !out.terminal) {
    // Spread is about where a pod goes: a placed pod only counts (by its labels).
    out.constraints.spread = ReadSpreadConstraints(*spec, labels);
    if (out.constraints.spread.empty() && options.system_default_spread)
      out.constraints.spread = SystemDefaultSpread(meta, labels);
  }
  if (scheduler == kSchedulerName && out.node_name.empty() && !out.terminal) {
    RefuseUnsupported(*spec);
  }
  return out;
}

}  // namespace

Converted<PodSpec> PodFromJson(const json& pod, ResourceCatalog& catalog,
                               const PodOptions& options) {
  return Guard<PodSpec>("Pod", pod, [&] { return ConvertPod(pod, catalog, options); });
}

bool IsKubemesosPod(const json& pod) {
  const json* spec = Find(pod, "spec");
  if (!spec || !spec->is_object()) return false;
  const json* name = Find(*spec, "schedulerName");
  return name && name->is_string() && name->get<std::string>() == kSchedulerName;
}

bool HasSchedulingGates(const json& pod) {
  const json* spec = Find(pod, "spec");
  if (!spec || !spec->is_object()) return false;
  const json* gates = Find(*spec, "schedulingGates");
  return gates && gates->is_array() && !gates->empty();
}

}  // namespace kubemesos::kube

namespace kubemesos::kube {

std::vector<NodeSelectorTerm> ReadNodeSelectorTerms(const json& list, const std::string& path) {
  if (!list.is_array()) {
    throw FieldError(path, std::string("expected an array, got ") + TypeName(list));
  }
  std::vector<NodeSelectorTerm> terms;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string tpath = Join(path, i);
    const json& item = list[i];
    if (!item.is_object()) {
      throw FieldError(tpath, std::string("expected an object, got ") + TypeName(item));
    }
    NodeSelectorTerm term;  // an empty term matches no node, as in Kubernetes
    for (const char* key : {"matchExpressions", "matchFields"}) {
      const json* reqs = ReadArray(item, key, tpath);
      for (size_t k = 0; reqs && k < reqs->size(); ++k) {
        term.requirements.push_back(ReadRequirement((*reqs)[k], Join(Join(tpath, key), k),
                                                    std::string(key) == "matchFields"));
      }
    }
    terms.push_back(std::move(term));
  }
  return terms;
}

}  // namespace kubemesos::kube
