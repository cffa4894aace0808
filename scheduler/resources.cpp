// Resource catalog (names <-> ids), unit conversions and the helpers on totals.
#include "scheduler/resources.h"

#include <algorithm>

namespace kubemesos {

ResourceCatalog::ResourceCatalog() : names_{"cpu", "memory", "ephemeral-storage", "pods"} {}

std::optional<ResourceId> ResourceCatalog::Find(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<ResourceId>(i);
  return std::nullopt;
}

std::optional<ResourceId> ResourceCatalog::Intern(std::string_view name) {
  if (auto id = Find(name)) return id;
  if (names_.size() >= kMaxResourceKinds) return std::nullopt;
  names_.emplace_back(name);
  return static_cast<ResourceId>(names_.size() - 1);
}

int64_t ResourceCatalog::FromMilli(ResourceId id, int64_t milli) {
  if (id == kCpu) return milli;
  // Round up to whole units, as Kubernetes does for Value().
  return milli / 1000 + (milli % 1000 > 0 ? 1 : 0);
}

double ResourceCatalog::ToDisplay(ResourceId id, int64_t amount) {
  return id == kCpu ? static_cast<double>(amount) / 1000.0 : static_cast<double>(amount);
}

Resources Narrow(const ResourceSum& sum) {
  Resources out;
  for (int i = 0; i < kMaxResourceKinds; ++i) {
    WideAmount v = sum.amount[i];
    out.amount[i] = v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : static_cast<int64_t>(v);
  }
  return out;
}

Resources Clamped(const Resources& r) {
  Resources out;
  for (int i = 0; i < kMaxResourceKinds; ++i)
    out.amount[i] = std::clamp<int64_t>(r.amount[i], 0, kMaxAmount);
  return out;
}

}  // namespace kubemesos
