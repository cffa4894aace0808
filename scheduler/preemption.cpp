// Preemption: plans that evict victims so that a pending task (or a gang's minimum) can be placed,
// either reclaiming a group's lent guarantee from groups above theirs, or by priority inside a
// group; the nominations that hold the freed capacity for the preemptors until they are placed.
#include "scheduler/allocator_impl.h"

namespace kubemesos {

void Allocator::Impl::EvictionFailed(const std::string&, double) {}

void Allocator::Impl::RestorePreemption(const Preemption&) {}

std::vector<Preemption> Allocator::Impl::Preemptions() const {
  return {};
}

}  // namespace kubemesos
