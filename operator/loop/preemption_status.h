// What preemption did to a Framework, as its users see it (issue #16): the `preemption` block of
// its status (preemptedTasks, revocableTasks, lastPreempted {time, by, reason, victims,
// message}) and a Warning Event "Preempted" on the Framework for each plan that evicts one of
// its tasks. Fed from the plans the engine makes (AllocationResult::preemptions) and its
// counts (FrameworkStatus::revocable, preempted).
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scheduler/allocator.h"

namespace kubemesos::loop {

// The Event reason on a Framework one of whose tasks a plan evicts.
inline constexpr const char* kPreemptedReason = "Preempted";

// status.preemption.preemptedTasks of a Framework object as the API server holds it: 0 when
// absent, not an integer, negative or above 2^53. Never throws.
int64_t PreemptedTasksOf(const nlohmann::json& framework);

// Who a plan's preemptor is, for status and Events: its gang ("gang ns/x") when it places a
// gang's minimum, else its pod ("ns/pod"), with " and N more" when it nominates several pods.
std::string PreemptorText(const Preemption& plan);

// Threads: used by one thread (the scheduling loop's). Ownership: holds only strings.
// Errors: none (beyond std::bad_alloc).
class FrameworkPreemptions {
 public:
  struct Event {
    std::string key;  // the victims' framework, "namespace/name"
    std::string message;
  };
  // Records the plans of one cycle made at engine time `now` (Allocate's clock), when the
  // wall clock read `wall_now`: for each framework that loses tasks, the plan becomes its
  // lastPreempted (the plan's `created` turned into wall time). Returns one Event per plan and
  // victim framework, in plan order.
  std::vector<Event> Note(const std::vector<Preemption>& plans, double now, std::time_t wall_now);
  // The preemptedTasks the Framework `key`'s status says now (PreemptedTasksOf, from its watch
  // events): what earlier leaders counted. Remembered until Add first writes the block for
  // `key`; later values are this writer's own and are ignored.
  void Observe(const std::string& key, int64_t preempted_tasks);
  // Sets status["preemption"] of framework `key`: preemptedTasks (the count observed before
  // this writer's first write for it, plus framework.preempted: a new leader goes on from the
  // last count), revocableTasks (framework.revocable) and lastPreempted when one is known. A
  // merge patch keeps a lastPreempted written by an earlier leader until this one records a
  // newer one.
  void Add(nlohmann::json& status, const std::string& key, const FrameworkStatus& framework);
  // Forgets the framework `key` (it is gone).
  void Forget(const std::string& key) {
    last_.erase(key);
    base_.erase(key);
  }

 private:
  struct Base {
    int64_t count = 0;
    bool frozen = false;  // written once: later observed values are ours
  };
  std::map<std::string, nlohmann::json> last_;  // framework key -> lastPreempted
  std::map<std::string, Base> base_;            // framework key -> earlier leaders' count
};

}  // namespace kubemesos::loop
