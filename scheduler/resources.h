// Resource vectors: the amounts of cpu, memory, storage, pods and extended resources that nodes
// offer and tasks request. Dense, fixed-size and allocation-free so the allocator's inner loops
// stay cheap. Also the one place for checked amount arithmetic (CheckedAdd, CheckedMul).
//
// Bounds (the overflow contract):
// - A quantity is at most kMaxAmount = 2^62 in milli-units (4611686018427387904m: 4.6e15 cores,
//   about 4 PiB), and so is one object's total of one kind (a pod's effective request, a node's
//   allocatable, a group's guarantee or limit): in stored units at most MaxAmount(kind) <= 2^62.
//   ParseQuantityMilli and the object converters (operator/kube) refuse more, as an error on
//   that object, never a wrapped number. The engine clamps what it is given into [0, 2^62].
// - Totals over many objects (a node's used, a framework's or group's allocation, the cluster's
//   capacity and free headroom) are ResourceSum: 128-bit and exact. Fewer than 2^64 terms of at
//   most 2^62 each stay below 2^126, so no sequence of adds and removes overflows, and a total
//   returns exactly to its old value when what was added is removed.
// - Resources (int64) adds and subtracts saturate at the int64 range instead of wrapping; the
//   difference of two bounded amounts always fits, their sum at worst saturates by one.
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

// The largest quantity in milli-units, and the largest amount of one kind one object may
// carry in stored units (see the overflow contract above).
inline constexpr int64_t kMaxAmount = int64_t{1} << 62;

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
  // The most one object may carry of this kind, in stored units: FromMilli(id, kMaxAmount).
  static int64_t MaxAmount(ResourceId id) { return FromMilli(id, kMaxAmount); }
  // A stored amount as a number for humans and JSON: cores for cpu, otherwise the unit itself.
  static double ToDisplay(ResourceId id, int64_t amount);

 private:
  std::vector<std::string> names_;
};

// Checked arithmetic on amounts (int64_t or __int128): false, leaving *out unspecified, when
// the exact result does not fit in T.
template <typename T>
bool CheckedAdd(T a, T b, T* out) {
  return !__builtin_add_overflow(a, b, out);
}
template <typename T>
bool CheckedMul(T a, T b, T* out) {
  return !__builtin_mul_overflow(a, b, out);
}
// a + b clamped to the int64 range.
inline int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out;
  if (CheckedAdd(a, b, &out)) return out;
  return b > 0 ? INT64_MAX : INT64_MIN;
}
inline int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t out;
  if (!__builtin_sub_overflow(a, b, &out)) return out;
  return b < 0 ? INT64_MAX : INT64_MIN;
}

// The amount type of a total: int64_t for one object, __int128 for sums over many.
using WideAmount = __int128;

// A vector of amounts, one per resource kind. Missing kinds are zero. Resources holds one
// object's amounts (int64); ResourceSum holds the engine's running totals (__int128, exact).
// A Resources widens implicitly to a ResourceSum; the reverse is Narrow() (saturating).
template <typename Amount>
struct BasicResources {
  std::array<Amount, kMaxResourceKinds> amount{};

  BasicResources() = default;
  // Widening only (int64 -> __int128): never loses anything.
  template <typename Other>
  requires(sizeof(Other) < sizeof(Amount))
      BasicResources(const BasicResources<Other>& o) {  // NOLINT(google-explicit-constructor)
    for (int i = 0; i < kMaxResourceKinds; ++i) amount[i] = o.amount[i];
  }

  Amount operator[](ResourceId id) const { return amount[id]; }
  Amount& operator[](ResourceId id) { return amount[id]; }

  template <typename Other>
  requires(sizeof(Other) <= sizeof(Amount)) BasicResources& operator+=(
      const BasicResources<Other>& o) {
    for (int i = 0; i < kMaxResourceKinds; ++i) amount[i] = Add(amount[i], o.amount[i]);
    return *this;
  }
  template <typename Other>
  requires(sizeof(Other) <= sizeof(Amount)) BasicResources& operator-=(
      const BasicResources<Other>& o) {
    for (int i = 0; i < kMaxResourceKinds; ++i) amount[i] = Sub(amount[i], o.amount[i]);
    return *this;
  }
  friend BasicResources operator+(BasicResources a, const BasicResources& b) { return a += b; }
  friend BasicResources operator-(BasicResources a, const BasicResources& b) { return a -= b; }
  friend bool operator==(const BasicResources&, const BasicResources&) = default;

  // True when every amount of `request` is at most the amount here.
  template <typename Other>
  bool Contains(const BasicResources<Other>& request) const {
    bool ok = true;
    for (int i = 0; i < kMaxResourceKinds; ++i) ok &= request.amount[i] <= amount[i];
    return ok;
  }
  // The first kind whose request exceeds this vector, or -1.
  template <typename Other>
  ResourceId FirstShortfall(const BasicResources<Other>& request) const {
    for (int i = 0; i < kMaxResourceKinds; ++i)
      if (request.amount[i] > amount[i]) return i;
    return -1;
  }
  bool IsZero() const { return *this == BasicResources{}; }
  bool AnyNegative() const {
    for (auto a : amount)
      if (a < 0) return true;
    return false;
  }

 private:
  // int64: saturating (see the contract); __int128: exact by the bound on terms.
  static Amount Add(Amount a, Amount b) {
    if constexpr (sizeof(Amount) == sizeof(int64_t)) {
      return SaturatingAdd(a, b);
    } else {
      return a + b;
    }
  }
  static Amount Sub(Amount a, Amount b) {
    if constexpr (sizeof(Amount) == sizeof(int64_t)) {
      return SaturatingSub(a, b);
    } else {
      return a - b;
    }
  }
};

using Resources = BasicResources<int64_t>;
using ResourceSum = BasicResources<WideAmount>;

// A total as one object's amounts, each clamped to the int64 range (for views and output).
Resources Narrow(const ResourceSum& sum);
// Each amount clamped into [0, kMaxAmount]: what the engine stores of its inputs, so that a
// caller that skipped validation gets a bounded number, never a wrapped or negative one.
Resources Clamped(const Resources& r);
// An exact free amount (capacity - used) clamped into [-kMaxAmount, kMaxAmount]: as an int64
// it compares with every request within [0, kMaxAmount] exactly as the exact value does, so
// the placement loops compare int64s while the totals stay exact.
inline int64_t FreeAmount(WideAmount free) {
  return free > kMaxAmount    ? kMaxAmount
         : free < -kMaxAmount ? -kMaxAmount
                              : static_cast<int64_t>(free);
}
// FreeAmount of capacity - used, per kind.
inline Resources FreeOf(const Resources& capacity, const ResourceSum& used) {
  Resources out;
  for (int i = 0; i < kMaxResourceKinds; ++i)
    out.amount[i] = FreeAmount(capacity.amount[i] - used.amount[i]);
  return out;
}

// A total as a double (shares, scores), without the slow generic __int128 conversion when it
// fits in int64, as it nearly always does.
inline double ToDouble(WideAmount v) {
  return v >= INT64_MIN && v <= INT64_MAX ? static_cast<double>(static_cast<int64_t>(v))
                                          : static_cast<double>(v);
}

// Element-wise max and min.
template <typename Amount>
BasicResources<Amount> Max(const BasicResources<Amount>& a, const BasicResources<Amount>& b) {
  BasicResources<Amount> out;
  for (int i = 0; i < kMaxResourceKinds; ++i)
    out.amount[i] = a.amount[i] < b.amount[i] ? b.amount[i] : a.amount[i];
  return out;
}
template <typename Amount>
BasicResources<Amount> Min(const BasicResources<Amount>& a, const BasicResources<Amount>& b) {
  BasicResources<Amount> out;
  for (int i = 0; i < kMaxResourceKinds; ++i)
    out.amount[i] = b.amount[i] < a.amount[i] ? b.amount[i] : a.amount[i];
  return out;
}

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
  friend bool operator==(const ResourceBound&, const ResourceBound&) = default;
};

}  // namespace kubemesos
