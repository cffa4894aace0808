// Election: what `run` needs from a leader election, whichever backend holds the lease.
//
// Implementations: LeaderElection (leader_election.h, an etcd lease and key) and
// KubeLeaseElection (kube_lease_election.h, a coordination.k8s.io/v1 Lease object).
//
// Contract shared by both:
// - Exactly one replica may act at a time. IsLeader() is true only while this replica holds
//   the lease AND the clock is before Deadline(), which lies a safety margin before the
//   instant the lease could expire for the other replicas (fencing: check before every bind).
// - A failed or refused renewal steps down at once; the next round tries again.
// - Threads: Start() runs rounds on an own thread until Stop(); Stop() also resigns (releases
//   the lease so a standby takes over at once). Every other method is thread-safe.
// - Errors: none thrown; the newest backend error is in LastError().
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace kubemesos::registry {

class Election {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  // Called on the election thread with true when leadership is won, false when lost.
  using Callback = std::function<void(bool leader)>;

  virtual ~Election() = default;
  virtual void Start() = 0;
  virtual void Stop() = 0;
  virtual bool IsLeader() const = 0;
  virtual TimePoint Deadline() const = 0;  // min() when not leading
  virtual std::string Holder() const = 0;  // the identity holding the lease ("" = none)
  virtual std::string LastError() const = 0;
  virtual void OnChange(Callback cb) = 0;
};

}  // namespace kubemesos::registry
