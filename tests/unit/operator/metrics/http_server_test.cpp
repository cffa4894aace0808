// Unit tests of HttpServer over a real socket on an ephemeral port: /metrics serves what the
// Metrics hold (and validates with `promtool check metrics`), /healthz answers ok, /readyz
// follows the readiness callback, a port in use is an error naming the address; against
// hostile clients: the probes answer while slow clients hold the metrics port, a silent client
// is dropped at the header deadline, an oversized request is refused.
#include "operator/metrics/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
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

using testing::ConnectLoopback;
using testing::HttpExchange;
using testing::HttpGet;
using testing::HttpReply;
using testing::Sample;

HttpServerOptions Ephemeral() {
  HttpServerOptions options;
  options.address = "127.0.0.1:0";
  options.probe_address = "127.0.0.1:0";
  return options;
}

// `n` connections that start a request and never finish its header (slowloris); closed when
// the object goes.
class SlowClients {
 public:
  SlowClients(int port, int n) {
    for (int i = 0; i < n; ++i) {
      int fd = ConnectLoopback(port);
      EXPECT_GE(fd, 0);
      const char partial[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
      ::send(fd, partial, sizeof partial - 1, MSG_NOSIGNAL);
      fds_.push_back(fd);
    }
  }
  ~SlowClients() {
    for (int fd : fds_) ::close(fd);
  }
  const std::vector<int>& fds() const { return fds_; }

 private:
  std::vector<int> fds_;
};

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

  // A probe address in use: an error naming it, and the main listener is not left running.
  HttpServerOptions probe_taken = Ephemeral();
  probe_taken.probe_address = taken.address;
  HttpServer fourth(m, probe_taken, nullptr);
  try {
    fourth.Start();
    FAIL() << "expected HttpServerError";
  } catch (const HttpServerError& e) {
    EXPECT_NE(std::string(e.what()).find(taken.address), std::string::npos) << e.what();
    EXPECT_EQ(fourth.port(), 0);
  }

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
  int probe_port = server.probe_port();
  EXPECT_THROW(server.Start(), HttpServerError);  // already started
  server.Stop();
  server.Stop();  // idempotent
  EXPECT_EQ(server.port(), 0);
  EXPECT_EQ(server.probe_port(), 0);
  EXPECT_EQ(HttpGet(port, "/healthz").status, 0);  // nothing listens any more
  EXPECT_EQ(HttpGet(probe_port, "/healthz").status, 0);
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

// The kubelet's probes go to the probe listener, whose threads /metrics clients cannot take:
// with every thread of the main listener held by a client that never finishes its header (a
// long header deadline, so they stay for the whole test), /healthz and /readyz still answer
// there. Connections are served in arrival order, so the probes come after all slow clients.
TEST(HttpServer, ProbesAnswerWhileSlowClientsHoldEveryMetricsThread) {
  Metrics m;
  HttpServerOptions options = Ephemeral();
  options.threads = 2;
  options.header_timeout = std::chrono::seconds(60);
  HttpServer server(m, options, []() -> Readiness { return {true, ""}; });
  server.Start();
  ASSERT_GT(server.probe_port(), 0);
  ASSERT_NE(server.probe_port(), server.port());
  SlowClients slow(server.port(), 8);
  EXPECT_EQ(HttpGet(server.probe_port(), "/healthz").status, 200);
  EXPECT_EQ(HttpGet(server.probe_port(), "/readyz").status, 200);
  EXPECT_EQ(HttpGet(server.probe_port(), "/metrics").status, 404) << "only probes there";
}

// With the default thread count, slow clients holding all threads but one on the metrics port
// leave that one for a scrape and the probes on that port too (the header deadline is long here
// so none is dropped). The default is small (civetweb starts every thread up front); a client
// holds one for at most the header deadline (SilentClientIsDroppedAtTheHeaderDeadline).
TEST(HttpServer, DefaultThreadsServeBesideSlowClientsOnAllButOne) {
  Metrics m;
  HttpServerOptions options = Ephemeral();
  options.probe_address = "";
  options.header_timeout = std::chrono::seconds(60);
  HttpServer server(m, options, nullptr);
  server.Start();
  EXPECT_EQ(server.probe_port(), 0);
  ASSERT_GE(HttpServerOptions().threads, 2);
  SlowClients slow(server.port(), HttpServerOptions().threads - 1);
  EXPECT_EQ(HttpGet(server.port(), "/healthz").status, 200);
  EXPECT_EQ(HttpGet(server.port(), "/metrics").status, 200);
}

// A client that never completes its header is disconnected at the header deadline (the
// default one), so it holds a thread for at most that long; the wait here is 5 s at most.
TEST(HttpServer, SilentClientIsDroppedAtTheHeaderDeadline) {
  Metrics m;
  HttpServer server(m, Ephemeral(), nullptr);
  server.Start();
  ASSERT_LT(HttpServerOptions().header_timeout, std::chrono::seconds(5));
  SlowClients slow(server.port(), 1);
  // Read what the server says (a 400 for the incomplete request) until it closes: recv ends
  // with 0 (closed) or an error other than the 5 s receive timeout (EAGAIN).
  char buffer[512];
  ssize_t n;
  while ((n = ::recv(slow.fds()[0], buffer, sizeof buffer, 0)) > 0) {
  }
  bool timed_out = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  EXPECT_FALSE(timed_out) << "still connected after 5 s";
}

// A request header over max_header_bytes (8 KiB by default) is refused, not served: a 4xx
// (civetweb says 400 or 413), or the connection closed before any reply when the server's close
// races the unread bytes.
TEST(HttpServer, OversizedRequestIsRefused) {
  Metrics m;
  HttpServer server(m, Ephemeral(), nullptr);
  server.Start();
  std::string big =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(12 * 1024, 'a') +
      "\r\nConnection: close\r\n\r\n";
  HttpReply reply = HttpExchange(server.port(), big);
  EXPECT_TRUE(reply.status == 0 || (reply.status >= 400 && reply.status < 500)) << reply.status;
  // A request just under the limit is served.
  std::string ok =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Ok: " + std::string(6 * 1024, 'a') +
      "\r\nConnection: close\r\n\r\n";
  EXPECT_EQ(HttpExchange(server.port(), ok).status, 200);
  EXPECT_EQ(HttpGet(server.port(), "/healthz").status, 200);
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
