// List-and-watch with resume, bookmarks, relist on 410 and a diff that keeps the consumer's
// cache exact. See informer.h for the contract.
#include "operator/client/informer.h"

#include <random>

#include "operator/client/informer_objects.h"
#include "operator/proto/codec.h"
#include "operator/util/guard.h"
#include "operator/util/text.h"

namespace kubemesos::client {
namespace {

using informer_objects::Field;
using informer_objects::KeyOf;
using informer_objects::Stub;
using nlohmann::json;

double Uniform(double lo, double hi) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

}  // namespace

const char* EventTypeName(EventType type) {
  switch (type) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
  }
  return "?";
}

Informer::Informer(KubeClient& client, InformerOptions options, Handlers handlers)
    : client_(client),
      options_(std::move(options)),
      handlers_(std::move(handlers)),
      accept_(AcceptFor(options_.encoding, ApiVersionOfPath(options_.path), options_.kind)) {}

Informer::~Informer() {
  Stop();
}

void Informer::Start() {
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void Informer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (stream_) stream_->Cancel();
    cv_.notify_all();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

InformerStats Informer::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void Informer::Run() {
  while (!stopping_) {
    bool go_on = true;
    if (util::Guarded("informer", options_.path, [&] { go_on = Step(); })) {
      if (!go_on) return;
      continue;
    }
    // Something unexpected threw (logged and counted): start over with a relist after a
    // backoff; the relist delivers whatever this round missed as a difference.
    {
      std::lock_guard<std::mutex> lock(mu_);
      stream_.reset();
      ++stats_.errors;
      stats_.last_error = options_.path + ": internal error (see the log)";
    }
    need_list_ = true;
    failed_line_ = false;
    if (!SleepBackoff()) return;
  }
}

bool Informer::Step() {
  if (need_list_) {
    bool listed = false;
    try {
      WatchListResult streamed = WatchListResult::kRefused;
      if (options_.watch_list && !watch_list_refused_) streamed = WatchListAll();
      if (streamed == WatchListResult::kRefused) {
        watch_list_refused_ = true;
        listed = ListAll();
      } else {
        listed = streamed == WatchListResult::kListed;
      }
    } catch (const std::exception& e) {  // malformed objects (nlohmann type errors)
      Fail(std::string("list: unexpected response: ") + e.what());
    }
    if (!listed && list_refused_ && options_.absent_ok) return Absent();
    if (!listed) return SleepBackoff();
    if (absent_) {
      absent_ = false;
      if (handlers_.on_absent)
        util::Guarded("informer", options_.path, [&] { handlers_.on_absent(false, 200); });
    }
    need_list_ = false;  // the backoff resets only once a watch delivers events
    if (!synced_.exchange(true) && handlers_.on_synced) {
      util::Guarded("informer", options_.path, [&] { handlers_.on_synced(); });
    }
    return true;
  }
  WatchOnce();
  return true;
}

std::string Informer::Query(bool watch, bool watch_list) const {
  std::string q;
  if (watch_list) {
    q = "?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
        "&allowWatchBookmarks=true&timeoutSeconds=" +
        std::to_string(options_.watch_timeout_seconds);
  } else if (watch) {
    int t = options_.watch_timeout_seconds;
    t = std::max(1, static_cast<int>(t * Uniform(0.8, 1.2)));
    q = "?watch=1&allowWatchBookmarks=true&resourceVersion=" + QueryEscape(resource_version_) +
        "&timeoutSeconds=" + std::to_string(t);
  } else {
    q = "?limit=" + std::to_string(options_.page_size);
  }
  if (!options_.label_selector.empty())
    q += "&labelSelector=" + QueryEscape(options_.label_selector);
  if (!options_.field_selector.empty())
    q += "&fieldSelector=" + QueryEscape(options_.field_selector);
  return q;
}

void Informer::Emit(EventType type, json object) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.events;
  }
  // A handler that throws loses this one event (logged and counted), not the informer.
  util::Guarded("informer", options_.path, [&] {
    handlers_.on_event(InformerEvent{type, std::move(object)});
  });
}

void Informer::Fail(const std::string& error) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.errors;
  stats_.last_error = options_.path + ": " + error;
}

bool Informer::SleepBackoff() {
  backoff_ =
      backoff_.count() == 0 ? options_.min_backoff : std::min(backoff_ * 2, options_.max_backoff);
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(backoff_ * Uniform(0.8, 1.2));
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, wait, [&] { return stopping_.load(); });
  return !stopping_;
}

bool Informer::Absent() {
  // An empty collection: what was known is gone.
  for (auto it = known_.begin(); it != known_.end();) {
    json gone = Stub(api_version_, kind_, it->first, it->second.uid, it->second.resource_version);
    it = known_.erase(it);
    Emit(EventType::kDeleted, std::move(gone));
  }
  if (!absent_) {
    absent_ = true;
    if (handlers_.on_absent)
      util::Guarded("informer", options_.path, [&] { handlers_.on_absent(true, list_refused_); });
  }
  if (!synced_.exchange(true) && handlers_.on_synced) {
    util::Guarded("informer", options_.path, [&] { handlers_.on_synced(); });
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, options_.max_backoff, [&] { return stopping_.load(); });
  return !stopping_;
}

void Informer::WatchOnce() {
  if (watched_before_) {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.restarts;
  }
  watched_before_ = true;
  std::unique_ptr<WatchStream> owned = client_.Watch(options_.path + Query(true), accept_);
  WatchStream* stream = owned.get();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stream_ = std::move(owned);
    if (stopping_) stream_->Cancel();
  }
  bool failed = false;
  int lines = 0;
  if (stream->Status() == 410) {
    need_list_ = true;
  } else if (stream->Status() != 200) {
    Fail("watch: " +
         (stream->Error().empty() ? "HTTP " + std::to_string(stream->Status()) : stream->Error()));
    failed = true;
  } else {
    const bool protobuf = proto::IsProtobuf(stream->ContentType());
    std::string line;
    while (!need_list_ && !failed_line_ && stream->Next(line)) {
      ++lines;
      try {
        HandleLine(line, protobuf);
      } catch (const std::exception& e) {  // malformed objects (nlohmann type errors)
        Fail(std::string("watch: unexpected event: ") + e.what());
        failed_line_ = true;
      }
    }
    std::string error = stopping_ ? "" : stream->Error();
    if (!error.empty()) {
      Fail("watch: " + error);
      failed = true;
    }
    if (failed_line_) failed = true;
    failed_line_ = false;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stream_.reset();
  }
  if (stopping_) return;
  if (need_list_) {
    // Gone at once, right after a list: back off, or a lagging server makes a hot loop.
    if (lines <= 1) SleepBackoff();
    return;
  }
  if (failed || lines == 0) {
    SleepBackoff();  // a broken or empty watch: do not spin against the server
  } else {
    backoff_ = std::chrono::milliseconds(0);
  }
}

bool Informer::DecodeEvent(const std::string& line, bool protobuf, std::string& type, json& object,
                           std::string& error) {
  if (protobuf) {
    if (proto::DecodeWatchEvent(line, type, object, error)) return true;
    error = "malformed frame: " + error;
    return false;
  }
  json event = json::parse(line, nullptr, false);
  if (!event.is_object() || !event.contains("type") || !event["type"].is_string() ||
      !event.contains("object") || !event["object"].is_object()) {
    error = "malformed event: " + util::SanitizeUtf8(line, 200);
    return false;
  }
  type = event["type"].get<std::string>();
  object = std::move(event["object"]);
  return true;
}

void Informer::HandleLine(const std::string& line, bool protobuf) {
  std::string type, error;
  json object;
  if (!DecodeEvent(line, protobuf, type, object, error)) {
    Fail("watch: " + error);
    failed_line_ = true;
    return;
  }
  HandleEvent(type, object);
}

void Informer::HandleEvent(const std::string& type, json& object) {
  if (type == "ERROR") {
    int code = object.value("code", 0);
    if (code == 410) {
      need_list_ = true;
    } else {
      Fail("watch ERROR event: " +
           object.value("message", util::SanitizeUtf8(util::SafeDump(object), 200)));
      failed_line_ = true;
    }
    return;
  }
  std::string rv = Field(object, "resourceVersion");
  if (type == "BOOKMARK") {
    if (!rv.empty()) resource_version_ = rv;
    return;
  }
  if (!object.contains("metadata") || !object["metadata"].is_object()) return;
  if (object.contains("kind")) {
    kind_ = object.value("kind", kind_);
    api_version_ = object.value("apiVersion", api_version_);
  }
  std::string key = KeyOf(object);
  Known now{Field(object, "uid"), rv};
  auto it = known_.find(key);
  if (type == "DELETED") {
    if (it != known_.end()) {
      known_.erase(it);
      Emit(EventType::kDeleted, std::move(object));
    }
  } else if (type == "ADDED" || type == "MODIFIED") {
    if (it == known_.end()) {
      known_.emplace(key, now);
      Emit(EventType::kAdded, std::move(object));
    } else if (it->second.uid != now.uid) {
      json gone = Stub(api_version_, kind_, key, it->second.uid, it->second.resource_version);
      it->second = now;
      Emit(EventType::kDeleted, std::move(gone));
      Emit(EventType::kAdded, std::move(object));
    } else if (it->second.resource_version != rv) {
      it->second = now;
      Emit(EventType::kModified, std::move(object));
    }
  }
  if (!rv.empty()) resource_version_ = rv;
}

}  // namespace kubemesos::client
