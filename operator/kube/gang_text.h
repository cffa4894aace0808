// How a gang's state is named for users (Framework status.gang, metrics labels, `simulate`):
// the one spelling of each GangPhase and of a gang's failure.
#pragma once

#include <string>

#include "scheduler/allocator.h"

namespace kubemesos::kube {

// "WaitingForMembers", "Pending", "Reserving", "Binding", "Running", "Degraded".
inline const char* GangPhaseName(GangPhase phase) {
  switch (phase) {
    case GangPhase::kWaitingForMembers:
      return "WaitingForMembers";
    case GangPhase::kPending:
      return "Pending";
    case GangPhase::kReserving:
      return "Reserving";
    case GangPhase::kBinding:
      return "Binding";
    case GangPhase::kRunning:
      return "Running";
    case GangPhase::kDegraded:
      return "Degraded";
  }
  return "Pending";
}

// "Insufficient cpu: Gang ml/x: 3/8 placeable: ..." (Reason::Short, then the message, as on the
// pods' PodScheduled condition): status.gang.lastFailure, the GangSchedulable=False message,
// the Event and simulate's lastFailure.
inline std::string GangFailureText(const Reason& reason) {
  return reason.message.empty() ? reason.Short() : reason.Short() + ": " + reason.message;
}

}  // namespace kubemesos::kube
