// ShutdownSignals: SIGTERM wakes the loop at once (on_signal) and sets the stop flag; a process
// still running past the hard limit exits with status 1 (bounded shutdown, issue #12).
#include "operator/run/shutdown.h"

#include <signal.h>

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

namespace kubemesos::run {
namespace {

TEST(ShutdownSignals, SigtermSetsTheFlagAndWakesTheLoop) {
  std::mutex mu;
  std::condition_variable cv;
  int woken = 0;
  ShutdownSignals signals(std::chrono::seconds(60), [&] {
    std::lock_guard<std::mutex> lock(mu);
    ++woken;
    cv.notify_all();
  });
  EXPECT_FALSE(signals.requested());
  ASSERT_EQ(::raise(SIGTERM), 0);
  std::unique_lock<std::mutex> lock(mu);
  EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return woken == 1; }));
  EXPECT_TRUE(signals.requested());
}  // the destructor disarms the limit: the test process goes on

TEST(ShutdownSignalsDeathTest, ExitsWithStatusOneAtTheHardLimit) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ShutdownSignals signals(std::chrono::milliseconds(50), nullptr);
        signals.Request();
        std::mutex mu;
        std::condition_variable cv;
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [] { return false; });  // a shutdown step that never returns
      },
      ::testing::ExitedWithCode(1), "shutdown did not finish in time");
}

}  // namespace
}  // namespace kubemesos::run
