// Engine benchmarks at the anchors' scales (Mesos: ~1.06 s per cycle for 10k agents x 1k
// frameworks; 13-17 s for 3k agents x 3k quota roles) and for issue #16 (lend vs hold, the cost
// of planning preemptions). Each case reports the thread CPU time of Allocate() only, placements
// made, and the process's peak resident memory.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include "scheduler/allocator.h"

namespace kubemesos {
namespace {

constexpr int64_t kGi = 1024LL * 1024 * 1024;

// CPU time of this thread: the engine is single-threaded, and wall time on a shared 2-core
// machine measures the neighbours too.
double ThreadSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

Resources Req(int64_t milli_cpu, int64_t mem_bytes) {
  Resources r;
  r[kCpu] = milli_cpu;
  r[kMemory] = mem_bytes;
  r[kPods] = 1;
  return r;
}

void AddNodes(Allocator& a, int count, int64_t cpu_cores, int64_t mem_gib) {
  for (int n = 0; n < count; ++n) {
    NodeSpec node;
    node.name = "node-" + std::to_string(n);
    node.labels = {{"topology.kubernetes.io/zone", "zone-" + std::to_string(n % 3)}};
    node.allocatable[kCpu] = cpu_cores * 1000;
    node.allocatable[kMemory] = mem_gib * kGi;
    node.allocatable[kPods] = 110;
    a.UpsertNode(node);
  }
}

// Mixed task shapes, as a batch workload has.
Resources Shape(int i) {
  switch (i % 4) {
    case 0:
      return Req(500, kGi);
    case 1:
      return Req(1000, 2 * kGi);
    case 2:
      return Req(2000, 4 * kGi);
    default:
      return Req(250, kGi / 2);
  }
}

// 10,000 nodes, 1,000 frameworks in 50 groups (some with guarantees and limits), 100,000
// pending tasks: one cycle places them all.
std::unique_ptr<Allocator> BigCluster(int nodes, int frameworks, int groups, int tasks) {
  auto a = std::make_unique<Allocator>();
  AddNodes(*a, nodes, 32, 128);
  for (int g = 0; g < groups; ++g) {
    GroupSpec group;
    group.name = "group-" + std::to_string(g);
    group.weight = 1 + g % 3;
    if (g % 5 == 0) group.guarantee.Set(kCpu, 1000 * 1000);
    if (g % 7 == 0) group.limit.Set(kCpu, 20000 * 1000);
    a->UpsertGroup(group);
  }
  for (int f = 0; f < frameworks; ++f) {
    FrameworkSpec fw;
    fw.key = "ns-" + std::to_string(f % 20) + "/fw-" + std::to_string(f);
    fw.group = "group-" + std::to_string(f % groups);
    a->UpsertFramework(fw);
  }
  for (int t = 0; t < tasks; ++t) {
    int f = t % frameworks;
    PodSpec pod;
    pod.key =
        "ns-" + std::to_string(f % 20) + "/fw-" + std::to_string(f) + "-task-" + std::to_string(t);
    pod.framework = "ns-" + std::to_string(f % 20) + "/fw-" + std::to_string(f);
    pod.request = Shape(t / frameworks);
    pod.order = static_cast<uint64_t>(t);
    a->UpsertPod(pod);
  }
  return a;
}

void BM_FullAllocation(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  const int frameworks = static_cast<int>(state.range(1));
  const int groups = static_cast<int>(state.range(2));
  const int tasks = static_cast<int>(state.range(3));
  size_t placed = 0;
  for (auto _ : state) {
    auto a = BigCluster(nodes, frameworks, groups, tasks);
    double start = ThreadSeconds();
    auto result = a->Allocate(0);
    state.SetIterationTime(ThreadSeconds() - start);
    placed = result.placements.size();
    benchmark::DoNotOptimize(result);
  }
  state.counters["placed"] = static_cast<double>(placed);
  state.counters["peak_rss_MiB"] = PeakRssMiB();
}
BENCHMARK(BM_FullAllocation)
    ->Args({10000, 1000, 50, 100000})
    ->Args({5000, 1000, 100, 10000})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(3);

// 3,000 nodes and 3,000 quota groups (guarantee and limit each), one framework per group with
// 10 tasks: the full cycle, then a steady-state cycle where nothing changed.
std::unique_ptr<Allocator> QuotaCluster() {
  auto a = std::make_unique<Allocator>();
  AddNodes(*a, 3000, 32, 128);
  for (int g = 0; g < 3000; ++g) {
    GroupSpec group;
    group.name = "role-" + std::to_string(g);
    group.guarantee.Set(kCpu, 8 * 1000);
    group.guarantee.Set(kMemory, 16 * kGi);
    group.limit.Set(kCpu, 24 * 1000);
    a->UpsertGroup(group);
    FrameworkSpec fw;
    fw.key = "ns/fw-" + std::to_string(g);
    fw.group = group.name;
    a->UpsertFramework(fw);
  }
  for (int t = 0; t < 30000; ++t) {
    PodSpec pod;
    int g = t % 3000;
    pod.key = "ns/fw-" + std::to_string(g) + "-" + std::to_string(t);
    pod.framework = "ns/fw-" + std::to_string(g);
    pod.request = Shape(t);
    pod.order = static_cast<uint64_t>(t);
    a->UpsertPod(pod);
  }
  return a;
}

void BM_QuotaGroups(benchmark::State& state) {
  const bool steady = state.range(0) == 1;
  size_t placed = 0;
  for (auto _ : state) {
    auto a = QuotaCluster();
    if (steady) a->Allocate(0);
    double start = ThreadSeconds();
    auto result = a->Allocate(1);
    state.SetIterationTime(ThreadSeconds() - start);
    placed = result.placements.size();
  }
  state.counters["placed"] = static_cast<double>(placed);
  state.counters["peak_rss_MiB"] = PeakRssMiB();
}
BENCHMARK(BM_QuotaGroups)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(3);

// One new task on a loaded cluster: 10,000 nodes running 100,000 tasks, 1,000 parked tasks
// that fit nowhere; each iteration adds one task and runs a cycle.
void BM_OneNewTask(benchmark::State& state) {
  auto a = BigCluster(10000, 1000, 50, 100000);
  a->Allocate(0);
  for (int i = 0; i < 1000; ++i) {
    PodSpec big;
    big.key = "ns-0/huge-" + std::to_string(i);
    big.framework = "ns-0/fw-0";
    big.request = Req(64 * 1000, kGi);
    big.order = 1000000 + i;
    a->UpsertPod(big);
  }
  a->Allocate(1);
  int64_t i = 0;
  size_t placed = 0;
  for (auto _ : state) {
    PodSpec pod;
    pod.key = "ns-1/fw-1-new-" + std::to_string(i);
    pod.framework = "ns-1/fw-1";
    pod.request = Req(100, kGi / 8);
    pod.order = 2000000 + i;
    a->UpsertPod(pod);
    double start = ThreadSeconds();
    auto result = a->Allocate(2 + static_cast<double>(i));
    state.SetIterationTime(ThreadSeconds() - start);
    placed += result.placements.size();
    ++i;
  }
  state.counters["placed_per_cycle"] = static_cast<double>(placed) / static_cast<double>(i);
  state.counters["peak_rss_MiB"] = PeakRssMiB();
}
BENCHMARK(BM_OneNewTask)->Unit(benchmark::kMicrosecond)->UseManualTime()->Iterations(200);

// Gangs (issue #15): `gangs` frameworks, each one gang of `size` members (minMember = size), on
// `nodes` nodes of 32 cpu. range(3) == 0: every gang fits (members of mixed shapes). range(3) == 1:
// contended: members take a whole 8-cpu node each, so only nodes/size gangs fit and every other
// gang is tried and undone (the all-or-nothing transaction's worst case). Reports the engine's
// cycle time and gangs placed per second of engine time.
void BM_Gangs(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  const int gangs = static_cast<int>(state.range(1));
  const int size = static_cast<int>(state.range(2));
  const bool contended = state.range(3) == 1;
  size_t placed = 0, gangs_placed = 0;
  for (auto _ : state) {
    auto a = std::make_unique<Allocator>();
    AddNodes(*a, nodes, contended ? 8 : 32, 128);
    for (int g = 0; g < 10; ++g) {
      GroupSpec group;
      group.name = "group-" + std::to_string(g);
      a->UpsertGroup(group);
    }
    for (int f = 0; f < gangs; ++f) {
      FrameworkSpec fw;
      fw.key = "ns-" + std::to_string(f % 20) + "/gang-" + std::to_string(f);
      fw.group = "group-" + std::to_string(f % 10);
      fw.gang.min_member = size;
      a->UpsertFramework(fw);
      for (int m = 0; m < size; ++m) {
        PodSpec pod;
        pod.key = fw.key + "-" + std::to_string(m);
        pod.framework = fw.key;
        pod.request = contended ? Req(8000, kGi) : Shape(f);
        pod.order = static_cast<uint64_t>(f * size + m);
        a->UpsertPod(pod);
      }
    }
    double start = ThreadSeconds();
    auto result = a->Allocate(0);
    const double seconds = ThreadSeconds() - start;
    state.SetIterationTime(seconds);
    placed = result.placements.size();
    gangs_placed = placed / static_cast<size_t>(size);
    state.counters["gangs_per_s"] = static_cast<double>(gangs_placed) / seconds;
    benchmark::DoNotOptimize(result);
  }
  state.counters["placed"] = static_cast<double>(placed);
  state.counters["gangs_placed"] = static_cast<double>(gangs_placed);
  state.counters["peak_rss_MiB"] = PeakRssMiB();
}
BENCHMARK(BM_Gangs)
    ->Args({5000, 1000, 8, 0})
    ->Args({10000, 1000, 8, 0})
    ->Args({5000, 1000, 8, 1})
    ->Args({10000, 1000, 8, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(3);

// Inter-pod anti-affinity (issue #14) in the shape of Kubernetes' scheduler_perf
// SchedulingPodAntiAffinity: 5,000 nodes (hostname and zone labels), `existing` pods of one
// self-anti-affine class (hostname) placed by a first cycle, then `measured` more of the same
// class placed by the measured cycle. Reports the engine's cost per placed task. With
// range(2) == 1 the measured pods have no terms of their own and do not match the existing
// pods' terms: what the symmetric check costs everyone else.
void BM_SelfAntiAffinity(benchmark::State& state) {
  const int existing = static_cast<int>(state.range(0));
  const int measured = static_cast<int>(state.range(1));
  const bool plain = state.range(2) == 1;
  size_t placed = 0;
  double seconds = 0;
  for (auto _ : state) {
    Allocator a;
    for (int n = 0; n < 5000; ++n) {
      NodeSpec node;
      node.name = "node-" + std::to_string(n);
      node.labels = {{"kubernetes.io/hostname", node.name},
                     {"topology.kubernetes.io/zone", "zone-" + std::to_string(n % 3)}};
      node.allocatable[kCpu] = 4000;
      node.allocatable[kMemory] = 16 * kGi;
      node.allocatable[kPods] = 110;
      a.UpsertNode(node);
    }
    GroupSpec group;
    group.name = "g";
    a.UpsertGroup(group);
    FrameworkSpec fw;
    fw.key = "ns/fw";
    fw.group = "g";
    a.UpsertFramework(fw);
    PodAffinityTerm term;
    term.selector.requirements.push_back(
        {"color", NodeSelectorRequirement::Op::kIn, {"green"}, false});
    term.namespaces = {"ns"};
    term.topology_key = "kubernetes.io/hostname";
    auto add = [&](int from, int to, bool anti) {
      for (int t = from; t < to; ++t) {
        PodSpec pod;
        pod.key = "ns/pod-" + std::to_string(t);
        pod.framework = "ns/fw";
        pod.request = Req(100, kGi / 8);
        pod.order = static_cast<uint64_t>(t);
        pod.labels = {{"color", anti ? "green" : "blue"}};
        if (anti) pod.constraints.pod_affinity.required_anti_affinity = {term};
        a.UpsertPod(pod);
      }
    };
    add(0, existing, true);
    a.Allocate(0);
    add(existing, existing + measured, !plain);
    double start = ThreadSeconds();
    auto result = a.Allocate(1);
    seconds = ThreadSeconds() - start;
    state.SetIterationTime(seconds);
    placed = result.placements.size();
  }
  state.counters["placed"] = static_cast<double>(placed);
  state.counters["us_per_task"] = placed ? 1e6 * seconds / static_cast<double>(placed) : 0;
  state.counters["peak_rss_MiB"] = PeakRssMiB();
}
BENCHMARK(BM_SelfAntiAffinity)
    ->Args({1000, 1000, 0})
    ->Args({1000, 1000, 1})
    ->Args({0, 5000, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(1);

// Lend vs Hold (issue #16), the quota scale case of the issue: 3,000 nodes of 2 cpu (6,000 cpu),
// 3,000 groups each with a guarantee, 12,000 tasks of 500m. Most groups want little: 2,000
// groups guarantee 1 cpu and run one task (0.5 cpu of their guarantee unused each, 1,000 cpu in
// all); 1,000 groups guarantee 1 cpu and want 10 tasks (5 cpu). Demand is exactly the cluster.
// range(0) == 0: every group GuaranteePolicy::kHold (Mesos <= 1.8): the 1,000 unused cpu are held
// back as headroom, so 2,000 of the big groups' tasks stay pending on 1,000 idle cpu. range(0) ==
// 1: kLend: those cpu are lent, every task is placed (the ones above their group's guarantee are
// revocable). Reports placed, pending, idle cpu and revocable placements of the one cycle.
void BM_QuotaLendHold(benchmark::State& state) {
  const GuaranteePolicy policy =
      state.range(0) == 1 ? GuaranteePolicy::kLend : GuaranteePolicy::kHold;
  constexpr int kSmallGroups = 2000, kBigGroups = 1000, kBigTasks = 10;
  size_t placed = 0, revocable = 0, tasks = 0;
  double idle_cpu = 0;
  for (auto _ : state) {
    Allocator a;
    AddNodes(a, 3000, 2, 8);
    tasks = 0;
    for (int g = 0; g < kSmallGroups + kBigGroups; ++g) {
      GroupSpec group;
      group.name = "team-" + std::to_string(g);
      group.guarantee.Set(kCpu, 1000);
      group.guarantee_policy = policy;
      a.UpsertGroup(group);
      FrameworkSpec fw;
      fw.key = "ns-" + std::to_string(g % 50) + "/job-" + std::to_string(g);
      fw.group = group.name;
      a.UpsertFramework(fw);
      const int want = g < kSmallGroups ? 1 : kBigTasks;
      for (int t = 0; t < want; ++t) {
        PodSpec pod;
        pod.key = fw.key + "-" + std::to_string(t);
        pod.framework = fw.key;
        pod.request = Req(500, kGi / 4);
        pod.order = tasks++;
        a.UpsertPod(pod);
      }
    }
    double start = ThreadSeconds();
    auto result = a.Allocate(0);
    state.SetIterationTime(ThreadSeconds() - start);
    placed = result.placements.size();
    revocable = 0;
    for (const auto& p : result.placements) revocable += p.revocable ? 1 : 0;
    idle_cpu = static_cast<double>(a.TotalCapacity()[kCpu] - a.TotalAllocated()[kCpu]) / 1000.0;
    benchmark::DoNotOptimize(result);
  }
  state.counters["placed"] = static_cast<double>(placed);
  state.counters["pending"] = static_cast<double>(tasks - placed);
  state.counters["idle_cpu"] = idle_cpu;
  state.counters["revocable"] = static_cast<double>(revocable);
  state.counters["peak_rss_MiB"] = PeakRssMiB();
}
BENCHMARK(BM_QuotaLendHold)
    ->ArgName("lend")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(3);

// The planning cost of preemption (issue #16). `nodes` nodes of 32 cpu / 128 GiB, full: 8 running
// tasks of 4 cpu / 16 GiB each (80,000 on 10,000 nodes), bound before the first cycle as the
// operator reads them from the API server. Then `pending` tasks of the same shape arrive, and the
// measured cycle is the first one that makes plans (AllocatorOptions::preemption enabled,
// max_evictions_in_flight = `cap`, GroupPreemption::delay_seconds 0), at most 3 cycles.
//   mode 0, reclaim: the running tasks belong to group "batch" (guarantee 0, Lend: all of it is
//     borrowed); the pending ones to group "ml" (guarantee 10% of the cluster's cpu and memory,
//     Lend, nothing running): each should take one victim from "batch".
//   mode 1, priority: one group, no guarantee; the running tasks are priority 0 (framework
//     "low"), the pending ones priority 1000 (framework "high"): nothing fits, so each should
//     preempt one low-priority task of its own group.
//   mode 2, no victim: as mode 0 but "batch" is guaranteed everything it runs (the guarantee
//     floor protects every task): the cost of searching and finding no plan.
// Reports plans and victims of the measured cycle, which cycle it was (3 and no plan: none made),
// and engine time per pending task.
void BM_Preemption(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  const int pending = static_cast<int>(state.range(1));
  const int cap = static_cast<int>(state.range(2));
  const int mode = static_cast<int>(state.range(3));
  constexpr int kPerNode = 8;
  const Resources shape = Req(4000, 16 * kGi);
  size_t plans = 0, victims = 0, placed = 0;
  int cycles = 0;
  double seconds = 0;
  for (auto _ : state) {
    AllocatorOptions options;
    options.preemption.enabled = true;
    options.preemption.max_evictions_in_flight = cap;
    Allocator a(options);
    AddNodes(a, nodes, 32, 128);
    const int64_t total_cpu = int64_t{nodes} * 32 * 1000;
    const int64_t total_mem = int64_t{nodes} * 128 * kGi;
    GroupSpec victim_group, preemptor_group;
    victim_group.name = mode == 1 ? "team" : "batch";
    if (mode == 2) {
      victim_group.guarantee.Set(kCpu, total_cpu);
      victim_group.guarantee.Set(kMemory, total_mem);
    }
    victim_group.preemption.delay_seconds = 0;
    a.UpsertGroup(victim_group);
    preemptor_group.name = mode == 1 ? "team" : "ml";
    if (mode != 1) {
      preemptor_group.guarantee.Set(kCpu, total_cpu / 10);
      preemptor_group.guarantee.Set(kMemory, total_mem / 10);
      preemptor_group.preemption.delay_seconds = 0;
      a.UpsertGroup(preemptor_group);
    }
    FrameworkSpec low, high;
    low.key = "batch/low";
    low.group = victim_group.name;
    high.key = "ml/high";
    high.group = preemptor_group.name;
    a.UpsertFramework(low);
    a.UpsertFramework(high);
    uint64_t order = 0;
    for (int n = 0; n < nodes; ++n) {
      for (int k = 0; k < kPerNode; ++k) {
        PodSpec pod;
        pod.key = "batch/low-" + std::to_string(n) + "-" + std::to_string(k);
        pod.framework = low.key;
        pod.request = shape;
        pod.node_name = "node-" + std::to_string(n);
        pod.order = order++;
        pod.started = 0;
        a.UpsertPod(pod);
      }
    }
    a.Allocate(0);
    for (int t = 0; t < pending; ++t) {
      PodSpec pod;
      pod.key = "ml/high-" + std::to_string(t);
      pod.framework = high.key;
      pod.request = shape;
      pod.order = order++;
      pod.priority = mode == 1 ? 1000 : 0;
      a.UpsertPod(pod);
    }
    plans = victims = placed = 0;
    // The first cycle that plans (or places) is measured; if none does, the first cycle, the one
    // that searched.
    for (cycles = 1; cycles <= 3; ++cycles) {
      double start = ThreadSeconds();
      auto result = a.Allocate(static_cast<double>(cycles));
      const double cycle_seconds = ThreadSeconds() - start;
      if (cycles == 1) seconds = cycle_seconds;
      plans = result.preemptions.size();
      for (const auto& p : result.preemptions) victims += p.victims.size();
      placed = result.placements.size();
      benchmark::DoNotOptimize(result);
      if (plans > 0 || placed > 0) {
        seconds = cycle_seconds;
        break;
      }
    }
    cycles = std::min(cycles, 3);
    state.SetIterationTime(seconds);
  }
  state.counters["plans"] = static_cast<double>(plans);
  state.counters["victims"] = static_cast<double>(victims);
  state.counters["placed"] = static_cast<double>(placed);
  state.counters["cycle"] = cycles;
  state.counters["us_per_pending"] = 1e6 * seconds / pending;
  state.counters["peak_rss_MiB"] = PeakRssMiB();
}
BENCHMARK(BM_Preemption)
    ->ArgNames({"nodes", "pending", "cap", "mode"})
    ->Args({10000, 100, 100, 0})
    ->Args({10000, 1000, 1000, 0})
    ->Args({10000, 1000, 100, 0})
    ->Args({10000, 100, 100, 1})
    ->Args({10000, 1000, 1000, 1})
    ->Args({10000, 1000, 1000, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(3);

}  // namespace
}  // namespace kubemesos

BENCHMARK_MAIN();
