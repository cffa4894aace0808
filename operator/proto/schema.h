// The codec's view of the Kubernetes messages: the descriptor set compiled from the pinned
// generated.proto files (embedded at build time, see CMakeLists.txt), turned once into flat
// tables the wire walkers (decode.cpp, encode.cpp) index by field number or JSON name.
//
// Contract: Schema() builds the tables on first use (thread-safe, C++ static initialisation) and
// never changes them; every pointer it hands out lives for the process. Never throws (a
// descriptor set that does not load, which the build makes impossible, leaves it empty and
// every decode fails with "schema not loaded").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kubemesos::proto::internal {

// Messages whose JSON form is not an object of their fields (their Go types marshal JSON by
// hand).
enum class Special : uint8_t {
  kNone,
  kQuantity,      // resource.Quantity: its string
  kTime,          // meta/v1 Time: RFC 3339 in seconds, null for the zero time
  kMicroTime,     // meta/v1 MicroTime: RFC 3339 with 6 decimals
  kDuration,      // meta/v1 Duration: Go's duration string ("1h0m0s")
  kIntOrString,   // intstr.IntOrString: its int or its string
  kRawExtension,  // runtime.RawExtension: the embedded JSON
  kFieldsV1,      // meta/v1 FieldsV1: the embedded JSON
};

// The scalar kinds the wire carries (the protobuf types the Kubernetes files use).
enum class Scalar : uint8_t {
  kString,
  kBytes,  // JSON: base64
  kBool,
  kInt32,
  kInt64,
  kUint32,
  kUint64,
  kSint32,
  kSint64,
  kDouble,
  kFloat,
  kFixed32,
  kFixed64,
  kSfixed32,
  kSfixed64,
  kMessage,
};

struct Message;

struct Field {
  int number = 0;
  std::string name;  // the JSON key (Kubernetes proto field names are the JSON names)
  Scalar type = Scalar::kString;
  bool repeated = false;
  // The Go field is embedded (`json:""`): its message's fields appear in the parent's JSON
  // object (Volume.volumeSource, Probe.handler, ...).
  bool inlined = false;
  // Left out of decoded objects (kubemesos never reads it; codec.cpp lists them).
  bool dropped = false;
  const Message* message = nullptr;  // for kMessage
  // Map fields (a repeated XEntry {key = 1; value = 2;}): the JSON is an object.
  bool map = false;
  const Field* map_key = nullptr;
  const Field* map_value = nullptr;
};

struct Message {
  std::string full_name;  // "k8s.io.api.core.v1.Pod"
  Special special = Special::kNone;
  std::vector<Field> fields;
  std::vector<int16_t> by_number;  // field number -> index in `fields`, -1 when unknown
  std::unordered_map<std::string, int> by_name;  // JSON key -> index in `fields`

  const Field* FindNumber(uint32_t number) const {
    if (number >= by_number.size() || by_number[number] < 0) return nullptr;
    return &fields[static_cast<size_t>(by_number[number])];
  }
  const Field* FindName(const std::string& name) const {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : &fields[static_cast<size_t>(it->second)];
  }
};

class SchemaTables {
 public:
  // The message of a top-level object, by the typeMeta an envelope carries: ("v1", "Pod"),
  // ("storage.k8s.io/v1", "CSINodeList"), ("v1", "Status"). nullptr when unknown.
  const Message* Kind(std::string_view api_version, std::string_view kind) const;
  // A message by its full name ("k8s.io.apimachinery.pkg.runtime.Unknown"); nullptr if none.
  const Message* Named(std::string_view full_name) const;
  bool loaded() const { return !messages_.empty(); }

 private:
  friend const SchemaTables& Schema();
  std::unordered_map<std::string, Message> messages_;  // by full name; never rehashed after load
};

const SchemaTables& Schema();

}  // namespace kubemesos::proto::internal
