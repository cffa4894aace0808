// Metrics on prometheus-cpp: the families are registered once; each series is created on first
// use and its reference cached in a map keyed by label values (looked up with string_view, so
// updates do not allocate); SetGroups/SetFrameworks/SetCluster stamp what they saw with a
// generation and remove every series the newest call did not mention.
#include "operator/metrics/metrics.h"

#include <array>
#include <cmath>
#include <map>
#include <mutex>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "operator/util/guard.h"

namespace kubemesos::metrics {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;
using prometheus::Labels;

template <typename T>
using ByName = std::map<std::string, T, std::less<>>;

constexpr std::array<const char*, 3> kOutcomeNames = {"success", "conflict", "error"};

// 100µs .. 10s: a cycle normally takes well under a millisecond; seconds mean trouble.
const Histogram::BucketBoundaries& CycleBuckets() {
  static const Histogram::BucketBoundaries buckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                      1,      2.5,     5,      10};
  return buckets;
}

// 10ms .. 5min: from pod creation to a successful bind, queueing behind quota included.
const Histogram::BucketBoundaries& LatencyBuckets() {
  static const Histogram::BucketBoundaries buckets = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                      2.5,  5,     10,   30,  60,   120, 300};
  return buckets;
}

// 100ms .. 1h: from a gang's first pending member to its minimum bound; a gang may wait for
// capacity (or its reservation) for many minutes.
const Histogram::BucketBoundaries& GangBuckets() {
  static const Histogram::BucketBoundaries buckets = {0.1, 0.25, 0.5, 1,   2.5, 5,    10,  30,
                                                      60,  120,  300, 600, 900, 1800, 3600};
  return buckets;
}

constexpr std::array<const char*, 4> kGangAttemptNames = {"scheduled", "unschedulable", "rejected",
                                                          "timeout"};

// 1ms .. 60s: a gang's binds go out together; seconds mean a slow API server or a long queue.
const Histogram::BucketBoundaries& SpanBuckets() {
  static const Histogram::BucketBoundaries buckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return buckets;
}

// A counter that follows a running total kept elsewhere. When the total goes down (its owner
// was recreated), the series is recreated at the new total, which Prometheus reads as a
// counter reset.
struct FollowedCounter {
  Counter* counter = nullptr;
  double total = 0;
};

// Makes `followed` show `total`; `labels` builds the label set, called only when a series is
// created.
template <typename MakeLabels>
void Follow(Family<Counter>& family, FollowedCounter& followed, double total, MakeLabels&& labels) {
  if (followed.counter != nullptr && total >= followed.total) {
    followed.counter->Increment(total - followed.total);
  } else {
    if (followed.counter != nullptr) family.Remove(followed.counter);
    followed.counter = &family.Add(labels());
    followed.counter->Increment(total);
  }
  followed.total = total;
}

struct GaugeSeries {
  Gauge* gauge = nullptr;
  uint64_t seen = 0;
};

// Per-resource gauges of one owner (a group, or the cluster when `owner` is empty).
using ResourceSeries = ByName<GaugeSeries>;

void SetResources(Family<Gauge>& family, std::string_view owner_label, std::string_view owner,
                  std::span<const ResourceValue> values, ResourceSeries& series, uint64_t gen) {
  for (const ResourceValue& v : values) {
    auto it = series.find(v.resource);
    if (it == series.end()) {
      Labels labels = {{"resource", std::string(v.resource)}};
      if (!owner_label.empty()) labels.emplace(std::string(owner_label), std::string(owner));
      it = series.emplace(std::string(v.resource), GaugeSeries{&family.Add(labels), 0}).first;
    }
    it->second.gauge->Set(v.value);
    it->second.seen = gen;
  }
  for (auto it = series.begin(); it != series.end();) {
    if (it->second.seen == gen) {
      ++it;
    } else {
      family.Remove(it->second.gauge);
      it = series.erase(it);
    }
  }
}

void RemoveResources(Family<Gauge>& family, ResourceSeries& series) {
  for (auto& [name, s] : series) family.Remove(s.gauge);
  series.clear();
}

struct GroupEntry {
  uint64_t seen = 0;
  Gauge* dominant_share = nullptr;
  ResourceSeries allocated, guarantee, limit;
};

struct FrameworkEntry {
  uint64_t seen = 0;
  std::string group;  // the group label of the offers series
  Gauge* pending = nullptr;
  Gauge* dominant_share = nullptr;
  FollowedCounter accepted, declined;
};

}  // namespace

namespace {

template <typename Builder>
auto& Reg(Builder builder, prometheus::Registry& registry, const char* name, const char* help) {
  return builder.Name(name).Help(help).Register(registry);
}

}  // namespace

Outcome OutcomeFromHttpStatus(int status) {
  if (status >= 200 && status < 300) return Outcome::kSuccess;
  if (status == 409) return Outcome::kConflict;
  return Outcome::kError;
}

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();

  Family<Counter>& offers =
      Reg(prometheus::BuildCounter(), *registry, "kubemesos_offers_total",
          "Offers made to frameworks, by group, framework and outcome (accepted or declined).");
  Family<Histogram>& cycle =
      Reg(prometheus::BuildHistogram(), *registry, "kubemesos_allocation_cycle_seconds",
          "Time one allocation cycle took.");
  Family<Histogram>& latency =
      Reg(prometheus::BuildHistogram(), *registry, "kubemesos_scheduling_latency_seconds",
          "Time from pod creation to a successful bind.");
  Family<Counter>& binds = Reg(prometheus::BuildCounter(), *registry, "kubemesos_binds_total",
                               "Bind requests by result (success, conflict or error).");
  Family<Histogram>& gang_bind_span =
      Reg(prometheus::BuildHistogram(), *registry, "kubemesos_gang_bind_span_seconds",
          "Time from the first bind of a gang batch sent to the last one answered.");
  Family<Counter>& gang_partial_binds =
      Reg(prometheus::BuildCounter(), *registry, "kubemesos_gang_partial_bind_total",
          "Gangs left partly bound by failed binds, by outcome: recovered (reached minMember "
          "within bindTimeoutSeconds), restarted (bound members deleted) or reported "
          "(onBindFailure Report: left as is).");
  Family<Gauge>& pending = Reg(prometheus::BuildGauge(), *registry, "kubemesos_pending_tasks",
                               "Tasks waiting for a node, by framework.");
  Family<Gauge>& group_allocated =
      Reg(prometheus::BuildGauge(), *registry, "kubemesos_group_allocated",
          "Resources allocated to a group's subtree (cpu in cores, memory in bytes).");
  Family<Gauge>& group_guarantee =
      Reg(prometheus::BuildGauge(), *registry, "kubemesos_group_guarantee",
          "Resources guaranteed to a group (cpu in cores, memory in bytes).");
  Family<Gauge>& group_limit = Reg(prometheus::BuildGauge(), *registry, "kubemesos_group_limit",
                                   "Resource limit of a group (cpu in cores, memory in bytes).");
  Family<Gauge>& group_share =
      Reg(prometheus::BuildGauge(), *registry, "kubemesos_group_dominant_share",
          "Dominant share of a group (0 to 1).");
  Family<Gauge>& framework_share =
      Reg(prometheus::BuildGauge(), *registry, "kubemesos_framework_dominant_share",
          "Dominant share of a framework (0 to 1).");
  Family<Gauge>& cluster_capacity =
      Reg(prometheus::BuildGauge(), *registry, "kubemesos_cluster_capacity",
          "Allocatable resources of all nodes (cpu in cores, memory in bytes).");
  Family<Gauge>& cluster_allocated =
      Reg(prometheus::BuildGauge(), *registry, "kubemesos_cluster_allocated",
          "Resources requested by pods on nodes (cpu in cores, memory in bytes).");
  Family<Gauge>& leader = Reg(prometheus::BuildGauge(), *registry, "kubemesos_is_leader",
                              "1 when this replica is the leader, else 0.");
  Family<Counter>& registry_requests =
      Reg(prometheus::BuildCounter(), *registry, "kubemesos_registry_requests_total",
          "Requests to the registry backend by operation and result.");
  Family<Counter>& watch_restarts =
      Reg(prometheus::BuildCounter(), *registry, "kubemesos_watch_restarts_total",
          "Restarts of a watch stream, by watched resource.");
  Family<Counter>& internal_errors =
      Reg(prometheus::BuildCounter(), *registry, "kubemesos_internal_errors_total",
          "Exceptions caught at a thread entry point (logged; the thread went on), by component.");

  Family<Gauge>& gangs = Reg(prometheus::BuildGauge(), *registry, "kubemesos_gangs",
                             "Gangs (PodGroups and Framework gangs) by phase.");
  Family<Gauge>& gang_reserved =
      Reg(prometheus::BuildGauge(), *registry, "kubemesos_gang_reserved_resources",
          "Resources held by gang reservations (cpu in cores, memory in bytes).");
  Family<Histogram>& gang_time =
      Reg(prometheus::BuildHistogram(), *registry, "kubemesos_gang_time_to_schedule_seconds",
          "Time from a gang's first pending member to minMember members bound.");
  Family<Counter>& gang_attempts =
      Reg(prometheus::BuildCounter(), *registry, "kubemesos_gang_schedule_attempts_total",
          "Gang placement attempts by result (scheduled, unschedulable, rejected, timeout).");
  Family<Counter>& evictions =
      Reg(prometheus::BuildCounter(), *registry, "kubemesos_evictions_total",
          "Evictions of preemption victims by mode (EvictionAPI, Delete) and result (ok, "
          "pdb_429, forbidden, not_found, error).");
  Family<Gauge>& preemptions =
      Reg(prometheus::BuildGauge(), *registry, "kubemesos_preemptions_in_flight",
          "Preemption plans whose nominations are held (victims leaving, preemptors not placed).");

  std::mutex mu;
  Histogram* gang_seconds = &gang_time.Add({}, GangBuckets());
  std::array<Counter*, 4> gang_results = {&gang_attempts.Add({{"result", kGangAttemptNames[0]}}),
                                          &gang_attempts.Add({{"result", kGangAttemptNames[1]}}),
                                          &gang_attempts.Add({{"result", kGangAttemptNames[2]}}),
                                          &gang_attempts.Add({{"result", kGangAttemptNames[3]}})};
  ByName<Gauge*> gang_phases;
  uint64_t gang_gen = 0;
  ResourceSeries gang_reserved_series;
  Histogram* cycle_seconds = &cycle.Add({}, CycleBuckets());
  Histogram* latency_seconds = &latency.Add({}, LatencyBuckets());
  std::array<Counter*, 3> bind_results = {&binds.Add({{"result", kOutcomeNames[0]}}),
                                          &binds.Add({{"result", kOutcomeNames[1]}}),
                                          &binds.Add({{"result", kOutcomeNames[2]}})};
  Gauge* is_leader = &leader.Add({});
  Gauge* preemptions_in_flight = &preemptions.Add({});
  std::array<std::array<Counter*, 5>, 2> eviction_results = [this] {
    std::array<std::array<Counter*, 5>, 2> out{};
    const char* modes[] = {"EvictionAPI", "Delete"};
    const char* results[] = {"ok", "pdb_429", "forbidden", "not_found", "error"};
    for (size_t m = 0; m < 2; ++m) {
      for (size_t r = 0; r < 5; ++r)
        out[m][r] = &evictions.Add({{"mode", modes[m]}, {"result", results[r]}});
    }
    return out;
  }();
  Histogram* gang_bind_span_seconds = &gang_bind_span.Add({}, SpanBuckets());
  std::array<Counter*, 3> gang_partial_bind_outcomes = {
      &gang_partial_binds.Add({{"outcome", "recovered"}}),
      &gang_partial_binds.Add({{"outcome", "restarted"}}),
      &gang_partial_binds.Add({{"outcome", "reported"}})};

  uint64_t group_gen = 0;
  ByName<GroupEntry> groups;
  uint64_t framework_gen = 0;
  ByName<FrameworkEntry> frameworks;
  uint64_t cluster_gen = 0;
  ResourceSeries capacity, allocated;
  ByName<std::array<Counter*, 3>> registry_ops;
  ByName<FollowedCounter> watches;
  ByName<FollowedCounter> internal_error_series;

  void RemoveGroup(GroupEntry& g) {
    group_share.Remove(g.dominant_share);
    RemoveResources(group_allocated, g.allocated);
    RemoveResources(group_guarantee, g.guarantee);
    RemoveResources(group_limit, g.limit);
  }

  void RemoveOffers(FrameworkEntry& f) {
    for (FollowedCounter* c : {&f.accepted, &f.declined}) {
      if (c->counter != nullptr) offers.Remove(c->counter);
      *c = FollowedCounter{};
    }
  }

  void RemoveFramework(FrameworkEntry& f) {
    pending.Remove(f.pending);
    framework_share.Remove(f.dominant_share);
    RemoveOffers(f);
  }
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::ObserveCycle(double seconds) {
  if (!(seconds >= 0)) return;  // also NaN
  std::lock_guard lock(impl_->mu);
  impl_->cycle_seconds->Observe(seconds);
}

void Metrics::ObserveBind(Outcome outcome, double latency_seconds) {
  std::lock_guard lock(impl_->mu);
  impl_->bind_results[static_cast<size_t>(outcome)]->Increment();
  if (outcome == Outcome::kSuccess && latency_seconds >= 0) {
    impl_->latency_seconds->Observe(latency_seconds);
  }
}

void Metrics::ObserveGangBindSpan(double seconds) {
  if (!(seconds >= 0)) return;  // also NaN
  std::lock_guard lock(impl_->mu);
  impl_->gang_bind_span_seconds->Observe(seconds);
}

void Metrics::AddGangPartialBind(PartialBindOutcome outcome) {
  std::lock_guard lock(impl_->mu);
  impl_->gang_partial_bind_outcomes[static_cast<size_t>(outcome)]->Increment();
}

void Metrics::SetGroups(std::span<const GroupSample> groups) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  uint64_t gen = ++m.group_gen;
  for (const GroupSample& g : groups) {
    auto it = m.groups.find(g.name);
    if (it == m.groups.end()) {
      it = m.groups.emplace(std::string(g.name), GroupEntry{}).first;
      it->second.dominant_share = &m.group_share.Add({{"group", it->first}});
    }
    GroupEntry& entry = it->second;
    entry.seen = gen;
    entry.dominant_share->Set(g.dominant_share);
    SetResources(m.group_allocated, "group", g.name, g.allocated, entry.allocated, gen);
    SetResources(m.group_guarantee, "group", g.name, g.guarantee, entry.guarantee, gen);
    SetResources(m.group_limit, "group", g.name, g.limit, entry.limit, gen);
  }
  for (auto it = m.groups.begin(); it != m.groups.end();) {
    if (it->second.seen == gen) {
      ++it;
    } else {
      m.RemoveGroup(it->second);
      it = m.groups.erase(it);
    }
  }
}

void Metrics::SetFrameworks(std::span<const FrameworkSample> frameworks) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  uint64_t gen = ++m.framework_gen;
  for (const FrameworkSample& f : frameworks) {
    auto it = m.frameworks.find(f.framework);
    if (it == m.frameworks.end()) {
      it = m.frameworks.emplace(std::string(f.framework), FrameworkEntry{}).first;
      it->second.pending = &m.pending.Add({{"framework", it->first}});
      it->second.dominant_share = &m.framework_share.Add({{"framework", it->first}});
    }
    FrameworkEntry& entry = it->second;
    const std::string& name = it->first;
    entry.seen = gen;
    entry.pending->Set(static_cast<double>(f.pending_tasks));
    entry.dominant_share->Set(f.dominant_share);
    if (entry.group != f.group) {
      m.RemoveOffers(entry);
      entry.group = std::string(f.group);
    }
    auto labels = [&](const char* outcome) {
      return [&, outcome] {
        return Labels{{"group", entry.group}, {"framework", name}, {"outcome", outcome}};
      };
    };
    Follow(m.offers, entry.accepted, static_cast<double>(f.offers_accepted_total),
           labels("accepted"));
    Follow(m.offers, entry.declined, static_cast<double>(f.offers_declined_total),
           labels("declined"));
  }
  for (auto it = m.frameworks.begin(); it != m.frameworks.end();) {
    if (it->second.seen == gen) {
      ++it;
    } else {
      m.RemoveFramework(it->second);
      it = m.frameworks.erase(it);
    }
  }
}

void Metrics::SetCluster(std::span<const ResourceValue> capacity,
                         std::span<const ResourceValue> allocated) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  uint64_t gen = ++m.cluster_gen;
  SetResources(m.cluster_capacity, "", "", capacity, m.capacity, gen);
  SetResources(m.cluster_allocated, "", "", allocated, m.allocated, gen);
}

void Metrics::SetGangs(std::span<const GangPhaseCount> phases,
                       std::span<const ResourceValue> reserved) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  for (auto& [phase, gauge] : m.gang_phases) gauge->Set(0);
  for (const GangPhaseCount& p : phases) {
    auto it = m.gang_phases.find(p.phase);
    if (it == m.gang_phases.end()) {
      it = m.gang_phases.emplace(std::string(p.phase), nullptr).first;
      it->second = &m.gangs.Add({{"phase", it->first}});
    }
    it->second->Set(static_cast<double>(p.gangs));
  }
  SetResources(m.gang_reserved, "", "", reserved, m.gang_reserved_series, ++m.gang_gen);
}

void Metrics::ObserveGangScheduled(double seconds) {
  if (!(seconds >= 0)) return;  // also NaN
  std::lock_guard lock(impl_->mu);
  impl_->gang_seconds->Observe(seconds);
}

void Metrics::AddGangAttempts(GangAttempt result, uint64_t count) {
  std::lock_guard lock(impl_->mu);
  impl_->gang_results[static_cast<size_t>(result)]->Increment(static_cast<double>(count));
}

EvictionResult EvictionResultFromHttpStatus(int status) {
  if (status >= 200 && status < 300) return EvictionResult::kOk;
  if (status == 429) return EvictionResult::kPdb429;
  if (status == 403) return EvictionResult::kForbidden;
  if (status == 404) return EvictionResult::kNotFound;
  return EvictionResult::kError;
}

void Metrics::AddEviction(EvictionMode mode, EvictionResult result) {
  std::lock_guard lock(impl_->mu);
  impl_->eviction_results[static_cast<size_t>(mode)][static_cast<size_t>(result)]->Increment();
}

void Metrics::SetPreemptionsInFlight(int64_t plans) {
  std::lock_guard lock(impl_->mu);
  impl_->preemptions_in_flight->Set(static_cast<double>(plans));
}

void Metrics::SetLeader(bool leader) {
  std::lock_guard lock(impl_->mu);
  impl_->is_leader->Set(leader ? 1 : 0);
}

void Metrics::AddRegistryRequest(std::string_view op, Outcome outcome, uint64_t count) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  auto it = m.registry_ops.find(op);
  if (it == m.registry_ops.end()) {
    std::array<Counter*, 3> counters{};
    for (size_t i = 0; i < counters.size(); ++i) {
      counters[i] =
          &m.registry_requests.Add({{"op", std::string(op)}, {"result", kOutcomeNames[i]}});
    }
    it = m.registry_ops.emplace(std::string(op), counters).first;
  }
  it->second[static_cast<size_t>(outcome)]->Increment(static_cast<double>(count));
}

void Metrics::SetWatchRestarts(std::string_view resource, uint64_t total) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  auto it = m.watches.find(resource);
  if (it == m.watches.end()) it = m.watches.emplace(std::string(resource), FollowedCounter{}).first;
  const std::string& name = it->first;
  Follow(m.watch_restarts, it->second, static_cast<double>(total), [&] {
    return Labels{{"resource", name}};
  });
}

std::string Metrics::ExpositionText() const {
  {
    Impl& m = *impl_;
    auto counts = util::InternalErrors();
    std::lock_guard lock(m.mu);
    for (const auto& [component, total] : counts) {
      auto it = m.internal_error_series.find(component);
      if (it == m.internal_error_series.end())
        it = m.internal_error_series.emplace(component, FollowedCounter{}).first;
      const std::string& name = it->first;
      Follow(m.internal_errors, it->second, static_cast<double>(total), [&] {
        return Labels{{"component", name}};
      });
    }
  }
  // Registry and families lock themselves; no need to hold `mu` while serializing.
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

}  // namespace kubemesos::metrics
