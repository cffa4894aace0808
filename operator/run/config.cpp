// Reading `kubemesos run` settings from YAML and flags.
#include "operator/run/config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <functional>
#include <map>

#include "operator/kube/objects.h"
#include "operator/util/log.h"

namespace kubemesos::run {
namespace {

bool ParseDouble(const std::string& text, double& out) {
  try {
    size_t used = 0;
    out = std::stod(text, &used);
    return used == text.size() && out >= 0;
  } catch (...) {
    return false;
  }
}

bool ParseInt(const std::string& text, int& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && out > 0;
}

using Setter = std::function<bool(RunConfig&, const std::string&)>;

// One table for both the YAML keys and the flags.
const std::map<std::string, std::pair<std::string, Setter>>& Settings() {
  static const std::map<std::string, std::pair<std::string, Setter>> settings = {
      {"kubeconfig",
       {"kubeconfig",
        [](RunConfig& c, const std::string& v) {
          c.kubeconfig = v;
          return true;
        }}},
      {"policy",
       {"policy",
        [](RunConfig& c, const std::string& v) {
          if (v == "binpack")
            c.policy = Policy::kBinpack;
          else if (v == "spread")
            c.policy = Policy::kSpread;
          else
            return false;
          return true;
        }}},
      {"minCycleInterval",
       {"min-interval",
        [](RunConfig& c, const std::string& v) {
          return ParseDouble(v, c.min_cycle_interval_seconds);
        }}},
      {"maxCycleInterval",
       {"max-interval",
        [](RunConfig& c, const std::string& v) {
          return ParseDouble(v, c.max_cycle_interval_seconds);
        }}},
      {"bindConcurrency",
       {"bind-concurrency",
        [](RunConfig& c, const std::string& v) { return ParseInt(v, c.bind_concurrency); }}},
      {"clientQPS",
       {"client-qps",
        [](RunConfig& c, const std::string& v) { return ParseDouble(v, c.client_qps); }}},
      {"clientBurst",
       {"client-burst",
        [](RunConfig& c, const std::string& v) { return ParseInt(v, c.client_burst); }}},
      {"statusWritesPerSecond",
       {"status-qps",
        [](RunConfig& c, const std::string& v) {
          return ParseDouble(v, c.status_writes_per_second);
        }}},
      {"statusBurst",
       {"status-burst",
        [](RunConfig& c, const std::string& v) { return ParseInt(v, c.status_burst); }}},
      {"taskRetryBackoffSeconds",
       {"task-backoff",
        [](RunConfig& c, const std::string& v) {
          return ParseDouble(v, c.task_retry_backoff_seconds) && c.task_retry_backoff_seconds >= 0;
        }}},
      {"maxFrameworkInstances",
       {"max-framework-instances",
        [](RunConfig& c, const std::string& v) {
          return ParseInt(v, c.max_framework_instances) &&
                 c.max_framework_instances <= kube::kMaxFrameworkInstances;
        }}},
      {"logLevel",
       {"log-level",
        [](RunConfig& c, const std::string& v) {
          log::Level level;
          if (!log::ParseLevel(v, level)) return false;
          c.log_level = v;
          return true;
        }}},
      {"metricsAddress",
       {"metrics-address",
        [](RunConfig& c, const std::string& v) {
          c.metrics_address = v;
          return !v.empty();
        }}},
      {"etcdEndpoints",
       {"etcd-endpoints",
        [](RunConfig& c, const std::string& v) {
          c.etcd_endpoints = v;
          return true;
        }}},
      {"etcdPrefix",
       {"etcd-prefix",
        [](RunConfig& c, const std::string& v) {
          c.etcd_prefix = v;
          return !v.empty();
        }}},
      {"etcdCAFile",
       {"etcd-ca-file",
        [](RunConfig& c, const std::string& v) {
          c.etcd_ca_file = v;
          return true;
        }}},
      {"etcdCertFile",
       {"etcd-cert-file",
        [](RunConfig& c, const std::string& v) {
          c.etcd_cert_file = v;
          return true;
        }}},
      {"etcdKeyFile",
       {"etcd-key-file",
        [](RunConfig& c, const std::string& v) {
          c.etcd_key_file = v;
          return true;
        }}},
      {"identity",
       {"identity",
        [](RunConfig& c, const std::string& v) {
          c.identity = v;
          return !v.empty();
        }}},
      {"registry",
       {"registry",
        [](RunConfig& c, const std::string& v) {
          c.registry = v;
          return v == "etcd" || v == "kubernetes" || v == "none";
        }}},
      {"registryNamespace",
       {"registry-namespace",
        [](RunConfig& c, const std::string& v) {
          c.registry_namespace = v;
          return !v.empty();
        }}},
      {"registryName",
       {"registry-name",
        [](RunConfig& c, const std::string& v) {
          c.registry_name = v;
          return !v.empty();
        }}},
      {"registryShards",
       {"registry-shards",
        [](RunConfig& c, const std::string& v) {
          return ParseInt(v, c.registry_shards) && c.registry_shards <= 256;
        }}},
      {"leaseName",
       {"lease-name",
        [](RunConfig& c, const std::string& v) {
          c.lease_name = v;
          return !v.empty();
        }}},
      {"leaseSeconds",
       {"lease-seconds",
        [](RunConfig& c, const std::string& v) {
          return ParseInt(v, c.lease_seconds) && c.lease_seconds >= 5;
        }}},
  };
  return settings;
}

}  // namespace

bool LoadConfigFile(const std::string& path, RunConfig& config, std::string& error) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const std::exception& e) {
    error = path + ": " + e.what();
    return false;
  }
  if (root.IsNull()) return true;
  if (!root.IsMap()) {
    error = path + ": expected a mapping of settings";
    return false;
  }
  for (const auto& entry : root) {
    std::string key = entry.first.as<std::string>("");
    auto it = Settings().find(key);
    if (it == Settings().end()) {
      error = path + ": unknown setting \"" + key + "\"";
      return false;
    }
    if (!entry.second.IsScalar() || !it->second.second(config, entry.second.as<std::string>())) {
      error = path + ": " + key + ": invalid value";
      return false;
    }
  }
  return true;
}

bool ParseRunFlags(const std::vector<std::string>& args, RunConfig& config, std::string& error) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--config" && !LoadConfigFile(args[i + 1], config, error)) return false;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    if (flag.rfind("--", 0) != 0) {
      error = "unexpected argument \"" + flag + "\"";
      return false;
    }
    flag = flag.substr(2);
    if (auto eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      error = "--" + flag + " needs a value";
      return false;
    }
    if (flag == "config") continue;
    bool known = false;
    for (const auto& [key, setting] : Settings()) {
      if (setting.first != flag) continue;
      known = true;
      if (!setting.second(config, value)) {
        error = "--" + flag + ": invalid value \"" + value + "\"";
        return false;
      }
    }
    if (!known) {
      error = "unknown flag --" + flag;
      return false;
    }
  }
  return true;
}

std::string RunUsage() {
  return R"(usage: kubemesos run [--kubeconfig FILE] [--config FILE] [flags]

Watches Nodes, Pods, ResourceGroups and Frameworks through the Kubernetes API and binds
pods with spec.schedulerName "kubemesos" to nodes with the DRF engine.

flags (each also a key of the YAML config file, in camelCase):
  --kubeconfig FILE        kubeconfig (default: $KUBECONFIG, then the in-cluster account)
  --config FILE            YAML settings (keys: policy, minCycleInterval, maxCycleInterval,
                           bindConcurrency, clientQPS, clientBurst, statusWritesPerSecond,
                           statusBurst, taskRetryBackoffSeconds, maxFrameworkInstances,
                           logLevel, metricsAddress,
                           etcdEndpoints, etcdPrefix, etcdCAFile, etcdCertFile, etcdKeyFile,
                           identity, leaseSeconds, registry, registryNamespace,
                           registryName, registryShards, leaseName)
  --policy binpack|spread  placement policy (default binpack)
  --min-interval S         batch events this long before a cycle (default 0.02)
  --max-interval S         run a cycle at least this often (default 1)
  --bind-concurrency N     binds (and task pod writes) in flight at once (default 64)
  --client-qps Q           API request rate limit (default 500; burst --client-burst 1000)
  --status-qps Q           pod status and Event writes per second (default 50; --status-burst 100)
  --task-backoff S         first relaunch delay of a failed OnFailure task, doubled per retry
                           (default 10, at most 300)
  --max-framework-instances N
                           task instances one Framework may ask for in total (default 100000,
                           1 to 1000000); a Framework asking for more launches nothing and gets
                           TasksLaunched=False, reason TooManyInstances, and one Event
  --log-level L            debug|info|warn|error (default info)
  --metrics-address A      where /metrics, /healthz and /readyz listen (default 0.0.0.0:8080)
  --registry etcd|kubernetes|none
                           where the registry and the leader lease live (default: etcd when
                           --etcd-endpoints is set, else none: this replica is always the
                           leader and records nothing, so run only one)
  --registry-namespace NS  kubernetes backend: namespace of its Lease and ConfigMaps (default
                           $POD_NAMESPACE, then the service account's namespace, then default)
  --registry-name NAME     kubernetes backend: ConfigMaps NAME-<i> (default kubemesos-registry)
  --registry-shards N      kubernetes backend: ConfigMaps NAME-0..N-1 (default 16; at most 256)
  --lease-name NAME        kubernetes backend: the leader Lease (default kubemesos)
  --etcd-endpoints URLS    etcd for the registry and leader election (comma-separated)
  --etcd-prefix P          key prefix in etcd (default /kubemesos/)
  --etcd-ca-file F, --etcd-cert-file F, --etcd-key-file F   TLS to etcd
  --identity NAME          this replica in the election (default hostname-pid)
  --lease-seconds S        leader lease TTL (default 15, at least 5)
)";
}

}  // namespace kubemesos::run
