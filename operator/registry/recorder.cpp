// RegistryRecorder: the picture of what the registry should hold, and the worker that writes
// the difference while this replica leads (see recorder.h).
#include "operator/registry/recorder.h"

#include <algorithm>
#include <set>

#include "operator/kube/lenient.h"
#include "operator/registry/record_codec.h"
#include "operator/util/guard.h"
#include "scheduler/group_tree.h"

namespace kubemesos::registry {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

struct RegistryRecorder::Desired {
  std::map<std::string, int64_t> frameworks;                        // "ns/name" -> timeout
  std::map<std::string, std::map<std::string, std::string>> nodes;  // name -> labels
  struct Group {
    json settings;
    std::map<std::string, std::string> selector;
  };
  std::map<std::string, Group> groups;
};

struct RegistryRecorder::Written {
  std::map<std::string, FrameworkRecord> frameworks;  // "ns/name"
  std::map<std::string, json> settings;
  struct Agent {
    std::string group;
    TimePoint last_seen;
  };
  std::map<std::string, Agent> agents;
};

namespace {

std::string FwKey(const std::string& ns, const std::string& name) {
  return ns + "/" + name;
}
std::pair<std::string, std::string> SplitKey(const std::string& key) {
  size_t slash = key.find('/');
  return {key.substr(0, slash), key.substr(slash + 1)};
}

}  // namespace

RegistryRecorder::RegistryRecorder(Registry& registry, LeaderCheck is_leader,
                                   RecorderOptions options, RecorderHooks hooks, WallClock now)
    : registry_(registry),
      is_leader_(std::move(is_leader)),
      o_(options),
      hooks_(std::move(hooks)),
      now_(now ? std::move(now) : WallClock([] { return std::chrono::system_clock::now(); })),
      desired_(std::make_unique<Desired>()),
      written_(std::make_unique<Written>()),
      bucket_(o_.writes_per_second, o_.write_burst) {}

RegistryRecorder::~RegistryRecorder() {
  Stop();
}

// ---------------------------------------------------------------- observations

void RegistryRecorder::Changed() {
  ++generation_;  // mu_ held
  {
    std::lock_guard<std::mutex> l(run_mu_);
    wake_ = true;
  }
  run_cv_.notify_one();
}

void RegistryRecorder::FrameworkSeen(const std::string& ns, const std::string& name,
                                     std::optional<int64_t> timeout) {
  // Clamped as the registry stores it, so that what is written compares equal to this.
  int64_t t = std::clamp<int64_t>(timeout.value_or(o_.default_failover_timeout_seconds), 0,
                                  kMaxFailoverTimeoutSeconds);
  std::lock_guard<std::mutex> l(mu_);
  auto [it, added] = desired_->frameworks.emplace(FwKey(ns, name), t);
  if (!added && it->second == t) return;
  it->second = t;
  Changed();
}

void RegistryRecorder::FrameworkGone(const std::string& ns, const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  if (desired_->frameworks.erase(FwKey(ns, name))) Changed();
}

void RegistryRecorder::NodeSeen(const std::string& name,
                                std::map<std::string, std::string> labels) {
  std::lock_guard<std::mutex> l(mu_);
  auto [it, added] = desired_->nodes.emplace(name, labels);
  if (!added && it->second == labels) return;  // heartbeats change nothing here
  it->second = std::move(labels);
  Changed();
}

void RegistryRecorder::NodeGone(const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  if (desired_->nodes.erase(name)) Changed();
}

void RegistryRecorder::GroupSeen(const std::string& name, json settings,
                                 std::map<std::string, std::string> node_selector) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = desired_->groups.find(name);
  if (it != desired_->groups.end() && it->second.settings == settings &&
      it->second.selector == node_selector)
    return;
  desired_->groups[name] = {std::move(settings), std::move(node_selector)};
  Changed();
}

void RegistryRecorder::GroupGone(const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  if (desired_->groups.erase(name)) Changed();
}

void RegistryRecorder::MarkSynced() {
  std::lock_guard<std::mutex> l(mu_);
  if (synced_) return;
  synced_ = true;
  Changed();
}

void RegistryRecorder::TaskFinished(const TaskResult& result) {
  TaskResult r = result;
  codec::BoundText(r);  // queued already cut: the queue holds max_queued_results of these
  std::lock_guard<std::mutex> l(mu_);
  if (results_.size() >= o_.max_queued_results) {
    results_.pop_front();
    ++stats_.dropped_results;
  }
  results_.push_back(std::move(r));
  Changed();
}

std::string RegistryRecorder::FrameworkId(const std::string& ns, const std::string& name) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = ids_.find(FwKey(ns, name));
  return it == ids_.end() ? "" : it->second;
}

bool RegistryRecorder::Idle() const {
  std::lock_guard<std::mutex> l(mu_);
  return idle_;
}

RegistryRecorder::Stats RegistryRecorder::GetStats() const {
  std::lock_guard<std::mutex> l(mu_);
  return stats_;
}

// ---------------------------------------------------------------- the worker

void RegistryRecorder::Start() {
  std::lock_guard<std::mutex> l(run_mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lk(run_mu_);
    while (!stop_) {
      wake_ = false;
      lk.unlock();
      // A pass that throws is logged, counted and retried after the backoff, like an error.
      Outcome outcome = Outcome::kError;
      util::Guarded("recorder", "registry recorder pass", [&] { outcome = Pass(); });
      lk.lock();
      if (outcome == Outcome::kMore) continue;  // budget used up: go on at once
      auto wait = outcome == Outcome::kError ? o_.error_backoff : o_.period;
      run_cv_.wait_for(lk, wait, [&] { return stop_ || (wake_ && outcome != Outcome::kError); });
    }
  });
}

void RegistryRecorder::Stop() {
  std::thread t;
  {
    std::lock_guard<std::mutex> l(run_mu_);
    stop_ = true;
    t = std::move(thread_);
  }
  run_cv_.notify_all();
  if (t.joinable()) t.join();
}

void RegistryRecorder::Won() {
  {
    std::lock_guard<std::mutex> l(run_mu_);
    wake_ = true;
  }
  run_cv_.notify_one();
}

void RegistryRecorder::Lost() {
  recovered_flag_ = false;
  lost_ = true;
}

void RegistryRecorder::RunOnce() {
  Pass();
}

bool RegistryRecorder::Stopping() {
  std::lock_guard<std::mutex> l(run_mu_);
  return stop_;
}

RegistryRecorder::Gate RegistryRecorder::Admit() {
  if (Stopping() || !is_leader_()) return Gate::kStop;
  if (budget_ <= 0) return Gate::kBudget;
  --budget_;
  // The rate limit (client::TokenBucket): wait interruptibly for a token.
  while (!bucket_.TryAcquire()) {
    std::unique_lock<std::mutex> lk(run_mu_);
    if (run_cv_.wait_for(lk, bucket_.NextTokenIn(), [this] { return stop_; })) return Gate::kStop;
  }
  return Gate::kGo;
}

bool RegistryRecorder::Count(std::string_view op, const std::string& error) {
  bool ok = error.empty();
  {
    std::lock_guard<std::mutex> l(mu_);
    ok ? ++stats_.writes : ++stats_.errors;
  }
  if (hooks_.request) hooks_.request(op, ok);
  if (!ok) LogLimited("registry request failed", {{"op", op}, {"error", error}}, error);
  return ok;
}

void RegistryRecorder::NoteSkipped(const std::vector<std::string>& skipped) {
  if (skipped.empty()) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    stats_.skipped_records += skipped.size();
  }
  for (const auto& problem : skipped)
    LogLimited("malformed registry record skipped", {{"problem", problem}}, problem);
}

void RegistryRecorder::LogLimited(std::string_view msg, const json& fields,
                                  const std::string& dedupe) {
  if (!hooks_.log) return;
  auto now = Steady::now();
  auto [it, added] = logged_.emplace(dedupe, now);
  if (added || now - it->second >= std::chrono::minutes(1)) {
    it->second = now;
    hooks_.log("warn", msg, fields);
  }
  if (logged_.size() > 100) logged_.clear();
}

bool RegistryRecorder::Recover() {
  auto fws = registry_.ListFrameworks();
  if (!Count(kOpRead, fws.error)) return false;
  auto settings = registry_.ListGroupSettings();
  if (!Count(kOpRead, settings.error)) return false;
  auto agents = registry_.ListAgents();
  if (!Count(kOpRead, agents.error)) return false;
  // Malformed records are left out: the leader carries on and rewrites what it needs.
  NoteSkipped(fws.skipped);
  NoteSkipped(settings.skipped);
  NoteSkipped(agents.skipped);
  auto w = std::make_unique<Written>();
  std::map<std::string, std::string> ids;
  for (auto& f : fws.value) {
    ids[FwKey(f.ns, f.name)] = f.framework_id;
    w->frameworks[FwKey(f.ns, f.name)] = f;
  }
  for (auto& [group, s] : settings.value) w->settings[group] = s;
  for (auto& a : agents.value) w->agents[a.node] = {a.group, a.last_seen};
  written_ = std::move(w);
  {
    std::lock_guard<std::mutex> l(mu_);
    ids_ = std::move(ids);
    ++stats_.recoveries;
  }
  if (hooks_.log)
    hooks_.log("info", "registry read after winning leadership",
               {{"frameworks", fws.value.size()},
                {"groups", settings.value.size()},
                {"agents", agents.value.size()}});
  return true;
}

RegistryRecorder::Outcome RegistryRecorder::Pass() {
  std::lock_guard<std::mutex> pass(pass_mu_);
  if (lost_.exchange(false)) recovered_ = false;
  if (!is_leader_()) {
    recovered_ = false;  // read the registry again when leadership comes back
    recovered_flag_ = false;
    std::lock_guard<std::mutex> l(mu_);
    idle_ = true;
    return Outcome::kIdle;
  }
  if (!recovered_) {
    if (!Recover()) return Outcome::kError;
    recovered_ = true;
    recovered_flag_ = true;
    written_generation_ = 0;
    next_refresh_ = {};
  }
  auto steady_now = Steady::now();
  bool refresh_due = steady_now >= next_refresh_;
  Desired d;
  bool synced;
  uint64_t generation;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (generation_ == written_generation_ && !refresh_due && results_.empty()) {
      idle_ = true;
      return Outcome::kIdle;
    }
    idle_ = false;
    d = *desired_;
    synced = synced_;
    generation = generation_;
  }
  budget_ = std::max(1, o_.write_burst);
  now_wall_ = now_();
  for (auto step : {&RegistryRecorder::PassFrameworks, &RegistryRecorder::PassResults,
                    &RegistryRecorder::PassSettings, &RegistryRecorder::PassAgents}) {
    Outcome o = (this->*step)(d, synced);
    if (o != Outcome::kIdle) return o;
  }
  written_generation_ = generation;
  if (refresh_due) next_refresh_ = steady_now + o_.full_pass;
  std::lock_guard<std::mutex> l(mu_);
  idle_ = generation_ == generation && results_.empty();
  return idle_ ? Outcome::kIdle : Outcome::kMore;
}

// Gate -> Outcome of a step that must stop here.
#define KM_ADMIT()                                               \
  if (Gate g = Admit(); g != Gate::kGo) {                        \
    return g == Gate::kBudget ? Outcome::kMore : Outcome::kIdle; \
  }

RegistryRecorder::Outcome RegistryRecorder::PassFrameworks(const Desired& d, bool synced) {
  Written& w = *written_;
  for (const auto& [key, timeout] : d.frameworks) {
    auto it = w.frameworks.find(key);
    if (it != w.frameworks.end() && it->second.failover_timeout_seconds == timeout &&
        it->second.deleted_time == TimePoint{})
      continue;
    KM_ADMIT();
    auto [ns, name] = SplitKey(key);
    auto r = registry_.RegisterFramework(ns, name, timeout, now_wall_);
    NoteSkipped(r.skipped);
    if (!Count(kOpFramework, r.error)) return Outcome::kError;
    w.frameworks[key] = r.value;
    std::lock_guard<std::mutex> l(mu_);
    ids_[key] = r.value.framework_id;
  }
  if (!synced) return Outcome::kIdle;
  for (auto it = w.frameworks.begin(); it != w.frameworks.end();) {
    FrameworkRecord& f = it->second;
    if (d.frameworks.count(it->first)) {
      ++it;
      continue;
    }
    if (f.deleted_time == TimePoint{}) {  // gone: start the failover timeout
      KM_ADMIT();
      auto s = registry_.MarkFrameworkDeleted(f.ns, f.name, now_wall_);
      if (!Count(kOpFramework, s.error)) return Outcome::kError;
      f.deleted_time = now_wall_;
    } else if (now_wall_ - f.deleted_time >= std::chrono::seconds(f.failover_timeout_seconds)) {
      KM_ADMIT();
      auto s = registry_.RemoveFramework(f.ns, f.name);
      if (!Count(kOpFramework, s.error)) return Outcome::kError;
      if (hooks_.log)
        hooks_.log("info", "framework registration removed after its failover timeout",
                   {{"framework", it->first}, {"frameworkID", f.framework_id}});
      {
        std::lock_guard<std::mutex> l(mu_);
        ids_.erase(it->first);
      }
      it = w.frameworks.erase(it);
      continue;
    }
    ++it;
  }
  return Outcome::kIdle;
}

RegistryRecorder::Outcome RegistryRecorder::PassResults(const Desired&, bool) {
  std::set<std::pair<std::string, std::string>> touched;
  Outcome outcome = Outcome::kIdle;
  for (;;) {
    TaskResult r;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (results_.empty()) break;
      r = results_.front();
    }
    if (Gate g = Admit(); g != Gate::kGo) {
      outcome = g == Gate::kBudget ? Outcome::kMore : Outcome::kIdle;
      break;
    }
    auto s = registry_.RecordTaskResult(r, /*trim=*/false);
    if (!Count(kOpTaskResult, s.error)) {
      outcome = Outcome::kError;
      break;
    }
    touched.emplace(r.ns, r.framework);
    std::lock_guard<std::mutex> l(mu_);
    results_.pop_front();  // TaskFinished only appends, and only this thread pops
  }
  for (const auto& [ns, fw] : touched) {  // retention: one range read per framework
    auto s = registry_.TrimTaskResults(ns, fw);
    if (!Count(kOpTaskResult, s.error)) return Outcome::kError;
  }
  return outcome;
}

RegistryRecorder::Outcome RegistryRecorder::PassSettings(const Desired& d, bool synced) {
  Written& w = *written_;
  for (const auto& [name, group] : d.groups) {
    auto it = w.settings.find(name);
    if (it != w.settings.end() && it->second == group.settings) continue;
    KM_ADMIT();
    if (!Count(kOpSettings, registry_.PutGroupSettings(name, group.settings).error))
      return Outcome::kError;
    w.settings[name] = group.settings;
  }
  if (!synced) return Outcome::kIdle;
  for (auto it = w.settings.begin(); it != w.settings.end();) {
    if (d.groups.count(it->first)) {
      ++it;
      continue;
    }
    KM_ADMIT();
    if (!Count(kOpSettings, registry_.DeleteGroupSettings(it->first).error)) return Outcome::kError;
    it = w.settings.erase(it);
  }
  return Outcome::kIdle;
}

namespace {

// A group as the reserving-group rule reads it: name, parent, weight and nodeSelector, from the
// settings as observed (recorder_observe.cpp fills in parent "" and weight 1 when absent).
GroupSpec ReservationSpec(const std::string& name, const json& settings,
                          const std::map<std::string, std::string>& selector) {
  GroupSpec spec;
  spec.name = name;
  spec.parent = kube::lenient::Str(settings, "parent");
  const json& weight = kube::lenient::Field(settings, "weight");
  spec.weight = weight.is_number() ? weight.get<double>() : 1.0;
  spec.node_selector = selector;
  return spec;
}

}  // namespace

RegistryRecorder::Outcome RegistryRecorder::PassAgents(const Desired& d, bool synced) {
  Written& w = *written_;
  // The node's group is the one the engine reserves it for: the same rule (GroupTree), built
  // once per pass from the observed groups.
  const ResourceCatalog catalog;  // the rule reads no amounts
  GroupTree tree(catalog);
  for (const auto& [name, g] : d.groups) tree.Upsert(ReservationSpec(name, g.settings, g.selector));
  tree.Rebuild();
  for (const auto& [node, labels] : d.nodes) {
    const int reserving = tree.ReservationFor(labels);
    const std::string group = reserving == GroupTree::kNone ? "" : tree.name(reserving);
    auto it = w.agents.find(node);
    if (it != w.agents.end() && it->second.group == group &&
        now_wall_ - it->second.last_seen < o_.agent_refresh)
      continue;
    KM_ADMIT();
    if (!Count(kOpAgent, registry_.UpsertAgent(node, group, now_wall_).error))
      return Outcome::kError;
    w.agents[node] = {group, now_wall_};
  }
  if (!synced) return Outcome::kIdle;
  for (auto it = w.agents.begin(); it != w.agents.end();) {
    if (d.nodes.count(it->first)) {
      ++it;
      continue;
    }
    KM_ADMIT();
    if (!Count(kOpAgent, registry_.RemoveAgent(it->first).error)) return Outcome::kError;
    it = w.agents.erase(it);
  }
  return Outcome::kIdle;
}

#undef KM_ADMIT

}  // namespace kubemesos::registry
