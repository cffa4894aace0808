// The coalescing, rate-limited write worker.
#include "operator/loop/write_queue.h"

#include <algorithm>
#include <chrono>

#include "operator/util/guard.h"

namespace kubemesos::loop {

WriteQueue::WriteQueue(double writes_per_second, int burst, int concurrency, std::string component)
    : rate_(writes_per_second),
      component_(std::move(component)),
      bucket_(writes_per_second, std::max(1, burst)) {
  for (int i = 0; i < std::max(1, concurrency); ++i) workers_.emplace_back([this] { Work(); });
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
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
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
  // The oldest waiting key that has no write in flight.
  auto next = [this] {
    return std::find_if(order_.begin(), order_.end(),
                        [this](const std::string& key) { return !in_flight_.count(key); });
  };
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || next() != order_.end(); });
    if (stopping_) return;
    if (!bucket_.TryAcquire()) {
      // Out of tokens: wait about one token's time (Stop interrupts the wait).
      cv_.wait_for(lock, std::chrono::duration<double>(1.0 / rate_), [&] { return stopping_; });
      continue;
    }
    auto pos = next();
    std::string key = std::move(*pos);
    order_.erase(pos);
    auto it = pending_.find(key);
    if (it == pending_.end()) continue;
    auto write = std::move(it->second);
    pending_.erase(it);
    in_flight_.insert(key);
    lock.unlock();
    bool ok = false;
    util::Guarded(component_, key, [&] { ok = write(); });  // `what`: the object
    write = nullptr;  // its captures (user text) go now, not when the next write replaces it
    lock.lock();
    in_flight_.erase(key);
    ++writes_;
    if (!ok) ++failures_;
    cv_.notify_all();  // a newer write of this key may run now
  }
}

}  // namespace kubemesos::loop
