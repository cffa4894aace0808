// `kubemesos simulate`: input reading, engine feeding and the JSON report (see simulate.h).
#include "operator/simulate/simulate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <new>
#include <set>

#include "operator/kube/fields.h"
#include "operator/kube/gang_text.h"
#include "operator/kube/lenient.h"
#include "operator/kube/object_key.h"
#include "operator/kube/pod_group.h"
#include "operator/kube/sharing.h"
#include "operator/kube/volume_tracker.h"
#include "operator/simulate/preemption_report.h"
#include "operator/simulate/report_json.h"
#include "operator/simulate/yaml_json.h"

namespace kubemesos::simulate {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

enum class Kind { kNode, kPod, kGroup, kFramework, kNamespace, kStorage, kPodGroup, kOther };

// Every task pod of a Framework is materialised (the engine needs them all), so a 600-byte
// Framework with 1,000,000 instances per task would take gigabytes: the pods all Frameworks
// of the input bring are limited.
constexpr int64_t kMaxTaskPods = 100'000;

// The task pods a Framework object asks for (sum of spec.tasks[].instances, default 1),
// counted before they are made and saturated above kMaxTaskPods. A malformed field counts 1:
// the converter rejects it.
int64_t RequestedTaskPods(const json& framework) {
  constexpr double kOver = kMaxTaskPods + 1;
  const json* spec = kube::Find(framework, "spec");
  const json* tasks = spec && spec->is_object() ? kube::Find(*spec, "tasks") : nullptr;
  if (!tasks || !tasks->is_array()) return 0;
  double total = 0;
  for (const json& task : *tasks) {
    const json* n = task.is_object() ? kube::Find(task, "instances") : nullptr;
    double instances = n && n->is_number() && n->get<double>() >= 0 ? n->get<double>() : 1;
    total = std::min(total + std::min(instances, kOver), kOver);
  }
  return static_cast<int64_t>(total);
}

Kind KindOf(const json& object) {
  std::string api = kube::lenient::Str(object, "apiVersion"),
              kind = kube::lenient::Str(object, "kind");
  if (api == "v1" && kind == "Node") return Kind::kNode;
  if (api == "v1" && kind == "Pod") return Kind::kPod;
  if (api == "kubemesos.io/v1alpha1" && kind == "ResourceGroup") return Kind::kGroup;
  if (api == "kubemesos.io/v1alpha1" && kind == "Framework") return Kind::kFramework;
  if (api == "v1" && kind == "Namespace") return Kind::kNamespace;
  if (api == kube::kPodGroupApiVersion && kind == "PodGroup") return Kind::kPodGroup;
  if ((api == "v1" && (kind == "PersistentVolumeClaim" || kind == "PersistentVolume")) ||
      (api == "storage.k8s.io/v1" && (kind == "StorageClass" || kind == "CSINode")))
    return Kind::kStorage;
  return Kind::kOther;
}

std::string At(const std::string& file, int line) {
  return file + ": line " + std::to_string(line) + ": ";
}

// Adds one object (or the items of a List) to *objects; false with *error on a bad document.
// `where` is "" for a document, "items[i]" for an item of a List; `item_lines` the lines of the
// List's items when known.
bool AddObject(const std::string& file, int line, const std::string& where,
               const std::vector<int>* item_lines, json&& object, std::vector<InputObject>* objects,
               std::vector<std::string>* warnings, std::string* error) {
  const std::string at = At(file, line) + (where.empty() ? "" : where + ": ");
  if (!object.is_object()) {
    *error = at + "expected an object, got " + kube::TypeName(object);
    return false;
  }
  std::string api = kube::lenient::Str(object, "apiVersion"),
              kind = kube::lenient::Str(object, "kind");
  if (api.empty() || kind.empty()) {
    *error = at + "apiVersion and kind are required";
    return false;
  }
  bool typed_list = kind.size() > 4 && kind.ends_with("List") && object.contains("items");
  if (kind == "List" || typed_list) {
    auto items = object.find("items");
    if (items == object.end() || items->is_null()) return true;
    if (!items->is_array()) {
      *error = at + "items: expected an array";
      return false;
    }
    for (size_t i = 0; i < items->size(); ++i) {
      std::string item_where =
          (where.empty() ? "" : where + ": ") + "items[" + std::to_string(i) + "]";
      int item_line = item_lines && i < item_lines->size() ? (*item_lines)[i] : line;
      json item = std::move((*items)[i]);  // moved: a snapshot is not held twice
      // `kubectl get pods -o yaml` omits apiVersion and kind of items of a typed list.
      if (item.is_object() && kind != "List" && !item.contains("kind")) {
        item["apiVersion"] = api;
        item["kind"] = kind.substr(0, kind.size() - 4);
      }
      if (!AddObject(file, item_line, item_where, nullptr, std::move(item), objects, warnings,
                     error)) {
        return false;
      }
    }
    return true;
  }
  if (KindOf(object) == Kind::kOther) {
    warnings->push_back("warning: " + file + ": skipping " + kube::DescribeObject(object));
    return true;
  }
  objects->push_back({file, line, std::move(object)});
  return true;
}

double Round4(double x) {
  return std::round(x * 1e4) / 1e4;
}

std::string Namespace(const std::string& key) {
  return kube::ObjectKey::Parse(key).ns;
}
std::string Name(const std::string& key) {
  return kube::ObjectKey::Parse(key).name;
}

// "namespace/name" of a Pod object as PodFromJson keys it; empty when it has no name.
std::string PodKey(const json& pod) {
  kube::ObjectKey key = kube::ObjectKey::Of(pod);
  if (key.name.empty()) return "";
  return kube::ObjectKey::Namespaced(key.ns, key.name).String();
}

// Everything read from the input, converted and checked, ready for the engine.
struct Model {
  std::vector<NodeSpec> nodes;
  std::vector<GroupSpec> groups;
  std::vector<FrameworkSpec> frameworks;
  std::vector<PodSpec> pods;            // fed to the engine, `order` set
  std::vector<std::string> unlabelled;  // kubemesos pods without the framework label
  int tasks = 0;                        // pending tasks fed in
  std::vector<kube::NamespaceInfo> namespaces;
  std::vector<GangSpec> gangs;  // PodGroups
  kube::VolumeTracker volumes;  // claims, volumes, classes, CSINode limits; pods by claim
  // Pods that use claims or CSI volumes: index in `pods`, their volumes and uid.
  struct VolumePod {
    size_t pod;
    kube::PodVolumes volumes;
    std::string uid;
  };
  std::vector<VolumePod> volume_pods;
  struct Waiting {  // pending pods whose volumes are not ready (WaitingForVolume)
    std::string pod, framework, message;
  };
  std::vector<Waiting> waiting;
};

// Resolves the volumes of the pods that use them (after every object was read, so that the
// order of the input does not matter): bound volumes constrain the pod's nodes and count
// against CSI limits; a pending pod whose claim is not ready waits and is not fed to the engine.
void ResolveVolumes(Model& model) {
  for (auto& node : model.nodes) node.csi_limits = model.volumes.LimitsOf(node.name);
  for (auto& v : model.volume_pods) {
    const PodSpec& pod = model.pods[v.pod];
    model.volumes.SetPod(pod.key, std::move(v.volumes), v.uid, pod.order, !pod.node_name.empty(),
                         pod.terminal);
  }
  std::vector<bool> drop(model.pods.size(), false);
  for (const auto& v : model.volume_pods) {
    PodSpec& pod = model.pods[v.pod];
    auto resolution = model.volumes.Resolve(pod.key);
    if (!resolution.waiting.empty()) {
      model.waiting.push_back({pod.key, pod.framework, resolution.waiting});
      drop[v.pod] = true;
      --model.tasks;
      continue;
    }
    pod.constraints.volume_affinity = std::move(resolution.affinity);
    pod.constraints.csi_volumes = std::move(resolution.csi);
  }
  size_t kept = 0;
  for (size_t i = 0; i < model.pods.size(); ++i) {
    if (drop[i]) continue;
    if (kept != i) model.pods[kept] = std::move(model.pods[i]);  // never a self-move
    ++kept;
  }
  model.pods.resize(kept);
}

class ModelBuilder {
 public:
  // `existing_pods`: keys of the Pod objects of the input. A Framework's task pod with one of
  // these keys is not created again (the operator creates only missing task pods).
  // `now`: the wall clock running pods' start times are read against.
  ModelBuilder(ResourceCatalog& catalog, Model& model, std::set<std::string> existing_pods,
               std::time_t now)
      : catalog_(catalog), model_(model), existing_pods_(std::move(existing_pods)), now_(now) {}

  // False with *error when the object does not convert or is a duplicate.
  bool Add(const InputObject& input, std::string* error) {
    const json& object = input.object;
    switch (KindOf(object)) {
      case Kind::kNode: {
        auto node = kube::NodeFromJson(object, catalog_);
        if (!node.ok()) return Fail(input, node.error, error);
        if (!Unique("Node " + node.value->name, input, error)) return false;
        model_.nodes.push_back(std::move(*node.value));
        return true;
      }
      case Kind::kGroup: {
        auto group = kube::GroupFromJson(object, catalog_);
        if (!group.ok()) return Fail(input, group.error, error);
        if (!Unique("ResourceGroup " + group.value->name, input, error)) return false;
        model_.groups.push_back(std::move(*group.value));
        return true;
      }
      case Kind::kFramework: {
        int64_t requested = RequestedTaskPods(object);
        if (requested > kMaxTaskPods - task_pods_) {
          return Fail(input,
                      kube::DescribeObject(object) + ": spec.tasks: more than " +
                          std::to_string(kMaxTaskPods) +
                          " task pods in all Frameworks of the input (the limit of simulate)",
                      error);
        }
        task_pods_ += requested;
        auto framework = kube::FrameworkFromJson(object, &catalog_);
        if (!framework.ok()) return Fail(input, framework.error, error);
        if (!Unique("Framework " + framework.value->framework.key, input, error)) {
          return false;
        }
        model_.frameworks.push_back(framework.value->framework);
        const kube::FrameworkObjects& f = *framework.value;
        for (const auto& task : f.tasks) {
          for (int64_t k = 0; k < task.instances; ++k) {  // one pod at a time
            if (existing_pods_.count(
                    kube::ObjectKey{f.ns, kube::TaskPodName(f.name, task.name, k)}.String()))
              continue;
            if (!AddPod(input, kube::TaskPodJson(f, task, k), kube::DescribeObject(object) + ": ",
                        error)) {
              return false;
            }
          }
        }
        return true;
      }
      case Kind::kPod:
        return AddPod(input, object, "", error);
      case Kind::kNamespace: {
        auto ns = kube::NamespaceFromJson(object);
        if (!ns.ok()) return Fail(input, ns.error, error);
        if (!Unique("Namespace " + ns.value->name, input, error)) return false;
        model_.namespaces.push_back(std::move(*ns.value));
        return true;
      }
      case Kind::kStorage:
        return AddStorage(input, error);
      case Kind::kPodGroup: {
        // What run would hold with Unsupported or InvalidSpec, simulate refuses outright.
        auto gang = kube::PodGroupFromJson(object);
        if (!gang.ok()) return Fail(input, gang.error, error);
        if (!Unique("PodGroup " + gang.value->key, input, error)) return false;
        model_.gangs.push_back(std::move(*gang.value));
        return true;
      }
      case Kind::kOther:
        return true;
    }
    return true;
  }

 private:
  bool Fail(const InputObject& input, const std::string& what, std::string* error) {
    *error = At(input.file, input.line) + what;
    return false;
  }

  bool Unique(const std::string& id, const InputObject& input, std::string* error) {
    auto [it, inserted] = seen_.emplace(id, input.file + " line " + std::to_string(input.line));
    if (inserted) return true;
    return Fail(input, id + ": defined twice (first at " + it->second + ")", error);
  }

  bool AddStorage(const InputObject& input, std::string* error) {
    const json& object = input.object;
    std::string kind = kube::lenient::Str(object, "kind"), problem;
    if (!Unique(kube::DescribeObject(object, kind), input, error)) return false;
    if (kind == "PersistentVolumeClaim") {
      model_.volumes.ApplyClaim(false, object, &problem);
    } else if (kind == "PersistentVolume") {
      model_.volumes.ApplyVolume(false, object, &problem);
    } else if (kind == "StorageClass") {
      model_.volumes.ApplyStorageClass(false, object, &problem);
    } else {
      model_.volumes.ApplyCsiNode(false, object, &problem);
    }
    return problem.empty() || Fail(input, problem, error);
  }

  bool AddPod(const InputObject& input, const json& object, const std::string& prefix,
              std::string* error) {
    auto converted = kube::PodFromJson(object, catalog_);
    if (!converted.ok()) return Fail(input, prefix + converted.error, error);
    auto volumes = kube::PodVolumesFromJson(object);
    if (!volumes.ok()) return Fail(input, prefix + volumes.error, error);
    PodSpec& pod = *converted.value;
    if (!Unique("Pod " + pod.key, input, error)) return false;
    if (pod.terminal) return true;  // holds nothing
    bool kubemesos = kube::IsKubemesosPod(object);
    if (pod.node_name.empty()) {
      if (!kubemesos) return true;  // another scheduler's pending pod: not ours to place
      if (pod.framework.empty()) {
        model_.unlabelled.push_back(pod.key);
        return true;
      }
      ++model_.tasks;
    } else {
      pod.started = kSimulationStart - RanSeconds(object, now_);  // the simulation's clock
    }
    pod.order = next_order_++;
    if (!volumes.value->empty()) {
      model_.volume_pods.push_back(
          {model_.pods.size(), std::move(*volumes.value),
           kube::lenient::Str(kube::lenient::Field(object, "metadata"), "uid")});
    }
    model_.pods.push_back(std::move(pod));
    return true;
  }

  ResourceCatalog& catalog_;
  Model& model_;
  std::set<std::string> existing_pods_;
  std::time_t now_;
  std::map<std::string, std::string> seen_;  // "Kind key" -> "file line L"
  uint64_t next_order_ = 1;
  int64_t task_pods_ = 0;  // requested by the Frameworks so far (at most kMaxTaskPods)
};

// `check_at`: when the preemption cycle ran (negative: it did not).
ordered_json Report(Allocator& allocator, const AllocationResult& result, const Model& model,
                    double seconds, double check_at) {
  const ResourceCatalog& catalog = allocator.catalog();
  ordered_json report;
  std::map<std::string, int> placed;
  ordered_json placements = ordered_json::array();
  for (const auto& p : result.placements) {
    ++placed[p.framework];
    placements.push_back({{"namespace", Namespace(p.pod)},
                          {"pod", Name(p.pod)},
                          {"framework", Name(p.framework)},
                          {"node", p.node}});
  }
  ordered_json unschedulable = ordered_json::array();
  for (const auto& u : result.unplaced) {
    unschedulable.push_back({{"namespace", Namespace(u.pod)},
                             {"pod", Name(u.pod)},
                             {"framework", Name(u.framework)},
                             {"reason", u.reason.Short()},
                             {"message", u.reason.message}});
  }
  for (const auto& w : model.waiting) {
    unschedulable.push_back({{"namespace", Namespace(w.pod)},
                             {"pod", Name(w.pod)},
                             {"framework", Name(w.framework)},
                             {"reason", "WaitingForVolume"},
                             {"message", w.message}});
  }
  for (const auto& key : model.unlabelled) {
    unschedulable.push_back(
        {{"namespace", Namespace(key)},
         {"pod", Name(key)},
         {"framework", ""},
         {"reason", "UnknownFramework"},
         {"message", std::string("the pod has schedulerName kubemesos but no ") +
                         kube::kFrameworkLabel + " label"}});
  }
  ordered_json frameworks = ordered_json::object();
  for (const auto& f : allocator.Frameworks()) {
    frameworks[f.key] = {{"group", f.group},
                         {"placed", placed[f.key]},
                         {"pending", f.pending},
                         {"revocable", f.revocable},
                         {"allocated", ResourcesJson(f.allocated, catalog)},
                         {"dominantShare", Round4(f.dominant_share)}};
  }
  ordered_json groups = ordered_json::object();
  for (const auto& g : allocator.Groups()) {
    ordered_json entry = {{"allocated", ResourcesJson(g.allocated, catalog)},
                          {"dominantShare", Round4(g.dominant_share)},
                          {"frameworks", g.frameworks},
                          {"guaranteePolicy", kube::GuaranteePolicyName(g.guarantee_policy)},
                          {"borrowed", ResourcesJson(g.borrowed, catalog)},
                          {"lent", ResourcesJson(g.lent, catalog)}};
    if (!g.valid) entry["invalid"] = g.invalid_message;
    groups[g.name] = std::move(entry);
  }
  // Gangs and why they wait: the engine's view after the cycle, PodGroups and Frameworks'.
  ordered_json gangs = ordered_json::array();
  for (const auto& g : allocator.Gangs()) {
    ordered_json entry = {{"kind", g.pod_group ? "PodGroup" : "Framework"},
                          {"key", g.key},
                          {"phase", kube::GangPhaseName(g.phase)},
                          {"minMember", g.min_member},
                          {"active", g.active},
                          {"pending", g.pending}};
    if (g.last_failure) entry["lastFailure"] = kube::GangFailureText(*g.last_failure);
    gangs.push_back(std::move(entry));
  }
  report["placements"] = std::move(placements);
  report["unschedulable"] = std::move(unschedulable);
  report["preemptions"] = PreemptionsJson(result.preemptions);
  report["frameworks"] = std::move(frameworks);
  report["groups"] = std::move(groups);
  report["gangs"] = std::move(gangs);
  report["stats"] = {
      {"allocationSeconds", seconds}, {"nodes", allocator.node_count()}, {"tasks", model.tasks}};
  if (check_at >= 0) report["stats"]["preemptionCheckSeconds"] = check_at;
  return report;
}

}  // namespace

bool ReadInput(const std::string& file, const std::string& text, std::vector<InputObject>* objects,
               std::vector<std::string>* warnings, std::string* error, YamlBudget* budget) {
  std::vector<YamlDocument> documents;
  try {
    std::string why;
    if (!ParseYamlDocuments(text, &documents, &why, budget)) {
      *error = file + ": " + why;
      return false;
    }
    for (auto& doc : documents) {
      if (!AddObject(file, doc.line, "", &doc.item_lines, std::move(doc.value), objects, warnings,
                     error)) {
        return false;
      }
    }
    return true;
  } catch (const std::bad_alloc&) {
    for (auto& doc : documents) ReleaseJson(doc.value);
    throw;
  } catch (const std::exception& e) {
    *error = file + ": " + e.what();
    return false;
  }
}

kube::Converted<ordered_json> Simulate(const std::vector<InputObject>& objects,
                                       const SimulationOptions& options) {
  using Result = kube::Converted<ordered_json>;
  try {
    AllocatorOptions engine{.policy = options.policy, .preemption = {}};
    engine.preemption.enabled = options.preemption;
    Allocator allocator(engine);
    Model model;
    std::set<std::string> existing_pods;
    for (const auto& input : objects) {
      if (KindOf(input.object) == Kind::kPod) existing_pods.insert(PodKey(input.object));
    }
    existing_pods.erase("");
    ModelBuilder builder(allocator.catalog(), model, std::move(existing_pods),
                         options.now != 0 ? options.now : std::time(nullptr));
    std::string error;
    for (const auto& input : objects) {
      if (!builder.Add(input, &error)) return Result::Err(error);
    }
    ResolveVolumes(model);
    for (const auto& ns : model.namespaces) allocator.UpsertNamespace(ns.name, ns.labels);
    for (const auto& node : model.nodes) allocator.UpsertNode(node);
    for (const auto& group : model.groups) allocator.UpsertGroup(group);
    for (const auto& framework : model.frameworks) allocator.UpsertFramework(framework);
    for (const auto& gang : model.gangs) allocator.UpsertGang(gang);
    for (const auto& pod : model.pods) allocator.UpsertPod(pod);
    auto start = std::chrono::steady_clock::now();
    AllocationResult result = allocator.Allocate(kSimulationStart);
    double check_at = -1;
    if (options.preemption && allocator.pending_task_count() > 0) {
      check_at = PreemptionCheckAt(model.groups);  // pending tasks may now reclaim
      MergeResult(result, allocator.Allocate(kSimulationStart + check_at));
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return Result::Ok(Report(allocator, result, model, seconds, check_at));
  } catch (const std::exception& e) {
    return Result::Err(std::string(kInternalError) + e.what());
  }
}

}  // namespace kubemesos::simulate
