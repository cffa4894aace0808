// Typed registry records over KvStore (see registry.h).
#include "operator/registry/registry.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <random>

namespace kubemesos::registry {

using nlohmann::json;

std::string FormatTime(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool ParseTime(const std::string& s, TimePoint& t) {
  std::tm tm{};
  char z = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 ||
      z != 'Z')
    return false;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  t = std::chrono::system_clock::from_time_t(timegm(&tm));
  return true;
}

std::string NewFrameworkId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng(), b = rng();
  a = (a & ~0xf000ULL) | 0x4000ULL;                         // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", unsigned(a >> 32),
                unsigned((a >> 16) & 0xffff), unsigned(a & 0xffff), unsigned(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

namespace {

std::string FrameworkKey(const std::string& ns, const std::string& name) {
  return "frameworks/" + ns + "/" + name;
}
std::string TaskPrefix(const std::string& ns, const std::string& fw) {
  return "tasks/" + ns + "/" + fw + "/";
}
std::string Rest(const std::string& key, const std::string& prefix) {
  return key.substr(prefix.size());
}
// Parses a record, turning JSON exceptions into a message naming the key.
template <typename F>
std::string Parse(const KeyValue& kv, F&& fill) {
  json j = json::parse(kv.value, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "registry: " + kv.key + ": not a JSON object";
  try {
    fill(j);
  } catch (const std::exception& e) {
    return "registry: " + kv.key + ": " + e.what();
  }
  return "";
}
TimePoint TimeField(const json& j, const char* name) {
  TimePoint t{};
  if (j.contains(name) && !ParseTime(j.at(name).get<std::string>(), t))
    throw std::runtime_error(std::string("bad time in ") + name);
  return t;
}
std::string FrameworkFromKv(const KeyValue& kv, FrameworkRecord& f) {
  std::string rest = Rest(kv.key, "frameworks/");
  size_t slash = rest.find('/');
  f.ns = rest.substr(0, slash);
  f.name = slash == std::string::npos ? "" : rest.substr(slash + 1);
  return Parse(kv, [&](const json& j) {
    f.framework_id = j.at("frameworkID").get<std::string>();
    f.registered_time = TimeField(j, "registeredTime");
    f.failover_timeout_seconds = j.value("failoverTimeoutSeconds", int64_t{0});
    f.deleted_time = TimeField(j, "deletedTime");
  });
}
std::string FrameworkJson(const FrameworkRecord& f) {
  json j{{"frameworkID", f.framework_id},
         {"registeredTime", FormatTime(f.registered_time)},
         {"failoverTimeoutSeconds", f.failover_timeout_seconds}};
  if (f.deleted_time != TimePoint{}) j["deletedTime"] = FormatTime(f.deleted_time);
  return j.dump();
}

}  // namespace

Registry::Registry(KvStore& store, RegistryOptions options) : store_(store), o_(options) {}

Result<FrameworkRecord> Registry::RegisterFramework(const std::string& ns, const std::string& name,
                                                    int64_t failover_timeout_seconds,
                                                    TimePoint now) {
  Result<FrameworkRecord> r;
  const std::string key = FrameworkKey(ns, name);
  FrameworkRecord fresh{ns, name, NewFrameworkId(), now, failover_timeout_seconds};
  Condition cond{Condition::kCreateRevision, 0};
  for (int attempt = 0; attempt < 10; ++attempt) {
    TxnResult t = store_.CompareAndPut(key, cond, FrameworkJson(fresh));
    if (!t.ok()) return {t.error};
    if (t.succeeded) {
      r.value = fresh;
      return r;
    }
    if (!t.found) {  // deleted meanwhile: create again
      cond = {Condition::kCreateRevision, 0};
      continue;
    }
    if (!(r.error = FrameworkFromKv(t.current, r.value)).empty()) return r;
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
  if (!g.found) return {"registry: framework " + ns + "/" + name + " not found"};
  r.error = FrameworkFromKv(g.kv, r.value);
  return r;
}

Result<std::vector<FrameworkRecord>> Registry::ListFrameworks() {
  Result<std::vector<FrameworkRecord>> r;
  RangeResult rr = store_.Range("frameworks/");
  if (!rr.ok()) return {rr.error};
  for (auto& kv : rr.kvs) {
    FrameworkRecord f;
    if (!(r.error = FrameworkFromKv(kv, f)).empty()) return r;
    r.value.push_back(std::move(f));
  }
  return r;
}

Status Registry::MarkFrameworkDeleted(const std::string& ns, const std::string& name,
                                      TimePoint when) {
  const std::string key = FrameworkKey(ns, name);
  for (int attempt = 0; attempt < 10; ++attempt) {
    GetResult g = store_.Get(key);
    if (!g.ok() || !g.found) return {g.error};
    FrameworkRecord f;
    if (std::string e = FrameworkFromKv(g.kv, f); !e.empty()) return {e};
    if (f.deleted_time != TimePoint{}) return {};
    f.deleted_time = when;
    TxnResult t =
        store_.CompareAndPut(key, {Condition::kModRevision, g.kv.mod_revision}, FrameworkJson(f));
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
  const std::string key = "agents/" + node;
  Condition cond{Condition::kCreateRevision, 0};
  json rec = {{"group", group}, {"firstSeen", FormatTime(now)}, {"lastSeen", FormatTime(now)}};
  for (int attempt = 0; attempt < 10; ++attempt) {
    TxnResult t = store_.CompareAndPut(key, cond, rec.dump());
    if (!t.ok() || t.succeeded) return {t.error};
    if (!t.found) {
      cond = {Condition::kCreateRevision, 0};
      continue;
    }
    json old = json::parse(t.current.value, nullptr, false);
    if (old.is_object() && old.contains("firstSeen") && old["firstSeen"].is_string())
      rec["firstSeen"] = old["firstSeen"];
    cond = {Condition::kModRevision, t.current.mod_revision};
  }
  return {"registry: " + key + ": too many concurrent updates"};
}

Result<std::vector<AgentRecord>> Registry::ListAgents() {
  Result<std::vector<AgentRecord>> r;
  RangeResult rr = store_.Range("agents/");
  if (!rr.ok()) return {rr.error};
  for (auto& kv : rr.kvs) {
    AgentRecord a;
    a.node = Rest(kv.key, "agents/");
    r.error = Parse(kv, [&](const json& j) {
      a.group = j.value("group", "");
      a.first_seen = TimeField(j, "firstSeen");
      a.last_seen = TimeField(j, "lastSeen");
    });
    if (!r.ok()) return r;
    r.value.push_back(std::move(a));
  }
  return r;
}

Status Registry::RemoveAgent(const std::string& node) {
  return {store_.Delete("agents/" + node).error};
}

Status Registry::RecordTaskResult(const TaskResult& t, bool trim) {
  json rec = {{"state", t.state},
              {"exitCode", t.exit_code},
              {"reason", t.reason},
              {"message", t.message},
              {"startTime", FormatTime(t.start_time)},
              {"finishTime", FormatTime(t.finish_time)}};
  PutResult p = store_.Put(TaskPrefix(t.ns, t.framework) + t.pod, rec.dump());
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
  for (auto& kv : rr.kvs) {
    TaskResult t;
    t.ns = ns;
    t.framework = framework;
    t.pod = Rest(kv.key, prefix);
    r.error = Parse(kv, [&](const json& j) {
      t.state = j.value("state", "");
      t.exit_code = j.value("exitCode", 0);
      t.reason = j.value("reason", "");
      t.message = j.value("message", "");
      t.start_time = TimeField(j, "startTime");
      t.finish_time = TimeField(j, "finishTime");
    });
    if (!r.ok()) return r;
    rows.emplace_back(kv.mod_revision, std::move(t));
  }
  std::stable_sort(rows.begin(), rows.end(), [](auto& a, auto& b) {
    if (a.second.finish_time != b.second.finish_time)
      return a.second.finish_time < b.second.finish_time;
    return a.first < b.first;
  });
  for (auto& row : rows) r.value.push_back(std::move(row.second));
  return r;
}

Status Registry::PutGroupSettings(const std::string& group, const json& settings) {
  return {store_.Put("settings/groups/" + group, settings.dump()).error};
}

Result<json> Registry::GetGroupSettings(const std::string& group) {
  Result<json> r;
  GetResult g = store_.Get("settings/groups/" + group);
  if (!g.ok()) return {g.error};
  if (!g.found) return r;
  r.error = Parse(g.kv, [&](const json& j) { r.value = j; });
  return r;
}

Result<std::vector<std::pair<std::string, json>>> Registry::ListGroupSettings() {
  Result<std::vector<std::pair<std::string, json>>> r;
  RangeResult rr = store_.Range("settings/groups/");
  if (!rr.ok()) return {rr.error};
  for (auto& kv : rr.kvs) {
    json v;
    if (!(r.error = Parse(kv, [&](const json& j) { v = j; })).empty()) return r;
    r.value.emplace_back(Rest(kv.key, "settings/groups/"), std::move(v));
  }
  return r;
}

Status Registry::DeleteGroupSettings(const std::string& group) {
  return {store_.Delete("settings/groups/" + group).error};
}

}  // namespace kubemesos::registry
