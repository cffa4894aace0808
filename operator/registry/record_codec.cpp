// Registry records <-> stored keys and values, with every stored field checked (see
// record_codec.h and registry.h). Field reads use kube/fields.h, whose readers name the field
// in their error.
#include "operator/registry/record_codec.h"

#include <cstdio>
#include <ctime>
#include <random>

#include "operator/kube/fields.h"
#include "operator/util/text.h"

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
  int n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z, &n) != 7 ||
      z != 'Z' || static_cast<size_t>(n) != s.size())
    return false;
  // A TimePoint (nanoseconds in int64) ends in 2262: keep well inside.
  if (tm.tm_year < 1970 || tm.tm_year > 2200 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
      tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
      tm.tm_sec < 0 || tm.tm_sec > 60)
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

std::string ParseRecordJson(const std::string& text, json& out) {
  if (text.size() > kMaxRecordBytes)
    return "longer than " + std::to_string(kMaxRecordBytes) + " bytes";
  // The parser is iterative, but comparing, copying and printing a value recurse: bound the
  // depth while parsing (values deeper than the bound are dropped, and the record refused).
  bool too_deep = false;
  // `depth` of a container's start is the number of containers around it.
  json::parser_callback_t bound = [&too_deep](int depth, json::parse_event_t event, json&) {
    bool opens =
        event == json::parse_event_t::object_start || event == json::parse_event_t::array_start;
    if (!opens || depth < kMaxRecordDepth) return true;
    too_deep = true;
    return false;
  };
  out = json::parse(text, bound, /*allow_exceptions=*/false);
  if (too_deep) {
    out = nullptr;
    return "nested deeper than " + std::to_string(kMaxRecordDepth) + " levels";
  }
  if (out.is_discarded()) {
    out = nullptr;
    return "not JSON";
  }
  return "";
}

namespace codec {
namespace {

constexpr size_t kMaxNamespaceBytes = 63;
constexpr size_t kMaxNameBytes = 253;

// A name taken from a key: non-empty, bounded, printable, no '/'.
bool GoodName(const std::string& s, size_t max) {
  return !s.empty() && s.size() <= max && s.find('/') == std::string::npos && util::IsValidUtf8(s);
}

// Splits what follows `prefix` in a key into exactly `n` names ("ns/name" for n = 2).
bool SplitNames(const std::string& key, const char* prefix, size_t n,
                std::vector<std::string>& names) {
  std::string rest = key.substr(std::string(prefix).size());
  names.clear();
  for (size_t i = 0; i < n; ++i) {
    size_t slash = i + 1 < n ? rest.find('/') : std::string::npos;
    if (i + 1 < n && slash == std::string::npos) return false;
    names.push_back(rest.substr(0, slash));
    rest = slash == std::string::npos ? "" : rest.substr(slash + 1);
    bool is_ns = n > 1 && i == 0;
    if (!GoodName(names.back(), is_ns ? kMaxNamespaceBytes : kMaxNameBytes)) return false;
  }
  return true;
}

std::string KeyForMessage(const KeyValue& kv) {
  return util::SanitizeUtf8(kv.key, 300);
}

// Parses kv's value as a bounded JSON object and runs `fill` on it; "" or the problem.
template <typename F>
std::string Decode(const KeyValue& kv, F&& fill) {
  json j;
  std::string error = ParseRecordJson(kv.value, j);
  if (error.empty() && !j.is_object()) error = std::string("a JSON ") + j.type_name();
  if (error.empty()) {
    try {
      fill(j);
    } catch (const std::exception& e) {  // kube::FieldError, naming the field
      error = e.what();
    }
  }
  return error.empty() ? "" : "registry: " + KeyForMessage(kv) + ": " + error;
}

std::string BadKey(const KeyValue& kv, const char* shape) {
  return "registry: " + KeyForMessage(kv) + ": not a key of the form " + shape;
}

TimePoint ReadTime(const json& j, const char* name) {
  TimePoint t{};
  auto s = kube::ReadString(j, name, "");
  if (s && !ParseTime(*s, t))
    throw kube::FieldError(
        name, "not an RFC 3339 UTC time in 1970..2200: \"" + util::SanitizeUtf8(*s, 40) + "\"");
  return t;
}

int64_t ReadBounded(const json& j, const char* name, int64_t lo, int64_t hi) {
  int64_t v = kube::ReadInt(j, name, "").value_or(0);
  // fields.h reads an unsigned above int64 as is_number_integer: check the JSON type too.
  if (v < lo || v > hi || (j.contains(name) && j[name].is_number_unsigned() && v < 0))
    throw kube::FieldError(name,
                           "out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v;
}

// A text field, cut to `max` on a character boundary with invalid UTF-8 replaced.
std::string ReadText(const json& j, const char* name, size_t max) {
  return util::SanitizeUtf8(kube::ReadString(j, name, "").value_or(""), max);
}

// "<namespace>/<name>", each part a good name.
bool GoodKey(const std::string& s) {
  size_t slash = s.find('/');
  return slash != std::string::npos && GoodName(s.substr(0, slash), kMaxNamespaceBytes) &&
         GoodName(s.substr(slash + 1), kMaxNameBytes);
}

// What makes a plan unstorable (registry.h), or "" (also checked before writing).
std::string CheckPlan(const PreemptionRecord& p) {
  if (p.preemptors.empty()) return "preemptors: none";
  if (p.preemptors.size() > kMaxPlanPods || p.victims.size() > kMaxPlanPods)
    return "more than " + std::to_string(kMaxPlanPods) + " preemptors or victims";
  auto good_opt = [](const std::string& s, bool key) {
    return s.empty() || (key ? GoodKey(s) : GoodName(s, kMaxNameBytes));
  };
  if (!good_opt(p.group, false) || !good_opt(p.gang, true)) return "group or gang: not a name";
  for (const auto& n : p.preemptors) {
    if (!GoodKey(n.pod) || !good_opt(n.framework, true) || !good_opt(n.node, false))
      return "preemptors: not a pod, framework or node name";
  }
  for (const auto& v : p.victims) {
    if (!GoodKey(v.pod) || !good_opt(v.framework, true) || !GoodName(v.node, kMaxNameBytes) ||
        !good_opt(v.group, false))
      return "victims: not a pod, framework, node or group name";
    if (!(v.ran_seconds >= 0 && v.ran_seconds <= 1e12)) return "victims: ranSeconds out of range";
  }
  if (p.deadline < p.created) return "deadline: before created";
  return "";
}

}  // namespace

std::string FrameworkKey(const std::string& ns, const std::string& name) {
  return kFrameworks + ns + "/" + name;
}
std::string TaskPrefix(const std::string& ns, const std::string& framework) {
  return kTasks + ns + "/" + framework + "/";
}

std::string DecodeFramework(const KeyValue& kv, FrameworkRecord& f) {
  std::vector<std::string> names;
  if (kv.key.rfind(kFrameworks, 0) != 0 || !SplitNames(kv.key, kFrameworks, 2, names))
    return BadKey(kv, "frameworks/<namespace>/<name>");
  f = FrameworkRecord{};
  f.ns = names[0];
  f.name = names[1];
  return Decode(kv, [&](const json& j) {
    f.framework_id = kube::RequireString(j, "frameworkID", "");
    if (f.framework_id.size() > kMaxFrameworkIdBytes || !util::IsValidUtf8(f.framework_id))
      throw kube::FieldError("frameworkID", "longer than " + std::to_string(kMaxFrameworkIdBytes) +
                                                " bytes or not UTF-8");
    f.registered_time = ReadTime(j, "registeredTime");
    f.failover_timeout_seconds =
        ReadBounded(j, "failoverTimeoutSeconds", 0, kMaxFailoverTimeoutSeconds);
    f.deleted_time = ReadTime(j, "deletedTime");
  });
}

std::string DecodeAgent(const KeyValue& kv, AgentRecord& a) {
  std::vector<std::string> names;
  if (kv.key.rfind(kAgents, 0) != 0 || !SplitNames(kv.key, kAgents, 1, names))
    return BadKey(kv, "agents/<node>");
  a = AgentRecord{};
  a.node = names[0];
  return Decode(kv, [&](const json& j) {
    a.group = kube::ReadString(j, "group", "").value_or("");
    if (!a.group.empty() && !GoodName(a.group, kMaxNameBytes))
      throw kube::FieldError("group", "not a ResourceGroup name");
    a.first_seen = ReadTime(j, "firstSeen");
    a.last_seen = ReadTime(j, "lastSeen");
  });
}

std::string DecodeTask(const KeyValue& kv, TaskResult& t) {
  std::vector<std::string> names;
  if (kv.key.rfind(kTasks, 0) != 0 || !SplitNames(kv.key, kTasks, 3, names))
    return BadKey(kv, "tasks/<namespace>/<framework>/<pod>");
  t = TaskResult{};
  t.ns = names[0];
  t.framework = names[1];
  t.pod = names[2];
  return Decode(kv, [&](const json& j) {
    t.state = ReadText(j, "state", kMaxStateBytes);
    t.exit_code = static_cast<int>(ReadBounded(j, "exitCode", INT32_MIN, INT32_MAX));
    t.reason = ReadText(j, "reason", kMaxReasonBytes);
    t.message = ReadText(j, "message", kMaxMessageBytes);
    t.start_time = ReadTime(j, "startTime");
    t.finish_time = ReadTime(j, "finishTime");
  });
}

std::string DecodeSettings(const KeyValue& kv, std::string& group, json& out) {
  std::vector<std::string> names;
  if (kv.key.rfind(kSettings, 0) != 0 || !SplitNames(kv.key, kSettings, 1, names))
    return BadKey(kv, "settings/groups/<group>");
  group = names[0];
  return Decode(kv, [&](const json& j) { out = j; });
}

std::string DecodePreemption(const KeyValue& kv, PreemptionRecord& p) {
  std::vector<std::string> names;
  if (kv.key.rfind(kPreemptions, 0) != 0 || !SplitNames(kv.key, kPreemptions, 2, names))
    return BadKey(kv, "preemptions/<namespace>/<name>");
  p = PreemptionRecord{};
  p.ns = names[0];
  p.name = names[1];
  return Decode(kv, [&](const json& j) {
    std::string kind = kube::RequireString(j, "kind", "");
    if (kind != "Reclaim" && kind != "Priority")
      throw kube::FieldError("kind", "not Reclaim or Priority");
    p.reclaim = kind == "Reclaim";
    p.group = kube::ReadString(j, "group", "").value_or("");
    p.gang = kube::ReadString(j, "gang", "").value_or("");
    auto list = [&](const char* name) -> const json& {
      const json* a = kube::ReadArray(j, name, "");
      if (a && a->size() > kMaxPlanPods)
        throw kube::FieldError(name, "more than " + std::to_string(kMaxPlanPods) + " entries");
      static const json kEmpty = json::array();
      return a ? *a : kEmpty;
    };
    const json& preemptors = list("preemptors");
    for (size_t i = 0; i < preemptors.size(); ++i) {
      const json& e = preemptors[i];
      std::string path = kube::Join("preemptors", i);
      if (!e.is_object()) throw kube::FieldError(path, "not an object");
      p.preemptors.push_back({kube::RequireString(e, "pod", path),
                              kube::ReadString(e, "framework", path).value_or(""),
                              kube::ReadString(e, "node", path).value_or("")});
    }
    const json& victims = list("victims");
    for (size_t i = 0; i < victims.size(); ++i) {
      const json& e = victims[i];
      std::string path = kube::Join("victims", i);
      if (!e.is_object()) throw kube::FieldError(path, "not an object");
      PreemptionRecord::Victim v;
      v.pod = kube::RequireString(e, "pod", path);
      v.framework = kube::ReadString(e, "framework", path).value_or("");
      v.node = kube::RequireString(e, "node", path);
      v.group = kube::ReadString(e, "group", path).value_or("");
      v.priority = static_cast<int32_t>(ReadBounded(e, "priority", INT32_MIN, INT32_MAX));
      v.ran_seconds = kube::ReadNumber(e, "ranSeconds", path).value_or(0);
      p.victims.push_back(std::move(v));
    }
    p.created = ReadTime(j, "created");
    p.deadline = ReadTime(j, "deadline");
    if (p.created == TimePoint{} || p.deadline == TimePoint{})
      throw kube::FieldError("created", "created and deadline are required");
    p.message = ReadText(j, "message", kMaxMessageBytes);
    if (std::string bad = CheckPlan(p); !bad.empty()) throw kube::FieldError("plan", bad);
  });
}

std::string EncodePreemption(const PreemptionRecord& p, std::string& out) {
  if (std::string bad = CheckPlan(p); !bad.empty()) return bad;
  json preemptors = json::array(), victims = json::array();
  for (const auto& n : p.preemptors)
    preemptors.push_back({{"pod", n.pod}, {"framework", n.framework}, {"node", n.node}});
  for (const auto& v : p.victims) {
    victims.push_back({{"pod", v.pod},
                       {"framework", v.framework},
                       {"node", v.node},
                       {"group", v.group},
                       {"priority", v.priority},
                       {"ranSeconds", v.ran_seconds}});
  }
  out = util::SafeDump({{"kind", p.reclaim ? "Reclaim" : "Priority"},
                        {"group", p.group},
                        {"gang", p.gang},
                        {"preemptors", std::move(preemptors)},
                        {"victims", std::move(victims)},
                        {"created", FormatTime(p.created)},
                        {"deadline", FormatTime(p.deadline)},
                        {"message", util::SanitizeUtf8(p.message, kMaxMessageBytes)}});
  if (out.size() > kMaxRecordBytes)
    return "longer than " + std::to_string(kMaxRecordBytes) + " bytes";
  return "";
}

std::string EncodeFramework(const FrameworkRecord& f) {
  json j{{"frameworkID", f.framework_id},
         {"registeredTime", FormatTime(f.registered_time)},
         {"failoverTimeoutSeconds", f.failover_timeout_seconds}};
  if (f.deleted_time != TimePoint{}) j["deletedTime"] = FormatTime(f.deleted_time);
  return util::SafeDump(j);
}

std::string EncodeAgent(const std::string& group, TimePoint first_seen, TimePoint last_seen) {
  return util::SafeDump({{"group", group},
                         {"firstSeen", FormatTime(first_seen)},
                         {"lastSeen", FormatTime(last_seen)}});
}

std::string EncodeTask(const TaskResult& t) {
  // Reason and message are the pod's own text (a container's termination message): cut and
  // sanitised, so the record always serialises and stays small.
  TaskResult b = t;
  BoundText(b);
  return util::SafeDump({{"state", b.state},
                         {"exitCode", b.exit_code},
                         {"reason", b.reason},
                         {"message", b.message},
                         {"startTime", FormatTime(b.start_time)},
                         {"finishTime", FormatTime(b.finish_time)}});
}

void BoundText(TaskResult& t) {
  t.state = util::SanitizeUtf8(t.state, kMaxStateBytes);
  t.reason = util::SanitizeUtf8(t.reason, kMaxReasonBytes);
  t.message = util::SanitizeUtf8(t.message, kMaxMessageBytes);
}

void AddSkipped(std::vector<std::string>& skipped, size_t& count, std::string message) {
  if (++count <= kMaxSkippedReported) skipped.push_back(std::move(message));
}

void AddSkippedTail(std::vector<std::string>& skipped, size_t count) {
  if (count > kMaxSkippedReported)
    skipped.push_back("registry: and " + std::to_string(count - kMaxSkippedReported) +
                      " more malformed records");
}

}  // namespace codec

std::string CheckRecord(const KeyValue& kv) {
  auto starts = [&](const char* p) { return kv.key.rfind(p, 0) == 0; };
  if (starts(codec::kFrameworks)) {
    FrameworkRecord f;
    return codec::DecodeFramework(kv, f);
  }
  if (starts(codec::kAgents)) {
    AgentRecord a;
    return codec::DecodeAgent(kv, a);
  }
  if (starts(codec::kTasks)) {
    TaskResult t;
    return codec::DecodeTask(kv, t);
  }
  if (starts(codec::kSettings)) {
    std::string group;
    json settings;
    return codec::DecodeSettings(kv, group, settings);
  }
  if (starts(codec::kPreemptions)) {
    PreemptionRecord p;
    return codec::DecodePreemption(kv, p);
  }
  return "";  // `leader` (an identity, any text) and keys the layout does not describe
}

}  // namespace kubemesos::registry
