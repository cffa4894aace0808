// A thread that runs rounds of some work until stopped, waiting between rounds as long as the
// round asks: the loop both leader elections run (renew, or poll the lease as a standby).
//
// Threads: Start and Stop from any thread (not from a round); the round runs on the thread.
// Stop ends the current wait at once and joins. Ownership: owns its thread; the round's
// captures must outlive Stop (the destructor stops).
// Errors: a round that throws is caught (util::Guarded: logged and counted under the
// component), and the next round starts after `after_error`: a failing round is retried, at a
// bounded rate, never the end of the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "operator/util/guard.h"
#include "operator/util/worker_threads.h"

namespace kubemesos::util {

class RoundThread {
 public:
  using Wait = std::chrono::steady_clock::duration;
  explicit RoundThread(std::string component = "round_thread",
                       Wait after_error = std::chrono::seconds(1))
      : component_(std::move(component)), after_error_(after_error) {}
  ~RoundThread() { Stop(); }

  // Starts running `round` (it returns how long to wait before the next one). No-op if running.
  void Start(std::function<Wait()> round) {
    std::lock_guard<std::mutex> lock(mu_);
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this, round = std::move(round)] {
      NameThisThread(component_);
      std::unique_lock<std::mutex> lock(mu_);
      while (!stop_) {
        lock.unlock();
        Wait wait = after_error_;
        Guarded(component_, "a round", [&] { wait = round(); });
        lock.lock();
        cv_.wait_for(lock, wait, [this] { return stop_; });
      }
    });
  }

  // Stops and joins; true if it was running.
  bool Stop() {
    std::thread t;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      t = std::move(thread_);
    }
    cv_.notify_all();
    if (!t.joinable()) return false;
    t.join();
    return true;
  }

 private:
  const std::string component_;
  const Wait after_error_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace kubemesos::util
