// ObjectKey: parsing and formatting "namespace/name", the default namespace, lenient metadata.
#include "operator/kube/object_key.h"

#include <gtest/gtest.h>

namespace kubemesos::kube {
namespace {

using nlohmann::json;

TEST(ObjectKeyTest, ParseSplitsAtTheFirstSlash) {
  EXPECT_EQ(ObjectKey::Parse("team-a/web-0"), (ObjectKey{"team-a", "web-0"}));
  // Names of Kubernetes objects have no '/', but a key is split once, never truncated.
  EXPECT_EQ(ObjectKey::Parse("a/b/c"), (ObjectKey{"a", "b/c"}));
  EXPECT_EQ(ObjectKey::Parse("/name"), (ObjectKey{"", "name"}));
}

TEST(ObjectKeyTest, KeyWithoutSlashIsClusterScoped) {
  EXPECT_EQ(ObjectKey::Parse("node-1"), (ObjectKey{"", "node-1"}));
  EXPECT_EQ(ObjectKey::Parse(""), (ObjectKey{"", ""}));
}

TEST(ObjectKeyTest, StringRoundTrips) {
  for (const char* key : {"team-a/web-0", "node-1", "default/x"}) {
    EXPECT_EQ(ObjectKey::Parse(key).String(), key);
  }
  EXPECT_EQ((ObjectKey{"", "node-1"}).String(), "node-1");
  EXPECT_EQ((ObjectKey{"ns", "n"}).String(), "ns/n");
}

TEST(ObjectKeyTest, NamespacedFillsTheDefaultNamespace) {
  EXPECT_EQ(ObjectKey::Namespaced("", "web-0"), (ObjectKey{"default", "web-0"}));
  EXPECT_EQ(ObjectKey::Namespaced("team-a", "web-0"), (ObjectKey{"team-a", "web-0"}));
  EXPECT_EQ(ObjectKey::Namespaced("", "web-0").String(), "default/web-0");
}

TEST(ObjectKeyTest, OfReadsMetadataLeniently) {
  EXPECT_EQ(ObjectKey::Of(json{{"metadata", {{"namespace", "a"}, {"name", "b"}}}}),
            (ObjectKey{"a", "b"}));
  // As written: no default namespace filled in.
  EXPECT_EQ(ObjectKey::Of(json{{"metadata", {{"name", "b"}}}}), (ObjectKey{"", "b"}));
  // Odd shapes read as empty, never throw.
  EXPECT_EQ(ObjectKey::Of(json{{"metadata", {{"namespace", 7}, {"name", nullptr}}}}),
            (ObjectKey{"", ""}));
  EXPECT_EQ(ObjectKey::Of(json{{"metadata", "x"}}), (ObjectKey{"", ""}));
  EXPECT_EQ(ObjectKey::Of(json::array()), (ObjectKey{"", ""}));
  EXPECT_EQ(ObjectKey::Of(json()), (ObjectKey{"", ""}));
}

}  // namespace
}  // namespace kubemesos::kube
