// Engine cost of topology spread (PodTopologySpread): 5,000 nodes in 3 zones, 10,000 pods of
// other schedulers already on them (a third matching the selector), and one framework of
// tasks of a single class. Reports the thread CPU time of Allocate() per task placed, for a
// DoNotSchedule zone spread (filter), a ScheduleAnyway one (score), the cluster defaults
// (hostname + zone, score) and, as the baseline, the same tasks without constraints (the
// shared cursor, no per-task scan).
#include <benchmark/benchmark.h>
#include <time.h>

#include <memory>
#include <string>

#include "scheduler/allocator.h"

namespace kubemesos {
namespace {

constexpr int64_t kGi = 1024LL * 1024 * 1024;
constexpr const char* kZone = "topology.kubernetes.io/zone";
constexpr const char* kHost = "kubernetes.io/hostname";

double ThreadSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

Resources Req(int64_t milli_cpu, int64_t mem_bytes) {
  Resources r;
  r[kCpu] = milli_cpu;
  r[kMemory] = mem_bytes;
  r[kPods] = 1;
  return r;
}

enum Kind { kPlain = 0, kDoNotSchedule = 1, kScheduleAnyway = 2, kSystemDefault = 3 };

SpreadConstraint Zone(bool hard) {
  SpreadConstraint c;
  c.max_skew = 1;
  c.topology_key = kZone;
  c.do_not_schedule = hard;
  c.selector.requirements.push_back({"app", NodeSelectorRequirement::Op::kIn, {"web"}, false});
  return c;
}

std::unique_ptr<Allocator> Cluster(int nodes, int tasks, Kind kind) {
  auto a = std::make_unique<Allocator>();
  for (int n = 0; n < nodes; ++n) {
    NodeSpec node;
    node.name = "node-" + std::to_string(n);
    node.labels = {{kZone, "zone-" + std::to_string(n % 3)}, {kHost, node.name}};
    node.allocatable[kCpu] = 32 * 1000;
    node.allocatable[kMemory] = 128 * kGi;
    node.allocatable[kPods] = 110;
    a->UpsertNode(node);
  }
  for (int p = 0; p < 2 * nodes; ++p) {
    PodSpec pod;
    pod.key = "ns/old-" + std::to_string(p);
    pod.node_name = "node-" + std::to_string((p * 7) % nodes);
    pod.labels = {{"app", p % 3 == 0 ? "web" : "db"}};
    pod.request = Req(100, kGi / 8);
    a->UpsertPod(pod);
  }
  GroupSpec group;
  group.name = "g";
  a->UpsertGroup(group);
  FrameworkSpec fw;
  fw.key = "ns/fw";
  fw.group = "g";
  a->UpsertFramework(fw);
  PlacementConstraints constraints;
  if (kind == kDoNotSchedule || kind == kScheduleAnyway) {
    constraints.spread = {Zone(kind == kDoNotSchedule)};
  } else if (kind == kSystemDefault) {
    SpreadConstraint host = Zone(false), zone = Zone(false);
    host.topology_key = kHost;
    host.max_skew = 3;
    zone.max_skew = 5;
    host.system_default = zone.system_default = true;
    constraints.spread = {host, zone};
  }
  for (int t = 0; t < tasks; ++t) {
    PodSpec pod;
    pod.key = "ns/web-" + std::to_string(t);
    pod.framework = "ns/fw";
    pod.labels = {{"app", "web"}};
    pod.request = Req(250, kGi / 4);
    pod.constraints = constraints;
    pod.order = static_cast<uint64_t>(t);
    a->UpsertPod(pod);
  }
  return a;
}

void BM_SpreadPerTask(benchmark::State& state) {
  const Kind kind = static_cast<Kind>(state.range(0));
  const int nodes = static_cast<int>(state.range(1));
  const int tasks = static_cast<int>(state.range(2));
  size_t placed = 0;
  double seconds = 0;
  for (auto _ : state) {
    auto a = Cluster(nodes, tasks, kind);
    double start = ThreadSeconds();
    auto result = a->Allocate(0);
    const double elapsed = ThreadSeconds() - start;
    state.SetIterationTime(elapsed);
    seconds += elapsed;
    placed = result.placements.size();
    benchmark::DoNotOptimize(result);
  }
  state.counters["placed"] = static_cast<double>(placed);
  state.counters["us_per_task"] =
      1e6 * seconds / static_cast<double>(state.iterations()) / static_cast<double>(tasks);
}
BENCHMARK(BM_SpreadPerTask)
    ->ArgNames({"kind", "nodes", "tasks"})
    ->Args({kPlain, 5000, 1000})
    ->Args({kDoNotSchedule, 5000, 1000})
    ->Args({kScheduleAnyway, 5000, 1000})
    ->Args({kSystemDefault, 5000, 1000})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(2);

}  // namespace
}  // namespace kubemesos

BENCHMARK_MAIN();
