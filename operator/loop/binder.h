// Carries out placements: POST .../pods/{name}/binding with bounded concurrency, each result
// handed back to the scheduling loop through its queue. A gang's binds are queued as one batch
// (in a row, in the same FIFO as the others) and the result that completes the batch carries its
// bind span (first bind sent to last answered).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "operator/client/encoding.h"
#include "operator/client/kube_client.h"
#include "operator/loop/event_queue.h"
#include "operator/loop/events.h"
#include "operator/loop/sinks.h"
#include "operator/util/worker_pool.h"

namespace kubemesos::loop {

// Threads: Bind() is called by the loop thread; `concurrency` workers do the HTTP calls.
// Ownership: borrows the client and the results queue; both must outlive the Binder.
// Errors: every bind that is started produces exactly one BindResult (status 0 on transport
// failure, or when building or sending it threw: that is also counted as an internal error of
// "binder"). Binds dropped by Stop at its deadline produce none (the process is stopping).
class Binder : public BindSink {
 public:
  using Clock = std::chrono::steady_clock;

  // `may_bind` (optional) is asked right before each bind; false (e.g. the leader lease is
  // about to lapse) fails the bind with status 0 and "not leader" instead of sending it.
  Binder(client::KubeClient& client, EventQueue<LoopEvent>& results, int concurrency,
         std::function<bool()> may_bind = nullptr);
  ~Binder() override;

  void Bind(const Placement& placement) override;
  // Queues the members in a row; the same `concurrency` workers send them (no thread of its
  // own). Each result carries the gang key; the one that completes the batch carries
  // gang_span_seconds. A batch cut short by Stop reports no span.
  void BindGang(const std::vector<Placement>& members) override;
  // Sends the queued binds until `deadline`, drops those still queued then, and waits until the
  // deadline for the binds in flight. True when every worker ended (see WorkerPool::Stop).
  // Idempotent.
  bool Stop(Clock::time_point deadline = Clock::time_point::max());
  // The encoding of the Binding bodies (default JSON; protobuf falls back to JSON for a
  // Binding the codec refuses). Call before the first Bind.
  void SetEncoding(client::Encoding encoding) { encoding_ = encoding; }
  uint64_t sent() const { return sent_; }
  size_t dropped() const { return pool_.dropped(); }

 private:
  // One gang batch in flight: when its first bind was sent and how many are unanswered.
  struct GangBatch {
    std::mutex mu;
    size_t left = 0;
    bool started = false;
    Clock::time_point first;
  };
  struct Item {
    Placement placement;
    std::shared_ptr<GangBatch> batch;  // null: not part of a gang batch
  };
  void Do(Item& item);

  client::KubeClient& client_;
  EventQueue<LoopEvent>& results_;
  std::function<bool()> may_bind_;
  client::Encoding encoding_ = client::Encoding::kJson;
  std::atomic<uint64_t> sent_{0};
  util::WorkerPool<Item> pool_;  // last: its threads use the members above
};

}  // namespace kubemesos::loop
