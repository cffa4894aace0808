// `kubemesos run` configuration: a YAML file (--config), every field with a default, and
// command-line flags that override the file.
#pragma once

#include <string>
#include <vector>

#include "scheduler/allocator.h"

namespace kubemesos::run {

struct RunConfig {
  std::string kubeconfig;  // empty: $KUBECONFIG, then in-cluster
  Policy policy = Policy::kBinpack;
  double min_cycle_interval_seconds = 0.02;  // a burst of events is batched this long
  double max_cycle_interval_seconds = 1.0;   // a cycle at least this often (filter expiry)
  int bind_concurrency = 64;  // a slow API server needs many binds in flight (docs/benchmark.md)
  double client_qps = 500;
  int client_burst = 1000;
  double status_writes_per_second = 50;
  int status_burst = 100;
  double task_retry_backoff_seconds = 10;  // first OnFailure relaunch delay, doubled per retry
  int max_framework_instances = 100'000;   // total task instances one Framework may ask for
  std::string log_level = "info";
  std::string metrics_address = "0.0.0.0:8080";
  // The etcd registry and leader election; empty endpoints: one replica, always the leader.
  std::string etcd_endpoints;  // comma-separated http(s):// URLs
  std::string etcd_prefix = "/kubemesos/";
  std::string etcd_ca_file, etcd_cert_file, etcd_key_file;
  std::string identity;  // this replica's name in the election; default hostname-pid
  int lease_seconds = 15;
  // Which registry and election: "etcd", "kubernetes" (a Lease and ConfigMaps in
  // registry_namespace), "none" (one replica, always the leader, nothing recorded); "" = etcd
  // when etcd_endpoints is set, else none.
  std::string registry;
  std::string registry_namespace;  // "": $POD_NAMESPACE, the service account's, "default"
  std::string registry_name = "kubemesos-registry";  // kubernetes: ConfigMaps "<name>-<i>"
  int registry_shards = 16;                          // kubernetes: how many ConfigMaps
  std::string lease_name = "kubemesos";              // kubernetes: the leader Lease
};

// Loads `path` (YAML; unknown keys are errors so typos do not pass silently) over the defaults.
// Returns false with `error` naming the file and the key on bad input.
bool LoadConfigFile(const std::string& path, RunConfig& config, std::string& error);

// Applies flags (--kubeconfig X, --policy binpack|spread, --bind-concurrency N, --client-qps Q,
// --client-burst B, --log-level L, --min-interval S, --max-interval S, --metrics-address A);
// `--config FILE` is read first wherever it appears. Returns false with `error` on a bad flag
// or value.
bool ParseRunFlags(const std::vector<std::string>& args, RunConfig& config, std::string& error);

// The usage text for `kubemesos run --help`.
std::string RunUsage();

}  // namespace kubemesos::run
