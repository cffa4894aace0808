// Private: the engine's side of the placement plugins (scheduler/placement/): a task class and a
// node of Allocator::Impl as the plugins see them. Included only by scheduler/*.cpp.
#pragma once

#include <functional>

#include "scheduler/allocator_impl.h"
#include "scheduler/placement/plugins.h"

namespace kubemesos {

inline placement::NodeInfo NodeInfoOf(const Allocator::Impl& impl, int node) {
  const NodeState& state = impl.pool_.node(node);
  return {node, state.spec, state.reserved_for, state.free};
}

// A class of tasks with the states of every plugin's PreFilter. Holds references into the
// engine's class, constraints and framework tables: build it where it is used, and drop it
// before anything is added to or removed from them. Cheap (no allocation).
class PlacementQuery {
 public:
  PlacementQuery(Allocator::Impl& impl, int cls, double now)
      : may_use_([&impl, group = impl.frameworks_[impl.classes_[cls].framework].group](int g) {
          return impl.InSubtree(group, g);
        }),
        info_{impl.classes_[cls].request,
              impl.constraints_[impl.classes_[cls].constraints],
              impl.pods_,
              impl.classes_[cls].identity,
              impl.pool_,
              may_use_,
              impl.frameworks_[impl.classes_[cls].framework].filters,
              now},
        states_(placement::Plugins::PreFilter(info_)) {}
  PlacementQuery(const PlacementQuery&) = delete;
  PlacementQuery& operator=(const PlacementQuery&) = delete;

  const placement::ClassInfo& info() const { return info_; }
  const placement::Plugins::States& states() const { return states_; }
  // True when every plugin of scope S accepts the node.
  template <placement::Scope S>
  bool Passes(const placement::NodeInfo& node) const {
    return placement::Plugins::Filter<S>(states_, node).ok();
  }

 private:
  std::function<bool(int)> may_use_;
  placement::ClassInfo info_;
  placement::Plugins::States states_;
};

}  // namespace kubemesos
