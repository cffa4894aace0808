// Where the scheduling loop's decisions go: binds and evictions to the API server and
// explanations onto pods and objects. Implemented by the binder, the evictor and the status
// reporter (threads of their own); unit tests record them.
#pragma once

#include <string>
#include <vector>

#include "operator/loop/events.h"
#include "scheduler/allocator.h"

namespace kubemesos::loop {

// Called on the loop thread; implementations must return quickly (queue the work).
class BindSink {
 public:
  virtual ~BindSink() = default;
  virtual void Bind(const Placement& placement) = 0;
  // The placements of one gang's all-or-nothing decision (same Placement::gang), to be sent
  // together as one batch. The scheduling core hands every gang batch of a cycle over before
  // the cycle's other placements. Default: Bind each, in order.
  virtual void BindGang(const std::vector<Placement>& members) {
    for (const auto& member : members) Bind(member);
  }
};

// Where preemption plans go (loop/evictor.h). Called on the loop thread; implementations must
// return quickly (queue the work).
class EvictSink {
 public:
  virtual ~EvictSink() = default;
  // A plan the engine made in this cycle, handed over after the cycle's placements.
  // `unix_offset`: Unix time minus Allocate's clock at the cycle (the plan's times on the wall
  // clock are its times plus this).
  virtual void Preempt(const Preemption& plan, double unix_offset) = 0;
  // Nominations that ended without a placement (AllocationResult::nominations_ended): pod keys
  // whose status.nominatedNodeName is to be cleared.
  virtual void NominationsEnded(const std::vector<std::string>& pods) = 0;
  // True while plans handed over are not known to be done: the core then reports the engine's
  // plans in flight (Allocator::Preemptions()) after each cycle, and the sink ends the others.
  virtual bool Tracking() const = 0;
  virtual void InFlight(const std::vector<Preemption>& plans) = 0;
};

class StatusSink {
 public:
  virtual ~StatusSink() = default;
  // A task is still pending, for this (new or changed) reason.
  virtual void PodPending(const Unplaced& pending) = 0;
  // An object the loop could not use (bad spec, group loop, ...): report it on the object.
  // `ns` is empty for cluster-scoped kinds. Called again only when the message changes.
  virtual void ObjectProblem(ObjectKind kind, const std::string& ns, const std::string& name,
                             const std::string& message) = 0;
  // A pending pod of ours whose spec the engine cannot use (a request over the largest amount,
  // an unreadable quantity): it stays pending, and says why on its PodScheduled condition.
  // Called instead of ObjectProblem for such pods, again only when the message changes.
  virtual void PodInvalid(const std::string& ns, const std::string& name,
                          const std::string& message) = 0;
  // A pending pod of ours whose spec is valid but asks for a constraint kubemesos does not
  // enforce (issue #14): it stays pending, and says so (reason Unsupported, the field named).
  // Same calling rules as PodInvalid.
  virtual void PodUnsupported(const std::string& ns, const std::string& name,
                              const std::string& message) = 0;
  // A pending pod of ours that waits for something outside the engine (its volumes): it is not
  // placed and is not demand, and says why on its PodScheduled condition with `reason`
  // (e.g. WaitingForVolume). Called again only when the message changes.
  virtual void PodWaiting(const std::string& ns, const std::string& name, const std::string& reason,
                          const std::string& message) = 0;
};

}  // namespace kubemesos::loop
