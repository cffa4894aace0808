// Carries out placements: POST .../pods/{name}/binding with bounded concurrency, each result
// handed back to the scheduling loop through its queue.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "operator/client/kube_client.h"
#include "operator/loop/event_queue.h"
#include "operator/loop/events.h"
#include "operator/loop/sinks.h"

namespace kubemesos::loop {

// Threads: Bind() is called by the loop thread; `concurrency` workers do the HTTP calls.
// Ownership: borrows the client and the results queue; both must outlive the Binder.
// Errors: every bind produces exactly one BindResult (status 0 on transport failure).
class Binder : public BindSink {
 public:
  // `may_bind` (optional) is asked right before each bind; false (e.g. the leader lease is
  // about to lapse) fails the bind with status 0 and "not leader" instead of sending it.
  Binder(client::KubeClient& client, EventQueue<LoopEvent>& results, int concurrency,
         std::function<bool()> may_bind = nullptr);
  ~Binder() override;

  void Bind(const Placement& placement) override;
  // Finishes every queued and in-flight bind, then joins the workers. Idempotent.
  void Stop();
  uint64_t sent() const;

 private:
  void Work();

  client::KubeClient& client_;
  EventQueue<LoopEvent>& results_;
  std::function<bool()> may_bind_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Placement> queue_;
  bool stopping_ = false;
  uint64_t sent_ = 0;
  std::vector<std::thread> workers_;
};

}  // namespace kubemesos::loop
