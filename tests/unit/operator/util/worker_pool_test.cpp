// WorkerPool: a handler that throws is counted and its thread goes on with the next item; Stop
// drains or drops the queue, and with a deadline returns while a handler is still running.
#include "operator/util/worker_pool.h"

#include <gtest/gtest.h>

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "operator/util/guard.h"

namespace kubemesos::util {
namespace {

uint64_t Count(const std::string& component) {
  auto all = InternalErrors();
  auto it = all.find(component);
  return it == all.end() ? 0 : it->second;
}

TEST(WorkerPool, AHandlerThatThrowsIsCountedAndItsThreadGoesOn) {
  struct Case {
    const char* name;
    std::function<void()> fail;
  };
  const std::vector<Case> cases = {
      {"std::exception", [] { throw std::runtime_error("boom"); }},
      {"not a std::exception", [] { throw 7; }},
      {"json", [] { (void)nlohmann::json(std::string("\xE2\x82")).dump(); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    uint64_t before = Count("worker_pool_test");
    std::atomic<int> handled{0};
    {
      WorkerPool<int> pool(
          1,  // one thread: it must survive
          [&](int& item) {
            if (item % 2 == 0) c.fail();
            ++handled;
          },
          "worker_pool_test");
      for (int i = 0; i < 10; ++i) pool.Push(i);
      EXPECT_TRUE(pool.Stop());  // drains: every item was handed to the handler
    }
    EXPECT_EQ(handled.load(), 5);
    EXPECT_EQ(Count("worker_pool_test"), before + 5);
  }
}

// A handler that waits until the test lets it go.
class Gate {
 public:
  void Pass() {
    std::unique_lock<std::mutex> lock(mu_);
    ++arrived_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  bool WaitArrived(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return arrived_ >= n; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
  bool open_ = false;
};

TEST(WorkerPool, StopDrainsOrDropsAndHonoursItsDeadline) {
  struct Case {
    const char* name;
    StopMode mode;
    int handled;  // of 1 in flight + 5 queued, once the gate opens
    size_t dropped;
  };
  for (const Case& c :
       {Case{"drop", StopMode::kDrop, 1, 5}, Case{"drain", StopMode::kDrain, 6, 0}}) {
    SCOPED_TRACE(c.name);
    Gate gate;
    std::atomic<int> handled{0};
    WorkerPool<int> pool(1, [&](int&) {
      gate.Pass();
      ++handled;
    });
    for (int i = 0; i < 6; ++i) pool.Push(i);
    ASSERT_TRUE(gate.WaitArrived(1));
    // With the first item stuck, a Stop whose deadline passes returns false; the queue is
    // dropped at the deadline whatever the mode.
    auto soon = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
    if (c.mode == StopMode::kDrop) {
      EXPECT_FALSE(pool.Stop(StopMode::kDrop, soon));
      EXPECT_EQ(pool.dropped(), c.dropped);
      pool.Push(99);  // after Stop: dropped, never handled
      EXPECT_EQ(pool.dropped(), c.dropped + 1);
      gate.Open();
      EXPECT_TRUE(pool.Stop());
    } else {
      gate.Open();
      EXPECT_TRUE(pool.Stop(StopMode::kDrain));
      EXPECT_EQ(pool.dropped(), c.dropped);
    }
    EXPECT_EQ(handled.load(), c.handled);
  }
}

}  // namespace
}  // namespace kubemesos::util

namespace kubemesos::util {
namespace {

bool WaitUntil(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Threads exist only while there is work (issue #17: an idle kubemesos held 144 writer
// threads): none before the first item, as many as the items in flight up to the size, named
// after the component, and none again once idle for the idle timeout.
TEST(WorkerPool, ThreadsStartWithWorkAndEndWhenIdle) {
  Gate gate;
  std::mutex mu;
  std::vector<std::string> names;
  WorkerPool<int> pool(
      3,
      [&](int&) {
        char name[16] = {};
        pthread_getname_np(pthread_self(), name, sizeof name);
        {
          std::lock_guard<std::mutex> lock(mu);
          names.push_back(name);
        }
        gate.Pass();
      },
      "pool_test", std::chrono::milliseconds(20));
  EXPECT_EQ(pool.threads(), 0);
  for (int i = 0; i < 5; ++i) pool.Push(i);
  ASSERT_TRUE(gate.WaitArrived(3));
  EXPECT_EQ(pool.threads(), 3) << "as many as the items in flight, up to the size";
  gate.Open();
  ASSERT_TRUE(WaitUntil([&] { return pool.threads() == 0; })) << "idle threads end";
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(names.size(), 5u);
    for (const auto& name : names) EXPECT_EQ(name, "pool_test");
  }
  pool.Push(5);  // a thread starts again
  ASSERT_TRUE(WaitUntil([&] {
    std::lock_guard<std::mutex> lock(mu);
    return names.size() == 6;
  }));
  EXPECT_TRUE(pool.Stop());
  EXPECT_EQ(pool.threads(), 0);
}

}  // namespace
}  // namespace kubemesos::util
