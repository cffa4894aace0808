// Resource catalog (names <-> ids) and unit conversions.
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

Resources Max(const Resources& a, const Resources& b) {
  Resources out;
  for (int i = 0; i < kMaxResourceKinds; ++i) out.amount[i] = std::max(a.amount[i], b.amount[i]);
  return out;
}

Resources Min(const Resources& a, const Resources& b) {
  Resources out;
  for (int i = 0; i < kMaxResourceKinds; ++i) out.amount[i] = std::min(a.amount[i], b.amount[i]);
  return out;
}

}  // namespace kubemesos
