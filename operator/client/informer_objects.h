// Private to the Informer (informer.cpp, informer_list.cpp): what it reads from an object (its
// key and metadata fields), the stub a Deleted event carries when the final state was not
// observed, and a readable line for a failed response. Include it nowhere else.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "operator/client/kube_client.h"
#include "operator/kube/lenient.h"
#include "operator/kube/object_key.h"
#include "operator/util/text.h"

namespace kubemesos::client::informer_objects {

using nlohmann::json;

// Strict on purpose: a namespace or name that is not a string throws, which fails the list or
// the watch line (see Step), as for any malformed object.
inline std::string KeyOf(const json& object) {
  const json& md = object.at("metadata");
  return kube::ObjectKey{md.value("namespace", ""), md.value("name", "")}.String();
}

inline std::string Field(const json& object, const char* field) {
  return kube::lenient::Str(kube::lenient::Field(object, "metadata"), field);
}

// What a Deleted event carries for an object whose final state was not observed.
inline json Stub(const std::string& api_version, const std::string& kind, const std::string& key,
                 const std::string& uid, const std::string& resource_version) {
  json md = {{"uid", uid}, {"resourceVersion", resource_version}};
  kube::ObjectKey k = kube::ObjectKey::Parse(key);
  if (!k.ns.empty()) md["namespace"] = k.ns;
  md["name"] = k.name;
  return json{{"apiVersion", api_version}, {"kind", kind}, {"metadata", std::move(md)}};
}

// A readable one-liner for a failed response: its message, else the body's Status message.
inline std::string Describe(const std::string& what, const HttpResponse& r) {
  std::string msg = r.message;
  if (msg.empty()) {
    auto j = json::parse(r.body, nullptr, false);
    if (j.is_object() && j.contains("message") && j["message"].is_string())
      msg = j["message"];
    else
      msg = util::SanitizeUtf8(r.body, 200);
  }
  return what + ": " + (r.status == 0 ? "" : "HTTP " + std::to_string(r.status) + ": ") + msg;
}

}  // namespace kubemesos::client::informer_objects
