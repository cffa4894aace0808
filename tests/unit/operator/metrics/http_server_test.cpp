// Unit tests of HttpServer over a real socket on an ephemeral port: /metrics serves what the
// Metrics hold (and validates with `promtool check metrics`), /healthz answers ok, /readyz
// follows the readiness callback, a port in use is an error naming the address.
#include "operator/metrics/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "tests/unit/operator/metrics/scrape.h"

namespace kubemesos::metrics {
namespace {

using testing::HttpGet;
using testing::HttpReply;
using testing::Sample;

HttpServerOptions Ephemeral() {
  HttpServerOptions options;
  options.address = "127.0.0.1:0";
  return options;
}

TEST(HttpServer, ServesMetricsOverHttp) {
  Metrics m;
  HttpServer server(m, Ephemeral(), nullptr);
  server.Start();
  ASSERT_GT(server.port(), 0);

  std::vector<ResourceValue> allocated = {{"cpu", 2.5}};
  std::vector<GroupSample> groups = {{"batch", allocated, {}, {}, 0.3}};
  m.SetGroups(groups);
  m.ObserveBind(Outcome::kSuccess, 0.7);

  HttpReply reply = HttpGet(server.port(), "/metrics");
  ASSERT_EQ(reply.status, 200) << reply.headers;
  EXPECT_NE(reply.headers.find("text/plain; version=0.0.4"), std::string::npos) << reply.headers;
  EXPECT_EQ(Sample(reply.body, R"(kubemesos_group_allocated{group="batch",resource="cpu"})"), 2.5);
  EXPECT_EQ(Sample(reply.body, R"(kubemesos_binds_total{result="success"})"), 1);
  EXPECT_EQ(Sample(reply.body, "kubemesos_scheduling_latency_seconds_count"), 1);

  // The group disappears from the next scrape.
  m.SetGroups({});
  reply = HttpGet(server.port(), "/metrics");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body.find(R"(group="batch")"), std::string::npos) << reply.body;

  EXPECT_EQ(HttpGet(server.port(), "/nothing-here").status, 404);
  EXPECT_EQ(HttpGet(server.port(), "/metrics", "POST").status, 405);
}

TEST(HttpServer, HealthzAndReadyzFollowTheCallback) {
  Metrics m;
  std::atomic<bool> synced{false};
  HttpServer server(m, Ephemeral(), [&synced]() -> Readiness {
    if (!synced) return {false, "caches not synced"};
    return {true, ""};
  });
  server.Start();

  HttpReply healthz = HttpGet(server.port(), "/healthz");
  EXPECT_EQ(healthz.status, 200);
  EXPECT_EQ(healthz.body, "ok\n");

  HttpReply readyz = HttpGet(server.port(), "/readyz");
  EXPECT_EQ(readyz.status, 503);
  EXPECT_EQ(readyz.body, "caches not synced\n");

  synced = true;
  readyz = HttpGet(server.port(), "/readyz");
  EXPECT_EQ(readyz.status, 200);
  EXPECT_EQ(readyz.body, "ok\n");

  synced = false;
  EXPECT_EQ(HttpGet(server.port(), "/readyz").status, 503);

  // HEAD answers the status without a body.
  HttpReply head = HttpGet(server.port(), "/healthz", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
}

TEST(HttpServer, ReadyzWithoutCallbackOrWithAThrowingOneIsNotReady) {
  Metrics m;
  HttpServer plain(m, Ephemeral(), nullptr);
  plain.Start();
  HttpReply reply = HttpGet(plain.port(), "/readyz");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.body, "no readiness check configured\n");

  HttpServer throwing(m, Ephemeral(), []() -> Readiness { throw std::runtime_error("boom"); });
  throwing.Start();
  reply = HttpGet(throwing.port(), "/readyz");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.body, "readiness check failed: boom\n");
}

TEST(HttpServer, PortInUseIsAnErrorNamingTheAddress) {
  Metrics m;
  HttpServer first(m, Ephemeral(), nullptr);
  first.Start();
  HttpServerOptions taken;
  taken.address = "127.0.0.1:" + std::to_string(first.port());
  HttpServer second(m, taken, nullptr);
  try {
    second.Start();
    FAIL() << "expected HttpServerError";
  } catch (const HttpServerError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(taken.address), std::string::npos) << what;
    EXPECT_NE(what.find("in use"), std::string::npos) << what;
    EXPECT_EQ(second.port(), 0);
  }
  // The first server is unaffected.
  EXPECT_EQ(HttpGet(first.port(), "/healthz").status, 200);

  HttpServerOptions bad;
  bad.address = "not-an-address:http";
  HttpServer third(m, bad, nullptr);
  EXPECT_THROW(third.Start(), HttpServerError);
}

TEST(HttpServer, StopsCleanlyAndCanStartAgain) {
  Metrics m;
  HttpServer server(m, Ephemeral(), nullptr);
  server.Start();
  int port = server.port();
  EXPECT_THROW(server.Start(), HttpServerError);  // already started
  server.Stop();
  server.Stop();  // idempotent
  EXPECT_EQ(server.port(), 0);
  EXPECT_EQ(HttpGet(port, "/healthz").status, 0);  // nothing listens any more
  server.Start();
  EXPECT_EQ(HttpGet(server.port(), "/healthz").status, 200);
}

TEST(HttpServer, AllInterfacesByDefaultAndStopIsQuick) {
  Metrics m;
  HttpServerOptions options;
  EXPECT_EQ(options.address, "0.0.0.0:8080");
  options.address = "0.0.0.0:0";
  HttpServer server(m, options, nullptr);
  server.Start();
  EXPECT_EQ(HttpGet(server.port(), "/healthz").status, 200);
  auto start = std::chrono::steady_clock::now();
  server.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
}

TEST(HttpServer, ConcurrentScrapesWhileUpdating) {
  Metrics m;
  HttpServer server(m, Ephemeral(), nullptr);
  server.Start();
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::vector<ResourceValue> r = {{"cpu", 1}, {"memory", 2}};
    for (int i = 0; !stop; ++i) {
      std::string name = "g";
      name += std::to_string(i % 5);
      std::vector<GroupSample> groups = {{name, r, r, r, 0.5}};
      m.SetGroups(groups);
      m.ObserveCycle(0.001);
    }
  });
  for (int i = 0; i < 50; ++i) {
    HttpReply reply = HttpGet(server.port(), "/metrics");
    ASSERT_EQ(reply.status, 200);
    ASSERT_NE(reply.body.find("kubemesos_allocation_cycle_seconds_count"), std::string::npos);
  }
  stop = true;
  writer.join();
}

// promtool is Debian's `prometheus` package (hack/install-deps.sh).
TEST(HttpServer, ScrapePassesPromtoolCheckMetrics) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (apt-get install prometheus)";
  }
  Metrics m;
  std::vector<ResourceValue> allocated = {{"cpu", 3}, {"memory", 1073741824.0}};
  std::vector<ResourceValue> limit = {{"cpu", 4}, {"nvidia.com/gpu", 1}};
  std::vector<GroupSample> groups = {{"a", allocated, allocated, limit, 0.75},
                                     {"a/b", allocated, {}, {}, 0.5}};
  m.SetGroups(groups);
  std::vector<FrameworkSample> frameworks = {{"ns/fw", "a/b", 0.5, 3, 10, 2}};
  m.SetFrameworks(frameworks);
  m.SetCluster(allocated, allocated);
  m.ObserveCycle(0.002);
  m.ObserveBind(Outcome::kSuccess, 1.2);
  m.SetLeader(true);
  m.AddRegistryRequest("txn", Outcome::kError);
  m.SetWatchRestarts("pods", 1);

  HttpServer server(m, Ephemeral(), nullptr);
  server.Start();
  HttpReply reply = HttpGet(server.port(), "/metrics");
  ASSERT_EQ(reply.status, 200);

  std::string dir = ::testing::TempDir();
  std::string input = dir + "/kubemesos_metrics_scrape.txt";
  std::string output = dir + "/kubemesos_metrics_promtool.txt";
  std::ofstream(input) << reply.body;
  int rc =
      std::system(("promtool check metrics < '" + input + "' > '" + output + "' 2>&1").c_str());
  std::ifstream in(output);
  std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << "promtool check metrics:\n" << report << "\ninput:\n" << reply.body;
  std::remove(input.c_str());
  std::remove(output.c_str());
}

}  // namespace
}  // namespace kubemesos::metrics
