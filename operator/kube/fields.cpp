// Typed, path-aware field readers for Kubernetes objects (see fields.h).
#include "operator/kube/fields.h"

#include <cctype>
#include <cmath>
#include <limits>

#include "scheduler/quantity.h"

namespace kubemesos::kube {
namespace {

using LabelOp = NodeSelectorRequirement::Op;

NodeSelectorRequirement ReadExpression(const json& item, const std::string& path) {
  if (!item.is_object()) {
    throw FieldError(path, std::string("expected an object, got ") + TypeName(item));
  }
  NodeSelectorRequirement r;
  r.key = RequireString(item, "key", path);
  const std::string op = RequireString(item, "operator", path);
  if (op == "In") {
    r.op = LabelOp::kIn;
  } else if (op == "NotIn") {
    r.op = LabelOp::kNotIn;
  } else if (op == "Exists") {
    r.op = LabelOp::kExists;
  } else if (op == "DoesNotExist") {
    r.op = LabelOp::kDoesNotExist;
  } else {
    throw FieldError(Join(path, "operator"),
                     "unsupported operator \"" + op + "\" (In, NotIn, Exists or DoesNotExist)");
  }
  const std::string vpath = Join(path, "values");
  const json* values = ReadArray(item, "values", path);
  for (size_t i = 0; values && i < values->size(); ++i) {
    const json& v = (*values)[i];
    if (!v.is_string()) {
      throw FieldError(Join(vpath, i), std::string("expected a string, got ") + TypeName(v));
    }
    r.values.push_back(v.get<std::string>());
  }
  const bool set = r.op == LabelOp::kIn || r.op == LabelOp::kNotIn;
  if (set && r.values.empty()) throw FieldError(vpath, "must be non-empty for In and NotIn");
  if (!set && !r.values.empty()) {
    throw FieldError(vpath, "must be empty for Exists and DoesNotExist");
  }
  return r;
}

bool IsIdentifier(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

[[noreturn]] void WrongType(const json& value, std::string_view path, const char* expected) {
  throw FieldError(std::string(path),
                   std::string("expected ") + expected + ", got " + TypeName(value));
}

std::string QuantityText(const json& value, std::string_view path) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number()) return value.dump();
  WrongType(value, path, "a quantity (string or number)");
}

ResourceId InternOrThrow(ResourceCatalog& catalog, const std::string& name, std::string_view path) {
  if (name.empty()) throw FieldError(std::string(path), "empty resource name");
  auto id = catalog.Intern(name);
  if (!id) {
    throw FieldError(Join(path, name), "too many resource kinds (at most " +
                                           std::to_string(kMaxResourceKinds) + " are supported)");
  }
  return *id;
}

}  // namespace

std::string Join(std::string_view parent, std::string_view key) {
  if (!IsIdentifier(key)) return std::string(parent) + "[" + std::string(key) + "]";
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

std::string Join(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

const char* TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "number";
    default:
      return "unsupported value";
  }
}

const json* Find(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> ReadString(const json& object, std::string_view key,
                                      std::string_view path) {
  const json* v = Find(object, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) WrongType(*v, Join(path, key), "a string");
  return v->get<std::string>();
}

std::optional<bool> ReadBool(const json& object, std::string_view key, std::string_view path) {
  const json* v = Find(object, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) WrongType(*v, Join(path, key), "a boolean");
  return v->get<bool>();
}

std::optional<double> ReadNumber(const json& object, std::string_view key, std::string_view path) {
  const json* v = Find(object, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) WrongType(*v, Join(path, key), "a number");
  double d = v->get<double>();
  if (!std::isfinite(d)) throw FieldError(Join(path, key), "not a finite number");
  return d;
}

std::optional<int64_t> ReadInt(const json& object, std::string_view key, std::string_view path) {
  const json* v = Find(object, key);
  if (!v) return std::nullopt;
  // is_number_integer() is also true for unsigned numbers, which the parser makes of anything
  // above INT64_MAX: check those first, or get<int64_t>() would wrap them negative.
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      throw FieldError(Join(path, key), "integer out of range");
    }
    return static_cast<int64_t>(u);
  }
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) {
      return static_cast<int64_t>(d);
    }
    throw FieldError(Join(path, key), "expected an integer, got " + v->dump());
  }
  WrongType(*v, Join(path, key), "an integer");
}

const json* ReadObject(const json& object, std::string_view key, std::string_view path) {
  const json* v = Find(object, key);
  if (v && !v->is_object()) WrongType(*v, Join(path, key), "an object");
  return v;
}

const json* ReadArray(const json& object, std::string_view key, std::string_view path) {
  const json* v = Find(object, key);
  if (v && !v->is_array()) WrongType(*v, Join(path, key), "an array");
  return v;
}

const json* ReadObjectOrEmpty(const json& object, std::string_view key, std::string_view path) {
  static const json kEmpty = json::object();
  const json* v = ReadObject(object, key, path);
  return v ? v : &kEmpty;
}

std::string RequireString(const json& object, std::string_view key, std::string_view path) {
  auto s = ReadString(object, key, path);
  if (!s || s->empty()) throw FieldError(Join(path, key), "required");
  return *s;
}

Labels ReadStringMap(const json& object, std::string_view key, std::string_view path) {
  Labels out;
  const json* map = ReadObject(object, key, path);
  if (!map) return out;
  std::string map_path = Join(path, key);
  for (const auto& [k, v] : map->items()) {
    if (!v.is_string()) WrongType(v, Join(map_path, k), "a string");
    out.emplace(k, v.get<std::string>());
  }
  return out;
}

int64_t ReadQuantityMilli(const json& value, std::string_view path) {
  std::string text = QuantityText(value, path);
  std::string error;
  bool too_large = false;
  auto milli = ParseQuantityMilli(text, &error, &too_large);
  if (!milli && too_large) throw TooLargeError(std::string(path), error);
  if (!milli) throw FieldError(std::string(path), error);
  if (*milli < 0) {
    throw FieldError(std::string(path), "invalid quantity \"" + text + "\": must not be negative");
  }
  return *milli;
}

Resources ReadResourceList(const json& object, std::string_view key, std::string_view path,
                           ResourceCatalog& catalog, ZeroKinds zeros) {
  ResourceBound bound = ReadResourceBound(object, key, path, catalog, zeros);
  return bound.amount;
}

ResourceBound ReadResourceBound(const json& object, std::string_view key, std::string_view path,
                                ResourceCatalog& catalog, ZeroKinds zeros) {
  ResourceBound out;
  const json* list = ReadObject(object, key, path);
  if (!list) return out;
  std::string list_path = Join(path, key);
  for (const auto& [name, value] : list->items()) {
    std::string item_path = Join(list_path, name);
    int64_t milli = ReadQuantityMilli(value, item_path);
    if (milli == 0 && zeros == ZeroKinds::kDropUnknownZero && !catalog.Find(name)) continue;
    ResourceId id = InternOrThrow(catalog, name, list_path);
    out.Set(id, ResourceCatalog::FromMilli(id, milli));
  }
  return out;
}

LabelSelector ReadLabelSelector(const json& object, std::string_view key, std::string_view path) {
  LabelSelector out;
  const json* selector = ReadObject(object, key, path);
  if (!selector) {
    out.nothing = true;
    return out;
  }
  const std::string spath = Join(path, key);
  for (const auto& [k, v] : ReadStringMap(*selector, "matchLabels", spath))
    out.requirements.push_back({k, LabelOp::kIn, {v}, false});
  const json* expressions = ReadArray(*selector, "matchExpressions", spath);
  for (size_t i = 0; expressions && i < expressions->size(); ++i) {
    out.requirements.push_back(
        ReadExpression((*expressions)[i], Join(Join(spath, "matchExpressions"), i)));
  }
  return out;
}

}  // namespace kubemesos::kube
