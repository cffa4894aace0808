// The stopwatch of the end-to-end benchmark (hack/bench-e2e.sh): watches the pods of one
// namespace and records, for each, the moment its binding became visible (local wall clock,
// milliseconds: the first watch event carrying spec.nodeName), next to when it was first seen
// (same clock: its creation for pods created while watching), its creationTimestamp and its
// PodScheduled condition's lastTransitionTime (both whole seconds, set by the API server and
// the scheduler). One watch stream, so measuring hardly loads the API server.
//
//   bind_watcher --kubeconfig F --namespace NS --count M --out FILE [--ready-file F]
//                [--timeout-seconds 1800]
// Touches --ready-file once the initial list is in, exits 0 when M pods are bound (writing
// FILE: "pod,seen,created,bound,scheduled" with epoch seconds), 1 on timeout (FILE has the bound
// ones so far).
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "operator/client/informer.h"
#include "operator/client/kubeconfig.h"
#include "operator/client/rest_client.h"

namespace client = kubemesos::client;
using nlohmann::json;

namespace {

// "2026-11-27T05:30:07Z" -> epoch seconds; -1 when absent or unparsable.
double ParseTime(const json& value) {
  if (!value.is_string()) return -1;
  std::tm tm{};
  const std::string s = value.get<std::string>();
  if (!strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return -1;
  return static_cast<double>(timegm(&tm));
}

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Record {
  double seen = -1, created = -1, bound = -1, scheduled = -1;
};

}  // namespace

int main(int argc, char** argv) {
  std::string kubeconfig, ns, out, ready_file;
  long count = 0, timeout_seconds = 1800;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--kubeconfig")
      kubeconfig = v;
    else if (a == "--namespace")
      ns = v;
    else if (a == "--count")
      count = std::atol(v.c_str());
    else if (a == "--out")
      out = v;
    else if (a == "--ready-file")
      ready_file = v;
    else if (a == "--timeout-seconds")
      timeout_seconds = std::atol(v.c_str());
  }
  if (ns.empty() || out.empty() || count <= 0 || argc % 2 != 1) {
    std::fprintf(stderr,
                 "usage: bind_watcher --kubeconfig F --namespace NS --count M --out FILE "
                 "[--ready-file F] [--timeout-seconds S]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  // SIGTERM/SIGINT end the wait early; what was recorded is still written.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  client::InitTransport(2);
  client::KubeConfigOptions config_options;
  config_options.kubeconfig_path = kubeconfig;
  client::RestClientOptions options;
  options.qps = 0;  // one list and one watch: no limit needed
  options.user_agent = "bind-watcher";
  auto kube = client::MakeRestClient(client::LoadKubeConfig(config_options), options);

  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<std::string, Record> pods;
  long bound = 0;
  bool synced = false;
  client::InformerOptions informer_options;
  informer_options.path = "/api/v1/namespaces/" + ns + "/pods";
  client::Informer::Handlers handlers;
  handlers.on_event = [&](client::InformerEvent event) {
    if (event.type == client::EventType::kDeleted) return;
    const json& pod = event.object;
    const double now = Now();
    std::string name = pod["metadata"]["name"].get<std::string>();
    std::lock_guard<std::mutex> lock(mu);
    Record& r = pods[name];
    if (r.seen < 0) r.seen = now;
    if (r.created < 0) r.created = ParseTime(pod["metadata"].value("creationTimestamp", json()));
    const json& spec = pod["spec"];
    const bool has_node = spec.contains("nodeName") && spec["nodeName"].is_string() &&
                          !spec["nodeName"].get<std::string>().empty();
    if (has_node && r.bound < 0) {
      r.bound = now;
      ++bound;
    }
    if (pod.contains("status") && pod["status"].contains("conditions")) {
      for (const auto& c : pod["status"]["conditions"]) {
        if (c.value("type", "") == "PodScheduled" && c.value("status", "") == "True")
          r.scheduled = ParseTime(c.value("lastTransitionTime", json()));
      }
    }
    if (bound >= count) cv.notify_all();
  };
  handlers.on_synced = [&] {
    std::lock_guard<std::mutex> lock(mu);
    synced = true;
    cv.notify_all();
  };
  client::Informer informer(*kube, informer_options, std::move(handlers));
  informer.Start();
  bool stop = false;
  std::thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
    cv.notify_all();
  }).detach();

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool done = false;
  {
    std::unique_lock<std::mutex> lock(mu);
    if (cv.wait_until(lock, deadline, [&] { return synced || stop; }) && synced &&
        !ready_file.empty())
      std::ofstream(ready_file) << "synced\n";
    done = cv.wait_until(lock, deadline, [&] { return bound >= count || stop; }) && bound >= count;
  }
  informer.Stop();
  std::lock_guard<std::mutex> lock(mu);
  std::ofstream file(out);
  file << "pod,seen,created,bound,scheduled\n";
  file.setf(std::ios::fixed);
  file.precision(3);
  for (const auto& [name, r] : pods) {
    if (r.bound >= 0)
      file << name << ',' << r.seen << ',' << r.created << ',' << r.bound << ',' << r.scheduled
           << '\n';
  }
  if (!done)
    std::fprintf(stderr, "bind_watcher: stopped or timed out with %ld of %ld bound\n", bound,
                 count);
  return done ? 0 : 1;
}
