// The two wire walkers of the codec (decode.cpp, encode.cpp): one message's bytes to the API
// server's JSON for it, and back. codec.cpp adds the envelopes, lists, watch events and limits.
//
// Contract: never throw except std::bad_alloc (callers in codec.cpp catch everything); on false,
// `error` says what and where ("k8s.io.api.core.v1.PodSpec.containers: truncated").
// Threads: reentrant.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "operator/proto/schema.h"

namespace kubemesos::proto::internal {

// Nesting deeper than this is refused (Kubernetes objects nest about 15 deep).
inline constexpr int kMaxDepth = 64;

// Decodes `bytes` as message `m` into `out`: a JSON object of the fields that are set (minus
// the dropped ones), or the scalar of a special message.
bool DecodeMessage(std::string_view bytes, const Message& m, nlohmann::json& out,
                   std::string& error);

// Appends the wire form of `in` (the JSON of message `m`) to `out`. `skip_type_meta` ignores
// top-level apiVersion and kind (the envelope carries them). Unknown JSON keys are errors.
bool EncodeMessage(const nlohmann::json& in, const Message& m, bool skip_type_meta,
                   std::string& out, std::string& error);

}  // namespace kubemesos::proto::internal
