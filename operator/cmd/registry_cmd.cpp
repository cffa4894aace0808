// `kubemesos registry dump|get KEY`: look inside the registry for debugging, with the same
// connection settings as `run` (flags or --config; --registry etcd|kubernetes).
#include <nlohmann/json.hpp>

#include "operator/client/kubeconfig.h"
#include "operator/client/rest_client.h"
#include "operator/cmd/commands.h"
#include "operator/run/config.h"
#include "operator/run/registry_setup.h"

namespace kubemesos::cmd {
namespace {

const char* kUsage = R"(usage: kubemesos registry dump [PREFIX] [connection flags]
       kubemesos registry get KEY [connection flags]

Prints the registry's records as JSON: dump prints every key under PREFIX (default: all) as
one JSON object {key: value, ...}; get prints one value (exit code 1 if absent). Keys are
relative to the registry's prefix: leader, frameworks/<ns>/<name>, agents/<node>,
tasks/<ns>/<framework>/<pod>, settings/groups/<group>.

connection flags: those of `kubemesos run` (--config FILE, --registry etcd|kubernetes,
--etcd-endpoints, --etcd-prefix, --etcd-ca-file, --etcd-cert-file, --etcd-key-file,
--kubeconfig, --registry-namespace, --registry-name, --registry-shards); other run flags are
accepted and ignored.
)";

// A value as JSON when it parses, else as a string.
nlohmann::json ValueJson(const std::string& value) {
  auto j = nlohmann::json::parse(value, nullptr, false);
  return j.is_discarded() ? nlohmann::json(value) : j;
}

std::string Hint(const std::string& backend) {
  return backend == "etcd" ? "(is etcd running and reachable there? with TLS, pass --etcd-ca-file, "
                             "--etcd-cert-file and --etcd-key-file)\n"
                           : "(can this identity get and list configmaps in that namespace?)\n";
}

}  // namespace

int Registry(const Args& args, std::ostream& out, std::ostream& err) {
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
                                 std::string_view) override {
      return {0, "no Kubernetes client", "", "no Kubernetes client"};
    }
    std::unique_ptr<client::WatchStream> Watch(const std::string&) override { return nullptr; }
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
      err << "kubemesos registry: cannot read " << where << ": " << g.error << "\n"
          << Hint(backend);
      return 1;
    }
    if (!g.found) {
      err << "kubemesos registry: " << operand << ": not found in " << where << "\n";
      return 1;
    }
    out << ValueJson(g.kv.value).dump(2) << "\n";
    return 0;
  }
  auto r = store->Range(operand);
  if (!r.ok()) {
    err << "kubemesos registry: cannot read " << where << ": " << r.error << "\n" << Hint(backend);
    return 1;
  }
  nlohmann::json all = nlohmann::json::object();
  for (const auto& kv : r.kvs) all[kv.key] = ValueJson(kv.value);
  out << all.dump(2) << "\n";
  return 0;
}

}  // namespace kubemesos::cmd
