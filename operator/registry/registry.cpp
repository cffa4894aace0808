// Typed registry records over KvStore (see registry.h); records are encoded and checked by
// record_codec.cpp.
#include "operator/registry/registry.h"

#include <algorithm>

#include "operator/registry/record_codec.h"
#include "operator/util/text.h"

namespace kubemesos::registry {

using nlohmann::json;

using codec::FrameworkKey;
using codec::TaskPrefix;

namespace {

// Carries the store's own skipped entries into a result's `skipped`.
template <typename R>
void TakeStoreSkipped(RangeResult& rr, R& r, size_t& count) {
  for (auto& m : rr.skipped) codec::AddSkipped(r.skipped, count, std::move(m));
}

}  // namespace

Registry::Registry(KvStore& store, RegistryOptions options) : store_(store), o_(options) {}

Result<FrameworkRecord> Registry::RegisterFramework(const std::string& ns, const std::string& name,
                                                    int64_t failover_timeout_seconds,
                                                    TimePoint now) {
  Result<FrameworkRecord> r;
  const std::string key = FrameworkKey(ns, name);
  // Kept inside what a reader accepts (and what the time arithmetic holds).
  failover_timeout_seconds =
      std::clamp<int64_t>(failover_timeout_seconds, 0, kMaxFailoverTimeoutSeconds);
  FrameworkRecord fresh{ns, name, NewFrameworkId(), now, failover_timeout_seconds};
  Condition cond{Condition::kCreateRevision, 0};
  for (int attempt = 0; attempt < 10; ++attempt) {
    TxnResult t = store_.CompareAndPut(key, cond, codec::EncodeFramework(fresh));
    if (!t.ok()) return {t.error};
    if (t.succeeded) {
      r.value = fresh;
      return r;
    }
    if (!t.found) {  // deleted meanwhile: create again
      cond = {Condition::kCreateRevision, 0};
      continue;
    }
    if (std::string bad = codec::DecodeFramework(t.current, r.value); !bad.empty()) {
      // Unreadable (a hostile or older writer): replace it with the fresh registration.
      r.skipped.push_back(bad + " (replaced by a new registration)");
      r.value = FrameworkRecord{};
      cond = {Condition::kModRevision, t.current.mod_revision};
      continue;
    }
    if (r.value.failover_timeout_seconds == failover_timeout_seconds &&
        r.value.deleted_time == TimePoint{})
      return r;
    fresh = r.value;  // keep ID and registered time; update the timeout, clear the deletion
    fresh.failover_timeout_seconds = failover_timeout_seconds;
    fresh.deleted_time = TimePoint{};
    cond = {Condition::kModRevision, t.current.mod_revision};
  }
  return {"registry: " + key + ": too many concurrent updates"};
}

Result<FrameworkRecord> Registry::GetFramework(const std::string& ns, const std::string& name) {
  Result<FrameworkRecord> r;
  GetResult g = store_.Get(FrameworkKey(ns, name));
  if (!g.ok()) return {g.error};
  if (!g.malformed.empty()) return {g.malformed};
  if (!g.found) return {"registry: framework " + ns + "/" + name + " not found"};
  r.error = codec::DecodeFramework(g.kv, r.value);
  return r;
}

Result<std::vector<FrameworkRecord>> Registry::ListFrameworks() {
  Result<std::vector<FrameworkRecord>> r;
  RangeResult rr = store_.Range(codec::kFrameworks);
  if (!rr.ok()) return {rr.error};
  size_t skipped = 0;
  TakeStoreSkipped(rr, r, skipped);
  for (auto& kv : rr.kvs) {
    FrameworkRecord f;
    if (std::string bad = codec::DecodeFramework(kv, f); !bad.empty())
      codec::AddSkipped(r.skipped, skipped, std::move(bad));
    else
      r.value.push_back(std::move(f));
  }
  codec::AddSkippedTail(r.skipped, skipped);
  return r;
}

Status Registry::MarkFrameworkDeleted(const std::string& ns, const std::string& name,
                                      TimePoint when) {
  const std::string key = FrameworkKey(ns, name);
  for (int attempt = 0; attempt < 10; ++attempt) {
    GetResult g = store_.Get(key);
    if (!g.ok() || !g.found) return {g.error};
    FrameworkRecord f;
    // Unreadable: nothing to mark (it is removed with the framework, or replaced when the
    // framework registers again).
    if (!codec::DecodeFramework(g.kv, f).empty()) return {};
    if (f.deleted_time != TimePoint{}) return {};
    f.deleted_time = when;
    TxnResult t = store_.CompareAndPut(key, {Condition::kModRevision, g.kv.mod_revision},
                                       codec::EncodeFramework(f));
    if (!t.ok() || t.succeeded) return {t.error};
  }
  return {"registry: " + key + ": too many concurrent updates"};
}

Status Registry::RemoveFramework(const std::string& ns, const std::string& name) {
  RangeResult rr = store_.Range(TaskPrefix(ns, name));
  if (!rr.ok()) return {rr.error};
  for (auto& kv : rr.kvs)
    if (auto d = store_.Delete(kv.key); !d.ok()) return {d.error};
  return {store_.Delete(FrameworkKey(ns, name)).error};
}

Status Registry::UpsertAgent(const std::string& node, const std::string& group, TimePoint now) {
  const std::string key = codec::kAgents + node;
  Condition cond{Condition::kCreateRevision, 0};
  TimePoint first_seen = now;
  for (int attempt = 0; attempt < 10; ++attempt) {
    TxnResult t = store_.CompareAndPut(key, cond, codec::EncodeAgent(group, first_seen, now));
    if (!t.ok() || t.succeeded) return {t.error};
    if (!t.found) {
      cond = {Condition::kCreateRevision, 0};
      continue;
    }
    AgentRecord old;  // keep its firstSeen when it is readable; else replace it
    first_seen = codec::DecodeAgent(t.current, old).empty() && old.first_seen != TimePoint{}
                     ? old.first_seen
                     : now;
    cond = {Condition::kModRevision, t.current.mod_revision};
  }
  return {"registry: " + key + ": too many concurrent updates"};
}

Result<std::vector<AgentRecord>> Registry::ListAgents() {
  Result<std::vector<AgentRecord>> r;
  RangeResult rr = store_.Range(codec::kAgents);
  if (!rr.ok()) return {rr.error};
  size_t skipped = 0;
  TakeStoreSkipped(rr, r, skipped);
  for (auto& kv : rr.kvs) {
    AgentRecord a;
    if (std::string bad = codec::DecodeAgent(kv, a); !bad.empty())
      codec::AddSkipped(r.skipped, skipped, std::move(bad));
    else
      r.value.push_back(std::move(a));
  }
  codec::AddSkippedTail(r.skipped, skipped);
  return r;
}

Status Registry::RemoveAgent(const std::string& node) {
  return {store_.Delete(codec::kAgents + node).error};
}

Status Registry::RecordTaskResult(const TaskResult& t, bool trim) {
  PutResult p = store_.Put(TaskPrefix(t.ns, t.framework) + t.pod, codec::EncodeTask(t));
  if (!p.ok()) return {p.error};
  return trim ? TrimTaskResults(t.ns, t.framework) : Status{};
}

Status Registry::TrimTaskResults(const std::string& ns, const std::string& framework) {
  auto list = ListTaskResults(ns, framework);
  if (!list.ok()) return {list.error};
  size_t n = list.value.size();
  for (size_t i = 0; n > o_.task_retention && i < list.value.size(); ++i, --n) {
    const TaskResult& old = list.value[i];
    if (auto d = store_.Delete(TaskPrefix(old.ns, old.framework) + old.pod); !d.ok())
      return {d.error};
  }
  return {};
}

Result<std::vector<TaskResult>> Registry::ListTaskResults(const std::string& ns,
                                                          const std::string& framework) {
  Result<std::vector<TaskResult>> r;
  const std::string prefix = TaskPrefix(ns, framework);
  RangeResult rr = store_.Range(prefix);
  if (!rr.ok()) return {rr.error};
  std::vector<std::pair<int64_t, TaskResult>> rows;  // (mod_revision, result)
  size_t skipped = 0;
  TakeStoreSkipped(rr, r, skipped);
  for (auto& kv : rr.kvs) {
    TaskResult t;
    if (std::string bad = codec::DecodeTask(kv, t); !bad.empty())
      codec::AddSkipped(r.skipped, skipped, std::move(bad));
    else
      rows.emplace_back(kv.mod_revision, std::move(t));
  }
  codec::AddSkippedTail(r.skipped, skipped);
  std::stable_sort(rows.begin(), rows.end(), [](auto& a, auto& b) {
    if (a.second.finish_time != b.second.finish_time)
      return a.second.finish_time < b.second.finish_time;
    return a.first < b.first;
  });
  for (auto& row : rows) r.value.push_back(std::move(row.second));
  return r;
}

Status Registry::PutGroupSettings(const std::string& group, const json& settings) {
  return {store_.Put(codec::kSettings + group, util::SafeDump(settings)).error};
}

Result<json> Registry::GetGroupSettings(const std::string& group) {
  Result<json> r;
  GetResult g = store_.Get(codec::kSettings + group);
  if (!g.ok()) return {g.error};
  if (!g.malformed.empty()) return {g.malformed};
  if (!g.found) return r;
  std::string name;
  r.error = codec::DecodeSettings(g.kv, name, r.value);
  if (!r.ok()) r.value = nullptr;
  return r;
}

Result<std::vector<std::pair<std::string, json>>> Registry::ListGroupSettings() {
  Result<std::vector<std::pair<std::string, json>>> r;
  RangeResult rr = store_.Range(codec::kSettings);
  if (!rr.ok()) return {rr.error};
  size_t skipped = 0;
  TakeStoreSkipped(rr, r, skipped);
  for (auto& kv : rr.kvs) {
    std::string group;
    json v;
    if (std::string bad = codec::DecodeSettings(kv, group, v); !bad.empty())
      codec::AddSkipped(r.skipped, skipped, std::move(bad));
    else
      r.value.emplace_back(std::move(group), std::move(v));
  }
  codec::AddSkippedTail(r.skipped, skipped);
  return r;
}

Status Registry::DeleteGroupSettings(const std::string& group) {
  return {store_.Delete(codec::kSettings + group).error};
}

Status Registry::PutPreemption(const PreemptionRecord& plan) {
  std::string value;
  if (std::string bad = codec::EncodePreemption(plan, value); !bad.empty())
    return {"registry: " + std::string(codec::kPreemptions) + plan.ns + "/" + plan.name + ": " +
            bad};
  return {store_.Put(codec::kPreemptions + plan.ns + "/" + plan.name, value).error};
}

Result<std::vector<PreemptionRecord>> Registry::ListPreemptions() {
  Result<std::vector<PreemptionRecord>> r;
  RangeResult rr = store_.Range(codec::kPreemptions);
  if (!rr.ok()) return {rr.error};
  size_t skipped = 0;
  TakeStoreSkipped(rr, r, skipped);
  for (auto& kv : rr.kvs) {
    PreemptionRecord p;
    if (std::string bad = codec::DecodePreemption(kv, p); !bad.empty())
      codec::AddSkipped(r.skipped, skipped, std::move(bad));
    else
      r.value.push_back(std::move(p));
  }
  codec::AddSkippedTail(r.skipped, skipped);
  return r;
}

Status Registry::DeletePreemption(const std::string& ns, const std::string& name) {
  return {store_.Delete(codec::kPreemptions + ns + "/" + name).error};
}

}  // namespace kubemesos::registry
