// The API server's JSON for one Kubernetes message -> protobuf wire bytes, driven by the
// descriptor tables (schema.h). Used for the Binding the binder posts and by tests and fakes;
// a JSON key the pinned files do not have is an error naming it, never silently dropped.
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <vector>

#include "operator/proto/wire.h"
#include "operator/proto/wire_text.h"
#include "operator/util/text.h"

namespace kubemesos::proto::internal {
namespace {

using nlohmann::json;

constexpr int kVarint = 0, kFixed64 = 1, kLength = 2, kFixed32 = 5;

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutTag(std::string& out, int number, int wire_type) {
  PutVarint(out, static_cast<uint64_t>(number) << 3 | static_cast<uint64_t>(wire_type));
}

void PutBytes(std::string& out, int number, std::string_view bytes) {
  PutTag(out, number, kLength);
  PutVarint(out, bytes.size());
  out.append(bytes);
}

void PutFixed(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i) & 0xff));
}

class Encoder {
 public:
  explicit Encoder(std::string& error) : error_(error) {}

  bool Object(const json& in, const Message& m, bool skip_type_meta, std::string& out,
              const std::string& path, int depth) {
    if (depth > kMaxDepth) return Fail(path, "nested too deeply");
    if (m.special != Special::kNone) return SpecialFields(in, m, out, path);
    if (!in.is_object())
      return Fail(path, std::string("expected an object, got ") + in.type_name());
    // JSON keys of inlined (embedded) messages go to that field, as one message.
    std::map<const Field*, json> inlined;
    for (auto it = in.begin(); it != in.end(); ++it) {
      const std::string& key = it.key();
      if (it->is_null()) continue;
      if (depth == 0 && skip_type_meta && (key == "apiVersion" || key == "kind")) continue;
      const Field* f = m.FindName(key);
      if (f && !f->inlined) {
        if (!FieldValue(*f, *it, out, Join(path, key), depth)) return false;
        continue;
      }
      const Field* owner = InlineOwner(m, key);
      if (!owner) return Fail(Join(path, key), "unknown field (not in " + m.full_name + ")");
      inlined[owner][key] = *it;
    }
    for (auto& [f, sub] : inlined) {
      std::string bytes;
      if (!Object(sub, *f->message, false, bytes, path, depth + 1)) return false;
      PutBytes(out, f->number, bytes);
    }
    return true;
  }

 private:
  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  bool Fail(const std::string& path, const std::string& what) {
    if (error_.empty()) error_ = (path.empty() ? "" : path + ": ") + what;
    return false;
  }

  // The inlined field of `m` whose message has JSON key `key` (one level, as Kubernetes has).
  static const Field* InlineOwner(const Message& m, const std::string& key) {
    for (const Field& f : m.fields) {
      if (f.inlined && f.message->FindName(key)) return &f;
    }
    return nullptr;
  }

  bool FieldValue(const Field& f, const json& v, std::string& out, const std::string& path,
                  int depth) {
    if (f.map) {
      if (!v.is_object())
        return Fail(path, std::string("expected an object, got ") + v.type_name());
      for (auto it = v.begin(); it != v.end(); ++it) {
        std::string entry;
        if (!Single(*f.map_key, json(it.key()), entry, path, depth + 1)) return false;
        if (!it->is_null() && !Single(*f.map_value, *it, entry, Join(path, it.key()), depth + 1))
          return false;
        PutBytes(out, f.number, entry);
      }
      return true;
    }
    if (f.repeated) {
      if (!v.is_array()) return Fail(path, std::string("expected an array, got ") + v.type_name());
      for (size_t i = 0; i < v.size(); ++i) {
        if (!Single(f, v[i], out, path + "[" + std::to_string(i) + "]", depth + 1)) return false;
      }
      return true;
    }
    return Single(f, v, out, path, depth + 1);
  }

  bool Single(const Field& f, const json& v, std::string& out, const std::string& path, int depth) {
    switch (f.type) {
      case Scalar::kMessage: {
        std::string bytes;
        if (!Object(v, *f.message, false, bytes, path, depth)) return false;
        PutBytes(out, f.number, bytes);
        return true;
      }
      case Scalar::kString:
        if (!v.is_string())
          return Fail(path, std::string("expected a string, got ") + v.type_name());
        PutBytes(out, f.number, v.get_ref<const std::string&>());
        return true;
      case Scalar::kBytes: {
        std::string bytes;
        if (!v.is_string() || !Base64Decode(v.get_ref<const std::string&>(), bytes))
          return Fail(path, "expected base64");
        PutBytes(out, f.number, bytes);
        return true;
      }
      case Scalar::kBool:
        if (!v.is_boolean())
          return Fail(path, std::string("expected a boolean, got ") + v.type_name());
        PutTag(out, f.number, kVarint);
        PutVarint(out, v.get<bool>() ? 1 : 0);
        return true;
      case Scalar::kDouble:
      case Scalar::kFloat: {
        if (!v.is_number())
          return Fail(path, std::string("expected a number, got ") + v.type_name());
        double d = v.get<double>();
        if (f.type == Scalar::kDouble) {
          uint64_t bits;
          std::memcpy(&bits, &d, sizeof bits);
          PutTag(out, f.number, kFixed64);
          PutFixed(out, bits, 8);
        } else {
          float fl = static_cast<float>(d);
          uint32_t bits;
          std::memcpy(&bits, &fl, sizeof bits);
          PutTag(out, f.number, kFixed32);
          PutFixed(out, bits, 4);
        }
        return true;
      }
      default:
        break;
    }
    int64_t n = 0;
    if (!Integer(v, n)) return Fail(path, std::string("expected an integer, got ") + v.dump());
    switch (f.type) {
      case Scalar::kFixed32:
      case Scalar::kSfixed32:
        PutTag(out, f.number, kFixed32);
        PutFixed(out, static_cast<uint64_t>(n), 4);
        return true;
      case Scalar::kFixed64:
      case Scalar::kSfixed64:
        PutTag(out, f.number, kFixed64);
        PutFixed(out, static_cast<uint64_t>(n), 8);
        return true;
      case Scalar::kSint32:
      case Scalar::kSint64:
        PutTag(out, f.number, kVarint);
        PutVarint(out, (static_cast<uint64_t>(n) << 1) ^ static_cast<uint64_t>(n >> 63));
        return true;
      case Scalar::kInt32:
        if (n < std::numeric_limits<int32_t>::min() || n > std::numeric_limits<int32_t>::max())
          return Fail(path, "out of range for int32");
        [[fallthrough]];
      default:
        PutTag(out, f.number, kVarint);
        PutVarint(out, static_cast<uint64_t>(n));
        return true;
    }
  }

  static bool Integer(const json& v, int64_t& n) {
    if (v.is_number_integer()) {
      if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
        return false;
      n = v.get<int64_t>();
      return true;
    }
    if (v.is_number_float()) {
      double d = v.get<double>();
      if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e18) return false;
      n = static_cast<int64_t>(d);
      return true;
    }
    return false;
  }

  // The fields of a special message from its JSON scalar.
  bool SpecialFields(const json& v, const Message& m, std::string& out, const std::string& path) {
    switch (m.special) {
      case Special::kQuantity:
        if (v.is_string()) {
          PutBytes(out, 1, v.get_ref<const std::string&>());
        } else if (v.is_number()) {
          PutBytes(out, 1, v.dump());
        } else {
          return Fail(path, "expected a quantity");
        }
        return true;
      case Special::kTime:
      case Special::kMicroTime: {
        if (v.is_null()) return true;  // the zero time: an empty message
        int64_t seconds = 0;
        int32_t nanos = 0;
        if (!v.is_string() || !ParseTime(v.get_ref<const std::string&>(), seconds, nanos))
          return Fail(path, "expected an RFC 3339 time");
        PutTag(out, 1, kVarint);
        PutVarint(out, static_cast<uint64_t>(seconds));
        if (m.special == Special::kMicroTime && nanos != 0) {
          PutTag(out, 2, kVarint);
          PutVarint(out, static_cast<uint64_t>(static_cast<int64_t>(nanos / 1000 * 1000)));
        }
        return true;
      }
      case Special::kIntOrString: {
        int64_t n = 0;
        if (v.is_string()) {
          PutTag(out, 1, kVarint);
          PutVarint(out, 1);
          PutBytes(out, 3, v.get_ref<const std::string&>());
        } else if (Integer(v, n) && n >= INT32_MIN && n <= INT32_MAX) {
          PutTag(out, 1, kVarint);
          PutVarint(out, 0);
          PutTag(out, 2, kVarint);
          PutVarint(out, static_cast<uint64_t>(n));
        } else {
          return Fail(path, "expected an int32 or a string");
        }
        return true;
      }
      case Special::kRawExtension:
      case Special::kFieldsV1:
        PutBytes(out, 1, util::SafeDump(v));
        return true;
      case Special::kDuration:
        return Fail(path, "encoding a Duration is not supported");
      case Special::kNone:
        break;
    }
    return true;
  }

  std::string& error_;
};

}  // namespace

bool EncodeMessage(const json& in, const Message& m, bool skip_type_meta, std::string& out,
                   std::string& error) {
  Encoder e(error);
  return e.Object(in, m, skip_type_meta, out, "", 0);
}

}  // namespace kubemesos::proto::internal
