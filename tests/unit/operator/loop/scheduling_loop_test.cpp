// The scheduling thread: a standby does not spin, and a replica that becomes the leader
// allocates at once rather than at its next periodic tick.
#include "operator/loop/scheduling_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace kubemesos::loop {
namespace {

struct NoSinks : BindSink, StatusSink {
  void Bind(const Placement&) override {}
  void PodPending(const Unplaced&) override {}
  void ObjectProblem(ObjectKind, const std::string&, const std::string&,
                     const std::string&) override {}
};

bool WaitFor(const std::function<bool()>& done, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

TEST(SchedulingLoop, NewLeaderAllocatesAtOnceAndStandbyDoesNotSpin) {
  NoSinks sinks;
  SchedulerCore core(AllocatorOptions{}, sinks, sinks);
  EventQueue<LoopEvent> queue;
  for (auto kind :
       {ObjectKind::kNode, ObjectKind::kPod, ObjectKind::kResourceGroup, ObjectKind::kFramework}) {
    queue.Push(LoopEvent::Synced(kind));
  }
  std::atomic<bool> leader{false}, stop{false};
  std::atomic<int> cycles{0}, allocating{0};
  LoopOptions options;
  options.min_interval_seconds = 0.01;
  options.max_interval_seconds = 30;  // far longer than any wait below
  options.standby_poll_seconds = 0.05;
  options.may_allocate = [&] { return leader.load(); };
  SchedulingLoop loop(core, queue, options, [&](const CycleStats&) {
    ++cycles;
    if (leader) ++allocating;
  });
  std::thread thread([&] { loop.Run(stop); });
  ASSERT_TRUE(WaitFor([&] { return cycles >= 1; }, 5)) << "the first due cycle runs";
  // A standby with a dirty core: it polls its lease but runs no cycles until max_interval.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the absence is the check
  EXPECT_EQ(cycles.load(), 1);
  leader = true;
  EXPECT_TRUE(WaitFor([&] { return allocating >= 1; }, 2))
      << "a new leader must not wait for its 30 s tick";
  stop = true;
  queue.Push(LoopEvent{});  // wakes the loop
  thread.join();
}

}  // namespace
}  // namespace kubemesos::loop
