// The registry's records to stored keys and values and back (layout and bounds in registry.h),
// apart from the store operations so that decoding can be tested and fuzzed on bytes alone.
//
// Decoders return "" or what is wrong, as "registry: <key>: <problem>"; they never throw (but
// std::bad_alloc) and keep only bounded text. Encoders cut user text to its bound and replace
// invalid UTF-8, so a record always serialises and stays small.
// Threads: pure functions, thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "operator/registry/kv_store.h"
#include "operator/registry/registry.h"

namespace kubemesos::registry::codec {

inline constexpr const char* kFrameworks = "frameworks/";
inline constexpr const char* kAgents = "agents/";
inline constexpr const char* kTasks = "tasks/";
inline constexpr const char* kSettings = "settings/groups/";
inline constexpr const char* kPreemptions = "preemptions/";

std::string FrameworkKey(const std::string& ns, const std::string& name);
std::string TaskPrefix(const std::string& ns, const std::string& framework);

std::string DecodeFramework(const KeyValue& kv, FrameworkRecord& out);
std::string DecodeAgent(const KeyValue& kv, AgentRecord& out);
std::string DecodeTask(const KeyValue& kv, TaskResult& out);
std::string DecodeSettings(const KeyValue& kv, std::string& group, nlohmann::json& out);
std::string DecodePreemption(const KeyValue& kv, PreemptionRecord& out);

std::string EncodeFramework(const FrameworkRecord& f);
std::string EncodeAgent(const std::string& group, TimePoint first_seen, TimePoint last_seen);
std::string EncodeTask(const TaskResult& t);
// "" and `out` set, or what makes the plan unstorable (the reader's rules, registry.h).
std::string EncodePreemption(const PreemptionRecord& p, std::string& out);
// Cuts a task's state, reason and message to what a record keeps (registry.h).
void BoundText(TaskResult& t);

// Appends `message` to `skipped` while fewer than kMaxSkippedReported are there; `count` is
// the number seen so far. AddSkippedTail appends "... and N more" once at the end.
void AddSkipped(std::vector<std::string>& skipped, size_t& count, std::string message);
void AddSkippedTail(std::vector<std::string>& skipped, size_t count);

}  // namespace kubemesos::registry::codec
