// `kubemesos run` configuration: a YAML file (--config), every field with a default, and
// command-line flags that override the file. Every numeric setting has an allowed range
// (finite, inclusive [min, max]) shown in `--help` and in the error for a value outside it.
#pragma once

#include <string>
#include <vector>

#include "scheduler/allocator.h"

namespace kubemesos::run {

struct RunConfig {
  std::string kubeconfig;  // empty: $KUBECONFIG, then in-cluster
  Policy policy = Policy::kBinpack;
  // kube-scheduler's system default topology spread for replicated pods without constraints
  // of their own (--default-spread system|none; see operator/kube/pod_spread.h).
  bool default_spread = true;
  double min_cycle_interval_seconds = 0.02;  // a burst of events is batched this long
  double max_cycle_interval_seconds = 1.0;   // a cycle at least this often (filter expiry)
  int bind_concurrency = 64;  // a slow API server needs many binds in flight (docs/benchmark.md)
  double client_qps = 500;
  int client_burst = 1000;
  double status_writes_per_second = 50;
  int status_burst = 100;
  double task_retry_backoff_seconds = 10;  // first OnFailure relaunch delay, doubled per retry
  int max_framework_instances = 100'000;   // total task instances one Framework may ask for
  // Preemption (issue #16): --preemption on|off (AllocatorOptions::preemption.enabled),
  // --eviction-mode EvictionAPI|Delete, --max-evictions-in-flight, --nomination-slack-seconds.
  bool preemption = true;
  bool eviction_delete = false;  // DELETE the victims instead of the Eviction API
  int max_evictions_in_flight = 100;
  double nomination_slack_seconds = 30;
  std::string log_level = "info";
  std::string metrics_address = "0.0.0.0:8080";
  // /healthz and /readyz on a listener of their own; "" = the metrics host, metrics port + 1
  // (port 0 stays 0), resolved by ParseRunFlags.
  std::string probe_address;
  // --content-type protobuf|json: lists, watches and bindings in protobuf where the API server
  // serves it (client::Encoding::kProtobuf), or everything in JSON.
  bool protobuf = true;
  // Send the bearer token even when the API server URL is plain http:// (refused otherwise).
  bool allow_insecure_token = false;
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
// Returns false with `error` naming the file and the key on bad input, e.g.
// `/x/config.yaml: bindConcurrency: 2000000000 is out of range [1, 1024]`.
bool LoadConfigFile(const std::string& path, RunConfig& config, std::string& error);

// Applies flags (see RunUsage; each is also a YAML key); `--config FILE` is read first wherever
// it appears, then the flags override it; then the settings are checked together (e.g.
// min-interval <= max-interval) and probe_address is resolved. Returns false with `error` on
// an unknown flag or a bad value, e.g. `--bind-concurrency: 2000000000 is out of range
// [1, 1024]`.
bool ParseRunFlags(const std::vector<std::string>& args, RunConfig& config, std::string& error);

// The engine's options from the configuration (policy, preemption).
AllocatorOptions AllocatorOptionsOf(const RunConfig& config);

// The usage text for `kubemesos run --help`.
std::string RunUsage();

}  // namespace kubemesos::run
