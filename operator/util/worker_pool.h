// A fixed set of threads working through a FIFO of items with one handler: the shape shared by
// the writers that turn the loop's decisions into API calls.
//
// Threads: Push from any thread; the handler runs on the pool's threads, concurrently up to
// the pool's size. Stop finishes every queued item, then joins; it is idempotent and called
// by the destructor. Ownership: the pool owns its threads and the queued items.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kubemesos::util {

template <typename Item>
class WorkerPool {
 public:
  WorkerPool(int threads, std::function<void(Item&)> handler) : handler_(std::move(handler)) {
    for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Work(); });
  }
  ~WorkerPool() { Stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Push(Item item) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(item));
    }
    cv_.notify_one();
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  size_t queued() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }

 private:
  void Work() {
    while (true) {
      Item item;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping and drained
        item = std::move(queue_.front());
        queue_.pop_front();
      }
      handler_(item);
    }
  }

  std::function<void(Item&)> handler_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // last: started after everything above exists
};

}  // namespace kubemesos::util
