// KubeKvStore: the registry's KvStore kept in ConfigMaps of the operator's own namespace, for
// clusters whose etcd is out of reach (managed Kubernetes). Leader election on this backend
// uses a coordination.k8s.io/v1 Lease instead (kube_lease_election.h).
//
// Layout: `shards` ConfigMaps named "<name>-<i>" (i = 0..shards-1), labelled
// kubemesos.io/registry=<name>. A key lives in shard FNV-1a(key) % shards, as one entry of
// `data`: the key encoded for a ConfigMap key ([-.A-Za-z0-9] kept; every other byte, '/'
// included, as "_xx" hex: "frameworks/ns/spark" -> "frameworks_2fns_2fspark"), the value a
// JSON text {"v": value, "c": create_revision, "m": mod_revision, "n": version}. The shard's
// annotation kubemesos.io/revision holds its newest revision.
//
// Consistency: every write is a read-modify-write of one ConfigMap, sent as a PUT carrying
// the resourceVersion that was read (a POST when the shard does not exist yet); the API server
// refuses it with 409 if anyone wrote the shard meanwhile, and the write is retried from a
// fresh read (conditions are evaluated again on that read). So CompareAndPut and
// CompareAndDelete are atomic per key, exactly like etcd's transactions.
// Revisions: a write's revision is max(shard revision + 1, wall-clock microseconds): strictly
// increasing per shard (so a key's mod_revision changes on every write, which is all the
// Conditions need) and roughly ordered across shards. Range's `revision` is the largest shard
// revision read; there is no single store-wide revision.
//
// Limits (not etcd): values must be UTF-8 text (the registry stores JSON); a key's encoding
// must fit 253 characters; a shard must stay under ~900 KiB (an error names the shard: raise
// `shards`); leases and watches are not supported (LeaseGrant/KeepAlive/Revoke return an
// error; Watch returns a stream that ends at once with an error). The registry (registry.h)
// uses neither.
//
// Hostile or garbled data: anyone who can write ConfigMaps in `ns` can write entries. An entry
// that is not the JSON text above (wrong types, negative or huge revisions) is malformed and
// reads as absent everywhere: Get names it in `malformed`; Range leaves it out and names it in
// `skipped` (at most 100 messages, then a count; entries whose name is not a key encoding
// only in a Range of everything); a write of its key replaces it. A garbled revision
// annotation reads as 0. Nothing throws.
// Needs RBAC (namespaced Role): configmaps get, list, create, update in `ns`.
// Threads and errors: see kv_store.h. Ownership: the client must outlive the store.
#pragma once

#include <memory>
#include <string>

#include "operator/client/kube_client.h"
#include "operator/registry/kv_store.h"

namespace kubemesos::registry {

struct KubeStoreOptions {
  std::string ns = "default";               // the operator's namespace
  std::string name = "kubemesos-registry";  // ConfigMap name prefix and label value
  int shards = 16;
  int max_attempts = 20;  // per write, against 409 conflicts
};

std::unique_ptr<KvStore> MakeKubeKvStore(client::KubeClient& client, KubeStoreOptions options);

// The ConfigMap key for a registry key, and back (false if `encoded` is not an encoding).
std::string EncodeConfigMapKey(const std::string& key);
bool DecodeConfigMapKey(const std::string& encoded, std::string& key);

}  // namespace kubemesos::registry
