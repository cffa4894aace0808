// The registry side of `kubemesos run` and `kubemesos registry`: builds, from RunConfig, the
// store (etcd or ConfigMaps), the leader election (etcd lease or coordination.k8s.io Lease)
// and the RegistryRecorder, and wires their reports into metrics and the log.
//
// Backends (RunConfig::registry): "etcd" (etcd_endpoints required), "kubernetes" (the Lease
// and ConfigMaps in registry_namespace through the given KubeClient), "none" (no election:
// this replica always leads; nothing is recorded). "" picks etcd when endpoints are set, else
// none.
//
// Ownership: RegistrySetup owns everything it built; the KubeClient, Metrics and RunConfig
// passed in must outlive it. Threads: Start() starts the election and recorder threads;
// Stop() stops the recorder, then the election (which resigns, so a standby takes over at
// once). Errors: Build returns false with a readable message (bad endpoints, TLS material).
#pragma once

#include <memory>
#include <string>

#include "operator/client/kube_client.h"
#include "operator/registry/election.h"
#include "operator/registry/kv_store.h"
#include "operator/registry/leader_election.h"
#include "operator/registry/recorder.h"
#include "operator/registry/registry.h"
#include "operator/run/config.h"

namespace kubemesos::metrics {
class Metrics;
}

namespace kubemesos::run {

// "etcd", "kubernetes" or "none", after applying the default.
std::string RegistryBackend(const RunConfig& config);
// The namespace of the kubernetes backend (see RunConfig::registry_namespace).
std::string RegistryNamespace(const RunConfig& config);

// Only the store (for `kubemesos registry dump|get`): null with `error` on bad settings or
// backend "none".
std::unique_ptr<registry::KvStore> MakeRegistryStore(const RunConfig& config,
                                                     client::KubeClient& kube, std::string& error);

class RegistrySetup {
 public:
  // Builds the store, election and recorder for `config` (fills in config.identity when
  // empty). `metrics` receives is_leader and registry_requests_total.
  bool Build(RunConfig& config, client::KubeClient& kube, metrics::Metrics& metrics,
             std::string& error);
  void Start();
  void Stop();

  // True when this replica may act (allocate, bind, write status): always without an
  // election, else while it holds the lease, before the fencing deadline, and once the
  // registry has been read in this term (a new leader reads the registry, then allocates).
  bool IsLeader() const {
    return !election_ || (election_->IsLeader() && (!recorder_ || recorder_->Recovered()));
  }
  // Null for backend "none".
  registry::RegistryRecorder* recorder() { return recorder_.get(); }
  registry::Registry* registry() { return registry_.get(); }
  registry::Election* election() { return election_.get(); }

 private:
  util::SystemClock clock_;
  std::unique_ptr<registry::KvStore> store_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<registry::Election> election_;
  std::unique_ptr<registry::RegistryRecorder> recorder_;
};

}  // namespace kubemesos::run
