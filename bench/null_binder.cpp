// The null binder of the end-to-end benchmark (hack/bench-e2e.sh): binds every pending pod of
// one schedulerName to the nodes round-robin, with no decision at all, through kubemesos' own
// client library (MakeRestClient, Informer) at a given bind concurrency. What it reaches is the
// API server's own ceiling for binds on this machine, the bar kubemesos is measured against.
//
//   null_binder --kubeconfig F --scheduler-name NAME [--namespace NS] [--concurrency 16]
//               [--qps 5000] [--burst 5000] [--node-selector type=kwok] [--watch-all-pods]
// --watch-all-pods watches every pod (as a real scheduler must, to account for capacity) and
// picks its own pending ones client-side, instead of a server-side field selector: the
// difference between the two is the cost of that watch.
// Runs until SIGTERM or SIGINT, then prints what it did as one JSON line on stdout.
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/client/informer.h"
#include "operator/client/kubeconfig.h"
#include "operator/client/rest_client.h"

namespace client = kubemesos::client;

namespace {

struct Flags {
  std::string kubeconfig, scheduler_name, ns, node_selector = "type=kwok";
  int concurrency = 16;
  double qps = 5000;
  int burst = 5000;
  bool watch_all = false;
};

bool Parse(int argc, char** argv, Flags& f) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--watch-all-pods") {
      f.watch_all = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    if (a == "--kubeconfig")
      f.kubeconfig = v;
    else if (a == "--scheduler-name")
      f.scheduler_name = v;
    else if (a == "--namespace")
      f.ns = v;
    else if (a == "--node-selector")
      f.node_selector = v;
    else if (a == "--concurrency")
      f.concurrency = std::atoi(v.c_str());
    else if (a == "--qps")
      f.qps = std::atof(v.c_str());
    else if (a == "--burst")
      f.burst = std::atoi(v.c_str());
    else
      return false;
  }
  return !f.scheduler_name.empty() && f.concurrency > 0;
}

// Pods waiting for a bind ("ns/name"), fed by the informer thread, drained by the workers.
class WorkQueue {
 public:
  void Push(std::string pod) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!seen_.insert(pod).second) return;  // each pod is bound once
      queue_.push_back(std::move(pod));
    }
    cv_.notify_one();
  }
  bool Pop(std::string& pod) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return false;
    pod = std::move(queue_.front());
    queue_.pop_front();
    return true;
  }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      queue_.clear();
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> seen_;
  bool stop_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!Parse(argc, argv, flags)) {
    std::fprintf(
        stderr,
        "usage: null_binder --kubeconfig F --scheduler-name NAME [--namespace NS] "
        "[--concurrency N] [--qps Q] [--burst B] [--node-selector SEL] [--watch-all-pods]\n");
    return 2;
  }
  // Signals are taken by sigwait in main; every thread started below inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  client::InitTransport(8);  // as `kubemesos run`
  client::KubeConfigOptions config_options;
  config_options.kubeconfig_path = flags.kubeconfig;
  client::RestClientOptions options;
  options.qps = flags.qps;
  options.burst = flags.burst;
  options.user_agent = "null-binder";
  auto kube = client::MakeRestClient(client::LoadKubeConfig(config_options), options);

  // The nodes, once: the null binder never looks at capacity.
  std::vector<std::string> nodes;
  auto list = kube->Request(
      "GET", "/api/v1/nodes?labelSelector=" + client::QueryEscape(flags.node_selector));
  if (!list.ok()) {
    std::fprintf(stderr, "null_binder: listing nodes failed: %s\n", list.message.c_str());
    return 1;
  }
  const auto node_list = nlohmann::json::parse(list.body);
  for (const auto& node : node_list["items"])
    nodes.push_back(node["metadata"]["name"].get<std::string>());
  if (nodes.empty()) {
    std::fprintf(stderr, "null_binder: no node matches %s\n", flags.node_selector.c_str());
    return 1;
  }

  WorkQueue work;
  client::InformerOptions informer_options;
  informer_options.path =
      flags.ns.empty() ? "/api/v1/pods" : "/api/v1/namespaces/" + flags.ns + "/pods";
  informer_options.field_selector =
      "spec.schedulerName=" + flags.scheduler_name + ",spec.nodeName=";
  client::Informer::Handlers handlers;
  if (flags.watch_all) {
    informer_options.path = "/api/v1/pods";
    informer_options.field_selector.clear();
  }
  handlers.on_event = [&work, &flags](client::InformerEvent event) {
    if (event.type == client::EventType::kDeleted) return;
    if (flags.watch_all) {
      const auto& spec = event.object["spec"];
      if (spec.value("schedulerName", "") != flags.scheduler_name ||
          !spec.value("nodeName", "").empty())
        return;
    }
    const auto& meta = event.object["metadata"];
    work.Push(meta["namespace"].get<std::string>() + "/" + meta["name"].get<std::string>());
  };
  handlers.on_synced = [] { std::fprintf(stderr, "null_binder: synced\n"); };
  client::Informer informer(*kube, informer_options, std::move(handlers));

  std::atomic<uint64_t> next_node{0}, bound{0}, failed{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < flags.concurrency; ++i) {
    workers.emplace_back([&] {
      std::string pod;
      while (work.Pop(pod)) {
        auto slash = pod.find('/');
        std::string ns = pod.substr(0, slash), name = pod.substr(slash + 1);
        const std::string& node = nodes[next_node++ % nodes.size()];
        std::string body = R"({"apiVersion":"v1","kind":"Binding","metadata":{"name":")" + name +
                           R"(","namespace":")" + ns +
                           R"("},"target":{"apiVersion":"v1","kind":"Node","name":")" + node +
                           R"("}})";
        auto r =
            kube->Request("POST", "/api/v1/namespaces/" + ns + "/pods/" + name + "/binding", body);
        if (r.ok()) {
          ++bound;
        } else if (++failed <= 5) {
          std::fprintf(stderr, "null_binder: bind %s -> %s: %d %s\n", pod.c_str(), node.c_str(),
                       r.status, r.message.c_str());
        }
      }
    });
  }
  informer.Start();
  int sig = 0;
  sigwait(&signals, &sig);
  informer.Stop();
  work.Stop();
  for (auto& t : workers) t.join();
  std::printf(
      "%s\n",
      nlohmann::json{{"nodes", nodes.size()}, {"bound", bound.load()}, {"failed", failed.load()}}
          .dump()
          .c_str());
  return 0;
}
