// Binding workers.
#include "operator/loop/binder.h"

#include "operator/kube/objects.h"

#include <nlohmann/json.hpp>

#include "operator/kube/object_key.h"
#include "operator/util/guard.h"

namespace kubemesos::loop {

Binder::Binder(client::KubeClient& client, EventQueue<LoopEvent>& results, int concurrency,
               std::function<bool()> may_bind)
    : client_(client),
      results_(results),
      may_bind_(std::move(may_bind)),
      pool_(
          concurrency, [this](Item& item) { Do(item); }, "binder") {}

Binder::~Binder() {
  Stop();
}

void Binder::Bind(const Placement& placement) {
  pool_.Push({placement, nullptr});
}

void Binder::BindGang(const std::vector<Placement>& members) {
  if (members.empty()) return;
  auto batch = std::make_shared<GangBatch>();
  batch->left = members.size();
  for (const auto& member : members) pool_.Push({member, batch});
}

bool Binder::Stop(Clock::time_point deadline) {
  return pool_.Stop(util::StopMode::kDrain, deadline);
}

void Binder::Do(Item& item) {
  const Placement& placement = item.placement;
  BindResult result{placement.pod, placement.node, 0, "", placement.gang};
  if (item.batch) {
    std::lock_guard<std::mutex> lock(item.batch->mu);
    if (!item.batch->started) {
      item.batch->started = true;
      item.batch->first = Clock::now();
    }
  }
  // Whatever goes wrong here, the loop gets its result: it holds the placement as assumed
  // until then.
  bool done = util::Guarded("binder", placement.pod, [&] {
    auto [ns, name] = kube::ObjectKey::Parse(placement.pod);
    if (may_bind_ && !may_bind_()) {
      result.message = "not binding: this replica may not bind now (not the leader)";
      return;
    }
    nlohmann::json binding = {
        {"apiVersion", "v1"},
        {"kind", "Binding"},
        {"metadata", {{"name", name}, {"namespace", ns}}},
        {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", placement.node}}}};
    // The API server copies a Binding's annotations onto the pod: a placement on borrowed
    // capacity says so on the pod itself, in the same request.
    if (placement.revocable)
      binding["metadata"]["annotations"] = {{std::string(kube::kRevocableAnnotation), "true"}};
    std::string body, content_type;
    client::EncodeBody(encoding_, binding, body, content_type);
    auto response = client_.Request(
        "POST", "/api/v1/namespaces/" + ns + "/pods/" + name + "/binding", body, content_type);
    result.status = response.status;
    result.message = response.message;
    ++sent_;
  });
  if (!done) {
    result.status = 0;
    result.message = "not bound: internal error (see the log)";
  }
  if (item.batch) {
    std::lock_guard<std::mutex> lock(item.batch->mu);
    if (--item.batch->left == 0) {
      result.gang_span_seconds =
          std::chrono::duration<double>(Clock::now() - item.batch->first).count();
    }
  }
  results_.Push(LoopEvent::Bound(std::move(result)));
}

}  // namespace kubemesos::loop
