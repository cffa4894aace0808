// The coalescing, rate-limited write worker.
#include "operator/loop/write_queue.h"

#include <algorithm>
#include <chrono>

namespace kubemesos::loop {

WriteQueue::WriteQueue(double writes_per_second, int burst)
    : rate_(writes_per_second), bucket_(writes_per_second, std::max(1, burst)) {
  worker_ = std::thread([this] { Work(); });
}

WriteQueue::~WriteQueue() {
  Stop();
}

void WriteQueue::Submit(const std::string& key, std::function<bool()> write) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.insert_or_assign(key, std::move(write)).second) order_.push_back(key);
  }
  cv_.notify_one();
}

void WriteQueue::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

uint64_t WriteQueue::writes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return writes_;
}

uint64_t WriteQueue::failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

void WriteQueue::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !order_.empty(); });
    if (stopping_) return;
    if (!bucket_.TryAcquire()) {
      // Out of tokens: wait about one token's time (Stop interrupts the wait).
      cv_.wait_for(lock, std::chrono::duration<double>(1.0 / rate_), [&] { return stopping_; });
      continue;
    }
    std::string key = std::move(order_.front());
    order_.pop_front();
    auto it = pending_.find(key);
    if (it == pending_.end()) continue;
    auto write = std::move(it->second);
    pending_.erase(it);
    lock.unlock();
    bool ok = write();
    lock.lock();
    ++writes_;
    if (!ok) ++failures_;
  }
}

}  // namespace kubemesos::loop
