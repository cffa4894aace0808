// The protobuf codec against what a real kube-apiserver sends (testdata/): every object, list
// page and watch event decodes to the server's own JSON for it (minus the fields the codec
// leaves out), and the JSON encodes back to protobuf that decodes the same.
#include "operator/proto/codec.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/operator/proto/compare.h"
#include "tests/unit/operator/proto/testdata.h"

namespace kubemesos::proto {
namespace {

using nlohmann::json;
using testing::Compare;
using testing::Prune;
using testing::ReadTestdata;

std::string Diffs(const json& want, const json& got) {
  std::vector<std::string> diffs;
  Compare(want, got, "", diffs);
  std::string out;
  for (const auto& d : diffs) out += d + "\n";
  return out;
}

class RealObject : public ::testing::TestWithParam<const char*> {};

TEST_P(RealObject, DecodesToTheServersJson) {
  std::string name = GetParam();
  json want = json::parse(ReadTestdata(name + ".json"));
  json got;
  std::string error;
  ASSERT_TRUE(DecodeObject(ReadTestdata(name + ".pb"), got, error)) << error;
  EXPECT_TRUE(error.empty());
  Prune(want);
  EXPECT_EQ(Diffs(want, got), "") << name;
  // Nothing the codec leaves out comes through.
  EXPECT_FALSE(got["metadata"].contains("managedFields"));
}

TEST_P(RealObject, RoundTripsThroughEncode) {
  std::string name = GetParam();
  json want = json::parse(ReadTestdata(name + ".json"));
  Prune(want);
  std::string body, error;
  ASSERT_TRUE(EncodeObject(want, body, error)) << error;
  json got;
  ASSERT_TRUE(DecodeObject(body, got, error)) << error;
  EXPECT_EQ(Diffs(want, got), "") << name;
}

INSTANTIATE_TEST_SUITE_P(Captured, RealObject,
                         ::testing::Values("pod_rich", "pod_second", "node", "pvc", "pvc_waiting", "pv",
                                           "storageclass", "csinode", "namespace",
                                           "status_not_found", "podgroup_gang", "podgroup_basic"));

// The fields kubemesos reads, spelled out (the comparison above would pass if both sides
// lacked them).
TEST(RealObjects, PodFieldsKubemesosReads) {
  json pod;
  std::string error;
  ASSERT_TRUE(DecodeObject(ReadTestdata("pod_rich.pb"), pod, error)) << error;
  EXPECT_EQ(pod["apiVersion"], "v1");
  EXPECT_EQ(pod["kind"], "Pod");
  const json& meta = pod["metadata"];
  EXPECT_EQ(meta["name"], "rich");
  EXPECT_EQ(meta["annotations"]["note"], "h\u00e9llo");
  EXPECT_TRUE(meta["deletionTimestamp"].is_string());
  EXPECT_EQ(meta["deletionTimestamp"].get<std::string>().size(), 20u);  // 2026-12-05T10:17:18Z
  EXPECT_EQ(meta["ownerReferences"][0]["controller"], true);
  EXPECT_EQ(meta["ownerReferences"][0]["blockOwnerDeletion"], false);
  const json& spec = pod["spec"];
  const json& main = spec["containers"][0];
  EXPECT_EQ(main["resources"]["requests"]["cpu"], "100m");
  EXPECT_EQ(main["resources"]["requests"]["memory"], "1Gi");
  EXPECT_EQ(main["resources"]["requests"]["ephemeral-storage"], "2G");
  EXPECT_EQ(main["resources"]["limits"]["cpu"], "1500m");
  EXPECT_EQ(main["ports"][0]["hostPort"], 18080);
  EXPECT_FALSE(main.contains("env"));  // left out
  EXPECT_FALSE(main.contains("livenessProbe"));
  EXPECT_EQ(spec["initContainers"][0]["restartPolicy"], "Always");
  EXPECT_EQ(spec["priority"], 0);  // a pointer set to 0 is kept
  EXPECT_EQ(spec["tolerations"][1]["tolerationSeconds"], 0);
  EXPECT_EQ(spec["topologySpreadConstraints"][0]["minDomains"], 2);
  EXPECT_EQ(spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
                [0]["podAffinityTerm"]["namespaceSelector"],
            json::object());  // an empty selector is not an absent one
  // Inlined Go structs: the volume source sits next to the volume's name.
  EXPECT_EQ(spec["volumes"][0]["persistentVolumeClaim"]["claimName"], "claim");
  EXPECT_EQ(spec["volumes"][1]["configMap"]["name"], "owner");
  EXPECT_EQ(spec["volumes"][2]["emptyDir"]["sizeLimit"], "1Gi");
  EXPECT_EQ(spec["volumes"][4]["ephemeral"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]
                ["storage"],
            "1Gi");
}

TEST(RealObjects, NodeAndStorageFieldsKubemesosReads) {
  json node, pvc, csinode, sc;
  std::string error;
  ASSERT_TRUE(DecodeObject(ReadTestdata("node.pb"), node, error)) << error;
  EXPECT_EQ(node["spec"]["taints"][0]["key"], "dedicated");
  EXPECT_EQ(node["spec"]["taints"][0]["effect"], "NoSchedule");
  EXPECT_EQ(node["status"]["allocatable"]["cpu"], "8");
  EXPECT_EQ(node["status"]["capacity"]["memory"], "16Gi");
  EXPECT_TRUE(node["status"]["conditions"].is_array());
  EXPECT_FALSE(node["status"].contains("nodeInfo"));
  ASSERT_TRUE(DecodeObject(ReadTestdata("pvc.pb"), pvc, error)) << error;
  EXPECT_EQ(pvc["spec"]["storageClassName"], "");  // set to "" (no class), not absent
  ASSERT_TRUE(DecodeObject(ReadTestdata("csinode.pb"), csinode, error)) << error;
  EXPECT_EQ(csinode["apiVersion"], "storage.k8s.io/v1");
  EXPECT_EQ(csinode["spec"]["drivers"][0]["allocatable"]["count"], 16);
  ASSERT_TRUE(DecodeObject(ReadTestdata("storageclass.pb"), sc, error)) << error;
  EXPECT_EQ(sc["volumeBindingMode"], "WaitForFirstConsumer");
}

TEST(RealObjects, ListPage) {
  json want = json::parse(ReadTestdata("pod_list_page.json"));
  ListPage page;
  std::string error;
  ASSERT_TRUE(DecodeList(ReadTestdata("pod_list_page.pb"), page, error)) << error;
  EXPECT_EQ(page.api_version, "v1");
  EXPECT_EQ(page.kind, "Pod");
  EXPECT_EQ(page.resource_version, want["metadata"]["resourceVersion"]);
  EXPECT_EQ(page.continue_token, want["metadata"]["continue"]);
  EXPECT_FALSE(page.continue_token.empty());
  EXPECT_EQ(page.remaining_item_count, want["metadata"]["remainingItemCount"]);
  ASSERT_EQ(page.items.size(), want["items"].size());
  for (size_t i = 0; i < page.items.size(); ++i) {
    json item = want["items"][i];
    item["apiVersion"] = "v1";  // JSON lists leave them out of items; the codec sets them
    item["kind"] = "Pod";
    Prune(item);
    EXPECT_EQ(Diffs(item, page.items[i]), "");
  }
  // And back: the page encodes to a body that decodes the same.
  std::string body;
  ASSERT_TRUE(EncodeList(page, body, error)) << error;
  ListPage again;
  ASSERT_TRUE(DecodeList(body, again, error)) << error;
  EXPECT_EQ(again.continue_token, page.continue_token);
  EXPECT_EQ(again.remaining_item_count, page.remaining_item_count);
  ASSERT_EQ(again.items.size(), page.items.size());
  EXPECT_EQ(Diffs(page.items[0], again.items[0]), "");
}

TEST(RealObjects, ObjectIsNotAList) {
  ListPage page;
  std::string error;
  EXPECT_FALSE(DecodeList(ReadTestdata("pod_rich.pb"), page, error));
  EXPECT_NE(error.find("not a list"), std::string::npos) << error;
}

// The watch stream as the server sent it, cut into pieces of every size from 1 byte: the same
// events, in order, as the JSON watch of the same namespace.
TEST(RealObjects, WatchStreamInAnyPieces) {
  std::string stream = ReadTestdata("pods.watch.pb");
  std::vector<json> want;
  std::istringstream lines(ReadTestdata("pods.watch.json"));
  for (std::string line; std::getline(lines, line);) want.push_back(json::parse(line));
  ASSERT_GE(want.size(), 8u);
  for (size_t piece : {size_t{1}, size_t{3}, size_t{4}, size_t{1000}, stream.size()}) {
    FrameSplitter splitter;
    size_t n = 0;
    std::string frame;
    for (size_t at = 0; at < stream.size(); at += piece) {
      splitter.Append(std::string_view(stream).substr(at, piece));
      while (splitter.Next(frame)) {
        std::string type, error;
        json object;
        ASSERT_TRUE(DecodeWatchEvent(frame, type, object, error)) << error;
        ASSERT_LT(n, want.size());
        EXPECT_EQ(type, want[n]["type"]) << "event " << n;
        json w = want[n]["object"];
        Prune(w);
        EXPECT_EQ(Diffs(w, object), "") << "event " << n << " (" << type << ")";
        ++n;
      }
    }
    EXPECT_EQ(n, want.size()) << "piece " << piece;
    EXPECT_EQ(splitter.pending(), 0u);
    EXPECT_EQ(splitter.error(), "");
  }
}

TEST(Encode, WatchEventFrameRoundTrips) {
  json pod = json::parse(ReadTestdata("pod_second.json"));
  Prune(pod);
  std::string frame, error;
  ASSERT_TRUE(EncodeWatchEvent("MODIFIED", pod, frame, error)) << error;
  FrameSplitter splitter;
  splitter.Append(frame);
  std::string inner, type;
  ASSERT_TRUE(splitter.Next(inner));
  json got;
  ASSERT_TRUE(DecodeWatchEvent(inner, type, got, error)) << error;
  EXPECT_EQ(type, "MODIFIED");
  EXPECT_EQ(Diffs(pod, got), "");
}

TEST(Encode, BindingTheBinderPosts) {
  json binding = {{"apiVersion", "v1"},
                  {"kind", "Binding"},
                  {"metadata", {{"name", "p"}, {"namespace", "d"}, {"uid", "u-1"}}},
                  {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", "node-1"}}}};
  std::string body, error;
  ASSERT_TRUE(EncodeObject(binding, body, error)) << error;
  EXPECT_EQ(body.substr(0, 4), std::string("k8s\0", 4));
  json got;
  ASSERT_TRUE(DecodeObject(body, got, error)) << error;
  EXPECT_EQ(got, binding);
}

TEST(Encode, RefusesWhatItCannotCarry) {
  std::string body, error;
  json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"spec", {{"bogus", 1}}}};
  EXPECT_FALSE(EncodeObject(pod, body, error));
  EXPECT_NE(error.find("spec.bogus"), std::string::npos) << error;
  error.clear();
  pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"spec", {{"priority", "high"}}}};
  EXPECT_FALSE(EncodeObject(pod, body, error));
  EXPECT_NE(error.find("spec.priority"), std::string::npos) << error;
  error.clear();
  pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"spec", {{"priority", 1ll << 40}}}};
  EXPECT_FALSE(EncodeObject(pod, body, error));
  EXPECT_NE(error.find("int32"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(EncodeObject({{"apiVersion", "apps/v1"}, {"kind", "Deployment"}}, body, error));
  EXPECT_NE(error.find("Deployment"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(EncodeObject({{"kind", "Pod"}}, body, error));
  EXPECT_FALSE(error.empty());
}

TEST(Knows, CoreStorageSchedulingAndStatus) {
  EXPECT_TRUE(Knows("v1", "Pod"));
  EXPECT_TRUE(Knows("v1", "PodList"));
  EXPECT_TRUE(Knows("v1", "Node"));
  EXPECT_TRUE(Knows("v1", "Binding"));
  EXPECT_TRUE(Knows("v1", "Status"));
  EXPECT_TRUE(Knows("storage.k8s.io/v1", "CSINode"));
  EXPECT_TRUE(Knows("storage.k8s.io/v1", "StorageClassList"));
  EXPECT_TRUE(Knows("scheduling.k8s.io/v1beta1", "PodGroup"));
  EXPECT_FALSE(Knows("v1", "Container"));  // a part, not an object
  EXPECT_FALSE(Knows("apps/v1", "Deployment"));
  EXPECT_FALSE(Knows("kubemesos.io/v1alpha1", "Framework"));  // CRDs stay JSON
  EXPECT_FALSE(Knows("v1", ""));
}

TEST(IsProtobuf, MediaTypeWithParameters) {
  EXPECT_TRUE(IsProtobuf("application/vnd.kubernetes.protobuf"));
  EXPECT_TRUE(IsProtobuf("application/vnd.kubernetes.protobuf;stream=watch"));
  EXPECT_TRUE(IsProtobuf(" Application/VND.Kubernetes.Protobuf ; charset=x"));
  EXPECT_FALSE(IsProtobuf("application/json"));
  EXPECT_FALSE(IsProtobuf("application/vnd.kubernetes.protobuf2"));
  EXPECT_FALSE(IsProtobuf(""));
}

}  // namespace
}  // namespace kubemesos::proto
