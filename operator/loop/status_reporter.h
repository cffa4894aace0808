// Explains pending pods and bad objects where users look: the pod's PodScheduled condition
// (reason Unschedulable for capacity, which cluster-autoscaler reacts to; QuotaExceeded,
// UnknownFramework, UnknownGroup or Suspended when more nodes would not help; InvalidSpec and
// Unsupported for pods of ours that are malformed or ask for what kubemesos does not enforce)
// and Events.
// Writes are coalesced per object (only the newest reason is written) and rate-limited.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "operator/client/kube_client.h"
#include "operator/loop/kube_event.h"
#include "operator/loop/sinks.h"
#include "operator/loop/write_queue.h"

namespace kubemesos::loop {

// The condition reason for a pending reason: "Unschedulable" when capacity is short (more or
// other nodes would help), otherwise a reason the autoscaler ignores.
std::string ConditionReason(const Reason& reason);

// Threads: the sink methods are called by the loop thread and only queue; workers write.
// Ownership: borrows the client. Errors: failed writes are counted and dropped (the next
// change of reason writes again); nothing blocks the loop. Text from users (messages that
// quote names, labels or server replies) may hold anything: bodies are serialised with
// invalid UTF-8 replaced, and nothing a write throws leaves its worker (WriteQueue).
class StatusReporter : public StatusSink {
 public:
  // `may_write` (optional): false (a standby replica) drops reports instead of writing them,
  // so one problem gets one Event, from the leader.
  StatusReporter(client::KubeClient& client, double writes_per_second, int burst,
                 std::function<bool()> may_write = nullptr);

  void PodPending(const Unplaced& pending) override;
  // PodScheduled=False with reason InvalidSpec (not Unschedulable: more nodes would not help,
  // so cluster-autoscaler leaves it alone) and an InvalidSpec Event.
  void PodInvalid(const std::string& ns, const std::string& name,
                  const std::string& message) override;
  // The same with reason Unsupported (condition and Event): valid, but not enforced.
  void PodUnsupported(const std::string& ns, const std::string& name,
                      const std::string& message) override;
  // PodScheduled=False with `reason` (WaitingForVolume: not Unschedulable, so cluster-autoscaler
  // leaves it alone; no node would help) and a Warning Event with the same reason.
  void PodWaiting(const std::string& ns, const std::string& name, const std::string& reason,
                  const std::string& message) override;
  // An Event with reason InvalidSpec on the object.
  void ObjectProblem(ObjectKind kind, const std::string& ns, const std::string& name,
                     const std::string& message) override;
  // A Warning Event with `event_reason` on the object (e.g. a Framework's pods cannot be
  // created: TaskCreateFailed). Same coalescing, rate limit and leader gate.
  void ObjectWarning(ObjectKind kind, const std::string& ns, const std::string& name,
                     const std::string& event_reason, const std::string& message);
  // Stops writing (what is still queued is dropped: the next change writes again). Idempotent.
  void Stop() { queue_.Stop(); }

  uint64_t writes() const { return queue_.writes(); }
  uint64_t failures() const { return queue_.failures(); }

 private:
  struct Item {
    bool is_pod = true;
    ObjectKind kind = ObjectKind::kPod;
    std::string ns, name;
    std::string reason, message;
  };
  void PodRefused(const std::string& ns, const std::string& name, const std::string& reason,
                  const std::string& message);
  bool Write(const Item& item);
  bool PostEvent(const Item& item, const std::string& kind, const std::string& api_version,
                 const std::string& event_reason);

  client::KubeClient& client_;
  std::function<bool()> may_write_;
  WriteQueue queue_;
};

}  // namespace kubemesos::loop
