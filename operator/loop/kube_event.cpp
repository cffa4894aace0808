// Posting Events (see kube_event.h).
#include "operator/loop/kube_event.h"

#include <atomic>
#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "operator/kube/object_key.h"
#include "operator/util/text.h"
#include "operator/util/time_format.h"

namespace kubemesos::loop {
namespace {

std::string UniqueSuffix() {
  static std::atomic<uint64_t> counter{0};
  auto ns = std::chrono::system_clock::now().time_since_epoch().count();
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%llx%llx", static_cast<unsigned long long>(ns),
                static_cast<unsigned long long>(counter++));
  return buf;
}

}  // namespace

bool PostEvent(client::KubeClient& client, const EventTarget& on, std::string_view type,
               const std::string& reason, const std::string& message) {
  std::string ns = kube::ObjectKey::Namespaced(on.ns, on.name).ns;
  std::string now = util::NowRfc3339();
  nlohmann::json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", on.name + "." + UniqueSuffix()}, {"namespace", ns}}},
      {"involvedObject", {{"apiVersion", on.api_version}, {"kind", on.kind}, {"name", on.name}}},
      {"reason", reason},
      // Messages quote user text (names, labels, server replies): cut on a character
      // boundary, or the body would hold a partial character and not serialise.
      {"message", util::SanitizeUtf8(message, kMaxEventMessageBytes)},
      {"type", type},
      {"source", {{"component", "kubemesos"}}},
      {"reportingComponent", "kubemesos"},
      {"firstTimestamp", now},
      {"lastTimestamp", now},
      {"count", 1}};
  if (!on.ns.empty()) event["involvedObject"]["namespace"] = on.ns;
  return client.Request("POST", "/api/v1/namespaces/" + ns + "/events", util::SafeDump(event)).ok();
}

}  // namespace kubemesos::loop
