// FakeKubeClient: an in-memory KubeClient for unit tests of informers, controllers and the
// binder. It behaves like a small API server for collection paths:
// - a store of objects per collection path ("/api/v1/pods"), keyed "namespace/name", with
//   one resourceVersion counter for all paths (like etcd);
// - GET <path>[?limit=N&continue=T] lists from a snapshot, paginated like the real server;
// - Watch("<path>?watch=1&resourceVersion=R...") replays the history after R and then
//   streams live events; a watch from before the compacted history gets an ERROR 410 event;
//   a watch-list (sendInitialEvents=true) gets an ADDED event per object, the bookmark
//   annotated k8s.io/initial-events-end, then live events (RefuseWatchList: HTTP 422);
// - fault injection: failing requests and watches, ending or expiring open watches, silent
//   mutations (the store changes without a watch event, as if the event was missed),
//   expiring continue tokens.
// - encodings: a list or watch that asks for protobuf (Accept) gets protobuf when the codec
//   knows the collection's kind (that of the objects stored, or DeclareKind), else JSON (as
//   the API server answers for custom resources); the answer's Content-Type says which.
// Other requests go to an optional handler (SetHandler), else 404. Every request and watch is
// logged (Requests()).
//
// Threads: every method is thread-safe. Streams deliver events in resourceVersion order.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/client/kube_client.h"

namespace kubemesos::client {

class FakeKubeClient : public KubeClient {
 public:
  FakeKubeClient();
  ~FakeKubeClient() override;

  // --- KubeClient ---
  HttpResponse Request(std::string_view method, const std::string& path_and_query,
                       const std::string& body = "", std::string_view content_type = kJsonMediaType,
                       std::string_view accept = kJsonMediaType) override;
  std::unique_ptr<WatchStream> Watch(const std::string& path_and_query,
                                     std::string_view accept = kJsonMediaType) override;

  // --- The store. Mutations return the stored object (with metadata.resourceVersion set, and
  // metadata.uid on Create when absent). `silent` skips the watch event and the history. ---
  nlohmann::json Create(const std::string& path, nlohmann::json object, bool silent = false);
  nlohmann::json Update(const std::string& path, nlohmann::json object, bool silent = false);
  // Deletes "namespace/name" (or "name" for cluster-scoped objects); false if absent.
  bool Delete(const std::string& path, const std::string& key, bool silent = false);
  // Sends a BOOKMARK at a fresh resourceVersion to the open watches of `path`.
  std::string Bookmark(const std::string& path);
  // Forgets the watch history of `path`: watches from an older resourceVersion get 410.
  void Compact(const std::string& path);
  std::string ResourceVersion() const;  // the newest resourceVersion of the store
  size_t Size(const std::string& path) const;
  // The apiVersion and kind of `path`'s objects before any is stored (for the encoding).
  void DeclareKind(const std::string& path, const std::string& api_version,
                   const std::string& kind);

  // --- Fault injection ---
  // Ends every open watch of `path` cleanly (like timeoutSeconds elapsing).
  void EndWatches(const std::string& path);
  // Sends every open watch of `path` an ERROR event with code 410 and ends it; also compacts.
  void ExpireWatches(const std::string& path);
  // Sends a raw event (a line, e.g. malformed JSON, or a frame without its prefix) to every
  // open watch of `path`.
  void InjectLine(const std::string& path, const std::string& line);
  // The next `n` Request calls (any path) return `status` (0 = transport failure).
  void FailRequests(int n, int status = 500, std::string retry_after = "");
  // The next `n` Watch calls return a stream with `status` that yields nothing.
  void FailWatches(int n, int status = 500);
  // Watch-list requests (sendInitialEvents=true) are refused with 422, as by a server whose
  // WatchList feature is off.
  void RefuseWatchList();
  // Continue tokens handed out so far become invalid (410 Expired), like after a compaction.
  void ExpireContinueTokens();
  // Handler for requests that are not a list of a stored path; nullopt = fall through (404).
  // A protobuf body (e.g. a Binding) is handed over decoded, as JSON; BodyTypes() tells.
  using Handler = std::function<std::optional<HttpResponse>(
      std::string_view method, const std::string& path_and_query, const std::string& body)>;
  void SetHandler(Handler handler);

  // --- Observation ---
  // "GET /api/v1/pods?limit=2" and "WATCH /api/v1/pods?watch=1&resourceVersion=7...".
  std::vector<std::string> Requests() const;
  std::vector<std::string> Accepts() const;  // the Accept of each, in the same order
  // The Content-Type of each request body, in the same order ("" for a watch).
  std::vector<std::string> BodyTypes() const;
  int WatchCalls(const std::string& path) const;  // Watch calls so far for `path`
  // Waits until WatchCalls(path) >= n or the deadline passes; returns whether it happened.
  bool WaitForWatchCalls(const std::string& path, int n, std::chrono::milliseconds timeout) const;

 private:
  struct State;  // store, streams and fault settings (fake_client.cpp)
  std::unique_ptr<State> s_;
};

// Splits "path?a=1&b=2" into the path and its (percent-decoded) query parameters.
std::string SplitPathQuery(const std::string& path_and_query,
                           std::map<std::string, std::string>* query);

}  // namespace kubemesos::client
