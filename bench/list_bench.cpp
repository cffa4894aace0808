// Start-up cost of listing a big collection (issue #17): how long kubemesos' Informer takes to
// deliver every object of PATH until it is synced, in JSON or protobuf, by LIST pages or by a
// watch-list stream (--watch-list), and the CPU it spends. Driven by hack/bench-list.sh, which
// adds the API server's CPU.
//
//   list_bench --kubeconfig F --encoding json|protobuf [--path /api/v1/pods] [--kind Pod]
//              [--page-size 500] [--watch-list]
// Prints one JSON line: {mode, encoding, objects, seconds, cpu_seconds, content_type}.
#include <sys/resource.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "operator/client/encoding.h"
#include "operator/client/informer.h"
#include "operator/client/kubeconfig.h"
#include "operator/client/rest_client.h"

namespace client = kubemesos::client;
using nlohmann::json;

namespace {

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  std::string kubeconfig, encoding_name = "protobuf", path = "/api/v1/pods", kind = "Pod";
  int page_size = 500;
  bool watch_list = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--watch-list") {
      watch_list = true;
    } else if (i + 1 < argc && a == "--kubeconfig") {
      kubeconfig = argv[++i];
    } else if (i + 1 < argc && a == "--encoding") {
      encoding_name = argv[++i];
    } else if (i + 1 < argc && a == "--path") {
      path = argv[++i];
    } else if (i + 1 < argc && a == "--kind") {
      kind = argv[++i];
    } else if (i + 1 < argc && a == "--page-size") {
      page_size = std::stoi(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: list_bench --kubeconfig F --encoding json|protobuf [--path P] "
                   "[--kind K] [--page-size N] [--watch-list]\n");
      return 2;
    }
  }
  client::Encoding encoding;
  if (!client::ParseEncoding(encoding_name, encoding)) {
    std::fprintf(stderr, "list_bench: --encoding: want json or protobuf\n");
    return 2;
  }
  client::InitTransport(4);
  client::RestClientOptions options;
  options.qps = 0;
  auto kube = client::MakeRestClient(client::LoadKubeConfigFiles(kubeconfig), options);

  double cpu0 = CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  long objects = 0;
  std::string content_type, error;
  {
    std::mutex mu;
    std::condition_variable cv;
    bool synced = false;
    client::InformerOptions o;
    o.path = path;
    o.kind = kind;
    o.encoding = encoding;
    o.page_size = page_size;
    o.watch_list = watch_list;
    client::Informer informer(*kube, o,
                              {[&](client::InformerEvent) { ++objects; },
                               [&] {
                                 std::lock_guard<std::mutex> lock(mu);
                                 synced = true;
                                 cv.notify_all();
                               },
                               nullptr});
    informer.Start();
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return synced; });
    content_type = informer.Stats().content_type;
    error = informer.Stats().last_error;
    lock.unlock();
    informer.Stop();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  json out = {{"mode", watch_list ? "watch-list" : "list"},
              {"encoding", encoding_name},
              {"objects", objects},
              {"seconds", seconds},
              {"cpu_seconds", CpuSeconds() - cpu0},
              {"content_type", content_type}};
  if (!error.empty()) out["error"] = error;
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
