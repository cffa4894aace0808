// CountingKvStore: a KvStore decorator that reports every request's op and outcome, so that
// `run` can export kubemesos_registry_requests_total{op,result} for whichever backend it uses.
//
// Ops: "get", "range", "put", "txn", "delete", "lease", "watch". A failed compare in a
// transaction is a success (the request worked); an error is any result with `error` set.
// Threads: as thread-safe as the wrapped store; `report` is called on the calling thread and
// must be thread-safe. Ownership: the wrapped store is owned by the decorator.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "operator/registry/kv_store.h"

namespace kubemesos::registry {

class CountingKvStore : public KvStore {
 public:
  using Report = std::function<void(std::string_view op, bool ok)>;
  CountingKvStore(std::unique_ptr<KvStore> store, Report report)
      : store_(std::move(store)), report_(std::move(report)) {}

  GetResult Get(const std::string& key) override { return R("get", store_->Get(key)); }
  RangeResult Range(const std::string& prefix) override {
    return R("range", store_->Range(prefix));
  }
  PutResult Put(const std::string& key, const std::string& value, int64_t lease) override {
    return R("put", store_->Put(key, value, lease));
  }
  TxnResult CompareAndPut(const std::string& key, Condition c, const std::string& value,
                          int64_t lease) override {
    return R("txn", store_->CompareAndPut(key, c, value, lease));
  }
  TxnResult CompareAndDelete(const std::string& key, Condition c) override {
    return R("txn", store_->CompareAndDelete(key, c));
  }
  DeleteResult Delete(const std::string& key) override { return R("delete", store_->Delete(key)); }
  LeaseResult LeaseGrant(int64_t ttl) override { return R("lease", store_->LeaseGrant(ttl)); }
  LeaseResult LeaseKeepAlive(int64_t id) override { return R("lease", store_->LeaseKeepAlive(id)); }
  Status LeaseRevoke(int64_t id) override { return R("lease", store_->LeaseRevoke(id)); }
  std::unique_ptr<KvWatch> Watch(const std::string& prefix, int64_t from) override {
    report_("watch", true);
    return store_->Watch(prefix, from);
  }

 private:
  template <typename T>
  T R(std::string_view op, T result) {
    report_(op, result.error.empty());
    return result;
  }
  std::unique_ptr<KvStore> store_;
  Report report_;
};

}  // namespace kubemesos::registry
