// A thread that runs rounds of some work until stopped, waiting between rounds as long as the
// round asks: the loop both leader elections run (renew, or poll the lease as a standby).
//
// Threads: Start and Stop from any thread (not from a round); the round runs on the thread.
// Stop ends the current wait at once and joins. Ownership: owns its thread; the round's
// captures must outlive Stop (the destructor stops).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace kubemesos::util {

class RoundThread {
 public:
  using Wait = std::chrono::steady_clock::duration;
  ~RoundThread() { Stop(); }

  // Starts running `round` (it returns how long to wait before the next one). No-op if running.
  void Start(std::function<Wait()> round) {
    std::lock_guard<std::mutex> lock(mu_);
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this, round = std::move(round)] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stop_) {
        lock.unlock();
        Wait wait = round();
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
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace kubemesos::util
