// Integration test of the client against a real kube-apiserver (hack/cluster.sh up): lists
// nodes, watches pods, creates a pod, binds it through .../pods/{name}/binding and sees the
// binding arrive on the watch; each test in both wire encodings (JSON, protobuf), and the
// protobuf events compared with the JSON ones. Skipped unless KUBEMESOS_TEST_KUBECONFIG names a
// kubeconfig.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "operator/client/encoding.h"
#include "operator/client/informer.h"
#include "operator/client/kubeconfig.h"
#include "operator/client/rest_client.h"
#include "operator/proto/codec.h"
#include "tests/unit/operator/proto/compare.h"

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
  std::vector<InformerEvent> All() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<InformerEvent> events_;
  bool synced_ = false;
};

class KubeIntegrationTest : public ::testing::TestWithParam<Encoding> {
 protected:
  // An informer's options in the encoding of the test.
  InformerOptions Options(const std::string& path, const std::string& kind) const {
    InformerOptions o;
    o.path = path;
    o.kind = kind;
    o.encoding = GetParam();
    return o;
  }
  std::string_view Accept() const {
    return GetParam() == Encoding::kProtobuf ? proto::kProtobufAccept : kJsonMediaType;
  }
  std::string WantContentType() const {
    return std::string(GetParam() == Encoding::kProtobuf ? proto::kProtobufContentType
                                                         : kJsonMediaType);
  }

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

INSTANTIATE_TEST_SUITE_P(Encodings, KubeIntegrationTest,
                         ::testing::Values(Encoding::kJson, Encoding::kProtobuf),
                         [](const ::testing::TestParamInfo<Encoding>& info) {
                           return std::string(EncodingName(info.param));
                         });

TEST_P(KubeIntegrationTest, ListNodesWatchPodsCreateBindAndSeeTheBinding) {
  HttpResponse version = client_->Request("GET", "/version");
  ASSERT_TRUE(version.ok()) << version.message;

  Events nodes;
  InformerOptions node_options = Options("/api/v1/nodes", "Node");
  node_options.page_size = 2;  // exercises pagination with 3 nodes
  node_options.watch_list = false;
  Informer node_informer(*client_, node_options, nodes.Handlers());
  node_informer.Start();
  ASSERT_TRUE(nodes.WaitSynced());
  ASSERT_GE(nodes.Count(EventType::kAdded), 1u);
  std::string node;
  nodes.WaitFor([&](const InformerEvent& e) {
    node = e.object["metadata"]["name"];
    return true;
  });

  EXPECT_EQ(node_informer.Stats().content_type, WantContentType());

  Events pods;
  InformerOptions pod_options = Options("/api/v1/pods", "Pod");
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
  std::string body, body_type;  // the Binding in the test's encoding, as the binder sends it
  EncodeBody(GetParam(), binding, body, body_type);
  EXPECT_EQ(body_type, WantContentType());
  HttpResponse bound =
      client_->Request("POST", "/api/v1/namespaces/" + ns_ + "/pods/p1/binding", body, body_type);
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
  HttpResponse again = client_->Request("POST", "/api/v1/namespaces/" + ns_ + "/pods/p1/binding",
                                        body, body_type, Accept());
  EXPECT_EQ(again.status, 409) << again.message;
  EXPECT_NE(again.message.find("already assigned"), std::string::npos) << again.message;

  // Errors read the same in both encodings (a protobuf Status is handed back as JSON).
  HttpResponse missing = client_->Request("GET", "/api/v1/namespaces/" + ns_ + "/pods/nope", "",
                                          kJsonMediaType, Accept());
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.message.find("not found"), std::string::npos) << missing.message;
  EXPECT_EQ(json::parse(missing.body, nullptr, false).value("reason", ""), "NotFound");

  auto start = std::chrono::steady_clock::now();
  pod_informer.Stop();
  node_informer.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(pod_informer.Stats().errors, 0u) << pod_informer.Stats().last_error;
}

TEST_P(KubeIntegrationTest, IdentityProblemsAreNamed) {
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
  r = MakeRestClient(as_nobody)->Request("GET", "/api/v1/nodes?limit=1", "", kJsonMediaType,
                                         Accept());
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

TEST_P(KubeIntegrationTest, WatchResumesAfterServerTimeoutWithoutDuplicates) {
  Events pods;
  InformerOptions options = Options("/api/v1/namespaces/" + ns_ + "/pods", "Pod");
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

// The protobuf path delivers what the JSON path delivers: two informers, one per encoding, on
// the same pods (with the fields the scheduler reads: requests, affinity, tolerations, volumes)
// and on the nodes; every object equal field by field once the codec's left-out fields
// (proto/compare.h) are removed from the JSON, for the list and for watch events. Run once.
TEST(KubeIntegrationEncodings, ProtobufEventsEqualTheJsonOnes) {
  const char* path = std::getenv("KUBEMESOS_TEST_KUBECONFIG");
  if (path == nullptr || *path == '\0') GTEST_SKIP() << "KUBEMESOS_TEST_KUBECONFIG not set";
  InitTransport(4);
  auto client = MakeRestClient(LoadKubeConfigFiles(path));
  std::string ns = "client-enc-" + std::to_string(::getpid());
  ASSERT_EQ(
      client
          ->Request("POST", "/api/v1/namespaces",
                    json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}}
                        .dump())
          .status,
      201);
  auto pod = [](const std::string& name) {
    return json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
                       R"(","labels":{"app":"enc"},"annotations":{"a":"b"}},
      "spec":{"schedulerName":"kubemesos-integration","priority":0,
      "containers":[{"name":"c","image":"busybox","command":["sleep"],"env":[{"name":"X","value":"1"}],
        "resources":{"requests":{"cpu":"250m","memory":"64Mi","ephemeral-storage":"1Gi"},
                     "limits":{"cpu":"1"}},"ports":[{"containerPort":8080,"hostPort":18080}]}],
      "volumes":[{"name":"v","emptyDir":{"sizeLimit":"1Gi"}}],
      "nodeSelector":{"kubernetes.io/os":"linux"},
      "affinity":{"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[
        {"weight":10,"podAffinityTerm":{"topologyKey":"kubernetes.io/hostname",
          "labelSelector":{"matchLabels":{"app":"enc"}}}}]}},
      "topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone",
        "whenUnsatisfiable":"ScheduleAnyway","labelSelector":{"matchLabels":{"app":"enc"}}}],
      "tolerations":[{"key":"k","operator":"Equal","value":"v","effect":"NoExecute",
        "tolerationSeconds":30}]}})");
  };
  for (int i = 0; i < 3; ++i) {
    HttpResponse r = client->Request("POST", "/api/v1/namespaces/" + ns + "/pods",
                                     pod("listed-" + std::to_string(i)).dump());
    ASSERT_EQ(r.status, 201) << r.message;
  }
  struct Side {
    Events pods, nodes;
    std::unique_ptr<Informer> pod_informer, node_informer;
  };
  Side sides[2];
  for (int e = 0; e < 2; ++e) {
    InformerOptions o;
    o.encoding = e == 0 ? Encoding::kJson : Encoding::kProtobuf;
    o.path = "/api/v1/namespaces/" + ns + "/pods";
    o.kind = "Pod";
    sides[e].pod_informer = std::make_unique<Informer>(*client, o, sides[e].pods.Handlers());
    o.path = "/api/v1/nodes";
    o.kind = "Node";
    sides[e].node_informer = std::make_unique<Informer>(*client, o, sides[e].nodes.Handlers());
    sides[e].pod_informer->Start();
    sides[e].node_informer->Start();
  }
  for (Side& side : sides) {
    ASSERT_TRUE(side.pods.WaitSynced());
    ASSERT_TRUE(side.nodes.WaitSynced());
  }
  // Watch-list (the default) answers "application/vnd.kubernetes.protobuf;stream=watch".
  EXPECT_TRUE(proto::IsProtobuf(sides[1].pod_informer->Stats().content_type));
  EXPECT_TRUE(proto::IsProtobuf(sides[1].node_informer->Stats().content_type));
  EXPECT_FALSE(proto::IsProtobuf(sides[0].pod_informer->Stats().content_type));
  ASSERT_EQ(
      client->Request("POST", "/api/v1/namespaces/" + ns + "/pods", pod("watched").dump()).status,
      201);
  for (Side& side : sides) {
    ASSERT_TRUE(side.pods.WaitFor(
        [](const InformerEvent& e) { return e.object["metadata"]["name"] == "watched"; }));
  }
  for (Side& side : sides) {
    side.pod_informer->Stop();
    side.node_informer->Stop();
  }
  client->Request("DELETE", "/api/v1/namespaces/" + ns);

  // Events of the same object version (name and resourceVersion) are equal; the two
  // informers saw the same objects (a node's status may move between the two lists: then only
  // the versions both saw are compared). Returns how many were compared.
  auto compare = [](std::vector<InformerEvent> want, const std::vector<InformerEvent>& got) {
    std::map<std::string, json> json_side;
    std::set<std::string> want_names, got_names;
    for (InformerEvent& e : want) {
      want_names.insert(e.object["metadata"].value("name", ""));
      std::string key = e.object["metadata"].value("name", "") + "@" +
                        e.object["metadata"].value("resourceVersion", "");
      json_side[key] = std::move(e.object);  // (operator= takes its argument by value)
    }
    size_t compared = 0;
    for (const InformerEvent& e : got) {
      const json& g = e.object;
      got_names.insert(g["metadata"].value("name", ""));
      auto it = json_side.find(g["metadata"].value("name", "") + "@" +
                               g["metadata"].value("resourceVersion", ""));
      if (it == json_side.end()) continue;
      json& w = it->second;
      SCOPED_TRACE(it->first);
      // JSON list items carry no apiVersion/kind; protobuf ones do (from the list's typeMeta).
      if (!w.contains("kind")) {
        w["apiVersion"] = g.value("apiVersion", "");
        w["kind"] = g.value("kind", "");
      }
      proto::testing::Prune(w);
      std::vector<std::string> diffs;
      proto::testing::Compare(w, g, "", diffs);
      EXPECT_TRUE(diffs.empty()) << ::testing::PrintToString(diffs);
      ++compared;
    }
    EXPECT_EQ(want_names, got_names);
    return compared;
  };
  EXPECT_EQ(compare(sides[0].pods.All(), sides[1].pods.All()), 4u) << "3 listed, 1 watched";
  EXPECT_GE(compare(sides[0].nodes.All(), sides[1].nodes.All()), 1u);
}

}  // namespace
}  // namespace kubemesos::client
