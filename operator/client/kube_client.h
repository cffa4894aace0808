// The transport interface between kubemesos and the Kubernetes API server.
//
// Everything that talks to the API server (informers, controllers, the binder, the Lease
// registry) goes through KubeClient, so the slow-to-compile HTTP stack (cpprestsdk, in
// rest_client.cpp only) can be swapped and unit tests can use the in-memory FakeKubeClient
// (tests/fakes/client/fake_client.h, test-only).
//
// Contract shared by every implementation:
// - Threads: Request and Watch may be called from many threads at once. Calls block the
//   calling thread; never call them from a cpprestsdk pool thread (a continuation), where a
//   blocking wait can deadlock the pool.
// - Errors: no exception escapes Request or Watch. A transport failure (DNS, connection, TLS,
//   timeout) is status 0 with a readable message in `body` and `message`. An HTTP error keeps
//   the server's body (usually a v1 Status object) and adds a readable `message`; 401 and 403
//   name the identity problem (rejected credentials, or an identity RBAC does not allow).
// - Paths are absolute API paths with an optional query string, already percent-encoded:
//   "/api/v1/namespaces/default/pods?limit=500". Use QueryEscape for selector values.
// - Encodings: `accept` is sent as the Accept header; the server picks the encoding of its
//   answer (it serves protobuf only for built-in kinds: a custom resource comes back in JSON
//   even when protobuf is preferred), so callers decode by the response's Content-Type
//   (HttpResponse::content_type, WatchStream::ContentType). An error body the server sent in
//   protobuf (a Status) is handed back converted to JSON, so errors read the same whatever
//   was asked.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace kubemesos::client {

inline constexpr std::string_view kJsonMediaType = "application/json";

// One HTTP exchange. Retries and rate limiting happen inside the client; this is the final
// outcome.
struct HttpResponse {
  int status = 0;                 // HTTP status; 0 = transport failure (no HTTP response)
  std::string body;               // response body; for status 0, the readable error
  std::string retry_after;        // the Retry-After header, if the server sent one
  std::string message;            // empty for 2xx; otherwise a readable description of the failure
  std::string content_type = {};  // the response's Content-Type header ("" when none)

  bool ok() const { return status >= 200 && status < 300; }
};

// One open watch: a stream of watch events exactly as the API server sends them, one per
// Next(): in JSON a line ({"type":"ADDED","object":{...}}); in protobuf one length-prefixed
// frame (a metav1.WatchEvent, without its 4-byte prefix). ContentType() says which.
//
// Ownership: the caller owns the stream; destroying it cancels and releases the connection.
// Threads: Next is called by one thread (the reader); Cancel may be called from any thread,
// at any time, also concurrently with a blocked Next and more than once.
class WatchStream {
 public:
  virtual ~WatchStream() = default;

  // Blocks until the next complete event arrives and stores it in `event` (a line without its
  // newline, or a frame without its length prefix). Returns false at the end of the stream:
  // the server closed it (normal after timeoutSeconds), an error (see Status/Error: also a
  // frame cut off by the end of the stream), an idle timeout, or Cancel().
  virtual bool Next(std::string& event) = 0;

  // Aborts a blocked Next at once and makes every later Next return false. Thread-safe.
  virtual void Cancel() = 0;

  // HTTP status of the watch request: 200 for an opened watch, 0 for a transport failure,
  // or the server's error status (e.g. 410, 403), in which case Next returns false at once.
  virtual int Status() const = 0;

  // Why the stream ended, once Next has returned false: empty for a clean end by the server
  // or for Cancel(); otherwise a readable message (HTTP error, transport error, idle timeout).
  // Only meaningful on the reader thread after Next returned false.
  virtual std::string Error() const = 0;

  // The Content-Type of the watch response: application/json (lines) unless the server
  // answered application/vnd.kubernetes.protobuf (frames; see operator/proto/codec.h).
  virtual std::string ContentType() const { return std::string(kJsonMediaType); }
};

class KubeClient {
 public:
  virtual ~KubeClient() = default;

  // Sends one request and returns the final response (see the contract above).
  // `method` is "GET", "POST", "PUT", "PATCH" or "DELETE"; `content_type` applies to `body`
  // (e.g. "application/merge-patch+json" for a PATCH); `accept` is what the caller can read.
  virtual HttpResponse Request(std::string_view method, const std::string& path_and_query,
                               const std::string& body = "",
                               std::string_view content_type = kJsonMediaType,
                               std::string_view accept = kJsonMediaType) = 0;

  // Opens a watch (path_and_query includes watch=1 or is a .../watch/... path). Returns when
  // the response headers arrived or the attempt failed; never returns null. No retries: the
  // caller (the Informer) owns the resume-and-backoff policy.
  virtual std::unique_ptr<WatchStream> Watch(const std::string& path_and_query,
                                             std::string_view accept = kJsonMediaType) = 0;
};

// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay as they are):
// QueryEscape("app in (a,b)") == "app%20in%20%28a%2Cb%29".
std::string QueryEscape(std::string_view value);

}  // namespace kubemesos::client
