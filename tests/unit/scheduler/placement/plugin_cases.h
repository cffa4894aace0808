// Test helpers for the placement plugins: a class and a node built from plain values, and one
// call that runs a plugin's PreFilter and Filter on them as the engine does.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>

#include "scheduler/placement/plugins.h"
#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos::placement::testing {

using kubemesos::testing::Node;
using kubemesos::testing::Res;

// A class of tasks as plugins see it; Info() is valid while this object lives.
struct TestClass {
  Resources request = Res(1, 1, 1);
  PlacementConstraints constraints;
  std::function<bool(int)> may_use = [](int) { return false; };
  std::unordered_map<int, double> filters;
  double now = 0;

  ClassInfo Info() const { return {request, constraints, may_use, filters, now}; }
};

// A node as plugins see it. free defaults to the allocatable (nothing running).
struct TestNode {
  NodeSpec spec = Node("n", 4, 4);
  int index = 0;
  int reserved_for = -1;
  std::optional<Resources> free;

  NodeInfo Info() const { return {index, spec, reserved_for, free ? *free : spec.allocatable}; }
};

template <typename P>
Status RunPlugin(const TestClass& c, const TestNode& n) {
  static_assert(FilterPlugin<P>);
  const ClassInfo info = c.Info();
  const auto state = P::PreFilter(info);
  return P::Filter(state, n.Info());
}

inline const char* CodeName(Code code) {
  switch (code) {
    case Code::kSuccess:
      return "Success";
    case Code::kUnschedulable:
      return "Unschedulable";
    case Code::kUnschedulableAndUnresolvable:
      return "UnschedulableAndUnresolvable";
  }
  return "?";
}

}  // namespace kubemesos::placement::testing
