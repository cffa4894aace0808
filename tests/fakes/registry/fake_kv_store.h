// FakeKvStore: an in-memory KvStore for unit tests of the registry and leader election.
//
// It behaves like a single etcd member: one revision counter, create/mod revisions and
// versions per key, leases on a manual clock (a lease expires when AdvanceTime moves the
// clock past its deadline; its keys are deleted then, with watch events), watches that
// replay history from a revision and then stream live events, and compaction (a watch from
// a compacted revision ends with CompactRevision() > 0).
// Fault injection: SetFailure("...") makes every call fail with that error (an unreachable
// etcd) until SetFailure("") clears it; open watches end with that error.
//
// Threads: every method is thread-safe. The clock starts at 0 and moves only by AdvanceTime.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "operator/registry/kv_store.h"

namespace kubemesos::registry {

class FakeKvStore : public KvStore {
 public:
  FakeKvStore();
  ~FakeKvStore() override;

  GetResult Get(const std::string& key) override;
  RangeResult Range(const std::string& prefix) override;
  PutResult Put(const std::string& key, const std::string& value, int64_t lease = 0) override;
  TxnResult CompareAndPut(const std::string& key, Condition condition, const std::string& value,
                          int64_t lease = 0) override;
  TxnResult CompareAndDelete(const std::string& key, Condition condition) override;
  DeleteResult Delete(const std::string& key) override;
  LeaseResult LeaseGrant(int64_t ttl_seconds) override;
  LeaseResult LeaseKeepAlive(int64_t id) override;
  Status LeaseRevoke(int64_t id) override;
  std::unique_ptr<KvWatch> Watch(const std::string& prefix, int64_t from_revision) override;

  // Moves the manual clock forward and expires every lease whose deadline passed.
  void AdvanceTime(std::chrono::milliseconds d);
  // Drops the history up to and including `revision` (etcd's compaction).
  void Compact(int64_t revision);
  // Non-empty: every later call fails with this error and open watches end; "" clears it.
  void SetFailure(const std::string& error);

  int64_t Revision() const;
  size_t LeaseCount() const;

  struct State;  // shared with open watches

 private:
  std::shared_ptr<State> state_;
};

}  // namespace kubemesos::registry
