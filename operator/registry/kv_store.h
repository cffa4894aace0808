// KvStore: what the registry needs from etcd, as a small interface.
//
// EtcdClient (etcd_client.h) implements it over etcd's v3 HTTP/JSON gateway; FakeKvStore
// (tests/fakes/registry/fake_kv_store.h, test-only) in memory, for unit tests. The semantics follow
// etcd v3: one revision counter for the whole store, every write bumps it; each key carries its
// create_revision (0 = absent), mod_revision and version; leases expire TTL seconds after their
// last keepalive and take their keys with them.
//
// Contract shared by every implementation:
// - Keys are relative: the implementation applies its own prefix (EtcdClient: default
//   "/kubemesos/"), so "leader" is stored as "/kubemesos/leader". Keys and values are bytes.
// - Errors are values: no exception escapes a method. Every result has `error`, empty on
//   success, otherwise a readable message (endpoint unreachable, TLS failure, server error).
//   A failed compare in a transaction is NOT an error: `succeeded` is false. A reply the
//   server sent but that does not have the shape it must have (wrong types, numbers out of
//   range, bad encodings) is an error whose message contains kMalformedReply: never a throw.
// - Threads: every method may be called from many threads at once and blocks the caller.
//   A Watch stream is read by one thread; its Cancel may be called from any thread.
// - Lifetime: the store must outlive the watch streams it returned.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kubemesos::registry {

// In the error of a result whose reply was malformed (as opposed to unreachable or refused).
inline constexpr std::string_view kMalformedReply = "malformed reply";

struct KeyValue {
  std::string key;  // relative to the store's prefix
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;  // number of writes since creation
  int64_t lease = 0;    // 0 = no lease
};

struct Status {
  std::string error;  // empty = success
  bool ok() const { return error.empty(); }
};

struct GetResult {
  std::string error;
  bool found = false;
  KeyValue kv;           // valid when found
  int64_t revision = 0;  // the store's revision when read
  // Set when the key holds an entry the store could not decode (then `found` is false): a
  // readable message naming it (only backends that frame values themselves: KubeKvStore).
  std::string malformed{};
  bool ok() const { return error.empty(); }
};

struct RangeResult {
  std::string error;
  std::vector<KeyValue> kvs;  // sorted by key
  int64_t revision = 0;
  // Stored entries the store could not decode and left out of `kvs`, each a readable message
  // naming its key (only backends that frame values themselves: KubeKvStore).
  std::vector<std::string> skipped{};
  bool ok() const { return error.empty(); }
};

struct PutResult {
  std::string error;
  int64_t revision = 0;  // the revision of this write (the key's new mod_revision)
  bool ok() const { return error.empty(); }
};

// What a transaction compares: the key's create_revision or mod_revision must EQUAL
// `revision`. Create-if-absent is {kCreateRevision, 0}; "unchanged since I read it" is
// {kModRevision, kv.mod_revision}.
struct Condition {
  enum Target { kCreateRevision, kModRevision };
  Target target = kModRevision;
  int64_t revision = 0;
};

struct TxnResult {
  std::string error;
  bool succeeded = false;  // the condition held and the write was applied
  int64_t revision = 0;    // after the transaction
  bool found = false;      // when !succeeded: whether the key exists now...
  KeyValue current;        // ...and its current value (so a CAS loop needs no extra Get)
  bool ok() const { return error.empty(); }
};

struct DeleteResult {
  std::string error;
  int64_t deleted = 0;
  int64_t revision = 0;
  bool ok() const { return error.empty(); }
};

struct LeaseResult {
  std::string error;
  int64_t id = 0;
  int64_t ttl = 0;  // seconds granted/remaining; KeepAlive: 0 = the lease no longer exists
  bool ok() const { return error.empty(); }
};

struct WatchEvent {
  enum Type { kPut, kDelete };
  Type type = kPut;
  KeyValue kv;  // for kDelete: key and mod_revision (the deletion's revision) only
};

// One open watch. Ownership: the caller; destroying it cancels it.
class KvWatch {
 public:
  virtual ~KvWatch() = default;

  // Blocks until the next batch of events (all of one revision or more, in order) and stores
  // it in `events`. Returns false when the stream ended: Cancel(), a transport error or idle
  // timeout (Error() says which; resume from the last seen mod_revision + 1), or compaction
  // (CompactRevision() > 0: the requested history is gone; re-read with Range, then watch
  // from that read's revision + 1).
  virtual bool Next(std::vector<WatchEvent>& events) = 0;

  // Aborts a blocked Next at once; later Next calls return false. Thread-safe, idempotent.
  virtual void Cancel() = 0;

  // After Next returned false: > 0 if the watch was refused because `from_revision` was
  // compacted (the store's compacted revision), else 0.
  virtual int64_t CompactRevision() const = 0;

  // After Next returned false: empty for Cancel() or compaction, else a readable message.
  virtual std::string Error() const = 0;
};

class KvStore {
 public:
  virtual ~KvStore() = default;

  virtual GetResult Get(const std::string& key) = 0;

  // Every key starting with `prefix` ("" = every key under the store's prefix), sorted.
  virtual RangeResult Range(const std::string& prefix) = 0;

  // Writes unconditionally; `lease` != 0 attaches the key to that lease.
  virtual PutResult Put(const std::string& key, const std::string& value, int64_t lease = 0) = 0;

  // Writes `value` only if `condition` holds for `key` (see Condition).
  virtual TxnResult CompareAndPut(const std::string& key, Condition condition,
                                  const std::string& value, int64_t lease = 0) = 0;

  // Deletes `key` only if `condition` holds.
  virtual TxnResult CompareAndDelete(const std::string& key, Condition condition) = 0;

  // Deletes one key (deleted == 0 if it was absent; not an error).
  virtual DeleteResult Delete(const std::string& key) = 0;

  // A new lease of `ttl_seconds` (the server may round it up: use the returned ttl).
  virtual LeaseResult LeaseGrant(int64_t ttl_seconds) = 0;

  // One keepalive: resets the lease's remaining time to its TTL. ttl == 0 in the result
  // means the lease has expired or was revoked (its keys are gone).
  virtual LeaseResult LeaseKeepAlive(int64_t id) = 0;

  // Revokes the lease and deletes its keys. An unknown lease is not an error.
  virtual Status LeaseRevoke(int64_t id) = 0;

  // Watches every key starting with `prefix` from `from_revision` (0 = from now on).
  // Never returns null: a failed open is a stream whose Next returns false at once.
  virtual std::unique_ptr<KvWatch> Watch(const std::string& prefix, int64_t from_revision) = 0;
};

// The exclusive end of the key range of every key starting with `prefix` (etcd's range_end):
// the prefix with its last byte incremented (trailing 0xff bytes dropped); "\0" for "".
std::string PrefixRangeEnd(const std::string& prefix);

}  // namespace kubemesos::registry
