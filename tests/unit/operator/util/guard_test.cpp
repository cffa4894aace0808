// The thread-entry guard: catches everything, counts per component (operator/util/guard.h).
#include "operator/util/guard.h"

#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

namespace kubemesos::util {
namespace {

uint64_t Count(const std::string& component) {
  auto all = InternalErrors();
  auto it = all.find(component);
  return it == all.end() ? 0 : it->second;
}

TEST(Guard, ReturnsTrueAndCountsNothingWhenFnReturns) {
  int ran = 0;
  EXPECT_TRUE(Guarded("guard_test_ok", "work", [&] { ++ran; }));
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(Count("guard_test_ok"), 0u);
}

TEST(Guard, CatchesAnyExceptionAndCountsItsComponent) {
  uint64_t before = Count("guard_test_throw");
  EXPECT_FALSE(Guarded("guard_test_throw", "std", [] { throw std::runtime_error("boom"); }));
  EXPECT_FALSE(Guarded("guard_test_throw", "int", [] { throw 42; }));
  EXPECT_FALSE(Guarded("guard_test_throw", "json", [] {
    nlohmann::json bad = std::string("\xC3");
    (void)bad.dump();
  }));
  EXPECT_EQ(Count("guard_test_throw"), before + 3);
}

TEST(Guard, CountsFromManyThreads) {
  uint64_t before = Count("guard_test_threads");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([] {
      for (int i = 0; i < 100; ++i) Guarded("guard_test_threads", "x", [] { throw 1; });
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Count("guard_test_threads"), before + 400);
}

}  // namespace
}  // namespace kubemesos::util
