// `kubemesos registry dump|get KEY`: look inside the registry for debugging, with the same
// connection settings as `run` (flags or --config; --registry etcd|kubernetes).
#include <nlohmann/json.hpp>

#include "operator/client/kubeconfig.h"
#include "operator/client/rest_client.h"
#include "operator/cmd/commands.h"
#include "operator/registry/registry.h"
#include "operator/run/config.h"
#include "operator/run/registry_setup.h"
#include "operator/util/text.h"

namespace kubemesos::cmd {
namespace {

const char* kUsage = R"(usage: kubemesos registry dump [PREFIX] [connection flags]
       kubemesos registry get KEY [connection flags]

Prints the registry's records as JSON: dump prints every key under PREFIX (default: all) as
one JSON object {key: value, ...}; get prints one value. Keys are relative to the registry's
prefix: leader, frameworks/<ns>/<name>, agents/<node>, tasks/<ns>/<framework>/<pod>,
settings/groups/<group>, preemptions/<ns>/<name> (a preemption plan in flight). A value that
is not JSON is printed as a string (invalid UTF-8 replaced by U+FFFD).

Exit codes: 0 all printed; 1 the registry cannot be read (unreachable, refused, or a malformed
reply), the key is absent (get), or a record is malformed: dump and get still print what
they read and name each malformed record on stderr, one line each; 2 bad usage.

connection flags: those of `kubemesos run` (--config FILE, --registry etcd|kubernetes,
--etcd-endpoints, --etcd-prefix, --etcd-ca-file, --etcd-cert-file, --etcd-key-file,
--kubeconfig, --registry-namespace, --registry-name, --registry-shards); other run flags are
accepted and ignored.
)";

// A value as JSON when it parses within the registry's bounds, else as a string.
nlohmann::json ValueJson(const std::string& value) {
  nlohmann::json j;
  return registry::ParseRecordJson(value, j).empty() ? j : nlohmann::json(value);
}

// What to try when the store could not be reached; nothing when it answered with something
// unusable (a malformed reply is no connection problem).
std::string Hint(const std::string& backend, const std::string& error) {
  if (error.find(registry::kMalformedReply) != std::string::npos) return "";
  return backend == "etcd" ? "(is etcd running and reachable there? with TLS, pass --etcd-ca-file, "
                             "--etcd-cert-file and --etcd-key-file)\n"
                           : "(can this identity get and list configmaps in that namespace?)\n";
}

// Store errors and record problems carry server and stored text: printable, one line.
std::string Line(const std::string& text) {
  std::string out = util::SanitizeUtf8(text, 2000);
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

// A record problem ("registry: KEY: what") as one line without its "registry: ".
std::string Unprefixed(const std::string& problem) {
  std::string_view p = problem;
  if (p.rfind("registry: ", 0) == 0) p.remove_prefix(10);
  return Line(std::string(p));
}

int RegistryCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    (args.empty() ? err : out) << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string verb = args[0];
  std::string operand;
  size_t first_flag = 1;
  if (args.size() > 1 && args[1].rfind("--", 0) != 0) {
    operand = args[1];
    first_flag = 2;
  }
  if ((verb != "dump" && verb != "get") || (verb == "get" && operand.empty())) {
    err << kUsage;
    return 2;
  }
  run::RunConfig config;
  std::string error;
  if (!run::ParseRunFlags(Args(args.begin() + first_flag, args.end()), config, error)) {
    err << "kubemesos registry: " << error << "\n";
    return 2;
  }
  const std::string backend = run::RegistryBackend(config);
  if (backend == "none") {
    err << "kubemesos registry: no registry configured: pass --etcd-endpoints URLS or "
           "--registry kubernetes (or a --config file that sets them)\n";
    return 2;
  }
  client::InitTransport(2);
  std::unique_ptr<client::KubeClient> kube;
  if (backend == "kubernetes") {
    try {
      client::KubeConfigOptions options;
      options.kubeconfig_path = config.kubeconfig;
      client::RestClientOptions client_options;
      client_options.allow_insecure_token = config.allow_insecure_token;
      kube = client::MakeRestClient(client::LoadKubeConfig(options), client_options);
    } catch (const std::exception& e) {
      err << "kubemesos registry: cannot load the cluster configuration: " << e.what() << "\n";
      return 1;
    }
  }
  struct NoClient : client::KubeClient {  // etcd needs none
    client::HttpResponse Request(std::string_view, const std::string&, const std::string&,
                                 std::string_view, std::string_view) override {
      return {0, "no Kubernetes client", "", "no Kubernetes client"};
    }
    std::unique_ptr<client::WatchStream> Watch(const std::string&, std::string_view) override {
      return nullptr;
    }
  } none;
  auto store = run::MakeRegistryStore(config, kube ? *kube : none, error);
  if (!store) {
    err << "kubemesos registry: " << error << "\n";
    return 1;
  }
  const std::string where =
      backend == "etcd"
          ? "etcd at " + config.etcd_endpoints + " (prefix " + config.etcd_prefix + ")"
          : "ConfigMaps " + config.registry_name + "-* in namespace " +
                run::RegistryNamespace(config);
  if (verb == "get") {
    auto g = store->Get(operand);
    if (!g.ok()) {
      err << "kubemesos registry: cannot read " << where << ": " << Line(g.error) << "\n"
          << Hint(backend, g.error);
      return 1;
    }
    if (!g.malformed.empty()) {
      err << "kubemesos registry: malformed: " << Unprefixed(g.malformed) << "\n";
      return 1;
    }
    if (!g.found) {
      err << "kubemesos registry: " << Line(operand) << ": not found in " << where << "\n";
      return 1;
    }
    out << util::SafeDump(ValueJson(g.kv.value), 2) << "\n";
    if (std::string bad = registry::CheckRecord(g.kv); !bad.empty()) {
      err << "kubemesos registry: malformed: " << Unprefixed(bad) << "\n";
      return 1;
    }
    return 0;
  }
  auto r = store->Range(operand);
  if (!r.ok()) {
    err << "kubemesos registry: cannot read " << where << ": " << Line(r.error) << "\n"
        << Hint(backend, r.error);
    return 1;
  }
  // Everything that was read is printed (the dump is how one looks at a broken registry);
  // each malformed record is also named on stderr, and the exit code says so.
  nlohmann::json all = nlohmann::json::object();
  std::vector<std::string> bad = r.skipped;
  for (const auto& kv : r.kvs) {
    all[kv.key] = ValueJson(kv.value);
    if (std::string problem = registry::CheckRecord(kv); !problem.empty()) bad.push_back(problem);
  }
  out << util::SafeDump(all, 2) << "\n";
  for (const auto& problem : bad)
    err << "kubemesos registry: malformed: " << Unprefixed(problem) << "\n";
  return bad.empty() ? 0 : 1;
}

}  // namespace

int Registry(const Args& args, std::ostream& out, std::ostream& err) {
  try {
    return RegistryCommand(args, out, err);
  } catch (const std::exception& e) {  // a bug, not input: still an error line, not an abort
    err << "kubemesos registry: internal error: " << Line(e.what()) << "\n";
    return 1;
  }
}

}  // namespace kubemesos::cmd
