// A set of up to N threads working through a FIFO of items with one handler: the shape shared
// by the writers that turn the loop's decisions into API calls (binds, task pods, evictions).
// Threads start when items wait and none is free, and end after kIdleThreadTimeout without
// work (worker_threads.h), so an idle pool holds no thread and a burst gets up to N at once.
//
// Threads: Push from any thread; the handler runs on the pool's threads (named after the
// component), concurrently up to the pool's size. Ownership: the pool owns its threads and the
// queued items.
// Errors: a handler that throws is caught (util::Guarded: logged and counted under the pool's
// component); that thread goes on with the next item. A thread the system refuses is counted
// the same way; the items wait for a running thread (or the next Push tries again).
// Stopping: Stop(mode, deadline) takes no new items from then on (Push drops them). kDrain runs
// what is queued until the deadline, kDrop drops it at once; at the deadline whatever is still
// queued is dropped. Then it waits, until the deadline, for the items being handled. It returns
// true when every thread has ended and was joined; false when a handler is still running at
// the deadline (it cannot be interrupted: a later Stop, or the destructor, joins it).
// Idempotent; the destructor calls Stop() (drain, no deadline).
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "operator/util/guard.h"
#include "operator/util/worker_threads.h"

namespace kubemesos::util {

enum class StopMode { kDrain, kDrop };

template <typename Item>
class WorkerPool {
 public:
  using Clock = std::chrono::steady_clock;

  // `component` labels the errors a handler throws (kubemesos_internal_errors_total) and names
  // the threads. `idle_timeout`: how long a thread waits for an item before it ends.
  WorkerPool(int threads, std::function<void(Item&)> handler, std::string component = "workers",
             Clock::duration idle_timeout = kIdleThreadTimeout)
      : handler_(std::move(handler)),
        component_(std::move(component)),
        idle_timeout_(idle_timeout),
        threads_(threads, component_) {}
  ~WorkerPool() { Stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Push(Item item) {
    std::vector<std::thread> ended;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        ++dropped_;
        return;
      }
      queue_.push_back(std::move(item));
      // Each waiting thread takes one item; start another for what they leave.
      if (queue_.size() > waiting_) {
        Guarded(component_, "starting a thread", [&] { threads_.Start([this] { Work(); }); });
      }
      ended = threads_.TakeEnded();
    }
    cv_.notify_one();
    JoinAll(ended);
  }

  bool Stop(StopMode mode = StopMode::kDrain,
            Clock::time_point deadline = Clock::time_point::max()) {
    std::unique_lock<std::mutex> lock(mu_);
    stopping_ = true;
    if (mode == StopMode::kDrop) DropQueuedLocked();
    cv_.notify_all();
    auto all_ended_now = [&] { return threads_.live() == 0; };
    bool all_ended = true;
    if (deadline == Clock::time_point::max()) {
      cv_.wait(lock, all_ended_now);
    } else {
      all_ended = cv_.wait_until(lock, deadline, all_ended_now);
    }
    if (!all_ended) {
      // Out of time: nothing more starts; the items in hand finish when they finish.
      DropQueuedLocked();
      cv_.notify_all();
      return false;
    }
    std::vector<std::thread> ended = threads_.TakeEnded();
    lock.unlock();
    JoinAll(ended);
    return true;
  }

  size_t queued() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }
  // Items dropped by Stop (and pushed after it), never handled.
  size_t dropped() const {
    std::lock_guard<std::mutex> lock(mu_);
    return dropped_;
  }
  // Threads running now (for tests and the thread count at idle).
  int threads() const {
    std::lock_guard<std::mutex> lock(mu_);
    return threads_.live();
  }

 private:
  void DropQueuedLocked() {
    dropped_ += queue_.size();
    queue_.clear();
  }

  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      ++waiting_;
      bool woken = cv_.wait_for(lock, idle_timeout_, [&] { return stopping_ || !queue_.empty(); });
      --waiting_;
      if (queue_.empty() && (stopping_ || !woken)) break;  // stopping and drained, or idle
      Item item = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      Guarded(component_, "handling an item", [&] { handler_(item); });
      lock.lock();
    }
    threads_.Ended(std::this_thread::get_id());
    cv_.notify_all();  // Stop waits for every thread to end
  }

  std::function<void(Item&)> handler_;
  const std::string component_;
  const Clock::duration idle_timeout_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  size_t dropped_ = 0;
  size_t waiting_ = 0;     // threads waiting for an item
  WorkerThreads threads_;  // last: its threads use everything above
};

}  // namespace kubemesos::util
