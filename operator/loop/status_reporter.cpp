// Pod conditions and Events for pending pods and bad objects, coalesced and rate-limited.
#include "operator/loop/status_reporter.h"

#include <nlohmann/json.hpp>

#include "operator/kube/object_key.h"
#include "operator/loop/kube_event.h"
#include "operator/util/text.h"
#include "operator/util/time_format.h"

namespace kubemesos::loop {

std::string ConditionReason(const Reason& reason) {
  switch (reason.code) {
    case ReasonCode::kInsufficient:
    case ReasonCode::kNoEligibleNode:
      return "Unschedulable";
    case ReasonCode::kQuotaLimit:
      return "QuotaExceeded";
    case ReasonCode::kUnknownGroup:
      return "UnknownGroup";
    case ReasonCode::kUnknownFramework:
      return "UnknownFramework";
    case ReasonCode::kSuspended:
      return "Suspended";
    case ReasonCode::kWaitingForGang:
      return "WaitingForPodGroup";
    case ReasonCode::kWaitingForMembers:
      return "WaitingForMembers";
  }
  return "Unschedulable";
}

StatusReporter::StatusReporter(client::KubeClient& client, double writes_per_second, int burst,
                               std::function<bool()> may_write)
    : client_(client),
      may_write_(std::move(may_write)),
      queue_(writes_per_second, burst, 4, "status_reporter") {}

void StatusReporter::PodPending(const Unplaced& pending) {
  Item item;
  kube::ObjectKey key = kube::ObjectKey::Parse(pending.pod);
  item.ns = std::move(key.ns);
  item.name = std::move(key.name);
  item.reason = ConditionReason(pending.reason);
  item.message = pending.reason.Short() + ": " + pending.reason.message;
  queue_.Submit("Pod " + pending.pod, [this, item] { return Write(item); });
}

void StatusReporter::PodInvalid(const std::string& ns, const std::string& name,
                                const std::string& message) {
  PodRefused(ns, name, "InvalidSpec", message);
}

void StatusReporter::PodUnsupported(const std::string& ns, const std::string& name,
                                    const std::string& message) {
  PodRefused(ns, name, "Unsupported", message);
}

void StatusReporter::PodRefused(const std::string& ns, const std::string& name,
                                const std::string& reason, const std::string& message) {
  if (may_write_ && !may_write_()) return;  // the leader reports it
  Item item;
  item.ns = ns;
  item.name = name;
  item.reason = reason;
  item.message = message;
  queue_.Submit("Pod " + ns + "/" + name, [this, item] { return Write(item); });
}

void StatusReporter::PodWaiting(const std::string& ns, const std::string& name,
                                const std::string& reason, const std::string& message) {
  PodRefused(ns, name, reason, message);  // the same write: a condition and an Event
}

void StatusReporter::ObjectProblem(ObjectKind kind, const std::string& ns, const std::string& name,
                                   const std::string& message) {
  ObjectWarning(kind, ns, name, "InvalidSpec", message);
}

void StatusReporter::ObjectWarning(ObjectKind kind, const std::string& ns, const std::string& name,
                                   const std::string& event_reason, const std::string& message) {
  if (may_write_ && !may_write_()) return;  // the leader reports it
  Item item;
  item.is_pod = false;
  item.kind = kind;
  item.ns = ns;
  item.name = name;
  item.reason = event_reason;
  item.message = message;
  queue_.Submit(std::string(KindName(kind)) + " " + ns + "/" + name,
                [this, item] { return Write(item); });
}

bool StatusReporter::Write(const Item& item) {
  if (item.is_pod) {
    nlohmann::json patch = {
        {"status",
         {{"conditions", nlohmann::json::array({{{"type", "PodScheduled"},
                                                 {"status", "False"},
                                                 {"reason", item.reason},
                                                 {"message", item.message},
                                                 {"lastTransitionTime", util::NowRfc3339()}}})}}}};
    auto response =
        client_.Request("PATCH", "/api/v1/namespaces/" + item.ns + "/pods/" + item.name + "/status",
                        util::SafeDump(patch), "application/strategic-merge-patch+json");
    if (!response.ok()) return false;
  }
  const char* api_version = "v1";
  if (!item.is_pod &&
      (item.kind == ObjectKind::kResourceGroup || item.kind == ObjectKind::kFramework))
    api_version = "kubemesos.io/v1alpha1";
  if (!item.is_pod && (item.kind == ObjectKind::kStorageClass || item.kind == ObjectKind::kCSINode))
    api_version = "storage.k8s.io/v1";
  if (!item.is_pod && item.kind == ObjectKind::kPodGroup) api_version = "scheduling.k8s.io/v1beta1";
  return PostEvent(
      item, item.is_pod ? "Pod" : KindName(item.kind), api_version,
      item.is_pod && item.reason == "Unschedulable" ? "FailedScheduling" : item.reason);
}

bool StatusReporter::PostEvent(const Item& item, const std::string& kind,
                               const std::string& api_version, const std::string& event_reason) {
  return loop::PostEvent(client_, {item.ns, item.name, kind, api_version}, "Warning", event_reason,
                         item.message);
}

}  // namespace kubemesos::loop
