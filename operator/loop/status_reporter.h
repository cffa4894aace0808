// Explains pending pods and bad objects where users look: the pod's PodScheduled condition
// (reason Unschedulable for capacity, which cluster-autoscaler reacts to; QuotaExceeded,
// UnknownFramework, UnknownGroup or Suspended when more nodes would not help) and Events.
// Writes are coalesced per object (only the newest reason is written) and rate-limited.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "operator/client/kube_client.h"
#include "operator/loop/sinks.h"

namespace kubemesos::loop {

// The condition reason for a pending reason: "Unschedulable" when capacity is short (more or
// other nodes would help), otherwise a reason the autoscaler ignores.
std::string ConditionReason(const Reason& reason);

// Threads: the sink methods are called by the loop thread and only queue; one worker writes.
// Ownership: borrows the client. Errors: failed writes are counted and dropped (the next
// change of reason writes again); nothing blocks the loop.
class StatusReporter : public StatusSink {
 public:
  StatusReporter(client::KubeClient& client, double writes_per_second, int burst);
  ~StatusReporter() override;

  void PodPending(const Unplaced& pending) override;
  void ObjectProblem(ObjectKind kind, const std::string& ns, const std::string& name,
                     const std::string& message) override;
  // Writes what is queued (within the rate limit), then joins. Idempotent.
  void Stop();

  uint64_t writes() const;
  uint64_t failures() const;

 private:
  struct Item {
    bool is_pod = true;
    ObjectKind kind = ObjectKind::kPod;
    std::string ns, name;
    std::string reason, message;
  };
  void Work();
  void Write(const Item& item);
  void PostEvent(const Item& item, const std::string& kind, const std::string& api_version,
                 const std::string& event_reason);

  client::KubeClient& client_;
  const double rate_;
  const double burst_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Item> pending_;  // object key -> newest item (coalescing)
  std::deque<std::string> order_;        // keys in arrival order
  bool stopping_ = false;
  uint64_t writes_ = 0, failures_ = 0;
  std::thread worker_;
};

}  // namespace kubemesos::loop
