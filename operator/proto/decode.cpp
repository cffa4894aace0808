// Protobuf wire bytes of one Kubernetes message -> the API server's JSON for it, driven by the
// descriptor tables (schema.h). No message objects in between: each field goes straight into
// the nlohmann::json the converters read.
//
// JSON presence follows the wire: a field is in the JSON when it is on the wire. The API
// server's marshalers write pointer fields only when non-nil (so presence matches its JSON),
// and always write non-pointer scalars (so "" / 0 / false may appear where its JSON omits
// them; the converters in operator/kube treat absent and zero alike for those fields).
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstdio>
#include <cstring>
#include <ctime>

#include "operator/proto/wire.h"
#include "operator/proto/wire_text.h"
#include "operator/util/text.h"

namespace kubemesos::proto::internal {
namespace {

namespace pb = google::protobuf;
using nlohmann::json;
using pb::io::CodedInputStream;
using WFL = pb::internal::WireFormatLite;

WFL::WireType WireTypeOf(Scalar t) {
  switch (t) {
    case Scalar::kString:
    case Scalar::kBytes:
    case Scalar::kMessage:
      return WFL::WIRETYPE_LENGTH_DELIMITED;
    case Scalar::kDouble:
    case Scalar::kFixed64:
    case Scalar::kSfixed64:
      return WFL::WIRETYPE_FIXED64;
    case Scalar::kFloat:
    case Scalar::kFixed32:
    case Scalar::kSfixed32:
      return WFL::WIRETYPE_FIXED32;
    default:
      return WFL::WIRETYPE_VARINT;
  }
}

class Decoder {
 public:
  explicit Decoder(std::string& error) : error_(error) {}

  // Reads the fields of `m` until the current limit into `obj` (an object).
  bool Fields(CodedInputStream& in, const Message& m, json& obj, int depth) {
    if (depth > kMaxDepth) return Fail(m, nullptr, "nested too deeply");
    while (true) {
      uint32_t tag = in.ReadTag();
      if (tag == 0) {
        if (in.ConsumedEntireMessage()) return true;
        return Fail(m, nullptr, "malformed field tag");
      }
      uint32_t number = WFL::GetTagFieldNumber(tag);
      WFL::WireType wt = WFL::GetTagWireType(tag);
      if (number == 0) return Fail(m, nullptr, "field number 0");
      const Field* f = m.FindNumber(number);
      bool packed = f && f->repeated && !f->map && wt == WFL::WIRETYPE_LENGTH_DELIMITED &&
                    WireTypeOf(f->type) != WFL::WIRETYPE_LENGTH_DELIMITED;
      if (!f || f->dropped || (wt != WireTypeOf(f->type) && !packed)) {
        // Unknown to the pinned files (a newer server), left out, or not the declared type:
        // skipped, as protobuf parsers do.
        if (!WFL::SkipField(&in, tag)) return Fail(m, f, "truncated or malformed unknown field");
        continue;
      }
      if (!OneField(in, m, *f, packed, obj, depth)) return false;
    }
  }

 private:
  bool Fail(const Message& m, const Field* f, const char* what) {
    if (error_.empty()) {
      error_ = m.full_name;
      if (f) error_ += "." + f->name;
      error_ += ": ";
      error_ += what;
    }
    return false;
  }

  bool OneField(CodedInputStream& in, const Message& m, const Field& f, bool packed, json& obj,
                int depth) {
    if (f.map) return MapEntry(in, m, f, obj, depth);
    if (packed) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length)) return Fail(m, &f, "truncated");
      auto limit = in.PushLimit(static_cast<int>(length));
      json& arr = Slot(obj, f.name, true);
      while (in.BytesUntilLimit() > 0) {
        json v;
        if (!ReadScalar(in, m, f, v)) return false;
        arr.push_back(std::move(v));
      }
      in.PopLimit(limit);
      return true;
    }
    if (f.type == Scalar::kMessage && f.inlined) {
      return SubMessage(in, m, f, *f.message, obj, depth, /*merge=*/true);
    }
    if (f.repeated) {
      json& arr = Slot(obj, f.name, true);
      arr.push_back(json());
      return Value(in, m, f, arr.back(), depth);
    }
    json& slot = obj[f.name];
    return Value(in, m, f, slot, depth);
  }

  // obj[name] as an array (created if absent; replaced if it held something else).
  static json& Slot(json& obj, const std::string& name, bool array) {
    json& s = obj[name];
    if (array && !s.is_array()) s = json::array();
    return s;
  }

  bool Value(CodedInputStream& in, const Message& m, const Field& f, json& out, int depth) {
    if (f.type != Scalar::kMessage) return ReadScalar(in, m, f, out);
    return SubMessage(in, m, f, *f.message, out, depth, /*merge=*/false);
  }

  bool SubMessage(CodedInputStream& in, const Message& m, const Field& f, const Message& sub,
                  json& out, int depth, bool merge) {
    uint32_t length = 0;
    if (!in.ReadVarint32(&length) || length > static_cast<uint32_t>(in.BytesUntilLimit()))
      return Fail(m, &f, "truncated");
    auto limit = in.PushLimit(static_cast<int>(length));
    bool ok;
    if (sub.special != Special::kNone) {
      json fields = json::object();
      ok = Fields(in, sub, fields, depth + 1);
      if (ok) ok = SpecialToJson(sub, fields, length, out);
    } else {
      // A message field that appears twice merges, as protobuf does.
      if (!merge && !out.is_object()) out = json::object();
      ok = Fields(in, sub, out, depth + 1);
    }
    in.PopLimit(limit);
    return ok;
  }

  bool SpecialToJson(const Message& sub, const json& fields, uint32_t length, json& out) {
    switch (sub.special) {
      case Special::kQuantity:
        out = fields.value("string", std::string());
        return true;
      case Special::kTime:
      case Special::kMicroTime: {
        // An empty message is the zero time (JSON null), as in apimachinery's time_proto.go.
        if (length == 0) {
          out = nullptr;
          return true;
        }
        int64_t seconds = fields.value("seconds", int64_t{0});
        int64_t nanos = sub.special == Special::kMicroTime ? fields.value("nanos", int64_t{0}) : -1;
        std::string text;
        if (!FormatTime(seconds, nanos, text)) return Fail(sub, nullptr, "time out of range");
        out = std::move(text);
        return true;
      }
      case Special::kDuration:
        out = FormatDuration(fields.value("duration", int64_t{0}));
        return true;
      case Special::kIntOrString:
        if (fields.value("type", int64_t{0}) == 1) {
          out = fields.value("strVal", std::string());
        } else {
          out = fields.value("intVal", int64_t{0});
        }
        return true;
      case Special::kRawExtension:
      case Special::kFieldsV1: {
        auto it = fields.find(sub.special == Special::kFieldsV1 ? "Raw" : "raw");
        if (it == fields.end() || !it->is_string()) {
          out = nullptr;
          return true;
        }
        // Held base64 by Scalar(); the JSON form is the embedded JSON document.
        std::string raw;
        if (!Base64Decode(it->get_ref<const std::string&>(), raw)) return Fail(sub, nullptr, "raw");
        json parsed = json::parse(raw, nullptr, /*allow_exceptions=*/false);
        out = parsed.is_discarded() ? json(it->get<std::string>()) : std::move(parsed);
        return true;
      }
      case Special::kNone:
        break;
    }
    return true;
  }

  bool MapEntry(CodedInputStream& in, const Message& m, const Field& f, json& obj, int depth) {
    uint32_t length = 0;
    if (!in.ReadVarint32(&length) || length > static_cast<uint32_t>(in.BytesUntilLimit()))
      return Fail(m, &f, "truncated");
    auto limit = in.PushLimit(static_cast<int>(length));
    json entry = json::object();
    bool ok = Fields(in, *f.message, entry, depth + 1);
    in.PopLimit(limit);
    if (!ok) return false;
    json& map = obj[f.name];
    if (!map.is_object()) map = json::object();
    std::string key;
    auto k = entry.find(f.map_key->name);
    if (k != entry.end()) key = k->is_string() ? k->get<std::string>() : k->dump();
    auto v = entry.find(f.map_value->name);
    if (v != entry.end()) {
      map[key] = std::move(*v);
    } else if (f.map_value->type == Scalar::kString || f.map_value->type == Scalar::kBytes) {
      map[key] = "";
    } else if (f.map_value->type == Scalar::kMessage) {
      map[key] = f.map_value->message->special == Special::kQuantity ? json("0") : json::object();
    } else {
      map[key] = 0;
    }
    return true;
  }

  bool ReadScalar(CodedInputStream& in, const Message& m, const Field& f, json& out) {
    uint64_t v = 0;
    switch (f.type) {
      case Scalar::kString:
      case Scalar::kBytes: {
        uint32_t length = 0;
        if (!in.ReadVarint32(&length) || length > static_cast<uint32_t>(in.BytesUntilLimit()))
          return Fail(m, &f, "truncated");
        const void* data = nullptr;
        int size = 0;
        std::string s;
        if (in.GetDirectBufferPointer(&data, &size) && size >= static_cast<int>(length)) {
          s.assign(static_cast<const char*>(data), length);
          in.Skip(static_cast<int>(length));
        } else if (!in.ReadString(&s, static_cast<int>(length))) {
          return Fail(m, &f, "truncated");
        }
        if (f.type == Scalar::kBytes) {
          out = Base64Encode(s);
        } else if (util::IsValidUtf8(s)) {
          out = std::move(s);
        } else {
          // Go strings may hold any bytes; JSON (and nlohmann's dump) need UTF-8.
          out = util::SanitizeUtf8(s);
        }
        return true;
      }
      case Scalar::kDouble:
      case Scalar::kFixed64:
      case Scalar::kSfixed64: {
        if (!in.ReadLittleEndian64(&v)) return Fail(m, &f, "truncated");
        if (f.type == Scalar::kDouble) {
          double d;
          std::memcpy(&d, &v, sizeof d);
          out = d;
        } else if (f.type == Scalar::kFixed64) {
          out = v;
        } else {
          out = static_cast<int64_t>(v);
        }
        return true;
      }
      case Scalar::kFloat:
      case Scalar::kFixed32:
      case Scalar::kSfixed32: {
        uint32_t w = 0;
        if (!in.ReadLittleEndian32(&w)) return Fail(m, &f, "truncated");
        if (f.type == Scalar::kFloat) {
          float d;
          std::memcpy(&d, &w, sizeof d);
          out = static_cast<double>(d);
        } else if (f.type == Scalar::kFixed32) {
          out = w;
        } else {
          out = static_cast<int32_t>(w);
        }
        return true;
      }
      default:
        break;
    }
    if (!in.ReadVarint64(&v)) return Fail(m, &f, "truncated");
    switch (f.type) {
      case Scalar::kBool:
        out = v != 0;
        break;
      case Scalar::kInt32:
        out = static_cast<int32_t>(v);
        break;
      case Scalar::kUint32:
        out = static_cast<uint32_t>(v);
        break;
      case Scalar::kUint64:
        out = v;
        break;
      case Scalar::kSint32:
        out = WFL::ZigZagDecode32(static_cast<uint32_t>(v));
        break;
      case Scalar::kSint64:
        out = WFL::ZigZagDecode64(v);
        break;
      default:
        out = static_cast<int64_t>(v);
        break;  // kInt64
    }
    return true;
  }

  std::string& error_;
};

}  // namespace

bool DecodeMessage(std::string_view bytes, const Message& m, json& out, std::string& error) {
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
    error = m.full_name + ": too large";
    return false;
  }
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  in.SetRecursionLimit(kMaxDepth + 8);
  Decoder d(error);
  if (m.special != Special::kNone) {
    // Only as a field of another message; a top-level object never is special.
    error = m.full_name + ": not an object";
    return false;
  }
  out = json::object();
  auto limit = in.PushLimit(static_cast<int>(bytes.size()));
  bool ok = d.Fields(in, m, out, 0);
  in.PopLimit(limit);
  return ok;
}

}  // namespace kubemesos::proto::internal
