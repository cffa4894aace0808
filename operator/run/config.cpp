// Reading `kubemesos run` settings from YAML and flags: one table of settings (YAML key, flag,
// help, and a numeric field with its range or a setter) serves the file, the flags and --help.
#include "operator/run/config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string_view>

#include "operator/kube/objects.h"
#include "operator/util/log.h"

namespace kubemesos::run {
namespace {

// "" when the value was taken, else why not (without the flag or key, which callers add).
using Setter = std::function<std::string(RunConfig&, const std::string&)>;

// One setting. Numeric ones name their field and inclusive range; the rest have a setter.
// `metavar` "" marks a boolean flag, given alone (`--x`) or as `--x=true|false`.
struct Setting {
  const char* key;      // YAML key (camelCase)
  const char* flag;     // without the leading "--"
  const char* metavar;  // in --help: "--flag METAVAR"
  const char* help;     // one sentence; numeric settings get "(default D; allowed [min, max])"
  int RunConfig::*int_field = nullptr;
  double RunConfig::*double_field = nullptr;
  double min = 0, max = 0;
  Setter set;
};

Setting Int(const char* key, const char* flag, const char* metavar, int RunConfig::*field, int min,
            int max, const char* help) {
  return {
      key, flag, metavar, help, field, nullptr, static_cast<double>(min), static_cast<double>(max),
      {}};
}

Setting Double(const char* key, const char* flag, const char* metavar, double RunConfig::*field,
               double min, double max, const char* help) {
  return {key, flag, metavar, help, nullptr, field, min, max, {}};
}

Setting Text(const char* key, const char* flag, const char* metavar, const char* help, Setter set) {
  return {key, flag, metavar, help, nullptr, nullptr, 0, 0, std::move(set)};
}

// A string field that must not be empty.
Setter NonEmpty(std::string RunConfig::*field) {
  return [field](RunConfig& c, const std::string& v) -> std::string {
    if (v.empty()) return "must not be empty";
    c.*field = v;
    return "";
  };
}

// A string field; any value.
Setter Any(std::string RunConfig::*field) {
  return [field](RunConfig& c, const std::string& v) -> std::string {
    c.*field = v;
    return "";
  };
}

// A two-valued setting: `yes` sets the flag field, `no` clears it.
Setter Either(bool RunConfig::*field, const char* yes, const char* no) {
  return [field, yes, no](RunConfig& c, const std::string& v) -> std::string {
    if (v != yes && v != no) return std::string("want ") + yes + " or " + no;
    c.*field = v == yes;
    return "";
  };
}

std::string Quoted(const std::string& v) {
  return "\"" + v + "\"";
}

// 64, 0.02, 1e+10: integers without a fraction, the rest as %g.
std::string FormatNumber(double v) {
  char buf[64];
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%g", v);
  }
  return buf;
}

// In --help, a space that does not break a line.
constexpr char kGlue = '\x01';

std::string RangeText(const Setting& s) {
  std::string text = "[";
  text += FormatNumber(s.min);
  text += ", ";
  text += FormatNumber(s.max);
  text += "]";
  return text;
}

// Parses `text` whole into the setting's numeric field if it is a number in range; "" or why
// not. Integers: decimal digits with an optional '-'; others: decimal or exponent notation,
// finite (no inf, nan, hex or leading '+').
std::string SetNumber(const Setting& s, RunConfig& c, const std::string& text) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  double value = 0;
  bool overflow = false;
  if (s.int_field != nullptr) {
    long long n = 0;
    auto [ptr, ec] = std::from_chars(begin, end, n);
    if (ec == std::errc::result_out_of_range && ptr == end) {
      overflow = true;
    } else if (ec != std::errc() || ptr != end || text.empty()) {
      return Quoted(text) + " is not an integer (allowed: " + RangeText(s) + ")";
    }
    value = static_cast<double>(n);
  } else {
    auto [ptr, ec] = std::from_chars(begin, end, value, std::chars_format::general);
    if (ec == std::errc::result_out_of_range && ptr == end) {
      overflow = true;
    } else if (ec != std::errc() || ptr != end || text.empty()) {
      return Quoted(text) + " is not a number (allowed: " + RangeText(s) + ")";
    } else if (!std::isfinite(value)) {
      return text + " is not a finite number (allowed: " + RangeText(s) + ")";
    }
  }
  if (overflow || !(value >= s.min && value <= s.max)) {
    return text + " is out of range " + RangeText(s);
  }
  if (s.int_field != nullptr) {
    c.*s.int_field = static_cast<int>(value);
  } else {
    c.*s.double_field = value;
  }
  return "";
}

std::string Apply(const Setting& s, RunConfig& c, const std::string& value) {
  if (s.int_field != nullptr || s.double_field != nullptr) return SetNumber(s, c, value);
  std::string why = s.set(c, value);
  return why.empty() ? "" : "invalid value " + Quoted(value) + " (" + why + ")";
}

// The one table for the YAML keys, the flags and --help. Keep numeric settings numeric (Int or
// Double with their range): that is what refuses 1e10 or a negative count.
const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = {
      Text("kubeconfig", "kubeconfig", "FILE",
           "kubeconfig (default: $KUBECONFIG, then the in-cluster account)",
           Any(&RunConfig::kubeconfig)),
      Text("policy", "policy", "binpack|spread", "placement policy (default binpack)",
           [](RunConfig& c, const std::string& v) -> std::string {
             if (v == "binpack") {
               c.policy = Policy::kBinpack;
             } else if (v == "spread") {
               c.policy = Policy::kSpread;
             } else {
               return "want binpack or spread";
             }
             return "";
           }),
      Text("defaultSpread", "default-spread", "system|none",
           "topology spread for pods of ReplicaSets, StatefulSets and ReplicationControllers "
           "that have none of their own: kube-scheduler's system defaults (hostname maxSkew 3, "
           "zone maxSkew 5, ScheduleAnyway: they rank nodes, never refuse), or none "
           "(default system)",
           Either(&RunConfig::default_spread, "system", "none")),
      Double("minCycleInterval", "min-interval", "S", &RunConfig::min_cycle_interval_seconds, 0, 10,
             "batch events this long, in seconds, before a cycle; at most --max-interval"),
      Double("maxCycleInterval", "max-interval", "S", &RunConfig::max_cycle_interval_seconds, 0.01,
             600, "run a cycle at least this often, in seconds"),
      Int("bindConcurrency", "bind-concurrency", "N", &RunConfig::bind_concurrency, 1, 1024,
          "binds (and task pod writes) in flight at once"),
      Double("clientQPS", "client-qps", "Q", &RunConfig::client_qps, 0, 100000,
             "API requests per second, 0 for no limit"),
      Int("clientBurst", "client-burst", "N", &RunConfig::client_burst, 1, 100000,
          "API requests allowed at once above the rate"),
      Double("statusWritesPerSecond", "status-qps", "Q", &RunConfig::status_writes_per_second, 0.1,
             10000, "pod status and Event writes per second"),
      Int("statusBurst", "status-burst", "N", &RunConfig::status_burst, 1, 100000,
          "status and Event writes allowed at once above the rate"),
      Double("taskRetryBackoffSeconds", "task-backoff", "S", &RunConfig::task_retry_backoff_seconds,
             0, 300,
             "first relaunch delay of a failed OnFailure task, doubled per retry up to 300 s (also "
             "the delay before a requeued gang's task pods are re-created, doubled per requeue)"),
      Int("maxFrameworkInstances", "max-framework-instances", "N",
          &RunConfig::max_framework_instances, 1, kube::kMaxFrameworkInstances,
          "task instances one Framework may ask for in total; a Framework asking for more "
          "launches nothing and gets TasksLaunched=False, reason TooManyInstances, and one Event"),
      Text("preemption", "preemption", "on|off",
           "preemption (default on): a ResourceGroup takes its lent guarantee back, and a "
           "higher-priority pod preempts lower-priority pods of its group, by evicting the "
           "fewest victims that let it fit; off: nothing is ever evicted",
           Either(&RunConfig::preemption, "on", "off")),
      Text("evictionMode", "eviction-mode", "EvictionAPI|Delete",
           "how victims are evicted: the Eviction API (default: the API server enforces "
           "PodDisruptionBudgets; a refusal cancels the plan and the engine plans again) or "
           "DELETE (PodDisruptionBudgets are not consulted)",
           [](RunConfig& c, const std::string& v) -> std::string {
             if (v != "EvictionAPI" && v != "Delete") return "want EvictionAPI or Delete";
             c.eviction_delete = v == "Delete";
             return "";
           }),
      Int("maxEvictionsInFlight", "max-evictions-in-flight", "N",
          &RunConfig::max_evictions_in_flight, 1, 4096,
          "victims chosen and not gone yet, in all plans at any time: later plans wait for "
          "earlier victims to leave"),
      Double("nominationSlackSeconds", "nomination-slack-seconds", "S",
             &RunConfig::nomination_slack_seconds, 0, 3600,
             "a preemptor's nomination (status.nominatedNodeName: the freed capacity is held for "
             "it) lasts its victims' longest termination grace period plus this; then it ends "
             "and the engine plans again"),
      Text("logLevel", "log-level", "L", "debug|info|warn|error (default info)",
           [](RunConfig& c, const std::string& v) -> std::string {
             log::Level level;
             if (!log::ParseLevel(v, level)) return "want debug, info, warn or error";
             c.log_level = v;
             return "";
           }),
      Text("metricsAddress", "metrics-address", "A",
           "where /metrics, /healthz and /readyz listen, host:port (default 0.0.0.0:8080: all "
           "interfaces, as Prometheus scrapes the pod IP; restrict with a NetworkPolicy or a "
           "host such as 127.0.0.1)",
           NonEmpty(&RunConfig::metrics_address)),
      Text("probeAddress", "probe-address", "A",
           "where /healthz and /readyz also listen, on threads of their own that /metrics "
           "clients cannot take (default: the metrics host and port + 1, e.g. 0.0.0.0:8081)",
           NonEmpty(&RunConfig::probe_address)),
      Text("allowInsecureToken", "allow-insecure-token", "",
           "send the bearer token even to an http:// API server (refused otherwise: anyone on "
           "the path could read and reuse it)",
           Either(&RunConfig::allow_insecure_token, "true", "false")),
      Text("contentType", "content-type", "protobuf|json",
           "the encoding of lists, watches and bindings: protobuf (default; cheaper for the API "
           "server and kubemesos) for the built-in kinds, JSON for custom resources, which the "
           "API server serves only in JSON; or json for everything",
           Either(&RunConfig::protobuf, "protobuf", "json")),
      Text("registry", "registry", "etcd|kubernetes|none",
           "where the registry and the leader lease live (default: etcd when --etcd-endpoints "
           "is set, else none: this replica is always the leader and records nothing, so run "
           "only one)",
           [](RunConfig& c, const std::string& v) -> std::string {
             if (v != "etcd" && v != "kubernetes" && v != "none")
               return "want etcd, kubernetes or none";
             c.registry = v;
             return "";
           }),
      Text("registryNamespace", "registry-namespace", "NS",
           "kubernetes backend: namespace of its Lease and ConfigMaps (default $POD_NAMESPACE, "
           "then the service account's namespace, then default)",
           NonEmpty(&RunConfig::registry_namespace)),
      Text("registryName", "registry-name", "NAME",
           "kubernetes backend: ConfigMaps NAME-<i> (default kubemesos-registry)",
           NonEmpty(&RunConfig::registry_name)),
      Int("registryShards", "registry-shards", "N", &RunConfig::registry_shards, 1, 256,
          "kubernetes backend: ConfigMaps NAME-0..N-1"),
      Text("leaseName", "lease-name", "NAME",
           "kubernetes backend: the leader Lease (default kubemesos)",
           NonEmpty(&RunConfig::lease_name)),
      Text("etcdEndpoints", "etcd-endpoints", "URLS",
           "etcd for the registry and leader election (comma-separated http(s):// URLs)",
           Any(&RunConfig::etcd_endpoints)),
      Text("etcdPrefix", "etcd-prefix", "P", "key prefix in etcd (default /kubemesos/)",
           NonEmpty(&RunConfig::etcd_prefix)),
      Text("etcdCAFile", "etcd-ca-file", "F",
           "TLS to etcd: the CA that signed etcd's certificate (then only it is trusted)",
           Any(&RunConfig::etcd_ca_file)),
      Text("etcdCertFile", "etcd-cert-file", "F", "TLS to etcd: client certificate",
           Any(&RunConfig::etcd_cert_file)),
      Text("etcdKeyFile", "etcd-key-file", "F", "TLS to etcd: client key",
           Any(&RunConfig::etcd_key_file)),
      Text("identity", "identity", "NAME", "this replica in the election (default hostname-pid)",
           NonEmpty(&RunConfig::identity)),
      Int("leaseSeconds", "lease-seconds", "S", &RunConfig::lease_seconds, 5, 3600,
          "leader lease TTL in seconds"),
  };
  return settings;
}

const Setting* FindByKey(const std::string& key) {
  for (const Setting& s : Settings()) {
    if (key == s.key) return &s;
  }
  return nullptr;
}

const Setting* FindByFlag(const std::string& flag) {
  for (const Setting& s : Settings()) {
    if (flag == s.flag) return &s;
  }
  return nullptr;
}

// "host:port" with port + 1 (0 stays 0: an ephemeral port too), or "" when `metrics` has no
// numeric port below 65535.
std::string ProbeAddressFor(const std::string& metrics) {
  size_t colon = metrics.rfind(':');
  std::string host = colon == std::string::npos ? "" : metrics.substr(0, colon + 1);
  std::string port_text = colon == std::string::npos ? metrics : metrics.substr(colon + 1);
  int port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port < 0 ||
      port >= 65535) {
    return "";
  }
  return host + std::to_string(port == 0 ? 0 : port + 1);
}

// Checks between settings, after the file and the flags.
bool CheckTogether(RunConfig& config, std::string& error) {
  if (config.min_cycle_interval_seconds > config.max_cycle_interval_seconds) {
    error = "--min-interval (" + FormatNumber(config.min_cycle_interval_seconds) +
            ") must not exceed --max-interval (" + FormatNumber(config.max_cycle_interval_seconds) +
            ")";
    return false;
  }
  if (config.probe_address.empty()) {
    config.probe_address = ProbeAddressFor(config.metrics_address);
    if (config.probe_address.empty()) {
      error = "--probe-address: cannot derive it from --metrics-address " +
              Quoted(config.metrics_address) + " (port + 1); set it";
      return false;
    }
  }
  return true;
}

// Appends `text` wrapped at 96 columns, continuation lines indented by `indent`; kGlue is a
// space that does not break.
void AppendWrapped(std::string& out, size_t column, size_t indent, const std::string& text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t space = text.find(' ', start);
    std::string word =
        text.substr(start, space == std::string::npos ? std::string::npos : space - start);
    start = space == std::string::npos ? text.size() : space + 1;
    if (column > indent && column + 1 + word.size() > 96) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
    } else if (column > indent) {
      out += " ";
      ++column;
    }
    for (char& c : word) {
      if (c == kGlue) c = ' ';
    }
    out += word;
    column += word.size();
  }
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
    const Setting* setting = FindByKey(key);
    if (setting == nullptr) {
      error = path + ": unknown setting " + Quoted(key);
      return false;
    }
    if (!entry.second.IsScalar() && !entry.second.IsNull()) {
      error = path + ": " + key + ": invalid value (want a single value)";
      return false;
    }
    std::string value = entry.second.IsNull() ? "" : entry.second.as<std::string>();
    if (std::string why = Apply(*setting, config, value); !why.empty()) {
      error = path + ": " + key + ": " + why;
      return false;
    }
  }
  return true;
}

bool ParseRunFlags(const std::vector<std::string>& args, RunConfig& config, std::string& error) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string path;
    if (args[i] == "--config" && i + 1 < args.size()) {
      path = args[i + 1];
    } else if (args[i].rfind("--config=", 0) == 0) {
      path = args[i].substr(9);
    } else {
      continue;
    }
    if (!LoadConfigFile(path, config, error)) return false;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    if (flag.rfind("--", 0) != 0) {
      error = "unexpected argument " + Quoted(flag);
      return false;
    }
    flag = flag.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    if (flag == "config") {
      if (!has_value && ++i >= args.size()) {
        error = "--config needs a value";
        return false;
      }
      continue;
    }
    const Setting* setting = FindByFlag(flag);
    if (setting == nullptr) {
      error = "unknown flag --" + flag;
      return false;
    }
    if (!has_value) {
      if (*setting->metavar == '\0') {
        value = "true";  // a boolean flag given alone
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        error = "--" + flag + " needs a value";
        return false;
      }
    }
    if (std::string why = Apply(*setting, config, value); !why.empty()) {
      error = "--" + flag + ": " + why;
      return false;
    }
  }
  return CheckTogether(config, error);
}

std::string RunUsage() {
  std::string out = R"(usage: kubemesos run [--kubeconfig FILE] [--config FILE] [flags]

Watches Nodes, Pods, ResourceGroups and Frameworks through the Kubernetes API and binds
pods with spec.schedulerName "kubemesos" to nodes with the DRF engine.

flags (each also a key of the YAML config file, in camelCase; numbers must lie in the
range shown):
  --config FILE            YAML settings; keys:)";
  size_t column = out.size() - out.rfind('\n') - 1;
  std::string keys;
  for (const Setting& s : Settings()) keys += std::string(keys.empty() ? "" : ", ") + s.key;
  AppendWrapped(out, column, 27, keys);
  out += "\n";
  const RunConfig defaults;
  for (const Setting& s : Settings()) {
    std::string head = std::string("  --") + s.flag;
    if (*s.metavar != '\0') head += std::string(" ") + s.metavar;
    out += head;
    if (head.size() + 2 > 27) {
      out += "\n" + std::string(27, ' ');
    } else {
      out += std::string(27 - head.size(), ' ');
    }
    std::string help = s.help;
    if (s.int_field != nullptr || s.double_field != nullptr) {
      double d = s.int_field != nullptr ? defaults.*s.int_field : defaults.*s.double_field;
      // One unbreakable piece, so the range is found on one line.
      std::string suffix = "(default " + FormatNumber(d) + "; allowed " + RangeText(s) + ")";
      for (char& ch : suffix) {
        if (ch == ' ') ch = kGlue;
      }
      help += " " + suffix;
    }
    AppendWrapped(out, 27, 27, help);
    out += "\n";
  }
  return out;
}

AllocatorOptions AllocatorOptionsOf(const RunConfig& config) {
  AllocatorOptions options;
  options.policy = config.policy;
  options.preemption.enabled = config.preemption;
  options.preemption.max_evictions_in_flight = config.max_evictions_in_flight;
  options.preemption.nomination_slack_seconds = config.nomination_slack_seconds;
  return options;
}

}  // namespace kubemesos::run
