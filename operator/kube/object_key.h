// ObjectKey: the one way to name a Kubernetes object as "namespace/name" (or "name" for a
// cluster-scoped object), to split such a key, and to fill in the "default" namespace.
//
// Header-only (the client library, which links no converter, uses it too). Plain value type:
// no threads, no allocation beyond the strings, never throws.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "operator/kube/lenient.h"

namespace kubemesos::kube {

// The namespace of a namespaced object whose metadata names none.
inline constexpr const char* kDefaultNamespace = "default";

struct ObjectKey {
  std::string ns;  // "" for a cluster-scoped object
  std::string name;

  // The key of a namespaced object: an empty namespace is the default one.
  static ObjectKey Namespaced(std::string ns, std::string name) {
    if (ns.empty()) ns = kDefaultNamespace;
    return {std::move(ns), std::move(name)};
  }

  // Splits "namespace/name" at its first '/'; a key without one is a cluster-scoped "name".
  static ObjectKey Parse(std::string_view key) {
    size_t slash = key.find('/');
    if (slash == std::string_view::npos) return {"", std::string(key)};
    return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
  }

  // metadata.namespace and metadata.name, read leniently (missing or not a string: ""), as
  // written: no default namespace filled in (see Namespaced).
  static ObjectKey Of(const nlohmann::json& object) {
    const nlohmann::json& meta = lenient::Field(object, "metadata");
    return {lenient::Str(meta, "namespace"), lenient::Str(meta, "name")};
  }

  // "namespace/name", or "name" when ns is empty. Parse(k.String()) == k when name has no '/'.
  std::string String() const { return ns.empty() ? name : ns + "/" + name; }

  bool operator==(const ObjectKey&) const = default;
};

}  // namespace kubemesos::kube
