// Informer: keeps a consumer's view of one kind of Kubernetes object exact, the way
// client-go's reflector does: a watch-list stream (the initial state as ADDED events up to a
// bookmark) or a paginated LIST, then a WATCH from the list's resourceVersion,
// resumed after every stream end from the last resourceVersion seen (bookmarks included), and
// a full relist when the server says that version is gone (410), delivering the difference.
//
// Contract:
// - Encodings: with Encoding::kProtobuf (and `kind` set and known to the codec) the list and
//   the watch ask for protobuf and decode each answer by its Content-Type (the server answers
//   JSON for custom resources), so the events carry the same JSON objects either way
//   (operator/proto/codec.h: protobuf objects hold only the fields kubemesos reads). A
//   protobuf frame that does not decode is handled like a malformed JSON line.
// - Events: Added/Modified/Deleted with the object as the server sent it. After a relist,
//   objects that vanished come as Deleted carrying their last known identity (apiVersion,
//   kind, metadata.name/namespace/uid/resourceVersion only: the Informer does not keep whole
//   objects); objects that are new come as Added; objects whose resourceVersion changed come
//   as Modified; unchanged objects produce nothing. An object re-created under the same name
//   (new uid) comes as Deleted then Added. Events already seen (same resourceVersion) are
//   dropped, so the consumer never sees a duplicate.
// - `on_synced` is called once, after the Added events of the first complete list (a
//   watch-list is complete at its initial-events-end bookmark).
// - Threads: the Informer runs its own thread between Start() and Stop(); handlers are called
//   on that thread, one at a time, in order. Handlers must not call Stop() (deadlock), should
//   not throw (a handler that throws loses that event: logged and counted as an internal
//   error of "informer"), and should be quick (push into a queue).
// - Errors never stop the Informer: failed lists and watches are retried with exponential
//   backoff (with jitter) between min_backoff and max_backoff; every failure is counted and
//   the last one is kept (Stats()). Anything else that throws on its thread is logged, counted
//   (util::Guarded, component "informer") and followed by a relist after a backoff.
// - Stop() cancels the open watch and any backoff wait and joins; it returns at once unless
//   a LIST request is in flight (bounded by the client's request timeout).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "operator/client/encoding.h"
#include "operator/client/kube_client.h"

namespace kubemesos::client {

enum class EventType { kAdded, kModified, kDeleted };
const char* EventTypeName(EventType type);  // "ADDED", "MODIFIED", "DELETED"

struct InformerEvent {
  EventType type;
  nlohmann::json object;
};

struct InformerOptions {
  // The collection to list and watch: "/api/v1/pods", "/api/v1/namespaces/ns/pods",
  // "/apis/kubemesos.io/v1alpha1/resourcegroups", ...
  std::string path;
  std::string label_selector;       // e.g. "kubemesos.io/framework"; escaped by the Informer
  std::string field_selector;       // e.g. "spec.schedulerName=kubemesos"
  int page_size = 500;              // LIST limit
  int watch_timeout_seconds = 300;  // timeoutSeconds asked of the server (randomized ±20%)
  std::chrono::milliseconds min_backoff{250};
  std::chrono::milliseconds max_backoff{30000};
  // For an API the cluster may not serve (a beta group behind a feature gate) or the account may
  // not read (a ClusterRole from an older chart): a LIST answered 404 or 403 counts as an empty
  // collection (known objects are delivered as Deleted; the first time, on_synced is called),
  // so a consumer waiting for every kind is not blocked; the list is retried every max_backoff
  // until it succeeds, then the informer goes on as usual.
  bool absent_ok = false;
  // The wire encoding (see the contract above). Protobuf is asked only for a `kind` the codec
  // knows (proto::Knows with the apiVersion of `path`); "" = JSON.
  Encoding encoding = Encoding::kProtobuf;
  std::string kind;  // of the objects, e.g. "Pod"
  // Get the collection (the first time and on every relist) through a watch-list stream
  // (sendInitialEvents=true, issue #17: one response instead of a LIST page per `page_size`
  // objects, served from the API server's watch cache); a server that refuses it (4xx, the
  // WatchList feature off) is asked with LIST pages from then on.
  bool watch_list = true;
};

// Counters for metrics and tests. Read at any time from any thread.
struct InformerStats {
  uint64_t lists = 0;        // complete lists (the first one included)
  uint64_t relists = 0;      // complete lists after the first (410 Gone, ERROR events)
  uint64_t restarts = 0;     // watches re-opened after the first (metric watch_restarts_total)
  uint64_t errors = 0;       // failed list pages, failed or broken watches
  uint64_t events = 0;       // events delivered to on_event
  std::string last_error;    // readable, empty when none yet
  std::string content_type;  // of the last list's answer ("" before the first)
};

class Informer {
 public:
  struct Handlers {
    std::function<void(InformerEvent)> on_event;  // required
    std::function<void()> on_synced;              // optional
    // Optional, with absent_ok: called when the list starts (true, with the HTTP status: 404 or
    // 403) or stops (false, 200) being refused, so the consumer can log the change once.
    std::function<void(bool absent, int status)> on_absent;
  };

  // `client` must outlive the Informer.
  Informer(KubeClient& client, InformerOptions options, Handlers handlers);
  ~Informer();  // calls Stop()
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void Start();  // starts the thread; once
  void Stop();   // idempotent; see the contract above

  bool HasSynced() const { return synced_.load(); }
  InformerStats Stats() const;
  const std::string& path() const { return options_.path; }

 private:
  // What the Informer remembers of each object ("namespace/name" -> identity).
  struct Known {
    std::string uid;
    std::string resource_version;
  };
  enum class WatchListResult { kListed, kFailed, kRefused };
  void Run();
  bool Step();     // one list or one watch; false when stopping
  bool ListAll();  // LIST every page and emit the difference; false on failure
  // The same through a watch-list stream; kRefused: the server does not serve it (LIST then).
  WatchListResult WatchListAll();
  // One listed object compared with known_ (Added, Modified, or Deleted+Added); its key joins
  // `seen`. FinishList: the known objects not seen are Deleted; the list is at `rv`.
  void ListItem(nlohmann::json& item, std::unordered_set<std::string>& seen);
  void FinishList(const std::unordered_set<std::string>& seen, const std::string& rv);
  // A watch event (a JSON line, or a protobuf frame) as its type and object; false with
  // `error` when it does not decode.
  static bool DecodeEvent(const std::string& line, bool protobuf, std::string& type,
                          nlohmann::json& object, std::string& error);
  bool Absent();     // absent_ok and the list was 404: see InformerOptions; false when stopping
  void WatchOnce();  // one watch until it ends; sets need_list_ on 410
  void HandleLine(const std::string& line, bool protobuf);
  void HandleEvent(const std::string& type, nlohmann::json& object);
  void Emit(EventType type, nlohmann::json object);
  void Fail(const std::string& error);
  bool SleepBackoff();  // false when stopping
  std::string Query(bool watch, bool watch_list = false) const;

  KubeClient& client_;
  const InformerOptions options_;
  const Handlers handlers_;
  const std::string accept_;  // the Accept header of lists and watches

  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> synced_{false};
  mutable std::mutex mu_;  // guards stream_, cv_ waits, stats_
  std::condition_variable cv_;
  std::unique_ptr<WatchStream> stream_;
  InformerStats stats_;

  // Owned by the informer thread.
  std::unordered_map<std::string, Known> known_;
  std::string api_version_, kind_;  // of the objects, for Deleted stubs
  std::string resource_version_;
  bool need_list_ = true;
  std::chrono::milliseconds backoff_{0};
  bool watched_before_ = false;
  bool failed_line_ = false;  // HandleLine saw a malformed event or a non-410 ERROR event
  bool absent_ = false;       // absent_ok: the last list was answered 404
  int list_refused_ = 0;      // set by ListAll: its first page was answered 404 or 403 (else 0)
  bool watch_list_refused_ = false;  // the server does not serve watch-list: LIST
};

}  // namespace kubemesos::client
