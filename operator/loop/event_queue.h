// A blocking multi-producer, single-consumer queue: how watch, bind and status threads hand
// work to the single scheduling loop that owns the engine.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

namespace kubemesos::loop {

// Thread-safe. Push never blocks (the queue is unbounded; producers are watches whose volume
// the API server bounds). The consumer takes everything queued at once, so a burst of watch
// events costs one wake-up and one allocation cycle.
template <typename T>
class EventQueue {
 public:
  void Push(T item) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      items_.push_back(std::move(item));
    }
    cv_.notify_one();
  }

  // Waits until something is queued or `deadline` passes, then takes all queued items (possibly
  // none, on timeout).
  std::vector<T> PopAll(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_until(lock, deadline, [&] { return !items_.empty(); });
    std::vector<T> out(std::make_move_iterator(items_.begin()),
                       std::make_move_iterator(items_.end()));
    items_.clear();
    return out;
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return items_.size();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> items_;
};

}  // namespace kubemesos::loop
