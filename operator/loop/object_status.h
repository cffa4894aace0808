// The status of ResourceGroups and Frameworks (DESIGN.md), built from the engine's view and
// written through their status subresources by one writer (the scheduling loop's), only when
// it changed, coalesced per object and rate-limited: no two components write the same status
// and a steady cluster causes no writes.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "operator/client/kube_client.h"
#include "operator/loop/write_queue.h"
#include "scheduler/allocator.h"

namespace kubemesos::loop {

// `status` of a ResourceGroup: allocated (quantities), dominantShare, frameworks, and a Ready
// condition (False with reason Invalid and the message when the group cannot be used).
// `ready_since` is the condition's lastTransitionTime.
nlohmann::json GroupStatusJson(const GroupStatus& group, const ResourceCatalog& catalog,
                               const std::string& ready_since);
// `status` of a Framework: phase (Suspended, Running when a task runs, else Pending), allocated,
// dominantShare, tasks {pending, running}, offers {accepted, declined}, and a Ready condition
// (False with reason UnknownGroup when its group is missing or invalid).
nlohmann::json FrameworkStatusJson(const FrameworkStatus& framework, const ResourceCatalog& catalog,
                                   const std::string& ready_since);
// A resource amount as a Kubernetes quantity: "1500m" / "2" for cpu, "4Gi" for exact binary
// multiples of memory and storage, plain integers otherwise.
std::string QuantityString(ResourceId id, int64_t amount);

// Threads: Publish is called by the scheduling loop's thread only; one worker writes.
// Ownership: borrows the client. Errors: a failed write is retried at the next Publish.
class ObjectStatusWriter {
 public:
  ObjectStatusWriter(client::KubeClient& client, double writes_per_second, int burst);

  // Queues a status write for every group and framework whose status changed since it was
  // last written.
  void Publish(const Allocator& allocator);
  void Stop() { queue_.Stop(); }
  uint64_t writes() const { return queue_.writes(); }
  uint64_t failures() const { return queue_.failures(); }

 private:
  void Submit(const std::string& key, const std::string& path, nlohmann::json status);
  std::string ReadySince(const std::string& key, bool ready);

  client::KubeClient& client_;
  std::map<std::string, std::string> written_;                 // object key -> status last queued
  std::map<std::string, std::pair<bool, std::string>> ready_;  // key -> (ready, since)
  std::mutex failed_mu_;
  std::set<std::string> failed_;  // keys whose write failed (worker thread) -> write again
  WriteQueue queue_;              // last: stopped (and joined) before the rest is destroyed
};

}  // namespace kubemesos::loop
