// A rate-limited, coalescing queue of API writes run by a few worker threads: the newest write
// for a key replaces an older one still waiting, so a burst of changes to one object costs one
// request, and a token bucket bounds the write rate. Several writes are in flight at once (a
// slow API server must not hold the rate down to one round trip at a time), but never two for
// the same key, so writes of one object land in order. Shared by the status reporter (pod
// conditions, Events) and the object status writer (ResourceGroup and Framework status).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "operator/client/request_policy.h"
#include "operator/util/worker_threads.h"

namespace kubemesos::loop {

// Threads: Submit may be called from any thread and never blocks on I/O; up to `concurrency`
// workers (named after `component`) run the writes: started when writes wait, ended after
// util::kIdleThreadTimeout without one, so an idle queue holds no thread. Errors: a write returns
// false on failure; failures are counted, not retried (the next change of the object writes again).
// A write that throws counts as a failure and as an internal error of `component` (util::Guarded);
// its worker goes on with the next key.
class WriteQueue {
 public:
  // `idle_timeout`: how long a worker waits for a write before it ends.
  WriteQueue(double writes_per_second, int burst, int concurrency = 4,
             std::string component = "write_queue",
             std::chrono::steady_clock::duration idle_timeout = util::kIdleThreadTimeout);
  ~WriteQueue();  // Stop()

  // Queues `write` under `key`, replacing a write for the same key that has not run yet.
  void Submit(const std::string& key, std::function<bool()> write);
  // Runs nothing more (writes in flight finish), joins the workers. Idempotent.
  void Stop();

  uint64_t writes() const;
  uint64_t failures() const;
  int threads() const;  // workers running now

 private:
  void Work();

  const double rate_;
  const std::string component_;
  const std::chrono::steady_clock::duration idle_timeout_;
  client::TokenBucket bucket_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::function<bool()>> pending_;
  std::deque<std::string> order_;
  std::set<std::string> in_flight_;
  bool stopping_ = false;
  size_t waiting_ = 0;  // workers waiting for a write
  uint64_t writes_ = 0, failures_ = 0;
  util::WorkerThreads workers_;  // last: its threads use everything above
};

}  // namespace kubemesos::loop
