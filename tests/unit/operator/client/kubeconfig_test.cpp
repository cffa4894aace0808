// Tests of kubeconfig loading (files, merging, in-cluster, resolution order) and TokenSource,
// table-driven over kubeconfig texts written to a temporary folder.
#include "operator/client/kubeconfig.h"

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

namespace kubemesos::client {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("kubeconfig_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return (path_ / name).string();
  }
  std::string Path(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

// base64 of "CA-PEM", "CERT-PEM", "KEY-PEM".
constexpr const char* kCaB64 = "Q0EtUEVN";
constexpr const char* kCertB64 = "Q0VSVC1QRU0=";
constexpr const char* kKeyB64 = "S0VZLVBFTQ==";

std::string Config(const std::string& cluster, const std::string& user,
                   const std::string& current = "dev") {
  return "apiVersion: v1\nkind: Config\ncurrent-context: " + current +
         "\ncontexts:\n- name: dev\n  context: {cluster: c1, user: u1}\n"
         "- name: other\n  context: {cluster: c2, user: u2}\n"
         "clusters:\n- name: c1\n  cluster:\n" +
         cluster +
         "- name: c2\n  cluster: {server: 'https://other:6443'}\n"
         "users:\n- name: u1\n  user:\n" +
         user + "- name: u2\n  user: {token: other-token}\n";
}

struct Case {
  std::string name;
  std::string cluster;  // indented YAML under clusters[c1].cluster
  std::string user;     // indented YAML under users[u1].user
  std::string context;  // --context
  std::string error;    // expected substring of the error; empty = success
  std::function<void(const KubeConfig&)> check;
};

TEST(KubeConfigTest, Table) {
  const std::vector<Case> cases = {
      {"token and CA file relative to the kubeconfig",
       "    server: https://10.0.0.1:6443/\n    certificate-authority: ca.crt\n",
       "    token: abc\n", "", "",
       [](const KubeConfig& c) {
         EXPECT_EQ(c.server, "https://10.0.0.1:6443");
         EXPECT_EQ(c.ca_pem, "CA FROM FILE");
         EXPECT_EQ(c.token, "abc");
         EXPECT_EQ(c.context, "dev");
         EXPECT_EQ(c.cluster, "c1");
         EXPECT_EQ(c.user, "u1");
         EXPECT_FALSE(c.insecure_skip_tls_verify);
       }},
      {"inline data",
       std::string("    server: https://h:1\n    certificate-authority-data: ") + kCaB64 + "\n",
       std::string("    client-certificate-data: ") + kCertB64 +
           "\n    client-key-data: " + kKeyB64 + "\n",
       "", "",
       [](const KubeConfig& c) {
         EXPECT_EQ(c.ca_pem, "CA-PEM");
         EXPECT_EQ(c.client_cert_pem, "CERT-PEM");
         EXPECT_EQ(c.client_key_pem, "KEY-PEM");
         EXPECT_TRUE(c.token.empty());
       }},
      {"client certificate files", "    server: https://h:1\n",
       "    client-certificate: cert.pem\n    client-key: key.pem\n", "", "",
       [](const KubeConfig& c) {
         EXPECT_EQ(c.client_cert_pem, "CERT FROM FILE");
         EXPECT_EQ(c.client_key_pem, "KEY FROM FILE");
       }},
      {"token file", "    server: https://h:1\n", "    tokenFile: token\n", "", "",
       [](const KubeConfig& c) { EXPECT_TRUE(c.token_file.ends_with("/token")); }},
      {"insecure and server name",
       "    server: https://h:1\n    insecure-skip-tls-verify: true\n    tls-server-name: api\n",
       "    token: t\n", "", "",
       [](const KubeConfig& c) {
         EXPECT_TRUE(c.insecure_skip_tls_verify);
         EXPECT_EQ(c.tls_server_name, "api");
       }},
      {"context override", "    server: https://h:1\n", "    token: t\n", "other", "",
       [](const KubeConfig& c) {
         EXPECT_EQ(c.server, "https://other:6443");
         EXPECT_EQ(c.token, "other-token");
         EXPECT_NE(c.Describe().find("context \"other\""), std::string::npos);
       }},
      {"missing context", "    server: https://h:1\n", "    token: t\n", "nope",
       "context \"nope\" not found", nullptr},
      {"missing CA file", "    server: https://h:1\n    certificate-authority: missing.crt\n",
       "    token: t\n", "", "certificate-authority: cannot read", nullptr},
      {"missing token file", "    server: https://h:1\n", "    tokenFile: missing\n", "",
       "user \"u1\": tokenFile: cannot read", nullptr},
      {"no server", "    insecure-skip-tls-verify: true\n", "    token: t\n", "",
       "cluster \"c1\": no server set", nullptr},
      {"not a URL", "    server: h:1\n", "    token: t\n", "", "is not an http(s) URL", nullptr},
      {"exec plugin", "    server: https://h:1\n", "    exec: {command: aws}\n", "",
       "exec credential plugins are not supported", nullptr},
      {"certificate without key", "    server: https://h:1\n", "    client-certificate: cert.pem\n",
       "", "must be set together", nullptr},
      {"bad base64", "    server: https://h:1\n    certificate-authority-data: '***'\n",
       "    token: t\n", "", "invalid base64", nullptr},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.name);
    TempDir dir;
    dir.Write("ca.crt", "CA FROM FILE");
    dir.Write("cert.pem", "CERT FROM FILE");
    dir.Write("key.pem", "KEY FROM FILE");
    dir.Write("token", "tok\n");
    std::string path = dir.Write("config", Config(tc.cluster, tc.user));
    try {
      KubeConfig c = LoadKubeConfigFiles(path, tc.context);
      EXPECT_TRUE(tc.error.empty()) << "expected error " << tc.error;
      if (tc.check) tc.check(c);
    } catch (const KubeConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(tc.error), std::string::npos) << e.what();
      EXPECT_FALSE(tc.error.empty()) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << "names the file";
    }
  }
}

TEST(KubeConfigTest, MissingClusterAndUserAreNamed) {
  TempDir dir;
  std::string path = dir.Write("config",
                               "current-context: a\ncontexts:\n- name: a\n  context: {cluster: "
                               "gone, user: u}\n- name: b\n  context: {cluster: c, user: nobody}\n"
                               "clusters:\n- name: c\n  cluster: {server: 'https://h'}\n");
  EXPECT_THROW(
      {
        try {
          LoadKubeConfigFiles(path);
        } catch (const KubeConfigError& e) {
          EXPECT_NE(std::string(e.what()).find("cluster \"gone\" not found"), std::string::npos);
          throw;
        }
      },
      KubeConfigError);
  try {
    LoadKubeConfigFiles(path, "b");
    ADD_FAILURE();
  } catch (const KubeConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("user \"nobody\" not found"), std::string::npos);
  }
}

TEST(KubeConfigTest, InvalidYamlAndMissingFile) {
  TempDir dir;
  std::string bad = dir.Write("bad", "clusters: [unterminated\n");
  EXPECT_THROW(LoadKubeConfigFiles(bad), KubeConfigError);
  try {
    LoadKubeConfigFiles(dir.Path("absent"));
    ADD_FAILURE();
  } catch (const KubeConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos) << e.what();
  }
}

TEST(KubeConfigTest, MergesListsFirstDefinitionWins) {
  TempDir dir;
  std::string a =
      dir.Write("a",
                "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, "
                "user: u}\nclusters:\n- name: c\n  cluster: {server: 'https://first'}\n");
  std::string b = dir.Write("b",
                            "current-context: y\nclusters:\n- name: c\n  cluster: {server: "
                            "'https://second'}\nusers:\n- name: u\n  user: {token: from-b}\n");
  KubeConfig c = LoadKubeConfigFiles(a + ":" + b);
  EXPECT_EQ(c.context, "x");
  EXPECT_EQ(c.server, "https://first");
  EXPECT_EQ(c.token, "from-b");
}

struct FakeEnv {
  std::map<std::string, std::string> vars;
  std::function<std::optional<std::string>(const std::string&)> Fn() {
    return [this](const std::string& k) -> std::optional<std::string> {
      auto it = vars.find(k);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

TEST(KubeConfigTest, InCluster) {
  TempDir dir;
  dir.Write("token", "sa-token\n");
  dir.Write("ca.crt", "SA CA");
  FakeEnv env;
  KubeConfigOptions o;
  o.getenv = env.Fn();
  o.service_account_dir = dir.Path("");
  EXPECT_THROW(LoadInClusterConfig(o), KubeConfigError);
  env.vars = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}};
  KubeConfig c = LoadKubeConfig(o);
  EXPECT_EQ(c.server, "https://10.96.0.1:443");
  EXPECT_EQ(c.ca_pem, "SA CA");
  EXPECT_EQ(c.token_file, dir.Path("token"));
  EXPECT_EQ(TokenSource(c.token, c.token_file).Token(), "sa-token");
  env.vars["KUBERNETES_SERVICE_HOST"] = "fd00::1";
  EXPECT_EQ(LoadInClusterConfig(o).server, "https://[fd00::1]:443");
}

TEST(KubeConfigTest, ResolutionOrder) {
  TempDir dir;
  auto one = [](const std::string& server) {
    return "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- "
           "name: c\n  cluster: {server: '" +
           server + "'}\n";
  };
  std::string flag = dir.Write("flag", one("https://flag"));
  std::string envfile = dir.Write("env", one("https://env"));
  fs::create_directories(dir.Path("home/.kube"));
  dir.Write("home/.kube/config", one("https://home"));
  dir.Write("token", "t");
  dir.Write("ca.crt", "ca");
  FakeEnv env;
  KubeConfigOptions o;
  o.getenv = env.Fn();
  o.service_account_dir = dir.Path("");
  try {
    LoadKubeConfig(o);
    ADD_FAILURE();
  } catch (const KubeConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("~/.kube/config"), std::string::npos);
  }
  env.vars["HOME"] = dir.Path("home");
  EXPECT_EQ(LoadKubeConfig(o).server, "https://home");
  env.vars["KUBERNETES_SERVICE_HOST"] = "10.0.0.1";
  env.vars["KUBERNETES_SERVICE_PORT"] = "443";
  EXPECT_EQ(LoadKubeConfig(o).server, "https://10.0.0.1:443");
  env.vars["KUBECONFIG"] = envfile;
  EXPECT_EQ(LoadKubeConfig(o).server, "https://env");
  o.kubeconfig_path = flag;
  EXPECT_EQ(LoadKubeConfig(o).server, "https://flag");
}

TEST(TokenSourceTest, RereadsRotatedTokenAndKeepsLastGood) {
  TempDir dir;
  std::string path = dir.Write("token", "one\n");
  TokenSource rotating("", path, std::chrono::seconds(0));
  EXPECT_EQ(rotating.Token(), "one");
  dir.Write("token", "two");
  EXPECT_EQ(rotating.Token(), "two");
  fs::remove(path);
  EXPECT_EQ(rotating.Token(), "two");  // a failed re-read keeps the last good token

  TokenSource cached("", dir.Write("token2", "first"), std::chrono::hours(1));
  EXPECT_EQ(cached.Token(), "first");
  dir.Write("token2", "second");
  EXPECT_EQ(cached.Token(), "first");  // not re-read before the period

  EXPECT_EQ(TokenSource("static", "").Token(), "static");
  EXPECT_THROW(TokenSource("", dir.Path("absent")).Token(), KubeConfigError);
}

}  // namespace
}  // namespace kubemesos::client
