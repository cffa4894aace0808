// Standard base64 (RFC 4648, with padding): etcd's v3 gateway keys and values (operator/registry)
// and protobuf `bytes` fields in the Kubernetes JSON (operator/proto). Pure functions; no
// exceptions other than std::bad_alloc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kubemesos::util {

namespace internal {
inline constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

inline int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace internal

// Standard base64 with padding, and back (false on a byte outside the alphabet, padding in
// the middle, or a length no encoder produces; missing final padding is accepted).
inline std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = b(i) << 16 | b(i + 1) << 8 | b(i + 2);
    for (int shift : {18, 12, 6, 0}) out += internal::kBase64Alphabet[(n >> shift) & 63];
  }
  if (i + 1 == bytes.size()) {
    uint32_t n = b(i) << 16;
    out += internal::kBase64Alphabet[(n >> 18) & 63];
    out += internal::kBase64Alphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t n = b(i) << 16 | b(i + 1) << 8;
    out += internal::kBase64Alphabet[(n >> 18) & 63];
    out += internal::kBase64Alphabet[(n >> 12) & 63];
    out += internal::kBase64Alphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

inline bool Base64Decode(std::string_view text, std::string& bytes) {
  bytes.clear();
  size_t end = text.size();
  if (end % 4 == 0 && end > 0 && text[end - 1] == '=') --end;
  if (end % 4 == 3 && end > 0 && text[end - 1] == '=') --end;
  if (end % 4 == 1) return false;  // no encoder ends a group with one character
  bytes.reserve(end / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < end; ++i) {
    int v = internal::Base64Value(text[i]);
    if (v < 0) return false;
    acc = (acc << 6 | static_cast<uint32_t>(v)) & 0xFFFFFF;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

}  // namespace kubemesos::util
