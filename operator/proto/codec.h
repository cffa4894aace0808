// The Kubernetes protobuf wire format (application/vnd.kubernetes.protobuf) for the built-in
// kinds kubemesos lists and watches, and for the Binding it posts. Issue #17.
//
// What the API server sends (k8s.io/apimachinery/pkg/runtime/serializer/protobuf):
// - A body is the 4-byte magic "k8s\0" followed by a runtime.Unknown message whose `raw` field
//   holds the object (a Pod, a PodList, a Status, ...) and whose typeMeta names it.
// - A watch response is a sequence of frames, each a 4-byte big-endian length followed by that
//   many bytes: a metav1.WatchEvent {type, object.raw}, where object.raw is again an envelope
//   ("k8s\0" + Unknown) holding the object.
// Messages come from the pinned k8s.io/api and k8s.io/apimachinery `generated.proto` files,
// compiled at build time with Debian's protoc (operator/proto/CMakeLists.txt); nothing generated
// is committed.
//
// Decoding produces the object as nlohmann::json shaped exactly like the API server's JSON for
// the same object (field names, Quantity and IntOrString as their JSON scalars, Time as RFC 3339,
// maps as objects), restricted to what kubemesos reads: metadata.managedFields and other fields
// the scheduler never looks at are left out (see codec.cpp for the list). So every converter
// (operator/kube) has one input format whatever the wire carried, and the JSON path stays the
// reference the protobuf path is tested against.
//
// Errors: nothing throws. A malformed, truncated or oversized input, or a kind the codec does not
// know, returns false with a readable `error`; unknown fields inside a known message are
// skipped (a newer API server may add fields).
// Threads: every function is reentrant; FrameSplitter is used by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kubemesos::proto {

inline constexpr std::string_view kProtobufContentType = "application/vnd.kubernetes.protobuf";
inline constexpr std::string_view kJsonContentType = "application/json";
// What a client that prefers protobuf asks for: the server answers JSON for kinds it cannot
// encode in protobuf (custom resources), as client-go's "protobuf,json" negotiation does.
inline constexpr std::string_view kProtobufAccept =
    "application/vnd.kubernetes.protobuf, application/json";

// The largest body (a LIST page, one object, one watch frame) the decoders accept: bigger ones
// are refused with an error, before any parsing. A 500-pod page is about 1 MiB in protobuf;
// ask for smaller pages (`limit`) rather than raising this.
inline constexpr size_t kMaxBodyBytes = 256u << 20;  // 256 MiB

// Whether a Content-Type header value names the protobuf encoding (parameters ignored).
bool IsProtobuf(std::string_view content_type);

// Whether the codec can decode objects of this apiVersion/kind (and their List). Core v1 (Pod,
// Node, Namespace, PersistentVolume, PersistentVolumeClaim, Binding, Status...), storage.k8s.io/v1
// (StorageClass, CSINode), scheduling.k8s.io/v1beta1 (PodGroup) and meta v1 (Status).
bool Knows(std::string_view api_version, std::string_view kind);

// One decoded LIST page.
struct ListPage {
  std::string api_version;            // of the items, e.g. "v1" (from the list's typeMeta)
  std::string kind;                   // of the items, e.g. "Pod" (the list's kind without "List")
  std::string resource_version;       // metadata.resourceVersion of the list
  std::string continue_token;         // metadata.continue ("" on the last page)
  int64_t remaining_item_count = -1;  // metadata.remainingItemCount; -1 when absent
  std::vector<nlohmann::json> items;  // each with apiVersion and kind set, as JSON lists do not
};

// Decodes a LIST response body (an envelope holding a *List).
bool DecodeList(std::string_view body, ListPage& out, std::string& error);

// Decodes a single-object body (an envelope): the object as JSON (apiVersion and kind set).
// A Status (an error reply, or a watch ERROR event's object) decodes too.
bool DecodeObject(std::string_view body, nlohmann::json& out, std::string& error);

// Decodes one watch frame (the bytes after the length prefix): `type` is "ADDED", "MODIFIED",
// "DELETED", "BOOKMARK" or "ERROR"; `object` as DecodeObject.
bool DecodeWatchEvent(std::string_view frame, std::string& type, nlohmann::json& object,
                      std::string& error);

// Encodes a JSON object of a known kind (apiVersion and kind set) as a protobuf body (envelope).
// Fields the codec does not model are refused (false, naming the field), never dropped. Used
// for the Binding the binder posts, and by tests and fakes to serve protobuf.
bool EncodeObject(const nlohmann::json& object, std::string& out, std::string& error);

// Encodes a list page (for fakes and tests): items of one kind, with the list metadata.
bool EncodeList(const ListPage& page, std::string& out, std::string& error);

// Encodes one watch event as a frame INCLUDING its 4-byte length prefix (for fakes and tests).
bool EncodeWatchEvent(std::string_view type, const nlohmann::json& object, std::string& out,
                      std::string& error);

// Cuts a byte stream that arrives in pieces into length-prefixed frames. A frame longer than
// `max_frame` is an error (the stream is then unusable: error() is set and Next returns false).
class FrameSplitter {
 public:
  static constexpr size_t kDefaultMaxFrame = 64u << 20;  // 64 MiB, as the JSON line limit
  explicit FrameSplitter(size_t max_frame = kDefaultMaxFrame) : max_frame_(max_frame) {}

  void Append(std::string_view bytes);
  // The next complete frame (without its prefix); false when none is complete yet or on error.
  bool Next(std::string& frame);
  // Bytes of an incomplete frame at the end of the stream ("a truncated frame"), 0 if none.
  size_t pending() const { return buffer_.size() - offset_; }
  const std::string& error() const { return error_; }

 private:
  size_t max_frame_;
  std::string buffer_;
  size_t offset_ = 0;
  std::string error_;
};

}  // namespace kubemesos::proto
