// EtcdClient: the real KvStore, over etcd's v3 HTTP/JSON gateway (cpprestsdk, inside
// etcd_client.cpp only; this header does not expose it).
//
// - Requests: POST /v3/kv/range, /v3/kv/put, /v3/kv/txn, /v3/kv/deleterange,
//   /v3/lease/grant, /v3/lease/keepalive (one request, one answer), /v3/lease/revoke and the
//   streaming /v3/watch. Keys and values travel base64-encoded; the gateway sends 64-bit
//   numbers as strings and omits zero values.
// - Prefix: every key is stored under `prefix` (default "/kubemesos/"); results strip it.
// - Endpoints: tried in order starting with the last one that answered; a transport failure
//   (connection refused, timeout, TLS) or 503 moves on to the next; the call fails only when
//   every endpoint failed, with a message naming each. Caveat: a write whose answer was lost
//   may have been applied before the retry on the next endpoint; a CompareAndPut retried this
//   way reports !succeeded with `current` showing the caller's own write (check for it).
// - TLS (https:// endpoints): the configured CA bundle is trusted in addition to the system
//   roots, the client certificate and key are presented, the server certificate is verified.
// - Replies are validated (etcd_reply.h): a malformed one is an error result naming the field.
//   A 200 reply must be application/json and at most max_range_reply_bytes (Range) or
//   kMaxKeyReplyBytes (every other request: one key at most); a longer one is cut off and is
//   an error, so a broken or hostile endpoint cannot make the client buffer without bound.
// - Watches: the body is read as bytes arrive; progress notifications are requested so a
//   quiet watch is not mistaken for a dead one; a watch silent for watch_idle_timeout ends
//   with an error (resume from the last revision + 1).
//
// Threads and errors: see kv_store.h. Call client::InitTransport (operator/client/
// rest_client.h) first in main. Never call from a cpprestsdk pool thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "operator/registry/kv_store.h"

namespace kubemesos::registry {

// The cap on a reply that holds one key at most: a value is at most etcd's
// --max-request-bytes (1.5 MiB by default), and base64 adds a third.
inline constexpr size_t kMaxKeyReplyBytes = 4 << 20;

struct EtcdOptions {
  std::vector<std::string> endpoints;  // "http://127.0.0.1:2379", "https://10.0.0.1:2379"
  std::string prefix = "/kubemesos/";
  // TLS material as PEM text; when a *_pem is empty and its *_file is set, the file is read.
  std::string ca_pem, cert_pem, key_pem;
  std::string ca_file, cert_file, key_file;
  std::chrono::seconds request_timeout{5};
  std::chrono::seconds watch_idle_timeout{300};
  size_t max_range_reply_bytes = 64 << 20;  // a Range reply (a dump, a recorder's list)
};

// Builds the client; does not contact etcd. Throws std::invalid_argument for no endpoints or
// an endpoint that is not http(s)://, and client::TlsError (operator/client/tls.h) or
// std::runtime_error for unreadable or mismatched TLS material.
std::unique_ptr<KvStore> MakeEtcdClient(const EtcdOptions& options);

}  // namespace kubemesos::registry
