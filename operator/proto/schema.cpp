// Loads the embedded descriptor set into the codec's field tables (schema.h), and knows the
// few places where the JSON form is not the proto form: inlined (embedded) Go structs, messages
// with a hand-written JSON form, and the fields kubemesos leaves out of decoded objects.
#include "operator/proto/schema.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <cstddef>
#include <set>
#include <utility>

#include "operator/util/guard.h"

namespace kubemesos::proto::internal {

extern const unsigned char kDescriptorSet[];
extern const std::size_t kDescriptorSetSize;

namespace {

namespace pb = google::protobuf;

constexpr std::string_view kCore = "k8s.io.api.core.v1.";
constexpr std::string_view kMeta = "k8s.io.apimachinery.pkg.apis.meta.v1.";

Special SpecialOf(const std::string& name) {
  if (name == "k8s.io.apimachinery.pkg.api.resource.Quantity") return Special::kQuantity;
  if (name == "k8s.io.apimachinery.pkg.api.resource.QuantityValue") return Special::kQuantity;
  if (name == "k8s.io.apimachinery.pkg.apis.meta.v1.Time") return Special::kTime;
  if (name == "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime") return Special::kMicroTime;
  if (name == "k8s.io.apimachinery.pkg.apis.meta.v1.Duration") return Special::kDuration;
  if (name == "k8s.io.apimachinery.pkg.util.intstr.IntOrString") return Special::kIntOrString;
  if (name == "k8s.io.apimachinery.pkg.runtime.RawExtension") return Special::kRawExtension;
  if (name == "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1") return Special::kFieldsV1;
  return Special::kNone;
}

// Go structs embedded with `json:""` (their fields are the parent's in JSON). Found with
// `grep -n 'json:""' types.go` in k8s.io/api core/v1, storage/v1, scheduling/v1beta1 and
// apimachinery meta/v1 (only core/v1 has any).
bool Inlined(const std::string& message, const std::string& field) {
  if (message.compare(0, kCore.size(), kCore) != 0) return false;
  std::string_view m = std::string_view(message).substr(kCore.size());
  return field == "localObjectReference" || (m == "Volume" && field == "volumeSource") ||
         (m == "PersistentVolumeSpec" && field == "persistentVolumeSource") ||
         (m == "Probe" && field == "handler") ||
         (m == "EphemeralContainer" && field == "ephemeralContainerCommon");
}

// Fields left out of decoded objects: big, and read by nothing in kubemesos (operator/kube,
// operator/controller, operator/loop read the JSON of these kinds; none reads these). Encoding
// still accepts them. Keep this list short and obvious.
bool Dropped(const std::string& message, const std::string& field) {
  if (message.compare(0, kMeta.size(), kMeta) == 0) {
    // Server-side apply bookkeeping: often the biggest part of an object.
    return message.substr(kMeta.size()) == "ObjectMeta" && field == "managedFields";
  }
  if (message.compare(0, kCore.size(), kCore) != 0) return false;
  std::string_view m = std::string_view(message).substr(kCore.size());
  if (m == "Container" || m == "EphemeralContainerCommon") {
    // What runs in the container, not what it needs from a node.
    static const std::set<std::string, std::less<>> kContainer = {"command",
                                                                  "args",
                                                                  "env",
                                                                  "envFrom",
                                                                  "livenessProbe",
                                                                  "readinessProbe",
                                                                  "startupProbe",
                                                                  "lifecycle",
                                                                  "terminationMessagePath",
                                                                  "terminationMessagePolicy",
                                                                  "workingDir"};
    return kContainer.count(field) > 0;
  }
  // The node's image list (kubemesos has no image locality) and its software versions.
  if (m == "NodeStatus") return field == "images" || field == "nodeInfo";
  return false;
}

Scalar ScalarOf(pb::FieldDescriptor::Type type) {
  switch (type) {
    case pb::FieldDescriptor::TYPE_STRING:
      return Scalar::kString;
    case pb::FieldDescriptor::TYPE_BYTES:
      return Scalar::kBytes;
    case pb::FieldDescriptor::TYPE_BOOL:
      return Scalar::kBool;
    case pb::FieldDescriptor::TYPE_INT32:
      return Scalar::kInt32;
    case pb::FieldDescriptor::TYPE_ENUM:
      return Scalar::kInt32;
    case pb::FieldDescriptor::TYPE_INT64:
      return Scalar::kInt64;
    case pb::FieldDescriptor::TYPE_UINT32:
      return Scalar::kUint32;
    case pb::FieldDescriptor::TYPE_UINT64:
      return Scalar::kUint64;
    case pb::FieldDescriptor::TYPE_SINT32:
      return Scalar::kSint32;
    case pb::FieldDescriptor::TYPE_SINT64:
      return Scalar::kSint64;
    case pb::FieldDescriptor::TYPE_DOUBLE:
      return Scalar::kDouble;
    case pb::FieldDescriptor::TYPE_FLOAT:
      return Scalar::kFloat;
    case pb::FieldDescriptor::TYPE_FIXED32:
      return Scalar::kFixed32;
    case pb::FieldDescriptor::TYPE_FIXED64:
      return Scalar::kFixed64;
    case pb::FieldDescriptor::TYPE_SFIXED32:
      return Scalar::kSfixed32;
    case pb::FieldDescriptor::TYPE_SFIXED64:
      return Scalar::kSfixed64;
    default:
      return Scalar::kMessage;  // messages (groups do not occur)
  }
}

void Collect(const pb::Descriptor* d, std::vector<const pb::Descriptor*>& out) {
  out.push_back(d);
  for (int i = 0; i < d->nested_type_count(); ++i) Collect(d->nested_type(i), out);
}

void Load(std::unordered_map<std::string, Message>& messages) {
  pb::FileDescriptorSet set;
  if (!set.ParseFromArray(kDescriptorSet, static_cast<int>(kDescriptorSetSize))) return;
  pb::DescriptorPool pool;
  for (const auto& file : set.file()) {
    if (!pool.BuildFile(file)) return;
  }
  std::vector<const pb::Descriptor*> all;
  for (const auto& file : set.file()) {
    const pb::FileDescriptor* f = pool.FindFileByName(file.name());
    for (int i = 0; f && i < f->message_type_count(); ++i) Collect(f->message_type(i), all);
  }
  messages.reserve(all.size());
  for (const pb::Descriptor* d : all) {
    Message& m = messages[d->full_name()];
    m.full_name = d->full_name();
    m.special = SpecialOf(m.full_name);
  }
  for (const pb::Descriptor* d : all) {
    Message& m = messages[d->full_name()];
    int max_number = 0;
    for (int i = 0; i < d->field_count(); ++i)
      max_number = std::max(max_number, d->field(i)->number());
    m.by_number.assign(static_cast<size_t>(max_number) + 1, -1);
    m.fields.reserve(static_cast<size_t>(d->field_count()));
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* fd = d->field(i);
      Field f;
      f.number = fd->number();
      f.name = fd->name();
      f.type = ScalarOf(fd->type());
      f.repeated = fd->is_repeated();
      if (f.type == Scalar::kMessage) f.message = &messages[fd->message_type()->full_name()];
      f.map = fd->is_map();
      f.inlined = f.type == Scalar::kMessage && !f.repeated && Inlined(m.full_name, f.name);
      f.dropped = Dropped(m.full_name, f.name);
      m.by_number[static_cast<size_t>(f.number)] = static_cast<int16_t>(m.fields.size());
      m.fields.push_back(std::move(f));
    }
    for (size_t i = 0; i < m.fields.size(); ++i) m.by_name[m.fields[i].name] = static_cast<int>(i);
  }
  // Map entries point at their key and value fields (filled after every message exists).
  for (auto& [name, m] : messages) {
    for (Field& f : m.fields) {
      if (!f.map || !f.message) continue;
      f.map_key = f.message->FindNumber(1);
      f.map_value = f.message->FindNumber(2);
      if (!f.map_key || !f.map_value) f.map = false;
    }
  }
}

}  // namespace

const SchemaTables& Schema() {
  static const SchemaTables* tables = [] {
    auto* t = new SchemaTables();
    if (!util::Guarded("proto", "loading the descriptor set", [&] { Load(t->messages_); })) {
      t->messages_.clear();
    }
    return t;
  }();
  return *tables;
}

const Message* SchemaTables::Named(std::string_view full_name) const {
  auto it = messages_.find(std::string(full_name));
  return it == messages_.end() ? nullptr : &it->second;
}

const Message* SchemaTables::Kind(std::string_view api_version, std::string_view kind) const {
  if (kind.empty() || kind.find('.') != std::string_view::npos) return nullptr;
  std::string package;
  if (api_version == "v1") {
    package = "k8s.io.api.core.v1.";
  } else if (api_version == "storage.k8s.io/v1") {
    package = "k8s.io.api.storage.v1.";
  } else if (api_version == "scheduling.k8s.io/v1beta1") {
    package = "k8s.io.api.scheduling.v1beta1.";
  } else if (api_version != "meta.k8s.io/v1") {
    return nullptr;
  }
  const Message* m = package.empty() ? nullptr : Named(package + std::string(kind));
  // Status (an error reply, a watch ERROR event) is meta/v1's, whatever group answered.
  if (!m && kind == "Status") m = Named(std::string(kMeta) + "Status");
  // Only top-level objects and lists: their field 1 is `metadata` (ObjectMeta or ListMeta).
  if (!m) return nullptr;
  const Field* meta = m->FindNumber(1);
  if (!meta || meta->name != "metadata" || !meta->message) return nullptr;
  const std::string& t = meta->message->full_name;
  if (t != std::string(kMeta) + "ObjectMeta" && t != std::string(kMeta) + "ListMeta")
    return nullptr;
  return m;
}

}  // namespace kubemesos::proto::internal
