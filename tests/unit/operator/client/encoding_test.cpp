// Tests of the encoding choice (encoding.h): the flag values, the apiVersion of a collection
// path, which Accept a kind gets, and request bodies in protobuf with a JSON fallback.
#include "operator/client/encoding.h"

#include <gtest/gtest.h>

#include "operator/client/kube_client.h"
#include "operator/proto/codec.h"

namespace kubemesos::client {
namespace {

using nlohmann::json;

TEST(EncodingTest, ParsesTheFlagValues) {
  Encoding e = Encoding::kJson;
  EXPECT_TRUE(ParseEncoding("protobuf", e));
  EXPECT_EQ(e, Encoding::kProtobuf);
  EXPECT_TRUE(ParseEncoding("json", e));
  EXPECT_EQ(e, Encoding::kJson);
  EXPECT_FALSE(ParseEncoding("yaml", e));
  EXPECT_FALSE(ParseEncoding("", e));
  EXPECT_STREQ(EncodingName(Encoding::kProtobuf), "protobuf");
  EXPECT_STREQ(EncodingName(Encoding::kJson), "json");
}

TEST(EncodingTest, ApiVersionOfPath) {
  EXPECT_EQ(ApiVersionOfPath("/api/v1/pods"), "v1");
  EXPECT_EQ(ApiVersionOfPath("/api/v1/namespaces/ns/pods?limit=5"), "v1");
  EXPECT_EQ(ApiVersionOfPath("/apis/storage.k8s.io/v1/csinodes"), "storage.k8s.io/v1");
  EXPECT_EQ(ApiVersionOfPath("/apis/scheduling.k8s.io/v1beta1/podgroups"),
            "scheduling.k8s.io/v1beta1");
  EXPECT_EQ(ApiVersionOfPath("/apis/kubemesos.io"), "");
  EXPECT_EQ(ApiVersionOfPath("/version"), "");
  EXPECT_EQ(ApiVersionOfPath(""), "");
}

TEST(EncodingTest, ProtobufIsAskedOnlyForKindsTheCodecKnows) {
  EXPECT_EQ(AcceptFor(Encoding::kProtobuf, "v1", "Pod"), proto::kProtobufAccept);
  EXPECT_EQ(AcceptFor(Encoding::kProtobuf, "storage.k8s.io/v1", "CSINode"), proto::kProtobufAccept);
  EXPECT_EQ(AcceptFor(Encoding::kProtobuf, "kubemesos.io/v1alpha1", "ResourceGroup"),
            kJsonMediaType);
  EXPECT_EQ(AcceptFor(Encoding::kProtobuf, "v1", ""), kJsonMediaType);
  EXPECT_EQ(AcceptFor(Encoding::kJson, "v1", "Pod"), kJsonMediaType);
}

TEST(EncodingTest, BodiesInProtobufWithAJsonFallback) {
  json binding = {{"apiVersion", "v1"},
                  {"kind", "Binding"},
                  {"metadata", {{"name", "p"}, {"namespace", "ns"}}},
                  {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", "n1"}}}};
  std::string body, content_type;
  EncodeBody(Encoding::kProtobuf, binding, body, content_type);
  EXPECT_EQ(content_type, proto::kProtobufContentType);
  json back;
  std::string error;
  ASSERT_TRUE(proto::DecodeObject(body, back, error)) << error;
  EXPECT_EQ(back["target"]["name"], "n1");
  EXPECT_EQ(back["metadata"]["name"], "p");

  EncodeBody(Encoding::kJson, binding, body, content_type);
  EXPECT_EQ(content_type, kJsonMediaType);
  EXPECT_EQ(json::parse(body), binding);

  // A kind the codec does not encode goes as JSON, not dropped.
  json custom = {{"apiVersion", "kubemesos.io/v1alpha1"}, {"kind", "Framework"}};
  EncodeBody(Encoding::kProtobuf, custom, body, content_type);
  EXPECT_EQ(content_type, kJsonMediaType);
  EXPECT_EQ(json::parse(body), custom);
}

}  // namespace
}  // namespace kubemesos::client
