// Resource vectors: the amounts of cpu, memory, storage, pods and extended resources that nodes
// offer and tasks request. Dense, fixed-size and allocation-free so the allocator's inner loops
// stay cheap.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kubemesos {

// Index of a resource kind inside a Resources vector.
using ResourceId = int;

// The kinds every cluster has, at fixed indices. Extended resources (nvidia.com/gpu, ...) are
// interned by a ResourceCatalog after these.
inline constexpr ResourceId kCpu = 0;               // millicores
inline constexpr ResourceId kMemory = 1;            // bytes
inline constexpr ResourceId kEphemeralStorage = 2;  // bytes
inline constexpr ResourceId kPods = 3;              // count; every task takes one
inline constexpr int kMaxResourceKinds = 16;

// Maps resource names to ids. Not thread-safe; owned by whoever builds Resources (one per
// allocator). Units: cpu is stored in millicores, every other kind in whole units (bytes for
// memory and storage, counts for the rest), rounded up as Kubernetes does.
class ResourceCatalog {
 public:
  ResourceCatalog();

  // The id of `name`, interning it if new. Returns nullopt when kMaxResourceKinds kinds are
  // already known.
  std::optional<ResourceId> Intern(std::string_view name);
  // The id of `name` if known.
  std::optional<ResourceId> Find(std::string_view name) const;
  const std::string& Name(ResourceId id) const { return names_[id]; }
  int size() const { return static_cast<int>(names_.size()); }

  // Converts a quantity in milli-units (see ParseQuantity) to this kind's stored unit.
  static int64_t FromMilli(ResourceId id, int64_t milli);
  // A stored amount as a number for humans and JSON: cores for cpu, otherwise the unit itself.
  static double ToDisplay(ResourceId id, int64_t amount);

 private:
  std::vector<std::string> names_;
};

// A vector of amounts, one per resource kind. Missing kinds are zero.
struct Resources {
  std::array<int64_t, kMaxResourceKinds> amount{};

  int64_t operator[](ResourceId id) const { return amount[id]; }
  int64_t& operator[](ResourceId id) { return amount[id]; }

  Resources& operator+=(const Resources& o) {
    for (int i = 0; i < kMaxResourceKinds; ++i) amount[i] += o.amount[i];
    return *this;
  }
  Resources& operator-=(const Resources& o) {
    for (int i = 0; i < kMaxResourceKinds; ++i) amount[i] -= o.amount[i];
    return *this;
  }
  friend Resources operator+(Resources a, const Resources& b) { return a += b; }
  friend Resources operator-(Resources a, const Resources& b) { return a -= b; }
  friend bool operator==(const Resources&, const Resources&) = default;

  // True when every amount of `request` is at most the amount here.
  bool Contains(const Resources& request) const {
    bool ok = true;
    for (int i = 0; i < kMaxResourceKinds; ++i) ok &= request.amount[i] <= amount[i];
    return ok;
  }
  // The first kind whose request exceeds this vector, or -1.
  ResourceId FirstShortfall(const Resources& request) const {
    for (int i = 0; i < kMaxResourceKinds; ++i)
      if (request.amount[i] > amount[i]) return i;
    return -1;
  }
  bool IsZero() const { return *this == Resources{}; }
  bool AnyNegative() const {
    for (auto a : amount)
      if (a < 0) return true;
    return false;
  }
};

// Element-wise max and min.
Resources Max(const Resources& a, const Resources& b);
Resources Min(const Resources& a, const Resources& b);

// A per-kind bound (guarantee or limit) where only some kinds are set.
struct ResourceBound {
  Resources amount;
  uint32_t set_mask = 0;  // bit i set: kind i is bounded

  bool Has(ResourceId id) const { return (set_mask >> id) & 1u; }
  void Set(ResourceId id, int64_t value) {
    amount[id] = value;
    set_mask |= 1u << id;
  }
  bool empty() const { return set_mask == 0; }
};

}  // namespace kubemesos
