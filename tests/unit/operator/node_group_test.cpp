// NodeFromJson (allocatable, taints, Ready, unschedulable) and GroupFromJson (weight,
// guarantee, limit, reservations) with their validation errors; DescribeObject.
#include <gtest/gtest.h>

#include "operator/kube/objects.h"
#include "tests/unit/operator/test_util.h"

namespace kubemesos::kube {
namespace {

using nlohmann::json;
using testing::J;
using testing::kGi;

TEST(NodeFromJsonTest, FullNode) {
  ResourceCatalog catalog;
  auto node = NodeFromJson(J(R"({"apiVersion":"v1","kind":"Node",
      "metadata":{"name":"n1","labels":{"zone":"a","kubernetes.io/hostname":"n1"}},
      "spec":{"unschedulable":true,"taints":[
        {"key":"gpu","value":"true","effect":"NoSchedule"},
        {"key":"dedicated","effect":"PreferNoSchedule"},
        {"key":"node.kubernetes.io/unreachable","effect":"NoExecute"}]},
      "status":{"allocatable":{"cpu":"7910m","memory":"31Gi","pods":"110",
                               "ephemeral-storage":"100G","nvidia.com/gpu":"4"},
                "capacity":{"cpu":"8"},
                "conditions":[{"type":"MemoryPressure","status":"False"},
                              {"type":"Ready","status":"True"}]}})"),
                           catalog);
  ASSERT_TRUE(node.ok()) << node.error;
  const NodeSpec& n = *node.value;
  EXPECT_EQ(n.name, "n1");
  EXPECT_EQ(n.labels, (Labels{{"zone", "a"}, {"kubernetes.io/hostname", "n1"}}));
  EXPECT_TRUE(n.unschedulable);
  EXPECT_TRUE(n.ready);
  ASSERT_EQ(n.taints.size(), 3u);
  EXPECT_EQ(n.taints[0].key, "gpu");
  EXPECT_EQ(n.taints[0].value, "true");
  EXPECT_EQ(n.taints[0].effect, TaintEffect::kNoSchedule);
  EXPECT_EQ(n.taints[1].value, "");
  EXPECT_EQ(n.taints[1].effect, TaintEffect::kPreferNoSchedule);
  EXPECT_EQ(n.taints[2].effect, TaintEffect::kNoExecute);
  EXPECT_EQ(n.allocatable[kCpu], 7910);
  EXPECT_EQ(n.allocatable[kMemory], 31 * kGi);
  EXPECT_EQ(n.allocatable[kPods], 110);
  EXPECT_EQ(n.allocatable[kEphemeralStorage], 100'000'000'000);
  auto gpu = catalog.Find("nvidia.com/gpu");
  ASSERT_TRUE(gpu);
  EXPECT_EQ(n.allocatable[*gpu], 4);
}

TEST(NodeFromJsonTest, CapacityWhenNoAllocatable) {
  ResourceCatalog catalog;
  auto node = NodeFromJson(
      J(R"({"kind":"Node","metadata":{"name":"n"},"status":{"capacity":{"cpu":4}}})"), catalog);
  ASSERT_TRUE(node.ok()) << node.error;
  EXPECT_EQ(node.value->allocatable[kCpu], 4000);
  EXPECT_FALSE(node.value->unschedulable);
  EXPECT_TRUE(node.value->taints.empty());
}

// The largest allocatable a node may report: 2^62 milli-units of each kind (issue #12).
TEST(NodeFromJsonTest, AllocatableAtTheMaximum) {
  ResourceCatalog catalog;
  auto node = NodeFromJson(J(R"({"kind":"Node","metadata":{"name":"n"},
      "status":{"allocatable":{"cpu":"4611686018427387904m","memory":"4Pi","pods":"4611686018427387"}}})"),
                           catalog);
  ASSERT_TRUE(node.ok()) << node.error;
  EXPECT_EQ(node.value->allocatable[kCpu], kMaxAmount);
  EXPECT_EQ(node.value->allocatable[kMemory], 4 * (int64_t{1} << 50));
  EXPECT_EQ(node.value->allocatable[kPods], 4'611'686'018'427'387);
}

TEST(NodeFromJsonTest, ZeroAmountsOfUnknownKindsTakeNoCatalogSlot) {
  ResourceCatalog catalog;
  json node = J(R"({"kind":"Node","metadata":{"name":"n"},
                    "status":{"allocatable":{"cpu":"2","nvidia.com/gpu":"1"}}})");
  for (int i = 0; i < 20; ++i)
    node["status"]["allocatable"]["hugepages-" + std::to_string(i)] = "0";
  auto converted = NodeFromJson(node, catalog);
  ASSERT_TRUE(converted.ok()) << converted.error;
  EXPECT_EQ(catalog.size(), 5);  // cpu, memory, ephemeral-storage, pods, nvidia.com/gpu
  EXPECT_FALSE(catalog.Find("hugepages-0"));
}

TEST(GroupFromJsonTest, ZeroLimitIsABound) {
  ResourceCatalog catalog;
  auto group = GroupFromJson(
      J(R"({"kind":"ResourceGroup","metadata":{"name":"g"},"spec":{"limit":{"nvidia.com/gpu":0}}})"),
      catalog);
  ASSERT_TRUE(group.ok()) << group.error;
  auto gpu = catalog.Find("nvidia.com/gpu");
  ASSERT_TRUE(gpu);
  EXPECT_TRUE(group.value->limit.Has(*gpu));
  EXPECT_EQ(group.value->limit.amount[*gpu], 0);
}

struct ReadyCase {
  const char* name;
  const char* status;  // JSON of status, or "" for none
  bool ready;
};

class NodeReadyTest : public ::testing::TestWithParam<ReadyCase> {};

TEST_P(NodeReadyTest, Ready) {
  ResourceCatalog catalog;
  json object = J(R"({"kind":"Node","metadata":{"name":"n"}})");
  if (*GetParam().status) object["status"] = J(GetParam().status);
  auto node = NodeFromJson(object, catalog);
  ASSERT_TRUE(node.ok()) << node.error;
  EXPECT_EQ(node.value->ready, GetParam().ready);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NodeReadyTest,
    ::testing::Values(
        ReadyCase{"NoStatus", "", true},
        ReadyCase{"NoConditions", R"({"allocatable":{"cpu":"1"}})", true},
        ReadyCase{"EmptyConditions", R"({"conditions":[]})", true},
        ReadyCase{"ReadyTrue", R"({"conditions":[{"type":"Ready","status":"True"}]})", true},
        ReadyCase{"ReadyFalse", R"({"conditions":[{"type":"Ready","status":"False"}]})", false},
        ReadyCase{"ReadyUnknown", R"({"conditions":[{"type":"Ready","status":"Unknown"}]})", false},
        ReadyCase{"OtherConditionsOnly",
                  R"({"conditions":[{"type":"DiskPressure","status":"False"}]})", false}),
    [](const auto& info) { return std::string(info.param.name); });

struct ErrorCase {
  const char* name;
  const char* object;
  const char* error;
};

class NodeErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(NodeErrorTest, Error) {
  ResourceCatalog catalog;
  auto node = NodeFromJson(J(GetParam().object), catalog);
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.error, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NodeErrorTest,
    ::testing::Values(
        ErrorCase{"MissingName", R"({"kind":"Node","metadata":{}})",
                  "Node <unnamed>: metadata.name: required"},
        ErrorCase{
            "TaintEffect",
            R"({"kind":"Node","metadata":{"name":"n"},"spec":{"taints":[{"key":"k","effect":"Never"}]}})",
            R"(Node n: spec.taints[0].effect: unsupported taint effect "Never" (NoSchedule, PreferNoSchedule or NoExecute))"},
        ErrorCase{"TaintWithoutEffect",
                  R"({"kind":"Node","metadata":{"name":"n"},"spec":{"taints":[{"key":"k"}]}})",
                  "Node n: spec.taints[0].effect: required"},
        ErrorCase{
            "TaintWithoutKey",
            R"({"kind":"Node","metadata":{"name":"n"},"spec":{"taints":[{"effect":"NoSchedule"}]}})",
            "Node n: spec.taints[0].key: required"},
        ErrorCase{"Unschedulable",
                  R"({"kind":"Node","metadata":{"name":"n"},"spec":{"unschedulable":"yes"}})",
                  "Node n: spec.unschedulable: expected a boolean, got string"},
        ErrorCase{
            "Allocatable",
            R"({"kind":"Node","metadata":{"name":"n"},"status":{"allocatable":{"memory":"12XB"}}})",
            R"(Node n: status.allocatable.memory: invalid quantity "12XB": unknown suffix)"},
        ErrorCase{
            "Overflow",
            R"({"kind":"Node","metadata":{"name":"n"},"status":{"allocatable":{"memory":"100Ei"}}})",
            R"(Node n: status.allocatable.memory: quantity too large: "100Ei" (max 4611686018427387904m))"},
        // Issue #12: capacities that were accepted and wrapped the cluster's totals.
        ErrorCase{
            "CpuAboveMaximum",
            R"({"kind":"Node","metadata":{"name":"n"},"status":{"allocatable":{"cpu":"5000000000000000"}}})",
            R"(Node n: status.allocatable.cpu: quantity too large: "5000000000000000" (max 4611686018427387904m))"},
        ErrorCase{
            "CapacityAboveMaximum",
            R"({"kind":"Node","metadata":{"name":"n"},"status":{"capacity":{"pods":"9223372036854775807"}}})",
            R"(Node n: status.capacity.pods: quantity too large: "9223372036854775807" (max 4611686018427387904m))"},
        ErrorCase{
            "ParserWrapped",
            R"({"kind":"Node","metadata":{"name":"n"},"status":{"allocatable":{"example.com/x":"488589780479268790.24Ei"}}})",
            R"(Node n: status.allocatable[example.com/x]: quantity too large: "488589780479268790.24Ei" (max 4611686018427387904m))"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(GroupFromJsonTest, Defaults) {
  ResourceCatalog catalog;
  auto group = GroupFromJson(J(R"({"kind":"ResourceGroup","metadata":{"name":"g"}})"), catalog);
  ASSERT_TRUE(group.ok()) << group.error;
  EXPECT_EQ(group.value->name, "g");
  EXPECT_EQ(group.value->parent, "");
  EXPECT_EQ(group.value->weight, 1.0);
  EXPECT_TRUE(group.value->guarantee.empty());
  EXPECT_TRUE(group.value->limit.empty());
  EXPECT_TRUE(group.value->node_selector.empty());
}

TEST(GroupFromJsonTest, FullGroup) {
  ResourceCatalog catalog;
  auto group = GroupFromJson(J(R"({"apiVersion":"kubemesos.io/v1alpha1","kind":"ResourceGroup",
      "metadata":{"name":"analytics"},
      "spec":{"parent":"engineering","weight":2.5,
              "guarantee":{"cpu":"100","memory":"400Gi"},
              "limit":{"cpu":300,"memory":"1Ti","nvidia.com/gpu":"8"},
              "nodeSelector":{"pool":"analytics"}}})"),
                             catalog);
  ASSERT_TRUE(group.ok()) << group.error;
  const GroupSpec& g = *group.value;
  EXPECT_EQ(g.parent, "engineering");
  EXPECT_EQ(g.weight, 2.5);
  EXPECT_TRUE(g.guarantee.Has(kCpu));
  EXPECT_TRUE(g.guarantee.Has(kMemory));
  EXPECT_FALSE(g.guarantee.Has(kPods));
  EXPECT_EQ(g.guarantee.amount[kCpu], 100'000);
  EXPECT_EQ(g.guarantee.amount[kMemory], 400 * kGi);
  EXPECT_EQ(g.limit.amount[kCpu], 300'000);
  EXPECT_EQ(g.limit.amount[kMemory], 1024 * kGi);
  auto gpu = catalog.Find("nvidia.com/gpu");
  ASSERT_TRUE(gpu);
  EXPECT_TRUE(g.limit.Has(*gpu));
  EXPECT_FALSE(g.guarantee.Has(*gpu));
  EXPECT_EQ(g.limit.amount[*gpu], 8);
  EXPECT_EQ(g.node_selector, (Labels{{"pool", "analytics"}}));
}

class GroupErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(GroupErrorTest, Error) {
  ResourceCatalog catalog;
  auto group = GroupFromJson(J(GetParam().object), catalog);
  ASSERT_FALSE(group.ok());
  EXPECT_EQ(group.error, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, GroupErrorTest,
    ::testing::Values(
        ErrorCase{"MissingName", R"({"kind":"ResourceGroup","spec":{}})",
                  "ResourceGroup <unnamed>: metadata.name: required"},
        ErrorCase{"ZeroWeight",
                  R"({"kind":"ResourceGroup","metadata":{"name":"g"},"spec":{"weight":0}})",
                  "ResourceGroup g: spec.weight: must be greater than 0"},
        ErrorCase{"NegativeWeight",
                  R"({"kind":"ResourceGroup","metadata":{"name":"g"},"spec":{"weight":-1.5}})",
                  "ResourceGroup g: spec.weight: must be greater than 0"},
        ErrorCase{"StringWeight",
                  R"({"kind":"ResourceGroup","metadata":{"name":"g"},"spec":{"weight":"2"}})",
                  "ResourceGroup g: spec.weight: expected a number, got string"},
        ErrorCase{"OwnParent",
                  R"({"kind":"ResourceGroup","metadata":{"name":"g"},"spec":{"parent":"g"}})",
                  "ResourceGroup g: spec.parent: a group cannot be its own parent"},
        ErrorCase{
            "GuaranteeAboveLimit",
            R"({"kind":"ResourceGroup","metadata":{"name":"g"},"spec":{"guarantee":{"cpu":"4"},"limit":{"cpu":"2"}}})",
            "ResourceGroup g: spec.guarantee.cpu: exceeds spec.limit of the same resource"},
        ErrorCase{
            "BadGuarantee",
            R"({"kind":"ResourceGroup","metadata":{"name":"g"},"spec":{"guarantee":{"memory":"1e"}}})",
            R"(ResourceGroup g: spec.guarantee.memory: invalid quantity "1e": unknown suffix)"},
        ErrorCase{
            "NegativeLimit",
            R"({"kind":"ResourceGroup","metadata":{"name":"g"},"spec":{"limit":{"cpu":-1}}})",
            R"(ResourceGroup g: spec.limit.cpu: invalid quantity "-1": must not be negative)"},
        // Issue #12: quotas are stored as strings and reached the parser that wrapped.
        ErrorCase{
            "LimitParserWrapped",
            R"({"kind":"ResourceGroup","metadata":{"name":"g"},"spec":{"limit":{"cpu":"488589780479268790.24Ei"}}})",
            R"(ResourceGroup g: spec.limit.cpu: quantity too large: "488589780479268790.24Ei" (max 4611686018427387904m))"},
        ErrorCase{
            "GuaranteeAboveMaximum",
            R"({"kind":"ResourceGroup","metadata":{"name":"g"},"spec":{"guarantee":{"memory":"8Ei"}}})",
            R"(ResourceGroup g: spec.guarantee.memory: quantity too large: "8Ei" (max 4611686018427387904m))"},
        ErrorCase{
            "NodeSelectorValue",
            R"({"kind":"ResourceGroup","metadata":{"name":"g"},"spec":{"nodeSelector":{"gpu":true}}})",
            "ResourceGroup g: spec.nodeSelector.gpu: expected a string, got boolean"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(DescribeObjectTest, Names) {
  EXPECT_EQ(DescribeObject(J(R"({"kind":"Pod","metadata":{"name":"p"}})")), "Pod default/p");
  EXPECT_EQ(DescribeObject(J(R"({"kind":"Framework","metadata":{"name":"f","namespace":"t"}})")),
            "Framework t/f");
  EXPECT_EQ(DescribeObject(J(R"({"kind":"Node","metadata":{"name":"n"}})")), "Node n");
  EXPECT_EQ(DescribeObject(J(R"({"apiVersion":"apps/v1","kind":"Deployment",
                                 "metadata":{"name":"d","namespace":"ns"}})")),
            "apps/v1 Deployment ns/d");
  EXPECT_EQ(DescribeObject(J(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns"}})")),
            "v1 Namespace ns");
  EXPECT_EQ(DescribeObject(J("[]")), "object (array)");
  EXPECT_EQ(DescribeObject(J(R"({"metadata":5})")), "object <unnamed>");
  // LIST items have no kind: the converter says what it expected.
  EXPECT_EQ(DescribeObject(J(R"({"metadata":{"name":"n1"}})"), "Node"), "Node n1");
  ResourceCatalog catalog;
  auto node = NodeFromJson(J(R"({"metadata":{"name":"n1"},"status":{"allocatable":{"cpu":"5P"}}})"),
                           catalog);
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.error.rfind("Node n1: status.allocatable.cpu: quantity too large", 0), 0u)
      << node.error;
}

}  // namespace
}  // namespace kubemesos::kube
