// Operator::Create: every setup failure is logged and gives no Operator (RunCommand exits 1).
// Starting, running and the bounded stop are covered end to end by
// tests/integration/operator/{schedule,shutdown,failover,restart,framework}_test.sh.
#include "operator/run/operator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace kubemesos::run {
namespace {

// A kubeconfig in a temporary file, removed at the end of the test.
class TempKubeconfig {
 public:
  explicit TempKubeconfig(const std::string& server) {
    char name[] = "/tmp/kubemesos-operator-test-XXXXXX";
    int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    close(fd);
    path_ = name;
    std::ofstream(path_) << "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                            "clusters:\n- name: k\n  cluster:\n    server: "
                         << server
                         << "\ncontexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n"
                            "users:\n- name: u\n  user: {}\n";
  }
  ~TempKubeconfig() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(OperatorTest, NoOperatorWithoutAClusterConfiguration) {
  RunConfig config;
  config.kubeconfig = "/nonexistent/kubeconfig";
  EXPECT_EQ(Operator::Create(config), nullptr);
}

TEST(OperatorTest, NoOperatorWhenTheApiServerIsUnreachable) {
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  TempKubeconfig kubeconfig("http://127.0.0.1:1");
  RunConfig config;
  config.kubeconfig = kubeconfig.path();
  config.metrics_address = "127.0.0.1:0";
  EXPECT_EQ(Operator::Create(config), nullptr);
}

}  // namespace
}  // namespace kubemesos::run
