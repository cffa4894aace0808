// The scheduling thread: a standby does not spin, and a replica that becomes the leader
// allocates at once rather than at its next periodic tick.
#include "operator/loop/scheduling_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "operator/util/guard.h"
#include "tests/unit/operator/loop/recording_sinks.h"

namespace kubemesos::loop {
namespace {

struct NoSinks : BindSink, StatusSink {
  void Bind(const Placement&) override {}
  void PodPending(const Unplaced&) override {}
  void ObjectProblem(ObjectKind, const std::string&, const std::string&,
                     const std::string&) override {}
  void PodInvalid(const std::string&, const std::string&, const std::string&) override {}
  void PodUnsupported(const std::string&, const std::string&, const std::string&) override {}
  void PodWaiting(const std::string&, const std::string&, const std::string&,
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
  for (int kind = 0; kind < kObjectKinds; ++kind) {
    queue.Push(LoopEvent::Synced(static_cast<ObjectKind>(kind)));
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

LoopEvent NodeEvent(const std::string& name) {
  return LoopEvent::Object(ObjectKind::kNode, WatchType::kAdded,
                           {{"apiVersion", "v1"},
                            {"kind", "Node"},
                            {"metadata", {{"name", name}, {"uid", name}}},
                            {"status", {{"allocatable", {{"cpu", "4"}, {"memory", "8Gi"}}}}}});
}

// No exception leaves a thread (issue #12): an event whose handling throws, and a cycle that
// throws, are counted as internal errors of "scheduling_loop"; the loop goes on with the next
// event and the next cycle.
TEST(SchedulingLoop, AnEventOrACycleThatThrowsIsReportedAndTheLoopGoesOn) {
  NoSinks sinks;
  SchedulerCore core(AllocatorOptions{}, sinks, sinks);
  EventQueue<LoopEvent> queue;
  for (int kind = 0; kind < kObjectKinds; ++kind) {
    queue.Push(LoopEvent::Synced(static_cast<ObjectKind>(kind)));
  }
  queue.Push(NodeEvent("poison"));
  queue.Push(NodeEvent("fine"));
  std::atomic<bool> stop{false};
  std::atomic<int> observed_fine{0}, cycles{0};
  LoopOptions options;
  options.min_interval_seconds = 0.001;
  options.max_interval_seconds = 0.01;
  options.observe = [&](const LoopEvent& event) {
    if (event.type != LoopEvent::Type::kObject) return;
    if (event.object["metadata"]["name"] == "poison") throw std::runtime_error("bad event");
    ++observed_fine;
  };
  uint64_t before = util::InternalErrors()["scheduling_loop"];
  SchedulingLoop loop(core, queue, options, [&](const CycleStats&) {
    if (++cycles == 1) throw std::logic_error("bad cycle");
  });
  std::thread thread([&] { loop.Run(stop); });
  EXPECT_TRUE(WaitFor([&] { return cycles >= 3; }, 5)) << "cycles go on after one threw";
  stop = true;
  queue.Push(LoopEvent{});
  thread.join();
  EXPECT_EQ(observed_fine.load(), 1) << "the event after the one that threw is handled";
  EXPECT_EQ(util::InternalErrors()["scheduling_loop"], before + 2);
}

// Latency under arrival (issue #17): on an idle cluster (a clean core whose last cycle ran), a
// pod that arrives starts a cycle at once -- one min_interval after the last cycle at most --
// and never waits for the periodic tick. With a tick of an hour, the pod's placement can only
// come from the cycle its arrival triggered: exactly one cycle after the first, and it places
// the pod.
TEST(SchedulingLoop, APodArrivingOnAnIdleClusterTriggersACycleWithoutWaitingForTheTick) {
  test_support::RecordingSinks sinks;
  SchedulerCore core(AllocatorOptions{}, sinks, sinks);
  EventQueue<LoopEvent> queue;
  queue.Push(LoopEvent::Object(
      ObjectKind::kNode, WatchType::kAdded,
      {{"apiVersion", "v1"},
       {"kind", "Node"},
       {"metadata", {{"name", "n1"}}},
       {"status",
        {{"allocatable", {{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}}},
         {"conditions", nlohmann::json::array({{{"type", "Ready"}, {"status", "True"}}})}}}}));
  queue.Push(LoopEvent::Object(ObjectKind::kResourceGroup, WatchType::kAdded,
                               {{"apiVersion", "kubemesos.io/v1alpha1"},
                                {"kind", "ResourceGroup"},
                                {"metadata", {{"name", "g"}}},
                                {"spec", nlohmann::json::object()}}));
  queue.Push(LoopEvent::Object(ObjectKind::kFramework, WatchType::kAdded,
                               {{"apiVersion", "kubemesos.io/v1alpha1"},
                                {"kind", "Framework"},
                                {"metadata", {{"name", "fw"}, {"namespace", "team"}}},
                                {"spec", {{"resourceGroup", "g"}}}}));
  for (int kind = 0; kind < kObjectKinds; ++kind) {
    queue.Push(LoopEvent::Synced(static_cast<ObjectKind>(kind)));
  }
  std::atomic<bool> stop{false};
  std::atomic<int> cycles{0};
  std::atomic<size_t> placed{0};
  std::atomic<int> placing_cycle{0};  // which cycle placed the pod
  LoopOptions options;
  options.min_interval_seconds = 0.001;
  options.max_interval_seconds = 3600;  // the tick never comes during the test
  SchedulingLoop loop(core, queue, options, [&](const CycleStats& stats) {
    int n = ++cycles;
    if (stats.placements > 0 && placing_cycle == 0) placing_cycle = n;
    placed += stats.placements;
  });
  std::thread thread([&] { loop.Run(stop); });
  ASSERT_TRUE(WaitFor([&] { return cycles >= 1; }, 5)) << "the first cycle, once synced";
  EXPECT_EQ(placed.load(), 0u) << "nothing to place yet";
  queue.Push(LoopEvent::Object(
      ObjectKind::kPod, WatchType::kAdded,
      {{"apiVersion", "v1"},
       {"kind", "Pod"},
       {"metadata",
        {{"name", "p1"},
         {"namespace", "team"},
         {"uid", "p1"},
         {"labels", {{"kubemesos.io/framework", "fw"}}}}},
       {"spec",
        {{"schedulerName", "kubemesos"},
         {"containers", nlohmann::json::array(
                            {{{"name", "c"}, {"resources", {{"requests", {{"cpu", "1"}}}}}}})}}},
       {"status", {{"phase", "Pending"}}}}));
  bool bound = WaitFor([&] { return placed >= 1; }, 10);
  stop = true;
  queue.Push(LoopEvent{});  // wakes the loop
  thread.join();
  ASSERT_TRUE(bound) << "the pod waited for the tick (an hour) instead of triggering a cycle";
  EXPECT_EQ(placing_cycle.load(), 2) << "the cycle right after the first one placed it";
  EXPECT_EQ(cycles.load(), 2) << "no other cycle ran: the pod's arrival was the trigger";
  ASSERT_EQ(sinks.binds.size(), 1u);
  EXPECT_EQ(sinks.binds[0].node, "n1");
}

}  // namespace
}  // namespace kubemesos::loop
