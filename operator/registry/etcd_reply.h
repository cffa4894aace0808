// Decoding of etcd's v3 JSON gateway replies into KvStore results, apart from the transport
// (etcd_client.cpp) so that it can be tested and fuzzed on bytes alone. Also the base64 codec
// the gateway's keys and values travel in.
//
// A reply is used only if it has the shape every real etcd reply has; anything else is an
// error result whose message starts with kMalformedReply (kv_store.h) and names the field:
// - a JSON object; the kv replies (range, put, txn, deleterange) carry header.revision > 0;
// - 64-bit numbers as decimal strings (the gateway's form) or JSON integers, inside int64 and
//   never negative (revisions, versions, lease IDs, TTLs, counts); absent means 0;
// - keys and values in standard base64, every key under `prefix` (results strip it); a Get
//   answers only for the key asked;
// - kvs, responses and events are arrays of objects.
// Contract: pure functions, thread-safe, no exceptions other than std::bad_alloc. Input size
// is bounded by the caller (EtcdOptions' reply limits); the decoders walk fixed paths only,
// so nesting depth costs nothing beyond the parser's own iterative stack.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "operator/registry/kv_store.h"
#include "operator/util/base64.h"

namespace kubemesos::registry {

// Standard base64 (operator/util/base64.h).
using util::Base64Decode;
using util::Base64Encode;

// `key` is the full key asked for (prefix included).
GetResult DecodeGetReply(std::string_view body, const std::string& prefix, const std::string& key);
RangeResult DecodeRangeReply(std::string_view body, const std::string& prefix);
PutResult DecodePutReply(std::string_view body);
TxnResult DecodeTxnReply(std::string_view body, const std::string& prefix);
DeleteResult DecodeDeleteReply(std::string_view body);
LeaseResult DecodeLeaseGrantReply(std::string_view body);
// `id` is the lease asked about; a reply about another lease is malformed.
LeaseResult DecodeLeaseKeepAliveReply(std::string_view body, int64_t id);

// One line of a /v3/watch stream.
struct WatchLine {
  std::string error;               // malformed, the server's error, or why it was canceled
  bool canceled = false;           // the watch ended (compaction, or `error`)
  int64_t compact_revision = 0;    // > 0: canceled because that history was compacted
  std::vector<WatchEvent> events;  // empty for "created" and progress notifications
};
WatchLine DecodeWatchLine(std::string_view line, const std::string& prefix);

}  // namespace kubemesos::registry
