// Carries out placements: POST .../pods/{name}/binding with bounded concurrency, each result
// handed back to the scheduling loop through its queue.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>

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
  // Sends the queued binds until `deadline`, drops those still queued then, and waits until the
  // deadline for the binds in flight. True when every worker ended (see WorkerPool::Stop).
  // Idempotent.
  bool Stop(Clock::time_point deadline = Clock::time_point::max());
  uint64_t sent() const { return sent_; }
  size_t dropped() const { return pool_.dropped(); }

 private:
  void Do(Placement& placement);

  client::KubeClient& client_;
  EventQueue<LoopEvent>& results_;
  std::function<bool()> may_bind_;
  std::atomic<uint64_t> sent_{0};
  util::WorkerPool<Placement> pool_;  // last: its threads use the members above
};

}  // namespace kubemesos::loop
