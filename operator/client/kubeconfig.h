// Where kubemesos finds the API server and its credentials: a kubeconfig file (--kubeconfig,
// $KUBECONFIG, ~/.kube/config) or the in-cluster service account. No HTTP here: the result is
// plain data that MakeRestClient (rest_client.h) turns into a connection.
//
// Contract:
// - Loading reads files once and returns a self-contained KubeConfig: certificate and key
//   files are read into PEM strings, relative paths resolve against the kubeconfig file's
//   folder. Only a token file stays a path (TokenSource re-reads it: projected service-account
//   tokens rotate).
// - Errors throw KubeConfigError with a message naming the file, the context/cluster/user and
//   the field, e.g. `kubeconfig /x/config: context "dev": user "bob" not found`.
// - Supported authentication: bearer token (token, tokenFile), client certificate
//   (client-certificate[-data] + client-key[-data]). exec and auth-provider plugins are refused
//   with a clear error. Thread-safe: the functions are pure apart from file and env reads.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

namespace kubemesos::client {

class KubeConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct KubeConfig {
  std::string server;           // "https://10.0.0.1:6443" (no trailing slash)
  std::string ca_pem;           // PEM bundle: the only CAs trusted; empty = the system roots
  std::string client_cert_pem;  // PEM client certificate (chain); empty = none
  std::string client_key_pem;   // PEM private key matching client_cert_pem
  std::string token;            // static bearer token; empty = none
  std::string token_file;       // bearer token file, re-read periodically; empty = none
  std::string tls_server_name;  // overrides the name checked in the server certificate
  bool insecure_skip_tls_verify = false;

  // Where this came from, for messages: "kubeconfig /home/u/.kube/config" or "in-cluster".
  std::string source;
  std::string context;  // names of the kubeconfig entries used (empty in-cluster)
  std::string cluster;
  std::string user;

  // "context dev (cluster kind, user admin) from kubeconfig /x" — for logs and errors.
  std::string Describe() const;
};

// Where to look. Empty fields fall back to the process environment.
struct KubeConfigOptions {
  std::string kubeconfig_path;  // --kubeconfig; may be a ':'-separated list like $KUBECONFIG
  std::string context;          // --context override; empty = current-context
  // Environment lookup (tests replace it); default std::getenv.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // Folder of the in-cluster service account (tests replace it).
  std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
};

// The resolution order: options.kubeconfig_path, then $KUBECONFIG, then in-cluster (when
// KUBERNETES_SERVICE_HOST is set), then ~/.kube/config. Throws KubeConfigError, naming every
// place tried when nothing is found.
KubeConfig LoadKubeConfig(const KubeConfigOptions& options = {});

// One kubeconfig source: `paths` is one path or a ':'-separated list merged like kubectl does
// (the first file that defines a name or current-context wins).
KubeConfig LoadKubeConfigFiles(const std::string& paths, const std::string& context = "");

// The in-cluster service account: token file, ca.crt, KUBERNETES_SERVICE_HOST/PORT.
KubeConfig LoadInClusterConfig(const KubeConfigOptions& options = {});

// The bearer token for requests: a static token, or a token file re-read when older than
// `reload_period` (a failed re-read keeps the last good token and retries next period).
// Thread-safe.
class TokenSource {
 public:
  TokenSource(std::string token, std::string token_file,
              std::chrono::steady_clock::duration reload_period = std::chrono::minutes(1));

  // The current token ("" when neither a token nor a token file is configured). Throws
  // KubeConfigError only when the token file has never been readable.
  std::string Token();

 private:
  std::mutex mu_;
  std::string token_;
  const std::string file_;
  const std::chrono::steady_clock::duration period_;
  std::chrono::steady_clock::time_point next_read_{};
  bool ever_read_ = false;
};

}  // namespace kubemesos::client
