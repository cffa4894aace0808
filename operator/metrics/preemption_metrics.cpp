// The preemption series on prometheus-cpp (see preemption_metrics.h).
#include "operator/metrics/preemption_metrics.h"

#include <array>
#include <mutex>
#include <set>
#include <string>
#include <tuple>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "operator/metrics/series.h"

namespace kubemesos::metrics {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

constexpr std::array<const char*, 2> kKindNames = {"reclaim", "priority"};
constexpr const char* kOther = "_other";

// 1 .. 100 victims: a plan takes the fewest that let its preemptor fit; tens mean a big gang.
const Histogram::BucketBoundaries& VictimBuckets() {
  static const Histogram::BucketBoundaries buckets = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 100};
  return buckets;
}

// 1 s .. 1 h: delaySeconds is not in it (the plan is made after it); the victims' grace period
// and the binds are. A minute is the usual reclaim bound.
const Histogram::BucketBoundaries& ToBindBuckets() {
  static const Histogram::BucketBoundaries buckets = {1,  2,  5,   10,  15,  20,  30,   45,
                                                      60, 90, 120, 180, 300, 600, 1800, 3600};
  return buckets;
}

// 1 s .. 1 week: the work a victim loses (minRuntimeSeconds bounds it from below).
const Histogram::BucketBoundaries& RuntimeBuckets() {
  static const Histogram::BucketBoundaries buckets = {1,    10,   30,   60,    300,   600,
                                                      1800, 3600, 7200, 21600, 86400, 604800};
  return buckets;
}

template <typename Builder>
auto& Reg(Builder builder, prometheus::Registry& registry, const char* name, const char* help) {
  return builder.Name(name).Help(help).Register(registry);
}

struct GroupEntry {
  uint64_t seen = 0;
  Gauge* revocable = nullptr;
  ResourceSeries borrowed, lent;
};

// (kind, victim group, preemptor group)
using VictimKey = std::tuple<size_t, std::string, std::string>;

}  // namespace

struct PreemptionMetrics::Impl {
  explicit Impl(prometheus::Registry& r)
      : plans(Reg(prometheus::BuildCounter(), r, "kubemesos_preemptions_total",
                  "Preemption plans made, by kind: reclaim (a group takes back its lent "
                  "guarantee) or priority (a higher-priority task inside a group).")),
        victims(Reg(prometheus::BuildCounter(), r, "kubemesos_preemption_victims_total",
                    "Tasks chosen as victims, by kind, victim group and preemptor group.")),
        per_plan(Reg(prometheus::BuildHistogram(), r, "kubemesos_preemption_victims_per_plan",
                     "Victims of one preemption plan.")),
        to_bind(Reg(prometheus::BuildHistogram(), r, "kubemesos_preemption_to_bind_seconds",
                    "Time from a preemption plan made to every preemptor of it placed (the "
                    "reclaim latency after delaySeconds).")),
        runtime(Reg(prometheus::BuildHistogram(), r, "kubemesos_preempted_task_runtime_seconds",
                    "How long a preempted task had run (the work lost).")),
        borrowed(Reg(prometheus::BuildGauge(), r, "kubemesos_group_borrowed",
                     "Resources a group's subtree uses above its guarantee (cpu in cores, memory "
                     "in bytes).")),
        lent(Reg(prometheus::BuildGauge(), r, "kubemesos_group_lent",
                 "Guaranteed resources a group does not use: lent to others (Lend) or held idle "
                 "(Hold) (cpu in cores, memory in bytes).")),
        revocable(Reg(prometheus::BuildGauge(), r, "kubemesos_group_revocable_tasks",
                      "Running tasks of a group's frameworks placed on capacity lent by other "
                      "groups (reclaim may evict them).")) {}

  Family<Counter>& plans;
  Family<Counter>& victims;
  Family<Histogram>& per_plan;
  Family<Histogram>& to_bind;
  Family<Histogram>& runtime;
  Family<Gauge>& borrowed;
  Family<Gauge>& lent;
  Family<Gauge>& revocable;

  std::mutex mu;
  std::array<Counter*, 2> plan_counts = {&plans.Add({{"kind", kKindNames[0]}}),
                                         &plans.Add({{"kind", kKindNames[1]}})};
  Histogram* per_plan_hist = &per_plan.Add({}, VictimBuckets());
  Histogram* to_bind_hist = &to_bind.Add({}, ToBindBuckets());
  Histogram* runtime_hist = &runtime.Add({}, RuntimeBuckets());
  std::map<VictimKey, Counter*> victim_series;
  uint64_t gen = 0;
  ByName<GroupEntry> groups;
};

PreemptionMetrics::PreemptionMetrics(prometheus::Registry& registry)
    : impl_(std::make_unique<Impl>(registry)) {}
PreemptionMetrics::~PreemptionMetrics() = default;

void PreemptionMetrics::ObservePlan(PlanKind kind, size_t victims) {
  std::lock_guard lock(impl_->mu);
  impl_->plan_counts[static_cast<size_t>(kind)]->Increment();
  impl_->per_plan_hist->Observe(static_cast<double>(victims));
}

void PreemptionMetrics::AddVictims(PlanKind kind, std::string_view victim_group,
                                   std::string_view preemptor_group, uint64_t count) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  size_t k = static_cast<size_t>(kind);
  VictimKey key{k, std::string(victim_group), std::string(preemptor_group)};
  auto it = m.victim_series.find(key);
  if (it == m.victim_series.end()) {
    if (m.victim_series.size() >= kMaxVictimSeries) key = VictimKey{k, kOther, kOther};
    it = m.victim_series.find(key);
    if (it == m.victim_series.end()) {
      Counter* c = &m.victims.Add({{"kind", kKindNames[k]},
                                   {"victim_group", std::get<1>(key)},
                                   {"preemptor_group", std::get<2>(key)}});
      it = m.victim_series.emplace(std::move(key), c).first;
    }
  }
  it->second->Increment(static_cast<double>(count));
}

void PreemptionMetrics::ObserveVictimRuntime(double seconds) {
  if (!(seconds >= 0)) return;  // also NaN
  std::lock_guard lock(impl_->mu);
  impl_->runtime_hist->Observe(seconds);
}

void PreemptionMetrics::ObservePreemptionToBind(double seconds) {
  if (!(seconds >= 0)) return;  // also NaN
  std::lock_guard lock(impl_->mu);
  impl_->to_bind_hist->Observe(seconds);
}

void PreemptionMetrics::SetGroups(std::span<const GroupSharingSample> groups) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  uint64_t gen = ++m.gen;
  for (const GroupSharingSample& g : groups) {
    auto it = m.groups.find(g.group);
    if (it == m.groups.end()) {
      it = m.groups.emplace(std::string(g.group), GroupEntry{}).first;
      it->second.revocable = &m.revocable.Add({{"group", it->first}});
    }
    GroupEntry& entry = it->second;
    entry.seen = gen;
    entry.revocable->Set(static_cast<double>(g.revocable_tasks));
    SetResources(m.borrowed, "group", g.group, g.borrowed, entry.borrowed, gen);
    SetResources(m.lent, "group", g.group, g.lent, entry.lent, gen);
  }
  for (auto it = m.groups.begin(); it != m.groups.end();) {
    if (it->second.seen == gen) {
      ++it;
      continue;
    }
    m.revocable.Remove(it->second.revocable);
    RemoveResources(m.borrowed, it->second.borrowed);
    RemoveResources(m.lent, it->second.lent);
    it = m.groups.erase(it);
  }
  // Victim series of groups that are gone (the "_other" bucket stays).
  for (auto it = m.victim_series.begin(); it != m.victim_series.end();) {
    const auto& [kind, victim, preemptor] = it->first;
    bool other = victim == kOther && preemptor == kOther;
    if (!other && (!m.groups.count(victim) || !m.groups.count(preemptor))) {
      m.victims.Remove(it->second);
      it = m.victim_series.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace kubemesos::metrics
