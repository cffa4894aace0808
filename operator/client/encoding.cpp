// Choosing and producing the wire encoding; see encoding.h.
#include "operator/client/encoding.h"

#include "operator/client/kube_client.h"
#include "operator/proto/codec.h"
#include "operator/util/text.h"

namespace kubemesos::client {

bool ParseEncoding(std::string_view text, Encoding& out) {
  if (text == "protobuf") {
    out = Encoding::kProtobuf;
  } else if (text == "json") {
    out = Encoding::kJson;
  } else {
    return false;
  }
  return true;
}

const char* EncodingName(Encoding encoding) {
  return encoding == Encoding::kProtobuf ? "protobuf" : "json";
}

std::string ApiVersionOfPath(std::string_view path) {
  path = path.substr(0, path.find('?'));
  auto segment = [&](size_t& pos) {
    size_t end = path.find('/', pos);
    std::string_view s = path.substr(pos, end == std::string_view::npos ? path.npos : end - pos);
    pos = end == std::string_view::npos ? path.size() : end + 1;
    return s;
  };
  if (path.rfind("/api/", 0) == 0) {
    size_t pos = 5;
    return std::string(segment(pos));
  }
  if (path.rfind("/apis/", 0) == 0) {
    size_t pos = 6;
    std::string_view group = segment(pos);
    std::string_view version = segment(pos);
    if (group.empty() || version.empty()) return "";
    return std::string(group) + "/" + std::string(version);
  }
  return "";
}

std::string_view AcceptFor(Encoding encoding, std::string_view api_version, std::string_view kind) {
  if (encoding == Encoding::kProtobuf && proto::Knows(api_version, kind))
    return proto::kProtobufAccept;
  return kJsonMediaType;
}

void EncodeBody(Encoding encoding, const nlohmann::json& object, std::string& body,
                std::string& content_type) {
  if (encoding == Encoding::kProtobuf) {
    std::string error;
    if (proto::EncodeObject(object, body, error)) {
      content_type = std::string(proto::kProtobufContentType);
      return;
    }
  }
  body = util::SafeDump(object);
  content_type = std::string(kJsonMediaType);
}

}  // namespace kubemesos::client
