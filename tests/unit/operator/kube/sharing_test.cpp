// The lend, reclaim and preemption fields of ResourceGroup and Framework specs (sharing.h),
// read through GroupFromJson and FrameworkFromJson: defaults, every value, and each bad value
// failing the whole conversion with an error naming the field.
#include <gtest/gtest.h>

#include "operator/kube/objects.h"
#include "operator/kube/sharing.h"
#include "tests/unit/operator/test_util.h"

namespace kubemesos::kube {
namespace {

using nlohmann::json;
using testing::J;

Converted<GroupSpec> Group(const std::string& spec) {
  ResourceCatalog catalog;
  return GroupFromJson(J(R"({"kind":"ResourceGroup","metadata":{"name":"g"},"spec":)" + spec + "}"),
                       catalog);
}

Converted<FrameworkObjects> Framework(const std::string& spec_fields) {
  return FrameworkFromJson(J(R"({"kind":"Framework","metadata":{"name":"f","namespace":"ns"},
      "spec":{"resourceGroup":"g")" +
                             spec_fields + "}}"));
}

TEST(GroupSharingTest, DefaultsAreLendAnyLowerPriorityThirtySeconds) {
  for (const char* spec :
       {"{}", R"({"preemption":{}})", R"({"preemption":null})", R"({"guaranteePolicy":null})"}) {
    auto g = Group(spec);
    ASSERT_TRUE(g.ok()) << spec << ": " << g.error;
    EXPECT_EQ(g.value->guarantee_policy, GuaranteePolicy::kLend) << spec;
    EXPECT_TRUE(g.value->preemption.reclaim) << spec;
    EXPECT_TRUE(g.value->preemption.within_group) << spec;
    EXPECT_EQ(g.value->preemption.delay_seconds, 30) << spec;
  }
}

TEST(GroupSharingTest, Values) {
  struct Case {
    const char* spec;
    GuaranteePolicy policy;
    bool reclaim, within_group;
    double delay;
  };
  const Case cases[] = {
      {R"({"guaranteePolicy":"Hold"})", GuaranteePolicy::kHold, true, true, 30},
      {R"({"guaranteePolicy":"Lend","preemption":{"reclaim":"Never"}})", GuaranteePolicy::kLend,
       false, true, 30},
      // Hold with reclaim Any is allowed: it still takes back what it lent before Hold.
      {R"({"guaranteePolicy":"Hold","preemption":{"reclaim":"Any","withinGroup":"Never"}})",
       GuaranteePolicy::kHold, true, false, 30},
      {R"({"preemption":{"delaySeconds":0}})", GuaranteePolicy::kLend, true, true, 0},
      {R"({"preemption":{"delaySeconds":86400}})", GuaranteePolicy::kLend, true, true, 86400},
      {R"({"preemption":{"delaySeconds":45.0}})", GuaranteePolicy::kLend, true, true, 45},
  };
  for (const Case& c : cases) {
    auto g = Group(c.spec);
    ASSERT_TRUE(g.ok()) << c.spec << ": " << g.error;
    EXPECT_EQ(g.value->guarantee_policy, c.policy) << c.spec;
    EXPECT_EQ(g.value->preemption.reclaim, c.reclaim) << c.spec;
    EXPECT_EQ(g.value->preemption.within_group, c.within_group) << c.spec;
    EXPECT_EQ(g.value->preemption.delay_seconds, c.delay) << c.spec;
  }
}

TEST(GroupSharingTest, BadValuesFailTheGroupNamingTheField) {
  struct Case {
    const char* spec;
    const char* error;
  };
  const Case cases[] = {
      {R"({"guaranteePolicy":"Borrow"})",
       R"(spec.guaranteePolicy: unsupported value "Borrow" (Lend or Hold))"},
      {R"({"guaranteePolicy":"lend"})", R"(spec.guaranteePolicy: unsupported value "lend")"},
      {R"({"guaranteePolicy":true})", "spec.guaranteePolicy: expected a string"},
      {R"({"preemption":"Never"})", "spec.preemption: expected an object"},
      {R"({"preemption":{"reclaim":"LowerOrEqualPriority"}})",
       R"(spec.preemption.reclaim: unsupported value "LowerOrEqualPriority" (Any or Never))"},
      {R"({"preemption":{"withinGroup":"LowerOrNewerEqualPriority"}})",
       R"(spec.preemption.withinGroup: unsupported value "LowerOrNewerEqualPriority" )"
       "(LowerPriority or Never)"},
      {R"({"preemption":{"delaySeconds":-1}})",
       "spec.preemption.delaySeconds: must be between 0 and 86400"},
      {R"({"preemption":{"delaySeconds":86401}})",
       "spec.preemption.delaySeconds: must be between 0 and 86400"},
      {R"({"preemption":{"delaySeconds":1.5}})", "spec.preemption.delaySeconds"},
      {R"({"preemption":{"delaySeconds":"30s"}})", "spec.preemption.delaySeconds"},
  };
  for (const Case& c : cases) {
    auto g = Group(c.spec);
    ASSERT_FALSE(g.ok()) << c.spec;
    EXPECT_NE(g.error.find("ResourceGroup g"), std::string::npos) << g.error;
    EXPECT_NE(g.error.find(c.error), std::string::npos) << c.spec << ": " << g.error;
  }
}

TEST(FrameworkSharingTest, DefaultsAreAllowPreemptableNoMinRuntime) {
  for (const char* fields : {"", R"(,"preemption":{})", R"(,"revocable":null)"}) {
    auto f = Framework(fields);
    ASSERT_TRUE(f.ok()) << fields << ": " << f.error;
    EXPECT_TRUE(f.value->framework.revocable) << fields;
    EXPECT_TRUE(f.value->framework.preemptable) << fields;
    EXPECT_EQ(f.value->framework.min_runtime_seconds, 0) << fields;
  }
}

TEST(FrameworkSharingTest, Values) {
  struct Case {
    const char* fields;
    bool revocable, preemptable;
    double min_runtime;
  };
  const Case cases[] = {
      {R"(,"revocable":"Deny")", false, true, 0},
      {R"(,"revocable":"Allow","preemption":{"preemptable":false})", true, false, 0},
      {R"(,"preemption":{"minRuntimeSeconds":300})", true, true, 300},
      {R"(,"preemption":{"minRuntimeSeconds":604800,"preemptable":true})", true, true, 604800},
  };
  for (const Case& c : cases) {
    auto f = Framework(c.fields);
    ASSERT_TRUE(f.ok()) << c.fields << ": " << f.error;
    EXPECT_EQ(f.value->framework.revocable, c.revocable) << c.fields;
    EXPECT_EQ(f.value->framework.preemptable, c.preemptable) << c.fields;
    EXPECT_EQ(f.value->framework.min_runtime_seconds, c.min_runtime) << c.fields;
  }
}

TEST(FrameworkSharingTest, BadValuesFailTheFrameworkNamingTheField) {
  struct Case {
    const char* fields;
    const char* error;
  };
  const Case cases[] = {
      {R"(,"revocable":"Never")", R"(spec.revocable: unsupported value "Never" (Allow or Deny))"},
      {R"(,"revocable":true)", "spec.revocable: expected a string"},
      {R"(,"preemption":[])", "spec.preemption: expected an object"},
      {R"(,"preemption":{"preemptable":"yes"})", "spec.preemption.preemptable: expected a boolean"},
      {R"(,"preemption":{"minRuntimeSeconds":-1})",
       "spec.preemption.minRuntimeSeconds: must be between 0 and 604800"},
      {R"(,"preemption":{"minRuntimeSeconds":604801})",
       "spec.preemption.minRuntimeSeconds: must be between 0 and 604800"},
  };
  for (const Case& c : cases) {
    auto f = Framework(c.fields);
    ASSERT_FALSE(f.ok()) << c.fields;
    EXPECT_NE(f.error.find("Framework ns/f"), std::string::npos) << f.error;
    EXPECT_NE(f.error.find(c.error), std::string::npos) << c.fields << ": " << f.error;
  }
}

TEST(SharingNamesTest, Names) {
  EXPECT_STREQ(GuaranteePolicyName(GuaranteePolicy::kLend), "Lend");
  EXPECT_STREQ(GuaranteePolicyName(GuaranteePolicy::kHold), "Hold");
  EXPECT_STREQ(PreemptionReason(PreemptionKind::kReclaim), "Reclaim");
  EXPECT_STREQ(PreemptionReason(PreemptionKind::kPriority), "Priority");
  EXPECT_STREQ(PreemptionKindLabel(PreemptionKind::kReclaim), "reclaim");
  EXPECT_STREQ(PreemptionKindLabel(PreemptionKind::kPriority), "priority");
}

}  // namespace
}  // namespace kubemesos::kube
