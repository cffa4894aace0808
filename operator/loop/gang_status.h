// A Framework gang as users see it (spec.gang): the `gang` block of its status, the
// GangSchedulable and GangScheduled conditions, and the Warning Event when the reason the gang
// cannot be placed changes. Built from the engine's view (Allocator::Gangs(), entries with
// pod_group false, keyed by the framework's "namespace/name"); PodGroups are reported elsewhere.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "scheduler/allocator.h"

namespace kubemesos::loop {

// Phase names and failure texts: operator/kube/gang_text.h.

// The GangSchedulable condition's status and reason for `gang`:
// - True, reason Schedulable: its minimum was placed (Binding, Running), or a Degraded gang
//   with no failed attempt (its members are being replaced);
// - False, reason ConditionReason(last_failure) (Unschedulable when capacity is short, so
//   cluster-autoscaler may react; QuotaExceeded when the group's limit is in the way; ...)
//   while its last attempt failed; WaitingForMembers while fewer members exist than minMember;
// - Unknown, reason NotAttempted: waiting, not tried yet.
struct GangCondition {
  std::string status, reason, message;
};
GangCondition GangSchedulable(const GangStatus& gang);
// GangScheduled: True (reason MinMemberBound) while at least minMember members are bound
// (phase Running); else False with the phase as reason ("3/8 members bound").
GangCondition GangScheduled(const GangStatus& gang);

// Threads: used by one thread (the scheduling loop's). Ownership: holds only strings.
// Errors: none (beyond std::bad_alloc).
class FrameworkGangStatus {
 public:
  // Sets status["gang"] (phase, minMember, active, pending, waitingSince, reservedResources,
  // reservedUntil, attempts, lastFailure) and appends the two conditions to
  // status["conditions"], for the framework `key`. Engine times (waiting_since,
  // reserved_until; -1: none) are turned into RFC 3339 wall times through `now` (the engine's
  // clock now, in the same seconds); each is kept while the engine's value stays the same, so
  // a steady gang yields the same text every time (no status write). lastTransitionTimes
  // change only when a condition's status does.
  void Add(nlohmann::json& status, const std::string& key, const GangStatus& gang,
           const ResourceCatalog& catalog, double now);
  // Forgets what is remembered for `key` (the framework, or its gang, is gone).
  void Forget(const std::string& key);

 private:
  // The wall time text for engine time `t`, remembered under `slot`.
  std::string WallTime(const std::string& slot, double t, double now);
  // When the condition in `slot` last changed to `status` (now, if it just did).
  std::string Since(const std::string& slot, const std::string& status);

  std::map<std::string, std::pair<double, std::string>> times_;       // slot -> (engine t, text)
  std::map<std::string, std::pair<std::string, std::string>> since_;  // slot -> (status, since)
};

// Which Framework gangs have a new failure reason to announce: a Warning Event on the
// Framework with reason "Gang" + ConditionReason (GangUnschedulable when capacity is short,
// GangQuotaExceeded, GangWaitingForMembers, ...) and GangFailureText as message. Each distinct
// reason (Reason::Short: "Insufficient cpu", "QuotaLimit team") is reported once while it
// lasts, whatever its message does (node counts change with unrelated churn; status.gang
// .lastFailure has the newest); a gang that gets placed, or loses its failure, is reported
// again on its next failure.
// Threads: one thread. Errors: none.
class GangFailureEvents {
 public:
  struct Event {
    std::string key;  // the framework "namespace/name"
    std::string reason, message;
  };
  // The Events for `gangs` (Allocator::Gangs(); PodGroups are skipped).
  std::vector<Event> Changes(const std::vector<GangStatus>& gangs);

 private:
  std::map<std::string, std::string> reported_;  // framework key -> last reason reported
};

}  // namespace kubemesos::loop
