// Which wire encoding kubemesos speaks to the API server (issue #17): protobuf for the built-in
// kinds the codec knows (operator/proto/codec.h), JSON for everything else (custom resources,
// which the API server serves only in JSON) and as the fallback (`--content-type json`).
//
// Threads: pure functions. Errors: none throw.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kubemesos::client {

enum class Encoding {
  kProtobuf,  // protobuf preferred: asked where the codec knows the kind, JSON elsewhere
  kJson,      // everything in JSON
};

// "protobuf" or "json" (the --content-type values); false for anything else.
bool ParseEncoding(std::string_view text, Encoding& out);
const char* EncodingName(Encoding encoding);

// The apiVersion of the objects under a collection path: "/api/v1/pods" -> "v1",
// "/apis/storage.k8s.io/v1/csinodes" -> "storage.k8s.io/v1" (query ignored); "" otherwise.
std::string ApiVersionOfPath(std::string_view path);

// The Accept header for objects of `api_version`/`kind`: proto::kProtobufAccept (protobuf,
// else JSON) with Encoding::kProtobuf when the codec knows the kind, else application/json.
std::string_view AcceptFor(Encoding encoding, std::string_view api_version, std::string_view kind);

// A request body for `object` (apiVersion and kind set): protobuf with Encoding::kProtobuf
// when the codec encodes it, else (also when the codec refuses a field) JSON. Sets
// `content_type` to match.
void EncodeBody(Encoding encoding, const nlohmann::json& object, std::string& body,
                std::string& content_type);

}  // namespace kubemesos::client
