// Converters for Node, ResourceGroup and Framework objects, and object descriptions (see
// objects.h). The Pod converter lives in pod.cpp.
#include "operator/kube/objects.h"

#include <set>

#include "operator/kube/convert_guard.h"
#include "operator/kube/fields.h"
#include "operator/kube/lenient.h"
#include "operator/kube/object_key.h"
#include "operator/kube/sharing.h"

namespace kubemesos::kube {
namespace {

// object[key] when it is a non-empty string, else `fallback`.
std::string StringOr(const json& object, const char* key, std::string fallback) {
  std::string v = lenient::Str(object, key);
  return v.empty() ? fallback : v;
}

// The apiVersion of the kinds converted here; other versions are described in full.
std::string ExpectedApiVersion(const std::string& kind) {
  if (kind == "Pod" || kind == "Node") return "v1";
  if (kind == "Framework" || kind == "ResourceGroup") return "kubemesos.io/v1alpha1";
  if (kind == "PodGroup") return "scheduling.k8s.io/v1beta1";
  return "";
}

bool IsNamespacedKnownKind(const std::string& kind) {
  return kind == "Pod" || kind == "Framework" || kind == "PodGroup";
}

bool IsClusterKnownKind(const std::string& kind) {
  return kind == "Node" || kind == "ResourceGroup";
}

TaintEffect ParseEffect(const std::string& effect, const std::string& path) {
  if (effect == "NoSchedule") return TaintEffect::kNoSchedule;
  if (effect == "PreferNoSchedule") return TaintEffect::kPreferNoSchedule;
  if (effect == "NoExecute") return TaintEffect::kNoExecute;
  throw FieldError(path, "unsupported taint effect \"" + effect +
                             "\" (NoSchedule, PreferNoSchedule or NoExecute)");
}

std::vector<Taint> ReadTaints(const json& spec) {
  std::vector<Taint> taints;
  const json* list = ReadArray(spec, "taints", "spec");
  if (!list) return taints;
  for (size_t i = 0; i < list->size(); ++i) {
    std::string path = Join("spec.taints", i);
    const json& item = (*list)[i];
    if (!item.is_object())
      throw FieldError(path, std::string("expected an object, got ") + TypeName(item));
    Taint taint;
    taint.key = RequireString(item, "key", path);
    taint.value = ReadString(item, "value", path).value_or("");
    taint.effect = ParseEffect(RequireString(item, "effect", path), Join(path, "effect"));
    taints.push_back(std::move(taint));
  }
  return taints;
}

bool ReadReady(const json& node) {
  const json* status = ReadObject(node, "status", "");
  if (!status) return true;
  const json* conditions = ReadArray(*status, "conditions", "status");
  if (!conditions || conditions->empty()) return true;  // hand-written input: see objects.h
  for (size_t i = 0; i < conditions->size(); ++i) {
    const json& c = (*conditions)[i];
    std::string path = Join("status.conditions", i);
    if (!c.is_object())
      throw FieldError(path, std::string("expected an object, got ") + TypeName(c));
    if (ReadString(c, "type", path).value_or("") == "Ready") {
      return ReadString(c, "status", path).value_or("") == "True";
    }
  }
  return false;  // conditions reported, but not Ready: the node is not ready
}

NodeSpec ConvertNode(const json& node, ResourceCatalog& catalog) {
  NodeSpec out;
  out.name = RequireString(*ReadObjectOrEmpty(node, "metadata"), "name", "metadata");
  out.labels = ReadStringMap(*ReadObjectOrEmpty(node, "metadata"), "labels", "metadata");
  const json& spec = *ReadObjectOrEmpty(node, "spec");
  out.taints = ReadTaints(spec);
  out.unschedulable = ReadBool(spec, "unschedulable", "spec").value_or(false);
  out.ready = ReadReady(node);
  const json& status = *ReadObjectOrEmpty(node, "status");
  const char* key = Find(status, "allocatable") ? "allocatable" : "capacity";
  // Zero amounts of unknown kinds (hugepages-1Gi: 0, ...) are dropped: absent means zero.
  out.allocatable = ReadResourceList(status, key, "status", catalog, ZeroKinds::kDropUnknownZero);
  return out;
}

GroupSpec ConvertGroup(const json& group, ResourceCatalog& catalog) {
  GroupSpec out;
  out.name = RequireString(*ReadObjectOrEmpty(group, "metadata"), "name", "metadata");
  const json& spec = *ReadObjectOrEmpty(group, "spec");
  out.parent = ReadString(spec, "parent", "spec").value_or("");
  if (out.parent == out.name) throw FieldError("spec.parent", "a group cannot be its own parent");
  out.weight = ReadNumber(spec, "weight", "spec").value_or(1.0);
  if (!(out.weight > 0)) throw FieldError("spec.weight", "must be greater than 0");
  out.guarantee = ReadResourceBound(spec, "guarantee", "spec", catalog);
  out.limit = ReadResourceBound(spec, "limit", "spec", catalog);
  for (ResourceId id = 0; id < catalog.size(); ++id) {
    if (out.guarantee.Has(id) && out.limit.Has(id) &&
        out.guarantee.amount[id] > out.limit.amount[id]) {
      throw FieldError(Join("spec.guarantee", catalog.Name(id)),
                       "exceeds spec.limit of the same resource");
    }
  }
  out.node_selector = ReadStringMap(spec, "nodeSelector", "spec");
  ReadGroupSharing(spec, out);
  return out;
}

// The pod every instance of a task gets, without its name (see FrameworkTask::pod).
json TaskPodTemplate(const FrameworkObjects& f, const std::string& task, const json& tmpl,
                     const std::string& path) {
  json meta = json::object();
  if (const json* m = ReadObject(tmpl, "metadata", path)) meta = *m;
  // Validate the template's labels and annotations before copying them.
  ReadStringMap(meta, "labels", Join(path, "metadata"));
  ReadStringMap(meta, "annotations", Join(path, "metadata"));
  meta.erase("generateName");
  meta.erase("name");
  meta["namespace"] = f.ns;
  if (!meta.contains("labels") || meta["labels"].is_null()) meta["labels"] = json::object();
  meta["labels"][kFrameworkLabel] = f.name;
  meta["labels"][kTaskLabel] = task;
  if (!f.uid.empty()) {
    meta["ownerReferences"] = json::array({{{"apiVersion", "kubemesos.io/v1alpha1"},
                                            {"kind", "Framework"},
                                            {"name", f.name},
                                            {"uid", f.uid},
                                            {"controller", true},
                                            {"blockOwnerDeletion", true}}});
  }
  json spec = *ReadObject(tmpl, "spec", path);
  spec["schedulerName"] = kSchedulerName;
  // A task runs once (Mesos); relaunching is the Framework's restartPolicy. A template that
  // wants the kubelet to restart its containers in place says restartPolicy: Always.
  if (!spec.contains("restartPolicy") || spec["restartPolicy"].is_null())
    spec["restartPolicy"] = "Never";
  return json{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", meta}, {"spec", spec}};
}

FrameworkTask ConvertTask(const FrameworkObjects& f, const json& task, const std::string& path) {
  if (!task.is_object()) {
    throw FieldError(path, std::string("expected an object, got ") + TypeName(task));
  }
  FrameworkTask out;
  out.name = RequireString(task, "name", path);
  out.instances = ReadInt(task, "instances", path).value_or(1);
  if (out.instances < 0 || out.instances > kMaxTaskInstances) {
    throw FieldError(Join(path, "instances"),
                     "must be between 0 and " + std::to_string(kMaxTaskInstances));
  }
  if (auto policy = ReadString(task, "restartPolicy", path)) {
    if (*policy != "Never" && *policy != "OnFailure") {
      throw FieldError(Join(path, "restartPolicy"),
                       "unsupported value \"" + *policy + "\" (Never or OnFailure)");
    }
    out.on_failure = *policy == "OnFailure";
  }
  out.max_retries = ReadInt(task, "maxRetries", path).value_or(0);
  if (out.max_retries < 0) throw FieldError(Join(path, "maxRetries"), "must not be negative");
  std::string tmpl_path = Join(path, "template");
  const json* tmpl = ReadObject(task, "template", path);
  if (!tmpl) throw FieldError(tmpl_path, "required");
  if (!ReadObject(*tmpl, "spec", tmpl_path)) throw FieldError(Join(tmpl_path, "spec"), "required");
  out.pod = TaskPodTemplate(f, out.name, *tmpl, tmpl_path);
  return out;
}

// A gang's time in whole or fractional seconds at spec.gang.<key> (or under `path`): absent is
// `fallback`; negative or above `max` (the CRD's bounds) is an error.
double ReadGangSeconds(const json& object, const char* key, const std::string& path,
                       double fallback, double max) {
  double v = ReadNumber(object, key, path).value_or(fallback);
  if (!(v >= 0 && v <= max)) {  // also NaN
    throw FieldError(Join(path, key), "must be between 0 and " + std::to_string(int64_t(max)));
  }
  return v;
}

// spec.gang: the engine's GangPolicy and the operator's FrameworkGangActions. minMember against
// the tasks' instances is checked by the caller once the tasks are read. `catalog` null: the
// minResources quantities are checked but not kept (see FrameworkFromJson).
void ConvertGang(const json& gang, FrameworkObjects& out, ResourceCatalog* catalog) {
  const std::string path = "spec.gang";
  GangPolicy& policy = out.framework.gang;
  std::optional<int64_t> min_member = ReadInt(gang, "minMember", path);
  if (!min_member) throw FieldError(Join(path, "minMember"), "required");
  if (*min_member < 1 || *min_member > kMaxFrameworkInstances) {
    throw FieldError(Join(path, "minMember"),
                     "must be between 1 and " + std::to_string(kMaxFrameworkInstances));
  }
  policy.min_member = static_cast<int>(*min_member);
  if (catalog) {
    policy.min_resources = ReadResourceBound(gang, "minResources", path, *catalog);
  } else {
    ResourceCatalog scratch;
    ReadResourceBound(gang, "minResources", path, scratch);
  }
  FrameworkGangActions& actions = out.gang_actions;
  actions.bind_timeout_seconds = ReadGangSeconds(gang, "bindTimeoutSeconds", path, 30, 86400);
  policy.starvation_seconds = ReadGangSeconds(gang, "starvationSeconds", path, 600, 31536000);
  policy.reservation_timeout_seconds =
      ReadGangSeconds(gang, "reservationTimeoutSeconds", path, 300, 86400);
  actions.recovery_timeout_seconds =
      ReadGangSeconds(gang, "recoveryTimeoutSeconds", path, 600, 31536000);
  if (actions.bind_timeout_seconds > policy.reservation_timeout_seconds) {
    throw FieldError(Join(path, "bindTimeoutSeconds"),
                     "must not exceed reservationTimeoutSeconds (" +
                         std::to_string(int64_t(policy.reservation_timeout_seconds)) + ")");
  }
  std::string on_timeout = ReadString(gang, "onTimeout", path).value_or("Requeue");
  if (on_timeout != "Requeue" && on_timeout != "Fail") {
    throw FieldError(Join(path, "onTimeout"),
                     "unsupported value \"" + on_timeout + "\" (Requeue or Fail)");
  }
  actions.on_timeout = on_timeout == "Fail" ? FrameworkGangActions::OnTimeout::kFail
                                            : FrameworkGangActions::OnTimeout::kRequeue;
  std::string on_bind = ReadString(gang, "onBindFailure", path).value_or("Restart");
  if (on_bind != "Restart" && on_bind != "Report") {
    throw FieldError(Join(path, "onBindFailure"),
                     "unsupported value \"" + on_bind + "\" (Restart or Report)");
  }
  actions.on_bind_failure = on_bind == "Report" ? FrameworkGangActions::OnBindFailure::kReport
                                                : FrameworkGangActions::OnBindFailure::kRestart;
  const std::string backoff_path = Join(path, "backoff");
  const json& backoff = *ReadObjectOrEmpty(gang, "backoff", path);
  policy.backoff_base_seconds = ReadGangSeconds(backoff, "baseSeconds", backoff_path, 10, 86400);
  policy.backoff_max_seconds = ReadGangSeconds(backoff, "maxSeconds", backoff_path, 600, 86400);
  if (policy.backoff_base_seconds > policy.backoff_max_seconds) {
    throw FieldError(
        Join(backoff_path, "baseSeconds"),
        "must not exceed maxSeconds (" + std::to_string(int64_t(policy.backoff_max_seconds)) + ")");
  }
}

FrameworkObjects ConvertFramework(const json& framework, ResourceCatalog* catalog) {
  FrameworkObjects out;
  const json& meta = *ReadObjectOrEmpty(framework, "metadata");
  out.name = RequireString(meta, "name", "metadata");
  out.ns = ObjectKey::Namespaced(ReadString(meta, "namespace", "metadata").value_or(""), "").ns;
  out.uid = ReadString(meta, "uid", "metadata").value_or("");
  const json* spec = ReadObject(framework, "spec", "");
  if (!spec) throw FieldError("spec", "required");
  out.framework.key = ObjectKey{out.ns, out.name}.String();
  out.framework.group = RequireString(*spec, "resourceGroup", "spec");
  out.framework.suspended = ReadBool(*spec, "suspended", "spec").value_or(false);
  if (const json* filters = ReadObject(*spec, "offerFilters", "spec")) {
    double refuse = ReadNumber(*filters, "refuseSeconds", "spec.offerFilters").value_or(5.0);
    if (refuse < 0) throw FieldError("spec.offerFilters.refuseSeconds", "must not be negative");
    out.framework.refuse_seconds = refuse;
  }
  if (auto timeout = ReadNumber(*spec, "failoverTimeoutSeconds", "spec"); timeout && *timeout < 0) {
    throw FieldError("spec.failoverTimeoutSeconds", "must not be negative");
  }
  ReadFrameworkSharing(*spec, out.framework);
  if (const json* gang = ReadObject(*spec, "gang", "spec")) ConvertGang(*gang, out, catalog);
  const json* tasks = ReadArray(*spec, "tasks", "spec");
  if (!tasks) return out;
  if (static_cast<int64_t>(tasks->size()) > kMaxFrameworkTasks) {
    throw FieldError("spec.tasks", "must have at most " + std::to_string(kMaxFrameworkTasks) +
                                       " items, has " + std::to_string(tasks->size()));
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < tasks->size(); ++i) {
    std::string path = Join("spec.tasks", i);
    FrameworkTask task = ConvertTask(out, (*tasks)[i], path);
    if (!seen.insert(task.name).second) {
      throw FieldError(Join(path, "name"), "duplicate task name \"" + task.name + "\"");
    }
    out.total_instances += task.instances;  // at most 100 x 1,000,000: no overflow
    out.tasks.push_back(std::move(task));
  }
  if (out.total_instances > kMaxFrameworkInstances) {
    throw FieldError("spec.tasks", "ask for " + std::to_string(out.total_instances) +
                                       " instances in total, more than " +
                                       std::to_string(kMaxFrameworkInstances));
  }
  // As the CRD's CEL rule: with tasks given, the gang must be able to start from them.
  if (!out.tasks.empty() && out.framework.gang.min_member > out.total_instances) {
    throw FieldError("spec.gang.minMember", "must not exceed the sum of spec.tasks[].instances (" +
                                                std::to_string(out.total_instances) +
                                                "): the gang could never start");
  }
  return out;
}

}  // namespace

std::string DescribeObject(const json& object, const std::string& default_kind) {
  if (!object.is_object()) return default_kind + " (" + TypeName(object) + ")";
  std::string kind = StringOr(object, "kind", default_kind);
  std::string api = StringOr(object, "apiVersion", "");
  std::string name = "<unnamed>", ns;
  if (const json* meta = Find(object, "metadata"); meta && meta->is_object()) {
    name = StringOr(*meta, "name", name);
    ns = StringOr(*meta, "namespace", "");
  }
  if (api.empty() || api == ExpectedApiVersion(kind)) {
    if (IsNamespacedKnownKind(kind)) return kind + " " + ObjectKey::Namespaced(ns, name).String();
    if (IsClusterKnownKind(kind)) return kind + " " + name;
  }
  std::string out = api.empty() ? kind : api + " " + kind;
  return out + " " + ObjectKey{ns, name}.String();
}

Converted<NodeSpec> NodeFromJson(const json& node, ResourceCatalog& catalog) {
  return Guard<NodeSpec>("Node", node, [&] { return ConvertNode(node, catalog); });
}

Converted<GroupSpec> GroupFromJson(const json& group, ResourceCatalog& catalog) {
  return Guard<GroupSpec>("ResourceGroup", group, [&] { return ConvertGroup(group, catalog); });
}

std::string TaskPodName(const std::string& framework, const std::string& task, int64_t index) {
  return framework + "-" + task + "-" + std::to_string(index);
}

std::optional<std::pair<std::string, int64_t>> ParseTaskPodName(const std::string& framework,
                                                                const std::string& pod_name) {
  if (pod_name.size() <= framework.size() + 1 || !pod_name.starts_with(framework) ||
      pod_name[framework.size()] != '-') {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(pod_name).substr(framework.size() + 1);
  size_t dash = rest.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  std::string_view digits = rest.substr(dash + 1);
  if (digits.empty() || digits.size() > 9 || (digits.size() > 1 && digits[0] == '0')) {
    return std::nullopt;  // at most 9 digits: every index below kMaxTaskInstances fits
  }
  int64_t index = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    index = index * 10 + (c - '0');
  }
  return std::make_pair(std::string(rest.substr(0, dash)), index);
}

json TaskPodJson(const FrameworkObjects& framework, const FrameworkTask& task, int64_t index) {
  json pod = task.pod;
  pod["metadata"]["name"] = TaskPodName(framework.name, task.name, index);
  return pod;
}

Converted<FrameworkObjects> FrameworkFromJson(const json& framework, ResourceCatalog* catalog) {
  return Guard<FrameworkObjects>("Framework", framework,
                                 [&] { return ConvertFramework(framework, catalog); });
}

}  // namespace kubemesos::kube
