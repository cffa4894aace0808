// Publishing the engine's view as gauges (see metrics_publisher.h).
#include "operator/run/metrics_publisher.h"

namespace kubemesos::run {

void MetricsPublisher::Publish(const Allocator& allocator) {
  const ResourceCatalog& catalog = allocator.catalog();
  auto groups = allocator.Groups();
  auto frameworks = allocator.Frameworks();
  values_.clear();
  values_.reserve(groups.size() * 3 * catalog.size() + 2 * catalog.size());
  std::vector<metrics::GroupSample> group_samples;
  for (const auto& g : groups) {
    auto allocated = Values(catalog, g.allocated, nullptr);
    auto guarantee = Values(catalog, g.guarantee.amount, &g.guarantee);
    auto limit = Values(catalog, g.limit.amount, &g.limit);
    group_samples.push_back({g.name, allocated, guarantee, limit, g.dominant_share});
  }
  metrics_.SetGroups(group_samples);
  std::vector<metrics::FrameworkSample> fw_samples;
  for (const auto& f : frameworks) {
    fw_samples.push_back(
        {f.key, f.group, f.dominant_share, f.pending, f.offers_accepted, f.offers_declined});
  }
  metrics_.SetFrameworks(fw_samples);
  auto capacity = Values(catalog, allocator.TotalCapacity(), nullptr);
  auto allocated = Values(catalog, allocator.TotalAllocated(), nullptr);
  metrics_.SetCluster(capacity, allocated);
}

std::span<const metrics::ResourceValue> MetricsPublisher::Values(const ResourceCatalog& catalog,
                                                                 const Resources& amounts,
                                                                 const ResourceBound* bound) {
  size_t first = values_.size();
  for (ResourceId id = 0; id < catalog.size(); ++id) {
    if (bound && !bound->Has(id)) continue;
    values_.push_back({catalog.Name(id), ResourceCatalog::ToDisplay(id, amounts[id])});
  }
  return {values_.data() + first, values_.size() - first};
}

}  // namespace kubemesos::run
