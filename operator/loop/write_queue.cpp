// The coalescing, rate-limited write worker.
#include "operator/loop/write_queue.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "operator/util/guard.h"

namespace kubemesos::loop {

WriteQueue::WriteQueue(double writes_per_second, int burst, int concurrency, std::string component,
                       std::chrono::steady_clock::duration idle_timeout)
    : rate_(writes_per_second),
      component_(std::move(component)),
      idle_timeout_(idle_timeout),
      bucket_(writes_per_second, std::max(1, burst)),
      workers_(concurrency, component_) {}

WriteQueue::~WriteQueue() {
  Stop();
}

void WriteQueue::Submit(const std::string& key, std::function<bool()> write) {
  std::vector<std::thread> ended;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;  // nothing would run it
    if (pending_.insert_or_assign(key, std::move(write)).second) order_.push_back(key);
    // Each waiting worker takes one write; start another for what they leave (a write whose
    // key is in flight waits for that one's worker, which then finds it).
    if (pending_.size() > waiting_) {
      util::Guarded(component_, "starting a worker", [&] { workers_.Start([this] { Work(); }); });
    }
    ended = workers_.TakeEnded();
  }
  cv_.notify_one();
  util::JoinAll(ended);
}

void WriteQueue::Stop() {
  std::vector<std::thread> ended;
  {
    std::unique_lock<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return workers_.live() == 0; });
    ended = workers_.TakeEnded();
  }
  util::JoinAll(ended);
}

int WriteQueue::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return workers_.live();
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
    ++waiting_;
    bool woken =
        cv_.wait_for(lock, idle_timeout_, [&] { return stopping_ || next() != order_.end(); });
    --waiting_;
    if (stopping_ || !woken) break;  // idle for long: this worker ends (Submit starts another)
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
  workers_.Ended(std::this_thread::get_id());
  cv_.notify_all();  // Stop waits for every worker to end
}

}  // namespace kubemesos::loop
