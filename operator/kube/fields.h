// Typed, path-aware reads of fields of Kubernetes objects held as nlohmann::json. Used by the
// object converters (objects.cpp, pod.cpp) so every error names the exact field, e.g.
// `spec.containers[0].resources.requests.cpu: invalid quantity "abc": no digits`.
//
// Contract: readers throw FieldError (never anything else) on a wrong type or a bad value; the
// public converters in objects.h catch it and turn it into an error string. A field that is
// absent or JSON null reads as "not set". Nothing here allocates resource ids except
// ReadResourceList/ReadResourceBound, which intern names into the given catalog.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "scheduler/constraints.h"
#include "scheduler/resources.h"

namespace kubemesos::kube {

using nlohmann::json;

// A conversion error: `path` is the field ("spec.weight"), `what` the problem.
class FieldError : public std::runtime_error {
 public:
  FieldError(const std::string& path, const std::string& what)
      : std::runtime_error(path.empty() ? what : path + ": " + what) {}
};

// A quantity, or a total of one object, above the maximum of 2^62 milli-units (kMaxAmount):
// well-formed but too large to hold. A FieldError like any other, except where a caller must
// tell it apart (a pod already on a node; see PodFromJson).
class TooLargeError : public FieldError {
 public:
  using FieldError::FieldError;
};

// Well-formed input asking for something kubemesos does not enforce (issue #14): a pending pod
// of ours is refused (reason Unsupported) rather than placed against it. `what` names the
// field's meaning; Guard marks the Converted error as unsupported (objects.h).
class UnsupportedError : public FieldError {
 public:
  using FieldError::FieldError;
};

// The path of `key` inside the object at `parent`: "spec" + "weight" -> "spec.weight"; keys
// that are not plain identifiers are bracketed: "requests" + "nvidia.com/gpu" ->
// "requests[nvidia.com/gpu]".
std::string Join(std::string_view parent, std::string_view key);
// "spec.containers" + 2 -> "spec.containers[2]".
std::string Join(std::string_view parent, size_t index);

// The JSON type name used in error messages: "string", "number", "object", ...
const char* TypeName(const json& value);

// The value of `key` in `object`, or nullptr when absent or null. `object` must be an object
// (callers check with ReadObject).
const json* Find(const json& object, std::string_view key);

// Each reader: returns nullopt/nullptr when the field is absent or null; throws FieldError when
// it has another type. `path` is the path of `object` itself.
std::optional<std::string> ReadString(const json& object, std::string_view key,
                                      std::string_view path);
std::optional<bool> ReadBool(const json& object, std::string_view key, std::string_view path);
std::optional<double> ReadNumber(const json& object, std::string_view key, std::string_view path);
// An integral JSON number (2, or 2.0); throws on fractions.
std::optional<int64_t> ReadInt(const json& object, std::string_view key, std::string_view path);
const json* ReadObject(const json& object, std::string_view key, std::string_view path);
const json* ReadArray(const json& object, std::string_view key, std::string_view path);
// Like ReadObject, but an absent field reads as an empty object (never nullptr).
const json* ReadObjectOrEmpty(const json& object, std::string_view key, std::string_view path = "");

// Like ReadString but throws "required" when absent or empty.
std::string RequireString(const json& object, std::string_view key, std::string_view path);

// A map of string to string (labels, nodeSelector). Absent: empty.
Labels ReadStringMap(const json& object, std::string_view key, std::string_view path);

// A quantity given as a string ("1.5Gi") or a JSON number (written out with json::dump, so 0.1
// stays "0.1"), in milli-units. Throws on unparsable or negative values, and (TooLargeError) on
// values above kMaxAmount = 2^62 milli-units ("quantity too large: \"5000000000000000\" (max
// 4611686018427387904m)"), so every amount read here is within the engine's per-object bound.
int64_t ReadQuantityMilli(const json& value, std::string_view path);

// Whether a zero amount of a kind the catalog does not know yet is interned. kDropUnknownZero
// saves catalog slots for what only nodes and pods carry (real nodes report hugepages-1Gi: 0 and
// friends): a zero there means the same as absent. Quota bounds need kKeep: a limit of 0 is a
// bound.
enum class ZeroKinds { kKeep, kDropUnknownZero };

// A Kubernetes ResourceList ({cpu: "2", memory: 4Gi, nvidia.com/gpu: 1}) at `key`, converted to
// stored units with names interned into `catalog`. Absent: all zero. Throws when more than
// kMaxResourceKinds kinds would be needed.
Resources ReadResourceList(const json& object, std::string_view key, std::string_view path,
                           ResourceCatalog& catalog, ZeroKinds zeros = ZeroKinds::kKeep);
// The same, remembering which kinds were set (quota guarantees and limits).
ResourceBound ReadResourceBound(const json& object, std::string_view key, std::string_view path,
                                ResourceCatalog& catalog, ZeroKinds zeros = ZeroKinds::kKeep);

// A metav1.LabelSelector at `key` of `object` (`path` is the object's path): matchLabels (as In
// with one value) and matchExpressions (In, NotIn, Exists, DoesNotExist). Absent or null: the
// selector that selects nothing (LabelSelector::nothing), as topology spread and inter-pod
// affinity read a missing labelSelector.
LabelSelector ReadLabelSelector(const json& object, std::string_view key, std::string_view path);

}  // namespace kubemesos::kube
