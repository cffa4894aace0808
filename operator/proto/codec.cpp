// The codec's public face (codec.h): the "k8s\0" + runtime.Unknown envelope, list pages, watch
// events and frames, the size caps, and the never-throw guarantee. The per-message work is in
// decode.cpp / encode.cpp; what is left out of decoded objects is in schema.cpp (Dropped):
// metadata.managedFields, a container's command/args/env/envFrom/probes/lifecycle/
// terminationMessage*/workingDir, and a node's status.images and status.nodeInfo.
#include "operator/proto/codec.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <cctype>

#include "operator/proto/schema.h"
#include "operator/proto/wire.h"
#include "operator/util/guard.h"
#include "operator/util/text.h"

namespace kubemesos::proto {
namespace {

namespace pb = google::protobuf;
using internal::Message;
using internal::Schema;
using nlohmann::json;
using pb::io::CodedInputStream;
using WFL = pb::internal::WireFormatLite;

constexpr std::string_view kMagic("k8s\0", 4);
constexpr const char* kUnknownMessage = "k8s.io.apimachinery.pkg.runtime.Unknown";

// Runs `fn` (which returns bool and sets `error`), turning any exception into false.
template <typename F>
bool Safely(const char* what, std::string& error, F&& fn) noexcept {
  bool ok = false;
  if (!util::Guarded("proto", what, [&] { ok = fn(); })) {
    try {
      error = std::string("internal error while ") + what;
    } catch (...) {
    }
    return false;
  }
  return ok;
}

// Walks the top-level fields of `bytes`, calling on_bytes(number, sub-bytes) for each
// length-delimited field and on_varint(number, value) for each varint; skips the rest.
template <typename OnBytes, typename OnVarint>
bool Walk(std::string_view bytes, const char* what, std::string& error, OnBytes&& on_bytes,
          OnVarint&& on_varint) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  auto limit = in.PushLimit(static_cast<int>(bytes.size()));
  while (true) {
    uint32_t tag = in.ReadTag();
    if (tag == 0) {
      if (in.ConsumedEntireMessage()) break;
      error = std::string(what) + ": malformed field tag";
      return false;
    }
    int number = WFL::GetTagFieldNumber(tag);
    auto wt = WFL::GetTagWireType(tag);
    if (wt == WFL::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length) || length > static_cast<uint32_t>(in.BytesUntilLimit())) {
        error = std::string(what) + ": truncated (field " + std::to_string(number) + ")";
        return false;
      }
      std::string_view sub = bytes.substr(static_cast<size_t>(in.CurrentPosition()), length);
      in.Skip(static_cast<int>(length));
      if (!on_bytes(number, sub)) return false;
    } else if (wt == WFL::WIRETYPE_VARINT) {
      uint64_t v = 0;
      if (!in.ReadVarint64(&v)) {
        error = std::string(what) + ": truncated (field " + std::to_string(number) + ")";
        return false;
      }
      on_varint(number, v);
    } else if (!WFL::SkipField(&in, tag)) {
      error = std::string(what) + ": truncated or malformed field " + std::to_string(number);
      return false;
    }
  }
  in.PopLimit(limit);
  return true;
}

struct Envelope {
  std::string api_version;
  std::string kind;
  std::string_view raw;
  bool has_raw = false;
  const Message* message = nullptr;
};

// "k8s\0" + runtime.Unknown{typeMeta, raw, contentEncoding, contentType}.
bool OpenEnvelope(std::string_view body, Envelope& env, std::string& error) {
  if (!Schema().loaded()) {
    error = "protobuf schema not loaded";
    return false;
  }
  if (body.size() > kMaxBodyBytes) {
    error = "protobuf body of " + std::to_string(body.size()) + " bytes is above the limit of " +
            std::to_string(kMaxBodyBytes);
    return false;
  }
  if (body.size() < kMagic.size() || body.substr(0, kMagic.size()) != kMagic) {
    error = "not a Kubernetes protobuf body (no \"k8s\\0\" magic)";
    return false;
  }
  std::string encoding, content_type;
  bool ok = Walk(
      body.substr(kMagic.size()), "runtime.Unknown", error,
      [&](int number, std::string_view sub) {
        if (number == 1) {
          return Walk(
              sub, "runtime.TypeMeta", error,
              [&](int n, std::string_view s) {
                if (n == 1) env.api_version = util::SanitizeUtf8(s, 256);
                if (n == 2) env.kind = util::SanitizeUtf8(s, 256);
                return true;
              },
              [](int, uint64_t) {});
        }
        if (number == 2) {
          env.raw = sub;
          env.has_raw = true;
        }
        if (number == 3) encoding = util::SanitizeUtf8(sub, 64);
        if (number == 4) content_type = util::SanitizeUtf8(sub, 128);
        return true;
      },
      [](int, uint64_t) {});
  if (!ok) return false;
  if (!env.has_raw) {
    error = "runtime.Unknown without raw (no object)";
    return false;
  }
  if (!encoding.empty()) {
    error = "unsupported contentEncoding \"" + encoding + "\"";
    return false;
  }
  if (!content_type.empty() && !IsProtobuf(content_type)) {
    error = "unsupported embedded contentType \"" + content_type + "\"";
    return false;
  }
  env.message = Schema().Kind(env.api_version, env.kind);
  if (!env.message) {
    error = "unknown kind \"" + env.kind + "\" of apiVersion \"" + env.api_version + "\"";
    return false;
  }
  return true;
}

bool DecodeObjectImpl(std::string_view body, json& out, std::string& error) {
  Envelope env;
  if (!OpenEnvelope(body, env, error)) return false;
  json object;
  if (!internal::DecodeMessage(env.raw, *env.message, object, error)) return false;
  object["apiVersion"] = env.api_version;
  object["kind"] = env.kind;
  out = std::move(object);
  return true;
}

bool DecodeListImpl(std::string_view body, ListPage& out, std::string& error) {
  Envelope env;
  if (!OpenEnvelope(body, env, error)) return false;
  const internal::Field* items = env.message->FindNumber(2);
  constexpr std::string_view kList = "List";
  if (env.kind.size() <= kList.size() ||
      env.kind.compare(env.kind.size() - kList.size(), kList.size(), kList) != 0 || !items ||
      items->name != "items" || !items->repeated || !items->message) {
    error = "\"" + env.kind + "\" is not a list";
    return false;
  }
  const Message& list_meta = *env.message->FindNumber(1)->message;
  ListPage page;
  page.api_version = env.api_version;
  page.kind = env.kind.substr(0, env.kind.size() - kList.size());
  bool ok = Walk(
      env.raw, env.message->full_name.c_str(), error,
      [&](int number, std::string_view sub) {
        if (number == 1) {
          json meta;
          if (!internal::DecodeMessage(sub, list_meta, meta, error)) return false;
          page.resource_version = meta.value("resourceVersion", "");
          page.continue_token = meta.value("continue", "");
          page.remaining_item_count = meta.value("remainingItemCount", int64_t{-1});
        } else if (number == 2) {
          json item;
          if (!internal::DecodeMessage(sub, *items->message, item, error)) return false;
          item["apiVersion"] = page.api_version;
          item["kind"] = page.kind;
          page.items.push_back(std::move(item));
        }
        return true;
      },
      [](int, uint64_t) {});
  if (!ok) return false;
  out = std::move(page);
  return true;
}

bool DecodeWatchEventImpl(std::string_view frame, std::string& type, json& object,
                          std::string& error) {
  if (frame.size() > kMaxBodyBytes) {
    error = "watch frame above the limit of " + std::to_string(kMaxBodyBytes) + " bytes";
    return false;
  }
  // meta/v1 WatchEvent{type = 1; object = 2 (runtime.RawExtension{raw = 1})}.
  std::string event_type;
  std::string_view raw;
  bool has_object = false;
  bool ok = Walk(
      frame, "WatchEvent", error,
      [&](int number, std::string_view sub) {
        if (number == 1) event_type = util::SanitizeUtf8(sub, 64);
        if (number != 2) return true;
        has_object = true;
        return Walk(
            sub, "WatchEvent.object", error,
            [&](int n, std::string_view s) {
              if (n == 1) raw = s;
              return true;
            },
            [](int, uint64_t) {});
      },
      [](int, uint64_t) {});
  if (!ok) return false;
  if (event_type != "ADDED" && event_type != "MODIFIED" && event_type != "DELETED" &&
      event_type != "BOOKMARK" && event_type != "ERROR") {
    error = "unknown watch event type \"" + event_type + "\"";
    return false;
  }
  if (!has_object) {
    error = "watch event " + event_type + " without an object";
    return false;
  }
  json decoded;
  if (!DecodeObjectImpl(raw, decoded, error)) {
    error = "watch event " + event_type + ": " + error;
    return false;
  }
  type = std::move(event_type);
  object = std::move(decoded);
  return true;
}

// "k8s\0" + Unknown{typeMeta{apiVersion, kind}, raw, contentEncoding "", contentType ""}.
void WrapEnvelope(std::string_view api_version, std::string_view kind, std::string_view raw,
                  std::string& out) {
  auto put_varint = [](std::string& s, uint64_t v) {
    while (v >= 0x80) {
      s.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    s.push_back(static_cast<char>(v));
  };
  auto put_bytes = [&](std::string& s, int number, std::string_view b) {
    put_varint(s, static_cast<uint64_t>(number) << 3 | 2);
    put_varint(s, b.size());
    s.append(b);
  };
  std::string type_meta;
  put_bytes(type_meta, 1, api_version);
  put_bytes(type_meta, 2, kind);
  out.assign(kMagic);
  put_bytes(out, 1, type_meta);
  put_bytes(out, 2, raw);
  put_bytes(out, 3, "");
  put_bytes(out, 4, "");
}

bool TypeMetaOf(const json& object, std::string& api_version, std::string& kind,
                std::string& error) {
  if (!object.is_object()) {
    error = "expected an object";
    return false;
  }
  auto a = object.find("apiVersion");
  auto k = object.find("kind");
  if (a == object.end() || k == object.end() || !a->is_string() || !k->is_string()) {
    error = "apiVersion and kind are required";
    return false;
  }
  api_version = a->get<std::string>();
  kind = k->get<std::string>();
  return true;
}

bool EncodeObjectImpl(const json& object, std::string& out, std::string& error) {
  std::string api_version, kind;
  if (!TypeMetaOf(object, api_version, kind, error)) return false;
  const Message* m = Schema().Kind(api_version, kind);
  if (!m) {
    error = "unknown kind \"" + util::SanitizeUtf8(kind, 128) + "\" of apiVersion \"" +
            util::SanitizeUtf8(api_version, 128) + "\"";
    return false;
  }
  std::string raw;
  if (!internal::EncodeMessage(object, *m, true, raw, error)) return false;
  WrapEnvelope(api_version, kind, raw, out);
  return true;
}

bool EncodeListImpl(const ListPage& page, std::string& out, std::string& error) {
  std::string list_kind = page.kind + "List";
  const Message* m = Schema().Kind(page.api_version, list_kind);
  const internal::Field* items = m ? m->FindNumber(2) : nullptr;
  if (!items || items->name != "items" || !items->message) {
    error = "unknown list kind \"" + util::SanitizeUtf8(list_kind, 128) + "\"";
    return false;
  }
  json meta = json::object();
  if (!page.resource_version.empty()) meta["resourceVersion"] = page.resource_version;
  if (!page.continue_token.empty()) meta["continue"] = page.continue_token;
  if (page.remaining_item_count >= 0) meta["remainingItemCount"] = page.remaining_item_count;
  std::string raw;
  if (!internal::EncodeMessage(json{{"metadata", meta}}, *m, false, raw, error)) return false;
  for (size_t i = 0; i < page.items.size(); ++i) {
    std::string item;
    std::string item_error;
    if (!internal::EncodeMessage(page.items[i], *items->message, true, item, item_error)) {
      error = "items[" + std::to_string(i) + "]: " + item_error;
      return false;
    }
    raw.push_back(static_cast<char>(2 << 3 | 2));
    for (uint64_t v = item.size();; v >>= 7) {
      if (v < 0x80) {
        raw.push_back(static_cast<char>(v));
        break;
      }
      raw.push_back(static_cast<char>(v | 0x80));
    }
    raw.append(item);
  }
  WrapEnvelope(page.api_version, list_kind, raw, out);
  return true;
}

bool EncodeWatchEventImpl(std::string_view type, const json& object, std::string& out,
                          std::string& error) {
  std::string envelope;
  if (!EncodeObjectImpl(object, envelope, error)) return false;
  std::string raw_extension, event;
  auto put_bytes = [](std::string& s, int number, std::string_view b) {
    s.push_back(static_cast<char>(number << 3 | 2));
    for (uint64_t v = b.size();; v >>= 7) {
      if (v < 0x80) {
        s.push_back(static_cast<char>(v));
        break;
      }
      s.push_back(static_cast<char>(v | 0x80));
    }
    s.append(b);
  };
  put_bytes(raw_extension, 1, envelope);
  put_bytes(event, 1, type);
  put_bytes(event, 2, raw_extension);
  if (event.size() > UINT32_MAX) {
    error = "watch event too large";
    return false;
  }
  uint32_t n = static_cast<uint32_t>(event.size());
  out.clear();
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16 & 0xff));
  out.push_back(static_cast<char>(n >> 8 & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  out.append(event);
  return true;
}

}  // namespace

bool IsProtobuf(std::string_view content_type) {
  size_t end = content_type.find(';');
  std::string_view media = content_type.substr(0, end);
  while (!media.empty() && std::isspace(static_cast<unsigned char>(media.back())))
    media.remove_suffix(1);
  while (!media.empty() && std::isspace(static_cast<unsigned char>(media.front())))
    media.remove_prefix(1);
  if (media.size() != kProtobufContentType.size()) return false;
  for (size_t i = 0; i < media.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(media[i])) != kProtobufContentType[i]) return false;
  }
  return true;
}

bool Knows(std::string_view api_version, std::string_view kind) {
  try {
    return Schema().Kind(api_version, kind) != nullptr;
  } catch (...) {
    return false;
  }
}

bool DecodeList(std::string_view body, ListPage& out, std::string& error) {
  return Safely("decoding a protobuf list", error,
                [&] { return DecodeListImpl(body, out, error); });
}

bool DecodeObject(std::string_view body, json& out, std::string& error) {
  return Safely("decoding a protobuf object", error,
                [&] { return DecodeObjectImpl(body, out, error); });
}

bool DecodeWatchEvent(std::string_view frame, std::string& type, json& object, std::string& error) {
  return Safely("decoding a protobuf watch event", error,
                [&] { return DecodeWatchEventImpl(frame, type, object, error); });
}

bool EncodeObject(const json& object, std::string& out, std::string& error) {
  return Safely("encoding a protobuf object", error,
                [&] { return EncodeObjectImpl(object, out, error); });
}

bool EncodeList(const ListPage& page, std::string& out, std::string& error) {
  return Safely("encoding a protobuf list", error,
                [&] { return EncodeListImpl(page, out, error); });
}

bool EncodeWatchEvent(std::string_view type, const json& object, std::string& out,
                      std::string& error) {
  return Safely("encoding a protobuf watch event", error,
                [&] { return EncodeWatchEventImpl(type, object, out, error); });
}

void FrameSplitter::Append(std::string_view bytes) {
  if (!error_.empty()) return;
  // Drop consumed frames before growing, so the buffer holds at most one frame and a piece.
  if (offset_ > 0 && (offset_ == buffer_.size() || offset_ >= buffer_.size() / 2)) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(bytes);
}

bool FrameSplitter::Next(std::string& frame) {
  if (!error_.empty() || pending() < 4) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + offset_);
  size_t length = static_cast<size_t>(p[0]) << 24 | static_cast<size_t>(p[1]) << 16 |
                  static_cast<size_t>(p[2]) << 8 | static_cast<size_t>(p[3]);
  if (length > max_frame_) {
    error_ = "watch frame of " + std::to_string(length) + " bytes is above the limit of " +
             std::to_string(max_frame_);
    buffer_.clear();
    offset_ = 0;
    return false;
  }
  if (pending() < 4 + length) return false;
  frame.assign(buffer_, offset_ + 4, length);
  offset_ += 4 + length;
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  }
  return true;
}

}  // namespace kubemesos::proto
