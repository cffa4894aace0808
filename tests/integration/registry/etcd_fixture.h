// EtcdTest: a fixture that starts a REAL etcd on free loopback ports in a temporary directory
// for each test and stops it at the end (optionally with TLS and client certificates), plus
// small helpers (free ports, polling with a deadline). The binary: $KUBEMESOS_ETCD, else
// hack/tools/build.sh --print-bin-dir; without it the tests are skipped.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "operator/client/rest_client.h"
#include "operator/registry/etcd_client.h"

namespace kubemesos::registry {

using namespace std::chrono_literals;

inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

inline std::string EtcdBinary() {
  if (const char* e = std::getenv("KUBEMESOS_ETCD")) return e;
  std::string cmd = std::string(KUBEMESOS_SOURCE_DIR) + "/hack/tools/build.sh --print-bin-dir";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096] = {0};
  if (p) {
    if (!fgets(buf, sizeof buf, p)) buf[0] = 0;
    pclose(p);
  }
  std::string dir(buf);
  while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
  return dir + "/etcd";
}

inline bool Eventually(const std::function<bool()>& cond, std::chrono::seconds limit = 20s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return cond();
}

class EtcdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client::InitTransport(8);
    std::string bin = EtcdBinary();
    if (!std::filesystem::exists(bin)) GTEST_SKIP() << "no etcd binary at " << bin;
    char tmpl[] = "/tmp/kubemesos-etcd-XXXXXX";
    dir_ = mkdtemp(tmpl);
    port_ = FreePort();
    int peer = FreePort();
    url_ = std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
    std::string peer_url = "http://127.0.0.1:" + std::to_string(peer);
    std::vector<std::string> args = {bin,
                                     "--name=t",
                                     "--data-dir=" + dir_ + "/data",
                                     "--listen-client-urls=" + url_,
                                     "--advertise-client-urls=" + url_,
                                     "--listen-peer-urls=" + peer_url,
                                     "--initial-advertise-peer-urls=" + peer_url,
                                     "--initial-cluster=t=" + peer_url,
                                     "--log-outputs=" + dir_ + "/etcd.log"};
    if (tls_) {
      MakeCertificates();
      for (std::string f :
           {"cert-file=server.crt", "key-file=server.key", "trusted-ca-file=ca.crt"})
        args.push_back("--" + f.replace(f.find('=') + 1, 0, dir_ + "/"));
      args.push_back("--client-cert-auth=true");
    }
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    kv_ = Client({url_});
    ASSERT_TRUE(Eventually([&] { return kv_->Get("probe").ok(); }))
        << "etcd did not come up; see " << dir_ << "/etcd.log";
  }
  void TearDown() override {
    kv_.reset();
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty() && !HasFailure()) std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<KvStore> Client(std::vector<std::string> endpoints, bool client_cert = true) {
    EtcdOptions o;
    o.endpoints = std::move(endpoints);
    o.request_timeout = 3s;
    if (tls_) {
      o.ca_file = dir_ + "/ca.crt";
      if (client_cert) {
        o.cert_file = dir_ + "/client.crt";
        o.key_file = dir_ + "/client.key";
      }
    }
    return MakeEtcdClient(o);
  }
  // A CA, a server certificate for 127.0.0.1 and a client certificate (openssl CLI).
  void MakeCertificates() {
    std::string d = dir_;
    std::string cmd =
        "cd " + d +
        " && (openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt "
        "-days 1 -subj /CN=test-ca && "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=etcd && "
        // etcd's own gateway dials etcd with the server certificate: it needs clientAuth too.
        "printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth' > "
        "server.ext && "
        "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 "
        "-out server.crt -extfile server.ext && "
        "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=km && "
        "printf 'extendedKeyUsage=clientAuth' > client.ext && "
        "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 "
        "-out client.crt -extfile client.ext) > openssl.log 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "see " << d << "/openssl.log";
  }
  // etcd's compaction, which KvStore does not need (curl, outside the code under test).
  void Compact(int64_t revision) {
    std::string cmd = "curl -sf -o /dev/null " + url_ + "/v3/kv/compaction -d '{\"revision\":\"" +
                      std::to_string(revision) + "\",\"physical\":true}'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }

  bool tls_ = false;
  std::string dir_, url_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::unique_ptr<KvStore> kv_;
};

}  // namespace kubemesos::registry
