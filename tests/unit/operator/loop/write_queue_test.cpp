// WriteQueue: writes of different objects run concurrently, writes of one object never do and
// land in order, and a burst of changes to one waiting object costs one write.
#include "operator/loop/write_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/util/guard.h"

namespace kubemesos::loop {
namespace {

// A gate the writes wait at until the test opens it; counts who is waiting.
class Gate {
 public:
  void Pass() {
    std::unique_lock<std::mutex> lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    --waiting_;
  }
  bool WaitForWaiting(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return waiting_ >= n; });
  }
  int waiting() {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_;
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_ = 0;
  bool open_ = false;
};

// Opens the gate when the test ends, also on a failed assertion, so the queue's workers can
// finish and be joined. Declare it after the queue (destroyed before it).
struct OpenAtExit {
  Gate& gate;
  ~OpenAtExit() { gate.Open(); }
};

bool WaitForWrites(const WriteQueue& q, uint64_t n) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (q.writes() < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(WriteQueue, DifferentObjectsInFlightTogether) {
  Gate gate;
  WriteQueue q(1000, 1000, 4);
  OpenAtExit open{gate};
  for (int i = 0; i < 4; ++i) {
    q.Submit("obj-" + std::to_string(i), [&] {
      gate.Pass();
      return true;
    });
  }
  EXPECT_TRUE(gate.WaitForWaiting(4)) << "4 writes should be in flight at once";
  gate.Open();
  EXPECT_TRUE(WaitForWrites(q, 4));
}

TEST(WriteQueue, OneObjectInOrderAndCoalesced) {
  Gate gate;
  std::mutex mu;
  std::vector<int> landed;
  WriteQueue q(1000, 1000, 4);
  OpenAtExit open{gate};
  auto write = [&](int version, bool wait) {
    return [&, version, wait] {
      if (wait) gate.Pass();
      std::lock_guard<std::mutex> lock(mu);
      landed.push_back(version);
      return true;
    };
  };
  q.Submit("obj", write(1, true));
  ASSERT_TRUE(gate.WaitForWaiting(1));
  q.Submit("obj", write(2, false));  // waits for version 1 to land...
  q.Submit("obj", write(3, false));  // ...and is replaced by version 3
  q.Submit("other", write(10, false));
  ASSERT_TRUE(WaitForWrites(q, 1));  // "other" is not held up by "obj"
  EXPECT_EQ(gate.waiting(), 1) << "the newer write of obj must not start while one is in flight";
  gate.Open();
  ASSERT_TRUE(WaitForWrites(q, 3));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(landed, (std::vector<int>{10, 1, 3}));
  EXPECT_EQ(q.writes(), 3u);
}

TEST(WriteQueue, FailuresCounted) {
  WriteQueue q(1000, 1000, 2);
  q.Submit("a", [] { return false; });
  q.Submit("b", [] { return true; });
  ASSERT_TRUE(WaitForWrites(q, 2));
  EXPECT_EQ(q.failures(), 1u);
}

// No exception leaves a thread (issue #12): a write that throws (a body that does not
// serialise, a client that throws) counts as a failure and an internal error of the queue's
// component; its worker goes on with the next key.
TEST(WriteQueue, AWriteThatThrowsIsCountedAndTheWorkerGoesOn) {
  struct Case {
    const char* name;
    std::function<bool()> write;
  };
  const std::vector<Case> cases = {
      {"std::exception", []() -> bool { throw std::runtime_error("boom"); }},
      {"json type error",
       [] {
         nlohmann::json event = {{"message", std::string("\xC3")}};  // cut in a character
         return !event.dump().empty();
       }},
      {"not a std::exception", []() -> bool { throw 42; }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    uint64_t before = util::InternalErrors()["write_queue_test"];
    WriteQueue q(1000, 1000, 1, "write_queue_test");  // one worker: it must survive
    std::atomic<bool> next_ran{false};
    q.Submit("Framework team/bad", c.write);
    q.Submit("Framework team/good", [&] { return next_ran = true; });
    ASSERT_TRUE(WaitForWrites(q, 2));
    EXPECT_TRUE(next_ran);
    EXPECT_EQ(q.failures(), 1u);
    EXPECT_EQ(util::InternalErrors()["write_queue_test"], before + 1);
  }
}

}  // namespace
}  // namespace kubemesos::loop

namespace kubemesos::loop {
namespace {

// Workers exist only while there are writes (issue #17: an idle kubemesos held 12 writer
// threads): none before the first write, at most `concurrency` during a burst, and none again
// once they were idle for the idle timeout.
TEST(WriteQueue, WorkersStartWithWritesAndEndWhenIdle) {
  WriteQueue q(1000, 1000, 2, "write_queue_test", std::chrono::milliseconds(20));
  EXPECT_EQ(q.threads(), 0);
  Gate gate;
  for (int i = 0; i < 5; ++i) {
    q.Submit("obj-" + std::to_string(i), [&] {
      gate.Pass();
      return true;
    });
  }
  {
    OpenAtExit open{gate};
    ASSERT_TRUE(gate.WaitForWaiting(2));
    EXPECT_EQ(q.threads(), 2) << "up to concurrency";
  }
  ASSERT_TRUE(WaitForWrites(q, 5));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (q.threads() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(q.threads(), 0) << "idle workers end";
  bool ran = false;
  q.Submit("again", [&] { return ran = true; });
  ASSERT_TRUE(WaitForWrites(q, 6)) << "a write after the workers ended starts one";
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace kubemesos::loop
