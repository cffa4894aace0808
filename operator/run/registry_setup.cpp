// Builds the registry store, leader election and recorder of `run` from RunConfig (see
// registry_setup.h).
#include "operator/run/registry_setup.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "operator/kube/object_key.h"
#include "operator/metrics/metrics.h"
#include "operator/registry/counting_kv_store.h"
#include "operator/registry/etcd_client.h"
#include "operator/registry/kube_kv_store.h"
#include "operator/registry/kube_lease_election.h"
#include "operator/util/log.h"

namespace kubemesos::run {

std::string RegistryBackend(const RunConfig& config) {
  if (!config.registry.empty()) return config.registry;
  return config.etcd_endpoints.empty() ? "none" : "etcd";
}

std::string RegistryNamespace(const RunConfig& config) {
  if (!config.registry_namespace.empty()) return config.registry_namespace;
  if (const char* env = std::getenv("POD_NAMESPACE"); env && *env) return env;
  std::ifstream in("/var/run/secrets/kubernetes.io/serviceaccount/namespace");
  std::string ns;
  if (in && std::getline(in, ns) && !ns.empty()) return ns;
  return kube::kDefaultNamespace;
}

std::unique_ptr<registry::KvStore> MakeRegistryStore(const RunConfig& config,
                                                     client::KubeClient& kube, std::string& error) {
  const std::string backend = RegistryBackend(config);
  if (backend == "etcd") {
    registry::EtcdOptions o;
    std::stringstream endpoints(config.etcd_endpoints);
    for (std::string e; std::getline(endpoints, e, ',');)
      if (!e.empty()) o.endpoints.push_back(e);
    if (o.endpoints.empty()) {
      error = "registry etcd needs --etcd-endpoints";
      return nullptr;
    }
    o.prefix = config.etcd_prefix;
    o.ca_file = config.etcd_ca_file;
    o.cert_file = config.etcd_cert_file;
    o.key_file = config.etcd_key_file;
    try {
      return registry::MakeEtcdClient(o);
    } catch (const std::exception& e) {
      error = std::string("cannot set up the etcd client: ") + e.what();
      return nullptr;
    }
  }
  if (backend == "kubernetes") {
    registry::KubeStoreOptions o;
    o.ns = RegistryNamespace(config);
    o.name = config.registry_name;
    o.shards = config.registry_shards;
    return registry::MakeKubeKvStore(kube, o);
  }
  error = "no registry configured (--registry none)";
  return nullptr;
}

bool RegistrySetup::Build(RunConfig& config, client::KubeClient& kube, metrics::Metrics& metrics,
                          std::string& error) {
  const std::string backend = RegistryBackend(config);
  if (backend == "none") {
    metrics.SetLeader(true);  // no election: run one replica only
    log::Info("no registry and no leader election: this replica always leads; run only one");
    return true;
  }
  auto store = MakeRegistryStore(config, kube, error);
  if (!store) return false;
  // Every store request counts in kubemesos_registry_requests_total{op,result}.
  store_ = std::make_unique<registry::CountingKvStore>(
      std::move(store), [&metrics](std::string_view op, bool ok) {
        metrics.AddRegistryRequest(op, ok ? metrics::Outcome::kSuccess : metrics::Outcome::kError);
      });
  if (config.identity.empty()) {
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    config.identity = std::string(host) + "-" + std::to_string(getpid());
  }
  const auto fifth = std::chrono::milliseconds(config.lease_seconds * 1000 / 5);
  if (backend == "etcd") {
    registry::LeaderElectionOptions o;
    o.identity = config.identity;
    o.ttl_seconds = config.lease_seconds;
    o.renew_interval = fifth;
    o.standby_poll = std::min(fifth, std::chrono::milliseconds(250));
    o.safety_margin = fifth;
    election_ = std::make_unique<registry::LeaderElection>(*store_, clock_, o);
  } else {
    registry::KubeLeaseOptions o;
    o.ns = RegistryNamespace(config);
    o.name = config.lease_name;
    o.identity = config.identity;
    o.lease_seconds = config.lease_seconds;
    o.renew_interval = fifth;
    o.standby_poll = std::min(fifth, std::chrono::milliseconds(250));
    o.safety_margin = fifth;
    o.report = [&metrics](std::string_view op, bool ok) {
      metrics.AddRegistryRequest(op, ok ? metrics::Outcome::kSuccess : metrics::Outcome::kError);
    };
    election_ = std::make_unique<registry::KubeLeaseElection>(kube, clock_, o);
  }
  election_->OnChange([this, &metrics, identity = config.identity](bool leader) {
    if (recorder_) leader ? recorder_->Won() : recorder_->Lost();
    metrics.SetLeader(leader);
    log::Info(leader ? "became the leader" : "not the leader", {{"identity", identity}});
  });
  metrics.SetLeader(false);

  registry_ = std::make_unique<registry::Registry>(*store_);
  registry::RecorderHooks hooks;
  hooks.log = [](std::string_view level, std::string_view msg, const nlohmann::json& fields) {
    if (level == "warn")
      log::Warn(msg, fields);
    else
      log::Info(msg, fields);
  };
  registry::Election* election = election_.get();
  recorder_ = std::make_unique<registry::RegistryRecorder>(
      *registry_, [election] { return election->IsLeader(); }, registry::RecorderOptions{}, hooks);
  nlohmann::json where = {
      {"backend", backend}, {"identity", config.identity}, {"leaseSeconds", config.lease_seconds}};
  if (backend == "etcd") {
    where["endpoints"] = config.etcd_endpoints;
    where["prefix"] = config.etcd_prefix;
  } else {
    where["namespace"] = RegistryNamespace(config);
    where["lease"] = config.lease_name;
    where["configMaps"] = config.registry_name + "-*";
  }
  log::Info("registry and leader election", where);
  return true;
}

void RegistrySetup::Start() {
  if (election_) election_->Start();
  if (recorder_) recorder_->Start();
}

void RegistrySetup::Stop() {
  if (recorder_) recorder_->Stop();
  if (election_) election_->Stop();  // resigns, so a standby takes over at once
}

}  // namespace kubemesos::run
