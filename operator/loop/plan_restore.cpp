// Restoring preemption plans after a leader change (see plan_restore.h).
#include "operator/loop/plan_restore.h"

#include <chrono>
#include <set>

#include "operator/kube/object_key.h"
#include "operator/loop/plan_record.h"

namespace kubemesos::loop {

bool RestorePlans(registry::Registry& registry, SchedulerCore& core, Evictor& evictor,
                  double engine_now, double unix_now, RestoreStats& stats, std::string& error) {
  auto list = registry.ListPreemptions();
  if (!list.ok()) {
    error = list.error;
    return false;
  }
  stats.skipped = std::move(list.skipped);
  std::set<std::string> known;
  for (const auto& plan : core.allocator().Preemptions()) known.insert(PlanKey(plan));
  const double unix_offset = unix_now - engine_now;
  for (const auto& record : list.value) {
    double deadline = std::chrono::duration<double>(record.deadline.time_since_epoch()).count();
    if (deadline <= unix_now) {
      // Over: its nominations expired with it (and are cleared). Whatever it evicted is gone; the
      // engine plans again for a preemptor still pending.
      registry.DeletePreemption(record.ns, record.name);
      std::vector<std::string> nominated;
      for (const auto& n : record.preemptors) nominated.push_back(n.pod);
      evictor.NominationsEnded(nominated);  // set by the old leader: cleared
      ++stats.expired;
      continue;
    }
    if (known.count(kube::ObjectKey::Namespaced(record.ns, record.name).String())) {
      ++stats.known;
      continue;
    }
    core.RestorePreemption(FromRecord(record, unix_offset));
    evictor.Resume(record);
    ++stats.restored;
  }
  return true;
}

}  // namespace kubemesos::loop
