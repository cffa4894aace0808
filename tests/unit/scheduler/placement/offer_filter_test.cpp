// OfferFilter: a node the framework declined is filtered until the filter expires.
#include "scheduler/placement/offer_filter.h"

#include <gtest/gtest.h>

#include "tests/unit/scheduler/placement/plugin_cases.h"

namespace kubemesos::placement::testing {
namespace {

TEST(OfferFilter, Table) {
  struct Case {
    const char* name;
    std::unordered_map<int, double> filters;
    int node;
    double now;
    Code want;
  };
  const Case cases[] = {
      {"no_filters", {}, 3, 10, Code::kSuccess},
      {"other_node_filtered", {{4, 20}}, 3, 10, Code::kSuccess},
      {"filtered", {{3, 20}}, 3, 10, Code::kUnschedulableAndUnresolvable},
      {"expires_at_its_time", {{3, 20}}, 3, 20, Code::kSuccess},
      {"expired", {{3, 20}}, 3, 25, Code::kSuccess},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TestClass cls;
    cls.filters = c.filters;
    cls.now = c.now;
    TestNode node;
    node.index = c.node;
    Status status = RunPlugin<OfferFilter>(cls, node);
    EXPECT_STREQ(CodeName(status.code), CodeName(c.want));
    if (!status.ok()) {
      EXPECT_EQ(status.reason, "declined by the framework recently");
    }
  }
}

TEST(OfferFilter, IsLive) {
  // Filters change between cycles for one framework: never cached in the shared bitmap.
  static_assert(OfferFilter::kScope == Scope::kLive);
}

}  // namespace
}  // namespace kubemesos::placement::testing
