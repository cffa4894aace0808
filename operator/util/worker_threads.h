// The threads of a pool that grows on demand and shrinks when idle (WorkerPool, WriteQueue):
// a pool starts a named thread when work waits and no thread is free, up to its size, and a
// thread that found no work for a while ends. An idle kubemesos then holds no writer threads,
// and a burst gets as many as it needs.
//
// Threads: not thread-safe by itself; every method is called under the owning pool's mutex,
// except joining the threads that Take* return (do that without the lock: an ending thread
// takes the lock one last time to call Ended). Ownership: owns the std::thread objects until
// Take* hands them over; the caller joins them. Errors: Start throws std::system_error when the
// system refuses a thread (the caller's Guarded path reports it).
#pragma once

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace kubemesos::util {

// Names the calling thread for top, perf and /proc/<pid>/task/*/comm (Linux keeps 15 bytes;
// longer names are cut). Best effort: errors are ignored.
inline void NameThisThread(const std::string& name) {
  ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
}

// How long a pool's thread waits for work before it ends. Long enough that a steady trickle
// (a bind a second) keeps one thread, short enough that an idle process drops its writers soon.
inline constexpr std::chrono::seconds kIdleThreadTimeout{5};

class WorkerThreads {
 public:
  explicit WorkerThreads(int max_threads, std::string name)
      : max_(std::max(1, max_threads)), name_(std::move(name)) {}
  // The owner has waited for every thread to end (its Stop); joins what is left.
  ~WorkerThreads() {
    for (auto* list : {&running_, &ended_}) {
      for (auto& t : *list) {
        if (t.joinable()) t.join();
      }
    }
  }
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;

  // Threads started and not yet ended.
  int live() const { return static_cast<int>(running_.size()); }
  int max() const { return max_; }
  // Starts one more thread running `body` if below the maximum; false at the maximum.
  bool Start(std::function<void()> body) {
    if (live() >= max_) return false;
    running_.emplace_back([name = name_, body = std::move(body)] {
      NameThisThread(name);
      body();
    });
    return true;
  }
  // Called by a thread of the pool as the last thing it does under the lock before returning.
  void Ended(std::thread::id id) {
    auto it = std::find_if(running_.begin(), running_.end(),
                           [&](const std::thread& t) { return t.get_id() == id; });
    if (it == running_.end()) return;
    ended_.push_back(std::move(*it));
    running_.erase(it);
  }
  // The threads that ended (the caller joins them without the lock: they are about to return).
  std::vector<std::thread> TakeEnded() { return Take(ended_); }

 private:
  static std::vector<std::thread> Take(std::vector<std::thread>& from) {
    std::vector<std::thread> out = std::move(from);
    from.clear();
    return out;
  }

  const int max_;
  const std::string name_;
  std::vector<std::thread> running_;
  std::vector<std::thread> ended_;
};

// Joins `threads` (returned by WorkerThreads::TakeEnded; call without the pool's lock).
inline void JoinAll(std::vector<std::thread>& threads) {
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
  threads.clear();
}

}  // namespace kubemesos::util
