// Carries out the engine's preemption plans (issue #16, rules P11, P12, P16), each plan on one
// worker, in this order:
//   1. the plan is written to the registry (preemptions/<ns>/<name>) before anything else;
//   2. each preemptor's status.nominatedNodeName is set to its node;
//   3. a Preempting Event on the (first) preemptor; then for each victim: a DisruptionTarget=True
//      condition (reason PreemptionByScheduler) and a Preempted Event naming the preemptor,
//      then the eviction: the Eviction API (POST .../pods/{name}/eviction, policy/v1; the API
//      server enforces PodDisruptionBudgets, and rewrites the condition's reason to
//      EvictionByEvictionAPI, so it is patched back once more) or, in Delete mode, DELETE.
// A 404 is success (already gone). Any other failure (429: a PodDisruptionBudget; 403; an
// error) stops the plan: the victim's condition goes back to False, its remaining victims are
// left alone, and the loop hears of it (LoopEvent::EvictionFailed) and cancels the plan in the
// engine, which re-plans later. A plan that cannot be recorded evicts nothing and is cancelled
// the same way. When the engine no longer holds a plan (its preemptors placed, or it expired or
// was cancelled: InFlight), its record is deleted and its preemptors' nominations cleared.
//
// Failover: a new leader hands the plans it read back to Resume, which carries them on with
// the same victims (no second, different set): nominations set again, evictions sent again
// (404 and a pod already terminating are success), no new condition or Events.
//
// Threads: the EvictSink methods and Resume are called by the loop thread and only queue;
// `concurrency` workers do the requests (plans run concurrently, a plan's steps in order).
// Ownership: borrows the client, the results queue and the registry (may be null: nothing is
// recorded); all must outlive the Evictor. Errors: nothing a request throws leaves a worker
// (counted as internal errors of "evictor"; a plan cut short that way is cancelled like a
// refused eviction); every write is asked `may_write` first (false: not the leader, the plan is
// left to the next leader, which reads it back).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/client/kube_client.h"
#include "operator/loop/event_queue.h"
#include "operator/loop/events.h"
#include "operator/loop/sinks.h"
#include "operator/registry/registry.h"
#include "operator/util/worker_pool.h"

namespace kubemesos::loop {

enum class EvictionMode { kEvictionApi, kDelete };

struct EvictorOptions {
  EvictionMode mode = EvictionMode::kEvictionApi;
  int concurrency = 4;
  // Asked before every write; false drops it (see above). Empty: always.
  std::function<bool()> may_write;
  // Called on a worker with the HTTP status of every eviction sent (0: transport failure or
  // not sent because it threw), for metrics. Optional.
  std::function<void(int status)> on_eviction;
};

class Evictor : public EvictSink {
 public:
  using Clock = std::chrono::steady_clock;

  Evictor(client::KubeClient& client, EventQueue<LoopEvent>& results, registry::Registry* registry,
          EvictorOptions options = {});
  ~Evictor() override;

  void Preempt(const Preemption& plan, double unix_offset) override;
  void NominationsEnded(const std::vector<std::string>& pods) override;
  bool Tracking() const override;
  void InFlight(const std::vector<Preemption>& plans) override;

  // Where plans are recorded (null: nowhere). Set before the first plan (the operator builds
  // the registry after the evictor).
  void SetRegistry(registry::Registry* registry) { registry_ = registry; }

  // A plan read back from the registry by a new leader (see above).
  void Resume(const registry::PreemptionRecord& record);

  // Plans handed over and not finished yet.
  size_t plans() const;
  // Drops what is queued and waits until `deadline` for the plans being carried out
  // (WorkerPool::Stop, kDrop). True when every worker ended. Idempotent.
  bool Stop(Clock::time_point deadline = Clock::time_point::max());

 private:
  struct Plan {
    std::string key;
    registry::PreemptionRecord record;
    bool resume = false;
    bool recorded = false;  // in the registry (written, or read back)
    bool working = false;   // a worker carries it out now
    bool done = false;      // the engine no longer holds it
    bool finished = false;  // record deleted, nominations cleared (or queued to be)
  };
  struct Item {
    std::shared_ptr<Plan> plan;  // null: clear `pods`' nominations
    bool finish = false;         // delete the record, clear nominations
    std::vector<std::string> pods;
  };
  void Track(std::shared_ptr<Plan> plan);
  void Do(Item& item);
  void Carry(Plan& plan);
  void Finish(Plan& plan);
  // Clears status.nominatedNodeName of each pod that no plan in flight nominates.
  void ClearNominations(const std::vector<std::string>& pods);
  bool MayWrite() const { return !o_.may_write || o_.may_write(); }
  int Evict(const std::string& pod, std::string& message);
  bool PatchStatus(const std::string& pod, const nlohmann::json& status);
  void Cancel(const Plan& plan, const std::string& victim, int status, const std::string& why);

  client::KubeClient& client_;
  EventQueue<LoopEvent>& results_;
  registry::Registry* registry_;
  const EvictorOptions o_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Plan>> plans_;  // by key; guarded by mu_
  util::WorkerPool<Item> pool_;                         // last: its threads use the above
};

}  // namespace kubemesos::loop
