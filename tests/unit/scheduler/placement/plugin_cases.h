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

// The nodes and the pods on them, for plugins that look at other pods (inter-pod affinity,
// spread, host ports): a NodePool and a PodIndex as the engine has them, built from plain values.
class TestWorld {
 public:
  TestWorld() = default;
  TestWorld(const TestWorld&) = delete;
  TestWorld& operator=(const TestWorld&) = delete;

  // Adds (or updates) a node; returns its slot.
  int AddNode(const NodeSpec& spec) { return pool_.Upsert(spec).node; }
  // Puts a pod on the named node (which must exist); returns its task id.
  int AddPod(const std::string& node, const std::string& ns, const Labels& labels,
             const PlacementConstraints& constraints = {}) {
    int task = next_task_++;
    constraints_.push_back(constraints);
    pods_.Add(task, pool_.Find(node), pods_.Intern(ns, labels),
              static_cast<int>(constraints_.size() - 1));
    return task;
  }
  void RemovePod(int task) { pods_.Remove(task); }
  int Identity(const std::string& ns, const Labels& labels) { return pods_.Intern(ns, labels); }
  NodePool& pool() { return pool_; }
  PodIndex& pods() { return pods_; }

 private:
  ResourceCatalog catalog_;
  GroupTree groups_{catalog_};
  NodePool pool_{catalog_, groups_, Policy::kBinpack};
  std::vector<PlacementConstraints> constraints_;
  PodIndex pods_{constraints_, pool_};
  int next_task_ = 0;
};

// A class of tasks as plugins see it; Info() is valid while this object and its world live.
// Without a world, an empty one (no nodes, no pods) stands in.
struct TestClass {
  Resources request = Res(1, 1, 1);
  PlacementConstraints constraints;
  std::function<bool(int)> may_use = [](int) { return false; };
  std::unordered_map<int, double> filters;
  double now = 0;
  TestWorld* world = nullptr;
  std::string ns = "default";  // the class's pods' namespace and labels (with a world)
  Labels labels;

  ClassInfo Info() const {
    static TestWorld empty;
    TestWorld& w = world ? *world : empty;
    return {request,  constraints, w.pods(), w.Identity(ns, labels),
            w.pool(), may_use,     filters,  now};
  }
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
