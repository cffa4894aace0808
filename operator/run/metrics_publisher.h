// MetricsPublisher: the engine's view of groups, frameworks and the cluster, published as
// gauges (kubemesos_group_*, kubemesos_framework_*, kubemesos_cluster_*).
//
// Threads: Publish is called by the loop thread only. Ownership: borrows the metrics, which
// must outlive it. Errors: none.
#pragma once

#include <span>
#include <vector>

#include "operator/metrics/metrics.h"
#include "scheduler/allocator.h"

namespace kubemesos::run {

class MetricsPublisher {
 public:
  explicit MetricsPublisher(metrics::Metrics& metrics) : metrics_(metrics) {}

  void Publish(const Allocator& allocator);

 private:
  // A span over values appended to values_ (reserved up front, so spans stay valid).
  std::span<const metrics::ResourceValue> Values(const ResourceCatalog& catalog,
                                                 const Resources& amounts,
                                                 const ResourceBound* bound);

  metrics::Metrics& metrics_;
  std::vector<metrics::ResourceValue> values_;
};

}  // namespace kubemesos::run
