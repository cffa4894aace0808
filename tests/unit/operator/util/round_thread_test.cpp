// RoundThread: a round that throws is counted and the next round runs after `after_error`;
// the thread never ends on an exception.
#include "operator/util/round_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

namespace kubemesos::util {
namespace {

TEST(RoundThread, ARoundThatThrowsIsCountedAndTheNextRoundRuns) {
  uint64_t before = InternalErrors()["round_thread_test"];
  std::mutex mu;
  std::condition_variable cv;
  int rounds = 0;
  RoundThread thread("round_thread_test", std::chrono::milliseconds(1));
  thread.Start([&]() -> RoundThread::Wait {
    std::lock_guard<std::mutex> lock(mu);
    ++rounds;
    cv.notify_all();
    if (rounds <= 2) throw std::runtime_error("the lease store answered nonsense");
    return std::chrono::milliseconds(1);
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return rounds >= 4; }));
  }
  EXPECT_TRUE(thread.Stop());
  EXPECT_EQ(InternalErrors()["round_thread_test"], before + 2);
}

}  // namespace
}  // namespace kubemesos::util
