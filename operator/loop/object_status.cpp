// ResourceGroup and Framework status: building and writing.
#include "operator/loop/object_status.h"

#include "operator/kube/object_key.h"
#include "operator/kube/sharing.h"
#include "operator/loop/scheduling_loop.h"
#include "operator/util/text.h"
#include "operator/util/time_format.h"

#include <cmath>
#include <ctime>
#include <string_view>

namespace kubemesos::loop {
namespace {

double Round4(double v) {
  return std::round(v * 10000.0) / 10000.0;
}

nlohmann::json ReadyCondition(bool ready, const std::string& reason, const std::string& message,
                              const std::string& since) {
  return nlohmann::json::array({{{"type", "Ready"},
                                 {"status", ready ? "True" : "False"},
                                 {"reason", reason},
                                 {"message", message},
                                 {"lastTransitionTime", since}}});
}

// "namespace/name" -> the Framework's status path.
std::string FrameworkPath(const std::string& key) {
  kube::ObjectKey k = kube::ObjectKey::Parse(key);
  return "/apis/kubemesos.io/v1alpha1/namespaces/" + k.ns + "/frameworks/" + k.name + "/status";
}

// A merge patch only adds and replaces keys: a resource no longer held must be sent as null to
// leave `allocated`. Every kind the catalog knows that is not held is nulled (a no-op when the
// status does not have it), which also clears what an earlier process wrote.
// The same for a group's borrowed, lent and reclaimable.
nlohmann::json WithRemovals(nlohmann::json status, const ResourceCatalog& catalog) {
  for (const char* key : {"allocated", "borrowed", "lent", "reclaimable"}) {
    if (key != std::string_view("allocated") && !status.contains(key)) continue;
    nlohmann::json& amounts = status[key];
    for (ResourceId id = 0; id < catalog.size(); ++id) {
      if (!amounts.contains(catalog.Name(id))) amounts[catalog.Name(id)] = nullptr;
    }
  }
  return status;
}

}  // namespace

std::string QuantityString(ResourceId id, int64_t amount) {
  if (id == kCpu) {
    return amount % 1000 == 0 ? std::to_string(amount / 1000) : std::to_string(amount) + "m";
  }
  if (id == kMemory || id == kEphemeralStorage) {
    static constexpr struct {
      const char* suffix;
      int64_t unit;
    } kUnits[] = {{"Ti", 1LL << 40}, {"Gi", 1LL << 30}, {"Mi", 1LL << 20}, {"Ki", 1LL << 10}};
    for (const auto& u : kUnits) {
      if (amount != 0 && amount % u.unit == 0) return std::to_string(amount / u.unit) + u.suffix;
    }
  }
  return std::to_string(amount);
}

nlohmann::json QuantitiesJson(const Resources& amounts, const ResourceCatalog& catalog) {
  nlohmann::json out = nlohmann::json::object();
  for (ResourceId id = 0; id < catalog.size(); ++id) {
    if (amounts[id] != 0) out[catalog.Name(id)] = QuantityString(id, amounts[id]);
  }
  return out;
}

nlohmann::json GroupStatusJson(const GroupStatus& group, const ResourceCatalog& catalog,
                               const std::string& ready_since) {
  return {{"allocated", QuantitiesJson(group.allocated, catalog)},
          {"dominantShare", Round4(group.dominant_share)},
          {"frameworks", group.frameworks},
          {"guaranteePolicy", kube::GuaranteePolicyName(group.guarantee_policy)},
          {"borrowed", QuantitiesJson(group.borrowed, catalog)},
          {"lent", QuantitiesJson(group.lent, catalog)},
          {"reclaimable", QuantitiesJson(group.reclaimable, catalog)},
          {"conditions",
           group.valid ? ReadyCondition(true, "Valid", "", ready_since)
                       : ReadyCondition(false, "Invalid", group.invalid_message, ready_since)}};
}

nlohmann::json FrameworkStatusJson(const FrameworkStatus& fw, const FrameworkExtras& extras,
                                   const ResourceCatalog& catalog, const std::string& ready_since,
                                   const std::string& launched_since) {
  int pending = fw.pending + extras.missing + extras.retrying;
  std::string phase = !extras.gang_failure.empty() ? "Failed"
                      : fw.suspended               ? "Suspended"
                      : fw.running > 0             ? "Running"
                      : pending > 0                ? "Pending"
                      : extras.failed              ? "Failed"
                      : extras.succeeded           ? "Succeeded"
                                                   : "Pending";
  nlohmann::json conditions =
      fw.group_valid
          ? ReadyCondition(true, "Registered", "", ready_since)
          : ReadyCondition(false, "UnknownGroup",
                           "ResourceGroup \"" + fw.group +
                               "\" does not exist or is invalid; its tasks stay pending.",
                           ready_since);
  bool launched = extras.launch_problem.empty();
  conditions.push_back({{"type", "TasksLaunched"},
                        {"status", launched ? "True" : "False"},
                        {"reason", launched                       ? "Launched"
                                   : extras.launch_reason.empty() ? "CreateFailed"
                                                                  : extras.launch_reason},
                        {"message", extras.launch_problem},
                        {"lastTransitionTime", launched_since}});
  nlohmann::json status = {
      {"phase", phase},
      {"allocated", QuantitiesJson(fw.allocated, catalog)},
      {"dominantShare", Round4(fw.dominant_share)},
      {"tasks",
       {{"pending", pending},
        {"running", fw.running},
        {"succeeded", extras.succeeded},
        {"failed", extras.failed},
        {"lost", extras.lost},
        {"restarts", extras.restarts}}},
      {"offers", {{"accepted", fw.offers_accepted}, {"declined", fw.offers_declined}}},
      {"conditions", std::move(conditions)}};
  if (!extras.framework_id.empty()) status["frameworkID"] = extras.framework_id;
  if (!extras.gang_failure.empty()) {  // terminal: read back by the next leader's controller
    status["reason"] = kGangTimeout;
    status["message"] = extras.gang_failure;
  }
  if (extras.last_results.is_array()) status["lastResults"] = extras.last_results;
  return status;
}

ObjectStatusWriter::ObjectStatusWriter(client::KubeClient& client, double writes_per_second,
                                       int burst)
    : client_(client), queue_(writes_per_second, burst, 4, "object_status") {}

std::string ObjectStatusWriter::Since(const std::string& key, bool value) {
  auto it = ready_.find(key);
  if (it == ready_.end() || it->second.first != value) {
    it = ready_.insert_or_assign(key, std::make_pair(value, util::NowRfc3339())).first;
  }
  return it->second.second;
}

void ObjectStatusWriter::Submit(const std::string& key, const std::string& path,
                                nlohmann::json status) {
  std::string text = util::SafeDump(status);  // names and messages quote user text
  auto& last = written_[key];
  if (last == text) return;  // unchanged: no write
  last = text;
  nlohmann::json patch = {{"status", std::move(status)}};
  queue_.Submit(key, [this, key, path, body = util::SafeDump(patch)] {
    auto response = client_.Request("PATCH", path, body, "application/merge-patch+json");
    if (!response.ok() && response.status != 404) {  // 404: the object is gone
      std::lock_guard<std::mutex> lock(failed_mu_);
      failed_.insert(key);
    }
    return response.ok();
  });
}

void ObjectStatusWriter::Publish(const Allocator& allocator,
                                 const std::function<FrameworkExtras(const std::string&)>& extras,
                                 double now) {
  if (now < 0) now = SchedulingLoop::Now();
  {
    std::lock_guard<std::mutex> lock(failed_mu_);
    for (const auto& key : failed_) written_.erase(key);
    failed_.clear();
  }
  const ResourceCatalog& catalog = allocator.catalog();
  std::set<std::string> seen;
  for (const auto& g : allocator.Groups()) {
    std::string key = "ResourceGroup " + g.name;
    seen.insert(key);
    Submit(key, "/apis/kubemesos.io/v1alpha1/resourcegroups/" + g.name + "/status",
           WithRemovals(GroupStatusJson(g, catalog, Since(key, g.valid)), catalog));
  }
  std::map<std::string, const GangStatus*> gangs;  // Framework gangs by framework key
  std::vector<GangStatus> all_gangs = allocator.Gangs();
  for (const auto& g : all_gangs) {
    if (!g.pod_group) gangs.emplace(g.key, &g);
  }
  for (const auto& f : allocator.Frameworks()) {
    std::string key = "Framework " + f.key;
    seen.insert(key);
    FrameworkExtras more = extras ? extras(f.key) : FrameworkExtras{};
    nlohmann::json status =
        FrameworkStatusJson(f, more, catalog, Since(key, f.group_valid),
                            Since(key + " TasksLaunched", more.launch_problem.empty()));
    preemptions_.Add(status, f.key, f);
    if (auto g = gangs.find(f.key); g != gangs.end()) {
      gangs_.Add(status, f.key, *g->second, catalog, now);
    } else {
      status["gang"] = nullptr;  // no gang (any more): a merge patch removes the block
      gangs_.Forget(f.key);
    }
    Submit(key, FrameworkPath(f.key), WithRemovals(std::move(status), catalog));
  }
  // Objects that are gone: forget them (a re-created object is written afresh).
  for (auto it = written_.begin(); it != written_.end();) {
    if (seen.count(it->first)) {
      ++it;
    } else {
      ready_.erase(it->first);
      ready_.erase(it->first + " TasksLaunched");
      if (it->first.starts_with("Framework ")) {
        gangs_.Forget(it->first.substr(10));
        preemptions_.Forget(it->first.substr(10));
      }
      it = written_.erase(it);
    }
  }
}

}  // namespace kubemesos::loop
