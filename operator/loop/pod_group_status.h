// The status of scheduling.k8s.io PodGroups as kube-scheduler v1.37 writes it: the condition
// PodGroupInitiallyScheduled (True, reason Scheduled, once the group's minimum is bound, finished
// members included, and never False again; False with reason Unschedulable and why, while its
// minimum cannot be placed; False with reason SchedulerError when kubemesos refuses the group),
// built from the engine's gangs and written through the status subresource by one writer (the
// scheduling loop's, leader only), only when it changed, coalesced per object and rate-limited,
// like the ObjectStatusWriter. A Warning Event (FailedScheduling) goes with each new Unschedulable
// message.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "operator/client/kube_client.h"
#include "operator/loop/write_queue.h"
#include "scheduler/allocator.h"

namespace kubemesos::loop {

inline constexpr const char* kPodGroupScheduledCondition = "PodGroupInitiallyScheduled";

// What the loop remembers of a PodGroup object (bounded: fixed fields and one condition).
struct PodGroupObserved {
  int64_t generation = 0;
  // Its PodGroupInitiallyScheduled condition as observed ("" when it has none).
  std::string status, reason, message;
  // Why kubemesos does not use the group (a conversion error); empty when it does.
  std::string refused;
  // A pod of ours (schedulerName kubemesos) names the group: kubemesos schedules it and writes
  // its status. Another scheduler's groups (kube-scheduler's) are only counted.
  bool ours = false;
};

// The fields above from a PodGroup object (lenient: odd fields read as absent; never throws).
// `refused` is left empty for the caller.
PodGroupObserved ObservePodGroup(const nlohmann::json& pod_group);

// The PodGroupInitiallyScheduled condition (type, status, reason, message) the group should
// have, or null when kubemesos has nothing to say: a group already scheduled (terminal), a
// `basic` group (min_member 0), a group still waiting for members or not attempted yet.
// `gang` may be null (a refused group is not in the engine).
nlohmann::json PodGroupCondition(const GangStatus* gang, const PodGroupObserved& observed);

// Threads: Publish is called by the scheduling loop's thread only; one worker writes.
// Ownership: borrows the client. Errors: a failed write is retried at the next Publish.
class PodGroupStatusWriter {
 public:
  PodGroupStatusWriter(client::KubeClient& client, double writes_per_second, int burst);

  // `warn(key, message)`: called on the loop thread once per new Unschedulable message of a
  // group ("namespace/name"), for the caller's Event.
  using Warn = std::function<void(const std::string& key, const std::string& message)>;
  // Queues a status write for every PodGroup of ours (in `observed`, by "namespace/name") whose
  // condition differs from the one observed on it and from the last one queued.
  void Publish(const Allocator& allocator,
               const std::unordered_map<std::string, PodGroupObserved>& observed,
               const Warn& warn = nullptr);
  void Stop() { queue_.Stop(); }
  uint64_t writes() const { return queue_.writes(); }
  uint64_t failures() const { return queue_.failures(); }

 private:
  client::KubeClient& client_;
  std::map<std::string, std::string> written_;  // key -> condition last queued (dump)
  std::map<std::string, std::string> warned_;   // key -> Unschedulable message last warned
  std::mutex failed_mu_;
  std::set<std::string> failed_;  // keys whose write failed (worker thread) -> write again
  WriteQueue queue_;              // last: stopped (and joined) before the rest is destroyed
};

}  // namespace kubemesos::loop
