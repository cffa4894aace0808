// LeaderElection: exactly one replica leads, on an etcd lease and the key `leader`.
//
// Campaign: grant a lease of `ttl`, then create `leader` (value: this replica's identity)
// attached to the lease, only if absent (compare create_revision == 0). Whoever created it
// leads; it renews the lease by keepalive every `renew_interval`. When the leader dies, its
// lease expires, etcd deletes `leader`, and the next standby poll campaigns.
//
// Fencing: Deadline() is the time until which this replica may act as leader: the send time
// of the last successful grant/keepalive + the granted TTL (at most `ttl`) − `safety_margin`. The
// lease cannot expire before that instant (etcd counts the TTL from when it received the request,
// later than we sent it). The binder checks IsLeader() (leader and now < Deadline()) before every
// bind. A failed or refused renewal steps down at once (IsLeader() false); the next round
// tries to get the same lease and key back, else campaigns anew.
//
// Threads: Step() is one round, for tests; Start() runs rounds on an own thread (every
// renew_interval; standbys every standby_poll) until Stop(); a round that throws is logged,
// counted (kubemesos_internal_errors_total{component="election"}) and steps down. IsLeader,
// Deadline, Holder, LastError and the callback registration are thread-safe. The store and clock
// must outlive this. Errors: none thrown; the last store error is in LastError().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "operator/registry/election_base.h"
#include "operator/registry/kv_store.h"
#include "operator/util/round_thread.h"

namespace kubemesos::registry {

struct LeaderElectionOptions {
  std::string key = "leader";
  std::string identity;  // e.g. the pod name; must be unique per replica
  int64_t ttl_seconds = 15;
  std::chrono::milliseconds renew_interval{3000};  // keepalive period of the leader
  // How often a standby looks at the lease (0 = renew_interval): a dead leader is replaced
  // within its TTL plus this.
  std::chrono::milliseconds standby_poll{0};
  std::chrono::milliseconds safety_margin{3000};  // subtracted from the deadline
};

class LeaderElection : public ElectionBase {
 public:
  // Called (on the election thread, or in Step) with true when leadership is won and false
  // when it is lost or given up.
  using Callback = Election::Callback;

  LeaderElection(KvStore& store, const util::Clock& clock, LeaderElectionOptions options);
  ~LeaderElection() override;  // Stop()s

  // One round: renew if leading, else poll and campaign if the key is free.
  void Step();

  void Start() override;
  // Stops the thread, then resigns: deletes the key if ours and revokes the lease, so a
  // standby takes over at once instead of after the TTL.
  void Stop() override;
  void Resign();

  // IsLeader, Deadline, Holder (the identity in `leader` as last seen), LastError and OnChange:
  // see ElectionBase.

 private:
  void Renew();
  void Campaign();
  // The fencing deadline after a renewal sent at `sent` that reported `ttl` seconds.
  TimePoint DeadlineAfter(TimePoint sent, int64_t ttl) const;

  KvStore& store_;
  const LeaderElectionOptions o_;

  mutable std::mutex mu_;
  int64_t lease_ = 0;  // our lease, possibly no longer valid

  util::RoundThread rounds_{"election"};  // last: stopped before the members its rounds use
};

}  // namespace kubemesos::registry
