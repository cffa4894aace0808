// Loads KubeConfig from kubeconfig files (yaml-cpp) or the in-cluster service account, and
// re-reads rotating token files. See kubeconfig.h for the contract.
#include "operator/client/kubeconfig.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace kubemesos::client {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> StdGetenv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::optional<std::string> Env(const KubeConfigOptions& o, const std::string& name) {
  auto v = o.getenv ? o.getenv(name) : StdGetenv(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

// Reads a whole file or throws `what: cannot read PATH: reason`.
std::string ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    std::string reason = fs::exists(path, ec) ? "permission denied or not a file" : "no such file";
    throw KubeConfigError(what + ": cannot read " + path + ": " + reason);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Base64Decode(const std::string& in, const std::string& what) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, acc = 0;
  for (char c : in) {
    if (c == '=' || c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    int v = val(c);
    if (v < 0) throw KubeConfigError(what + ": invalid base64");
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// A named entry of a kubeconfig list (clusters/users/contexts) and the folder of its file.
struct Entry {
  YAML::Node node;
  std::string dir;
  std::string file;
};

struct Merged {
  std::map<std::string, Entry> clusters, users, contexts;
  std::string current_context;
  std::vector<std::string> files;
};

void MergeList(const YAML::Node& list, const char* key, const std::string& file,
               std::map<std::string, Entry>& into) {
  if (!list) return;
  if (!list.IsSequence())
    throw KubeConfigError("kubeconfig " + file + ": " + key + "s: not a list");
  for (const auto& item : list) {
    std::string name = item["name"] ? item["name"].as<std::string>() : "";
    if (name.empty())
      throw KubeConfigError("kubeconfig " + file + ": " + key + "s: entry without name");
    into.try_emplace(name, Entry{item[key], fs::path(file).parent_path().string(), file});
  }
}

std::string Str(const YAML::Node& n, const char* key) {
  if (!n || !n[key] || n[key].IsNull()) return "";
  return n[key].as<std::string>();
}

std::string Resolve(const std::string& path, const std::string& dir) {
  if (path.empty() || fs::path(path).is_absolute() || dir.empty()) return path;
  return (fs::path(dir) / path).string();
}

// Reads `<field>-data` (base64) or `<field>` (a file path); "" when neither is set.
std::string DataOrFile(const Entry& e, const std::string& field, const std::string& what) {
  std::string data = Str(e.node, (field + "-data").c_str());
  if (!data.empty()) return Base64Decode(data, what + ": " + field + "-data");
  std::string path = Str(e.node, field.c_str());
  if (path.empty()) return "";
  return ReadFile(Resolve(path, e.dir), what + ": " + field);
}

}  // namespace

std::string KubeConfig::Describe() const {
  if (context.empty()) return server + " (" + source + ")";
  return "context \"" + context + "\" (cluster \"" + cluster + "\", user \"" + user + "\", " +
         server + ") from " + source;
}

KubeConfig LoadKubeConfigFiles(const std::string& paths, const std::string& context) {
  Merged m;
  std::stringstream ss(paths);
  std::string file;
  while (std::getline(ss, file, ':')) {
    if (file.empty()) continue;
    std::string text = ReadFile(file, "kubeconfig");
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      throw KubeConfigError("kubeconfig " + file + ": invalid YAML: " + e.what());
    }
    m.files.push_back(file);
    if (!root || root.IsNull()) continue;
    if (!root.IsMap()) throw KubeConfigError("kubeconfig " + file + ": not a YAML mapping");
    try {
      MergeList(root["clusters"], "cluster", file, m.clusters);
      MergeList(root["users"], "user", file, m.users);
      MergeList(root["contexts"], "context", file, m.contexts);
      if (m.current_context.empty()) m.current_context = Str(root, "current-context");
    } catch (const YAML::Exception& e) {
      throw KubeConfigError("kubeconfig " + file + ": " + e.what());
    }
  }
  if (m.files.empty()) throw KubeConfigError("kubeconfig: no file given");
  std::string source = "kubeconfig " + m.files.front();
  for (size_t i = 1; i < m.files.size(); ++i) source += ":" + m.files[i];

  KubeConfig c;
  c.source = source;
  c.context = context.empty() ? m.current_context : context;
  if (c.context.empty())
    throw KubeConfigError(source + ": no current-context set and no --context given");
  auto ctx = m.contexts.find(c.context);
  if (ctx == m.contexts.end())
    throw KubeConfigError(source + ": context \"" + c.context + "\" not found");
  const std::string where = source + ": context \"" + c.context + "\"";
  try {
    c.cluster = Str(ctx->second.node, "cluster");
    c.user = Str(ctx->second.node, "user");
    if (c.cluster.empty()) throw KubeConfigError(where + ": no cluster set");
    auto cl = m.clusters.find(c.cluster);
    if (cl == m.clusters.end())
      throw KubeConfigError(where + ": cluster \"" + c.cluster + "\" not found");
    const std::string cwhere = where + ": cluster \"" + c.cluster + "\"";
    c.server = Str(cl->second.node, "server");
    if (c.server.empty()) throw KubeConfigError(cwhere + ": no server set");
    while (!c.server.empty() && c.server.back() == '/') c.server.pop_back();
    if (c.server.rfind("https://", 0) != 0 && c.server.rfind("http://", 0) != 0)
      throw KubeConfigError(cwhere + ": server \"" + c.server + "\" is not an http(s) URL");
    c.ca_pem = DataOrFile(cl->second, "certificate-authority", cwhere);
    c.tls_server_name = Str(cl->second.node, "tls-server-name");
    if (cl->second.node && cl->second.node["insecure-skip-tls-verify"])
      c.insecure_skip_tls_verify = cl->second.node["insecure-skip-tls-verify"].as<bool>();

    if (!c.user.empty()) {
      auto us = m.users.find(c.user);
      if (us == m.users.end()) throw KubeConfigError(where + ": user \"" + c.user + "\" not found");
      const std::string uwhere = where + ": user \"" + c.user + "\"";
      const YAML::Node& u = us->second.node;
      if (u && u["exec"])
        throw KubeConfigError(uwhere +
                              ": exec credential plugins are not supported; use a token, a "
                              "tokenFile or a client certificate");
      if (u && u["auth-provider"])
        throw KubeConfigError(uwhere +
                              ": auth-provider plugins are not supported; use a token, a tokenFile "
                              "or a client certificate");
      c.token = Str(u, "token");
      std::string token_file = Str(u, "tokenFile");
      if (c.token.empty() && !token_file.empty()) {
        c.token_file = Resolve(token_file, us->second.dir);
        ReadFile(c.token_file, uwhere + ": tokenFile");  // fail early when unreadable
      }
      c.client_cert_pem = DataOrFile(us->second, "client-certificate", uwhere);
      c.client_key_pem = DataOrFile(us->second, "client-key", uwhere);
      if (c.client_cert_pem.empty() != c.client_key_pem.empty())
        throw KubeConfigError(uwhere + ": client-certificate and client-key must be set together");
    }
  } catch (const YAML::Exception& e) {
    throw KubeConfigError(where + ": " + e.what());
  }
  return c;
}

KubeConfig LoadInClusterConfig(const KubeConfigOptions& o) {
  auto host = Env(o, "KUBERNETES_SERVICE_HOST");
  auto port = Env(o, "KUBERNETES_SERVICE_PORT");
  if (!host || !port)
    throw KubeConfigError(
        "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (not running "
        "in a pod?)");
  KubeConfig c;
  c.source = "in-cluster service account " + o.service_account_dir;
  std::string h = *host;
  if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";  // IPv6
  c.server = "https://" + h + ":" + *port;
  c.token_file = (fs::path(o.service_account_dir) / "token").string();
  ReadFile(c.token_file, "in-cluster service account token");
  c.ca_pem = ReadFile((fs::path(o.service_account_dir) / "ca.crt").string(),
                      "in-cluster service account CA");
  return c;
}

KubeConfig LoadKubeConfig(const KubeConfigOptions& o) {
  if (!o.kubeconfig_path.empty()) return LoadKubeConfigFiles(o.kubeconfig_path, o.context);
  if (auto env = Env(o, "KUBECONFIG")) return LoadKubeConfigFiles(*env, o.context);
  if (Env(o, "KUBERNETES_SERVICE_HOST")) return LoadInClusterConfig(o);
  if (auto home = Env(o, "HOME")) {
    std::string path = (fs::path(*home) / ".kube" / "config").string();
    std::error_code ec;
    if (fs::exists(path, ec)) return LoadKubeConfigFiles(path, o.context);
  }
  throw KubeConfigError(
      "no Kubernetes configuration found: tried --kubeconfig, $KUBECONFIG, the in-cluster "
      "service account (KUBERNETES_SERVICE_HOST unset) and ~/.kube/config");
}

TokenSource::TokenSource(std::string token, std::string token_file,
                         std::chrono::steady_clock::duration reload_period)
    : token_(std::move(token)), file_(std::move(token_file)), period_(reload_period) {}

std::string TokenSource::Token() {
  std::lock_guard<std::mutex> lock(mu_);
  if (file_.empty()) return token_;
  auto now = std::chrono::steady_clock::now();
  if (!ever_read_ || now >= next_read_) {
    next_read_ = now + period_;
    try {
      std::string t = ReadFile(file_, "bearer token file");
      while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
      if (!t.empty()) {
        token_ = std::move(t);
        ever_read_ = true;
      }
    } catch (const KubeConfigError&) {
      if (!ever_read_) throw;
    }
    if (!ever_read_) throw KubeConfigError("bearer token file " + file_ + " is empty");
  }
  return token_;
}

}  // namespace kubemesos::client
