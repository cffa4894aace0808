// Posting a core/v1 Event about an object: the one way the loop's writers (status reporter,
// evictor) write Events.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "operator/client/kube_client.h"

namespace kubemesos::loop {

// The longest Event message written, in bytes (a longer one is cut on a character boundary).
inline constexpr size_t kMaxEventMessageBytes = 1024;

// The object an Event is about. `ns` is empty for cluster-scoped kinds (the Event then goes to
// "default").
struct EventTarget {
  std::string ns, name;
  std::string kind = "Pod";
  std::string api_version = "v1";
};

// POSTs an Event of `type` ("Normal" or "Warning") with `reason` and `message` (cut to
// kMaxEventMessageBytes, invalid UTF-8 replaced: messages quote user text), reported by
// "kubemesos". True on 2xx. Threads: any. Errors: what the client throws passes through (callers
// run on guarded workers).
bool PostEvent(client::KubeClient& client, const EventTarget& on, std::string_view type,
               const std::string& reason, const std::string& message);

}  // namespace kubemesos::loop
