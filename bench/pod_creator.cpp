// The pod source of the benchmarks (hack/bench-e2e.sh --arrival-rate, hack/bench-startup.sh):
// creates COUNT pods through kubemesos' own client library, either on a fixed schedule (pod i
// is due at start + i / RATE) or as fast as CONCURRENCY requests in flight allow (--rate 0).
// A compiled client with its own pool of kept-alive connections, so that on a busy machine the
// arrival rate is set by the schedule and not by the client's CPU; it records, per pod, when it
// was due, when its POST was sent and when the reply came, so the report can check that
// creation kept up (achieved rate, lag of each send behind its schedule) and measure
// create→bound from the send time (creationTimestamp has whole-second resolution).
//
//   pod_creator --kubeconfig F --namespace NS --count N [--rate 100] [--concurrency 64]
//               [--prefix p-] [--first 0] [--scheduler-name S] [--label k=v]
//               [--node-prefix kwok-node- --nodes K] [--cpu 100m] [--memory 128Mi]
//               [--out FILE]
// --node-prefix/--nodes: pod i is created bound (spec.nodeName = PREFIX<i mod K>).
// Writes FILE (CSV "pod,due,sent,done,status", epoch seconds) and prints one JSON summary on
// stdout: created, failed, seconds, achieved rate, lag p50/p99/max. Exit 0 when every pod was
// created (201, or 409: it exists), 1 otherwise.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/client/kubeconfig.h"
#include "operator/client/rest_client.h"

namespace client = kubemesos::client;
using nlohmann::json;

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Sample {
  double due = 0, sent = 0, done = 0;
  int status = 0;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto k = static_cast<size_t>(std::max(0.0, std::ceil(p / 100 * v.size()) - 1));
  return v[std::min(k, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  std::string kubeconfig, ns, out, prefix = "p-", scheduler, label, node_prefix;
  std::string cpu = "100m", memory = "128Mi";
  long count = 0, first = 0, concurrency = 64, nodes = 0;
  double rate = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--kubeconfig")
      kubeconfig = v;
    else if (a == "--namespace")
      ns = v;
    else if (a == "--count")
      count = std::atol(v.c_str());
    else if (a == "--rate")
      rate = std::atof(v.c_str());
    else if (a == "--concurrency")
      concurrency = std::atol(v.c_str());
    else if (a == "--prefix")
      prefix = v;
    else if (a == "--first")
      first = std::atol(v.c_str());
    else if (a == "--scheduler-name")
      scheduler = v;
    else if (a == "--label")
      label = v;
    else if (a == "--node-prefix")
      node_prefix = v;
    else if (a == "--nodes")
      nodes = std::atol(v.c_str());
    else if (a == "--cpu")
      cpu = v;
    else if (a == "--memory")
      memory = v;
    else if (a == "--out")
      out = v;
    else {
      std::fprintf(stderr, "pod_creator: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (ns.empty() || count <= 0 || concurrency <= 0 || rate < 0 || argc % 2 != 1 ||
      (!node_prefix.empty() && nodes <= 0)) {
    std::fprintf(stderr,
                 "usage: pod_creator --kubeconfig F --namespace NS --count N [--rate R] "
                 "[--concurrency C] [--prefix P] [--first I] [--scheduler-name S] [--label k=v] "
                 "[--node-prefix P --nodes K] [--cpu Q] [--memory Q] [--out FILE]\n");
    return 2;
  }
  client::InitTransport(4);
  client::KubeConfigOptions config_options;
  config_options.kubeconfig_path = kubeconfig;
  client::RestClientOptions options;
  options.qps = 0;  // the schedule (or the concurrency) is the only limit
  options.user_agent = "pod-creator";
  auto kube = client::MakeRestClient(client::LoadKubeConfig(config_options), options);

  // The pod, built once; the name (and node) are filled in per request.
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"namespace", ns}}},
              {"spec",
               {{"automountServiceAccountToken", false},
                {"containers",
                 {{{"name", "task"},
                   {"image", "fake.example/task:1"},
                   {"resources", {{"requests", {{"cpu", cpu}, {"memory", memory}}}}}}}}}}};
  if (!scheduler.empty()) pod["spec"]["schedulerName"] = scheduler;
  if (const auto eq = label.find('='); eq != std::string::npos)
    pod["metadata"]["labels"][label.substr(0, eq)] = label.substr(eq + 1);
  const std::string path = "/api/v1/namespaces/" + ns + "/pods";

  std::vector<Sample> samples(count);
  std::atomic<long> next{0};
  // Each worker first opens its connection (TLS handshake) with one cheap GET, so that the
  // schedule starts on warm connections: CONCURRENCY handshakes at once on a busy machine take
  // seconds and would otherwise delay the first pods.
  std::latch warm(concurrency), go(1);
  double start = 0;  // written before `go` opens, read after
  auto worker = [&] {
    kube->Request("GET", "/api/v1/namespaces/" + ns);
    warm.count_down();
    go.wait();
    json body = pod;
    for (long i; (i = next.fetch_add(1)) < count;) {
      Sample& s = samples[i];
      s.due = rate > 0 ? start + static_cast<double>(i) / rate : start;
      const double wait = s.due - Now();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
      body["metadata"]["name"] = prefix + std::to_string(first + i);
      if (!node_prefix.empty())
        body["spec"]["nodeName"] = node_prefix + std::to_string((first + i) % nodes);
      const std::string text = body.dump();
      s.sent = Now();
      s.status = kube->Request("POST", path, text).status;
      s.done = Now();
    }
  };
  std::vector<std::thread> threads;
  for (long t = 0; t < concurrency; ++t) threads.emplace_back(worker);
  warm.wait();
  start = Now() + 0.05;
  go.count_down();
  for (auto& t : threads) t.join();

  long created = 0, failed = 0;
  double first_sent = 1e300, last_sent = 0, last_done = 0;
  std::vector<double> lag;
  for (const Sample& s : samples) {
    if (s.status == 201 || s.status == 409)
      ++created;
    else
      ++failed;
    first_sent = std::min(first_sent, s.sent);
    last_sent = std::max(last_sent, s.sent);
    last_done = std::max(last_done, s.done);
    lag.push_back(s.sent - s.due);
  }
  if (!out.empty()) {
    std::ofstream file(out);
    file << "pod,due,sent,done,status\n";
    file.setf(std::ios::fixed);
    file.precision(3);
    for (long i = 0; i < count; ++i) {
      const Sample& s = samples[i];
      file << prefix << first + i << ',' << s.due << ',' << s.sent << ',' << s.done << ','
           << s.status << '\n';
    }
  }
  const double span = last_sent - first_sent;
  json summary = {{"created", created},
                  {"failed", failed},
                  {"target_rate", rate},
                  {"concurrency", concurrency},
                  {"start", start},
                  {"seconds", last_done - start},
                  {"achieved_rate", span > 0 ? (count - 1) / span : 0.0},
                  {"lag_p50", Percentile(lag, 50)},
                  {"lag_p99", Percentile(lag, 99)},
                  {"lag_max", Percentile(lag, 100)}};
  std::printf("%s\n", summary.dump().c_str());
  if (failed > 0) {
    for (const Sample& s : samples)
      if (s.status != 201 && s.status != 409) {
        std::fprintf(stderr, "pod_creator: %ld of %ld POSTs failed (first status %d)\n", failed,
                     count, s.status);
        break;
      }
  }
  return failed == 0 ? 0 : 1;
}
