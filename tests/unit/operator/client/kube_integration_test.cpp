// Integration test of the client against a real kube-apiserver (hack/cluster.sh up): lists
// nodes, watches pods, creates a pod, binds it through .../pods/{name}/binding and sees the
// binding arrive on the watch. Skipped unless KUBEMESOS_TEST_KUBECONFIG names a kubeconfig.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "operator/client/informer.h"
#include "operator/client/kubeconfig.h"
#include "operator/client/rest_client.h"

namespace kubemesos::client {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Collects informer events; tests wait for one matching a predicate.
class Events {
 public:
  Informer::Handlers Handlers() {
    return {[this](InformerEvent e) {
              std::lock_guard<std::mutex> lock(mu_);
              events_.push_back(std::move(e));
              cv_.notify_all();
            },
            [this] {
              std::lock_guard<std::mutex> lock(mu_);
              synced_ = true;
              cv_.notify_all();
            }};
  }
  bool WaitSynced() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 30s, [&] { return synced_; });
  }
  template <typename Pred>
  bool WaitFor(Pred pred) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 30s, [&] {
      for (const auto& e : events_)
        if (pred(e)) return true;
      return false;
    });
  }
  size_t Count(EventType type) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const auto& e : events_) n += e.type == type;
    return n;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<InformerEvent> events_;
  bool synced_ = false;
};

class KubeIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* path = std::getenv("KUBEMESOS_TEST_KUBECONFIG");
    if (path == nullptr || *path == '\0') GTEST_SKIP() << "KUBEMESOS_TEST_KUBECONFIG not set";
    InitTransport(4);
    config_ = LoadKubeConfigFiles(path);
    client_ = MakeRestClient(config_);
    ns_ = "client-it-" + std::to_string(::getpid()) + "-" +
          std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 100000);
    json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns_}}}};
    HttpResponse r = client_->Request("POST", "/api/v1/namespaces", ns.dump());
    ASSERT_EQ(r.status, 201) << r.message << r.body;
  }
  void TearDown() override {
    if (client_) client_->Request("DELETE", "/api/v1/namespaces/" + ns_);
  }

  KubeConfig config_;
  std::unique_ptr<KubeClient> client_;
  std::string ns_;
};

TEST_F(KubeIntegrationTest, ListNodesWatchPodsCreateBindAndSeeTheBinding) {
  HttpResponse version = client_->Request("GET", "/version");
  ASSERT_TRUE(version.ok()) << version.message;

  Events nodes;
  InformerOptions node_options;
  node_options.path = "/api/v1/nodes";
  node_options.page_size = 2;  // exercises pagination with 3 nodes
  Informer node_informer(*client_, node_options, nodes.Handlers());
  node_informer.Start();
  ASSERT_TRUE(nodes.WaitSynced());
  ASSERT_GE(nodes.Count(EventType::kAdded), 1u);
  std::string node;
  nodes.WaitFor([&](const InformerEvent& e) {
    node = e.object["metadata"]["name"];
    return true;
  });

  Events pods;
  InformerOptions pod_options;
  pod_options.path = "/api/v1/pods";
  pod_options.field_selector = "metadata.namespace=" + ns_;
  Informer pod_informer(*client_, pod_options, pods.Handlers());
  pod_informer.Start();
  ASSERT_TRUE(pods.WaitSynced());

  json pod = json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1"},
    "spec":{"schedulerName":"kubemesos-integration","containers":[{"name":"c","image":"busybox",
    "resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}],
    "tolerations":[{"operator":"Exists"}]}})");
  HttpResponse created =
      client_->Request("POST", "/api/v1/namespaces/" + ns_ + "/pods", pod.dump());
  ASSERT_EQ(created.status, 201) << created.message;
  ASSERT_TRUE(pods.WaitFor([](const InformerEvent& e) {
    return e.type == EventType::kAdded && e.object["metadata"]["name"] == "p1";
  }));

  json binding = {{"apiVersion", "v1"},
                  {"kind", "Binding"},
                  {"metadata", {{"name", "p1"}}},
                  {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
  HttpResponse bound =
      client_->Request("POST", "/api/v1/namespaces/" + ns_ + "/pods/p1/binding", binding.dump());
  ASSERT_EQ(bound.status, 201) << bound.message;
  EXPECT_TRUE(pods.WaitFor([&](const InformerEvent& e) {
    return e.type == EventType::kModified && e.object["metadata"]["name"] == "p1" &&
           e.object["spec"].value("nodeName", "") == node;
  })) << "the binding arrives on the watch";

  // A merge patch (as status writers use) arrives on the watch too.
  HttpResponse patched = client_->Request("PATCH", "/api/v1/namespaces/" + ns_ + "/pods/p1",
                                          R"({"metadata":{"labels":{"patched":"yes"}}})",
                                          "application/merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.message;
  EXPECT_TRUE(pods.WaitFor([&](const InformerEvent& e) {
    return e.type == EventType::kModified && e.object["metadata"]["name"] == "p1" &&
           e.object["metadata"].contains("labels") &&
           e.object["metadata"]["labels"].value("patched", "") == "yes";
  }));

  // A second bind of a bound pod is refused with a readable conflict.
  HttpResponse again =
      client_->Request("POST", "/api/v1/namespaces/" + ns_ + "/pods/p1/binding", binding.dump());
  EXPECT_EQ(again.status, 409) << again.message;
  EXPECT_FALSE(again.message.empty());

  HttpResponse missing = client_->Request("GET", "/api/v1/namespaces/" + ns_ + "/pods/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.message.find("not found"), std::string::npos) << missing.message;

  auto start = std::chrono::steady_clock::now();
  pod_informer.Stop();
  node_informer.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(pod_informer.Stats().errors, 0u) << pod_informer.Stats().last_error;
}

TEST_F(KubeIntegrationTest, IdentityProblemsAreNamed) {
  // A service account without any RBAC: authenticated, but forbidden.
  json sa = {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "nobody"}}}};
  HttpResponse r =
      client_->Request("POST", "/api/v1/namespaces/" + ns_ + "/serviceaccounts", sa.dump());
  ASSERT_EQ(r.status, 201) << r.message;
  json request = {{"apiVersion", "authentication.k8s.io/v1"},
                  {"kind", "TokenRequest"},
                  {"spec", {{"expirationSeconds", 600}}}};
  r = client_->Request("POST", "/api/v1/namespaces/" + ns_ + "/serviceaccounts/nobody/token",
                       request.dump());
  ASSERT_EQ(r.status, 201) << r.message;
  KubeConfig as_nobody = config_;
  as_nobody.client_cert_pem.clear();
  as_nobody.client_key_pem.clear();
  as_nobody.user = "nobody";
  as_nobody.token = json::parse(r.body)["status"]["token"];
  r = MakeRestClient(as_nobody)->Request("GET", "/api/v1/nodes?limit=1");
  EXPECT_EQ(r.status, 403);
  RecordProperty("forbidden", r.message);  // readable in --gtest_output=xml
  EXPECT_NE(r.message.find("user \"nobody\""), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("RBAC does not allow"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("cannot list resource \"nodes\""), std::string::npos) << r.message;

  as_nobody.token = "not-a-valid-token";
  r = MakeRestClient(as_nobody)->Request("GET", "/api/v1/nodes?limit=1");
  EXPECT_EQ(r.status, 401);
  RecordProperty("unauthorized", r.message);
  EXPECT_NE(r.message.find("rejected the credentials"), std::string::npos) << r.message;

  // A CA that did not sign the server's certificate: a readable TLS error, not a number.
  KubeConfig wrong_ca = config_;
  wrong_ca.ca_pem = config_.client_cert_pem;
  RestClientOptions once;
  once.retry.max_attempts = 1;
  r = MakeRestClient(wrong_ca, once)->Request("GET", "/version");
  EXPECT_EQ(r.status, 0);
  RecordProperty("tls", r.message);
  EXPECT_NE(r.message.find("certificate verify failed"), std::string::npos) << r.message;
}

TEST_F(KubeIntegrationTest, WatchResumesAfterServerTimeoutWithoutDuplicates) {
  Events pods;
  InformerOptions options;
  options.path = "/api/v1/namespaces/" + ns_ + "/pods";
  options.watch_timeout_seconds = 1;  // the server ends each watch after about a second
  Informer informer(*client_, options, pods.Handlers());
  informer.Start();
  ASSERT_TRUE(pods.WaitSynced());
  auto pod = [](const std::string& name) {
    return json{{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}}},
                {"spec",
                 {{"schedulerName", "kubemesos-integration"},
                  {"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}}
        .dump();
  };
  for (int i = 0; i < 3; ++i) {
    std::string name = "p" + std::to_string(i);
    ASSERT_EQ(client_->Request("POST", options.path, pod(name)).status, 201);
    ASSERT_TRUE(pods.WaitFor([&](const InformerEvent& e) {
      return e.type == EventType::kAdded && e.object["metadata"]["name"] == name;
    }));
    uint64_t restarts = informer.Stats().restarts;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (informer.Stats().restarts == restarts && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(50ms);  // polling a counter the server's timeout moves
  }
  informer.Stop();
  EXPECT_GE(informer.Stats().restarts, 3u);
  EXPECT_EQ(informer.Stats().lists, 1u) << "resumed, never relisted";
  EXPECT_EQ(pods.Count(EventType::kAdded), 3u) << "no duplicates across watch restarts";
}

}  // namespace
}  // namespace kubemesos::client
