// KubeLeaseElection: leader election on a coordination.k8s.io/v1 Lease, for clusters whose
// etcd is out of reach. Same contract as Election (election.h); the same algorithm as
// client-go's leaderelection, with fencing.
//
// The Lease "<name>" in namespace `ns`: spec.holderIdentity, leaseDurationSeconds, acquireTime,
// renewTime (MicroTime), leaseTransitions. Every write is a PUT carrying the resourceVersion
// just read (a POST when the Lease does not exist), so two replicas can never both win: the
// API server refuses the later one with 409.
// - Leader: each round renews (renewTime = now). Deadline() = the send time of the last
//   successful renew + leaseDurationSeconds − safety_margin. A failed or refused renewal steps
//   down at once.
// - Standby: each round reads the Lease. Clocks of different machines are never compared: the
//   standby notes, on its own steady clock, when it last saw the Lease change (holder,
//   renewTime or resourceVersion); only leaseDurationSeconds after that, without a change, is
//   the Lease expired and taken over (holderIdentity = self, leaseTransitions + 1). A Lease
//   with an empty holder (released by Stop) is taken at once.
// Because the standby's observation follows the leader's renewal, the standby takes over only
// after the leader's Deadline(): no two leaders act at once, as long as steady clocks run at
// the same rate.
//
// A Lease read back with fields of the wrong type (only a fake server sends one: the API server
// validates Leases) reads leniently: holder "", duration = lease_seconds, transitions 0; a
// reply that is not a Lease object is a failed round. A round that throws is logged, counted
// (kubemesos_internal_errors_total{component="election"}) and steps down.
// Needs RBAC (namespaced Role): leases get, create, update in `ns`.
// Threads and errors: see election.h. Ownership: the client and clock must outlive this.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "operator/client/kube_client.h"
#include "operator/registry/election.h"
#include "operator/registry/election_base.h"
#include "operator/util/round_thread.h"

namespace kubemesos::registry {

struct KubeLeaseOptions {
  std::string ns = "default";
  std::string name = "kubemesos";  // the Lease's name
  std::string identity;            // unique per replica
  int64_t lease_seconds = 15;
  std::chrono::milliseconds renew_interval{3000};
  std::chrono::milliseconds standby_poll{0};  // a standby reads the Lease this often (0 = renew)
  std::chrono::milliseconds safety_margin{3000};
  // Called after every request to the Lease ("lease", ok); may be empty. Thread-safe.
  std::function<void(std::string_view op, bool ok)> report;
};

class KubeLeaseElection : public ElectionBase {
 public:
  KubeLeaseElection(client::KubeClient& client, const util::Clock& clock, KubeLeaseOptions options);
  ~KubeLeaseElection() override;  // Stop()s

  void Step();  // one round (tests)
  void Start() override;
  void Stop() override;  // stops the thread, then releases the Lease if held
  void Resign();

  // IsLeader, Deadline, Holder, LastError and OnChange: see ElectionBase.

 private:
  client::HttpResponse Call(std::string_view method, const std::string& path,
                            const std::string& body = "");

  client::KubeClient& client_;
  const KubeLeaseOptions o_;

  mutable std::mutex mu_;  // guards the two below (Step and Resign may race in tests)
  // What this replica last saw of the Lease, and when (its own steady clock).
  std::string seen_version_;
  TimePoint seen_at_{};

  util::RoundThread rounds_{"election"};  // last: stopped before the members its rounds use
};

}  // namespace kubemesos::registry
