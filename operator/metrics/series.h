// Internal to operator/metrics (it includes prometheus-cpp): per-resource gauge series of one
// owner, set from a complete list and pruned of what the list no longer has. Shared by
// metrics.cpp and preemption_metrics.cpp.
//
// Threads: callers hold their own mutex. Errors: none (beyond std::bad_alloc).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include "operator/metrics/metrics.h"

namespace kubemesos::metrics {

template <typename T>
using ByName = std::map<std::string, T, std::less<>>;

struct GaugeSeries {
  prometheus::Gauge* gauge = nullptr;
  uint64_t seen = 0;
};

// Per-resource gauges of one owner (a group, or the cluster when `owner` is empty).
using ResourceSeries = ByName<GaugeSeries>;

inline void SetResources(prometheus::Family<prometheus::Gauge>& family,
                         std::string_view owner_label, std::string_view owner,
                         std::span<const ResourceValue> values, ResourceSeries& series,
                         uint64_t gen) {
  for (const ResourceValue& v : values) {
    auto it = series.find(v.resource);
    if (it == series.end()) {
      prometheus::Labels labels = {{"resource", std::string(v.resource)}};
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

inline void RemoveResources(prometheus::Family<prometheus::Gauge>& family, ResourceSeries& series) {
  for (auto& [name, s] : series) family.Remove(s.gauge);
  series.clear();
}

}  // namespace kubemesos::metrics
