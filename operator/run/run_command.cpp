// `kubemesos run`: the operator's wiring and lifecycle.
#include "operator/run/run_command.h"

#include <signal.h>

#include <unistd.h>
#include <atomic>
#include <cstdio>
#include <cstdlib>

#include <memory>
#include <span>
#include <sstream>
#include <thread>

#include "operator/client/informer.h"
#include "operator/client/kubeconfig.h"
#include "operator/client/rest_client.h"
#include "operator/controller/framework_controller.h"
#include "operator/controller/task_writer.h"
#include "operator/kube/object_key.h"
#include "operator/loop/binder.h"
#include "operator/loop/object_status.h"
#include "operator/loop/scheduling_loop.h"
#include "operator/loop/status_reporter.h"
#include "operator/metrics/http_server.h"
#include "operator/metrics/metrics.h"
#include "operator/run/config.h"
#include "operator/run/registry_setup.h"
#include "operator/run/shutdown.h"
#include "operator/util/log.h"

namespace kubemesos::run {
namespace {

struct Watched {
  loop::ObjectKind kind;
  const char* path;
  const char* resource;  // the watch_restarts_total label
};

constexpr Watched kWatched[] = {
    {loop::ObjectKind::kNode, "/api/v1/nodes", "nodes"},
    {loop::ObjectKind::kPod, "/api/v1/pods", "pods"},
    {loop::ObjectKind::kResourceGroup, "/apis/kubemesos.io/v1alpha1/resourcegroups",
     "resourcegroups"},
    {loop::ObjectKind::kFramework, "/apis/kubemesos.io/v1alpha1/frameworks", "frameworks"},
};

// The engine's view of groups, frameworks and the cluster, published as gauges.
class MetricsPublisher {
 public:
  explicit MetricsPublisher(metrics::Metrics& metrics) : metrics_(metrics) {}

  void Publish(const Allocator& allocator) {
    const ResourceCatalog& catalog = allocator.catalog();
    auto groups = allocator.Groups();
    auto frameworks = allocator.Frameworks();
    values_.clear();
    values_.reserve(groups.size() * 3 * catalog.size() + 2 * catalog.size());
    std::vector<metrics::GroupSample> group_samples;
    for (const auto& g : groups) {
      auto allocated = Values(catalog, g.allocated, nullptr);
      auto guarantee = Values(catalog, g.guarantee.amount, &g.guarantee);
      auto limit = Values(catalog, g.limit.amount, &g.limit);
      group_samples.push_back({g.name, allocated, guarantee, limit, g.dominant_share});
    }
    metrics_.SetGroups(group_samples);
    std::vector<metrics::FrameworkSample> fw_samples;
    for (const auto& f : frameworks) {
      fw_samples.push_back(
          {f.key, f.group, f.dominant_share, f.pending, f.offers_accepted, f.offers_declined});
    }
    metrics_.SetFrameworks(fw_samples);
    auto capacity = Values(catalog, allocator.TotalCapacity(), nullptr);
    auto allocated = Values(catalog, allocator.TotalAllocated(), nullptr);
    metrics_.SetCluster(capacity, allocated);
  }

 private:
  // A span over values appended to values_ (reserved up front, so spans stay valid).
  std::span<const metrics::ResourceValue> Values(const ResourceCatalog& catalog,
                                                 const Resources& amounts,
                                                 const ResourceBound* bound) {
    size_t first = values_.size();
    for (ResourceId id = 0; id < catalog.size(); ++id) {
      if (bound && !bound->Has(id)) continue;
      values_.push_back({catalog.Name(id), ResourceCatalog::ToDisplay(id, amounts[id])});
    }
    return {values_.data() + first, values_.size() - first};
  }

  metrics::Metrics& metrics_;
  std::vector<metrics::ResourceValue> values_;
};

// The registry's frameworkID of the Framework "namespace/name" ("" while unknown).
std::string FrameworkIdOf(const registry::RegistryRecorder& recorder, const std::string& key) {
  kube::ObjectKey k = kube::ObjectKey::Parse(key);
  return k.ns.empty() ? "" : recorder.FrameworkId(k.ns, k.name);
}

// A finished task as the registry stores it (times: RFC 3339 from the pod; unparsable = epoch).
registry::TaskResult ToRegistryResult(const controller::FinishedTask& finished) {
  const controller::TaskResult& r = finished.result;
  registry::TaskResult out{finished.ns, finished.framework, r.pod, r.state, r.exit_code,
                           r.reason,    r.message,          {},    {}};
  registry::ParseTime(r.start_time, out.start_time);
  registry::ParseTime(r.finish_time, out.finish_time);
  return out;
}

loop::WatchType ToWatchType(client::EventType type) {
  switch (type) {
    case client::EventType::kAdded:
      return loop::WatchType::kAdded;
    case client::EventType::kModified:
      return loop::WatchType::kModified;
    case client::EventType::kDeleted:
      return loop::WatchType::kDeleted;
  }
  return loop::WatchType::kModified;
}

}  // namespace

int RunCommand(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      std::fputs(RunUsage().c_str(), stdout);
      return 0;
    }
  }
  RunConfig config;
  std::string error;
  if (!ParseRunFlags(args, config, error)) {
    std::fprintf(stderr, "error: %s\n%s", error.c_str(), RunUsage().c_str());
    return 2;
  }
  log::Level level = log::Level::kInfo;
  log::ParseLevel(config.log_level, level);
  log::SetLevel(level);

  client::KubeConfig kubeconfig;
  try {
    client::KubeConfigOptions options;
    options.kubeconfig_path = config.kubeconfig;
    kubeconfig = client::LoadKubeConfig(options);
  } catch (const std::exception& e) {
    log::Error("cannot load the cluster configuration", {{"error", e.what()}});
    return 1;
  }
  client::InitTransport(8);
  client::RestClientOptions client_options;
  client_options.qps = config.client_qps;
  client_options.burst = config.client_burst;
  client_options.allow_insecure_token = config.allow_insecure_token;
  std::unique_ptr<client::KubeClient> kube;
  try {
    kube = client::MakeRestClient(kubeconfig, client_options);
  } catch (const std::exception& e) {
    log::Error("cannot set up the API client",
               {{"cluster", kubeconfig.Describe()}, {"error", e.what()}});
    return 1;
  }
  if (config.allow_insecure_token && kubeconfig.server.rfind("http://", 0) == 0) {
    log::Warn("the bearer token goes over plain http:// (--allow-insecure-token)",
              {{"server", kubeconfig.server}});
  }
  log::Info("starting", {{"cluster", kubeconfig.Describe()},
                         {"policy", config.policy == Policy::kBinpack ? "binpack" : "spread"},
                         {"bindConcurrency", config.bind_concurrency}});

  // Fail fast with a clear message when the API server is unreachable or refuses us.
  auto version = kube->Request("GET", "/version");
  if (!version.ok()) {
    log::Error("cannot reach the Kubernetes API server",
               {{"status", version.status},
                {"error", version.message.empty() ? version.body : version.message}});
    return 1;
  }

  metrics::Metrics metrics;  // declared before the server, which reads it
  std::atomic<bool> caches_synced{false};
  std::atomic<RegistrySetup*> registry_ready{nullptr};  // set once the registry is built
  metrics::HttpServerOptions http_options{.address = config.metrics_address,
                                          .probe_address = config.probe_address};
  metrics::HttpServer http(metrics, http_options, [&]() -> metrics::Readiness {
    if (!caches_synced.load()) return {false, "watch caches not synced yet"};
    RegistrySetup* setup = registry_ready.load();
    if (setup && setup->election() && setup->election()->IsLeader() && !setup->IsLeader()) {
      return {false,
              "leader, but the registry is not readable yet: " + setup->election()->LastError()};
    }
    return {true, ""};
  });
  try {
    http.Start();
  } catch (const std::exception& e) {
    log::Error("cannot serve metrics", {{"error", e.what()}});
    return 1;
  }
  log::Info("serving /metrics, /healthz and /readyz", {{"address", config.metrics_address},
                                                       {"port", http.port()},
                                                       {"probeAddress", config.probe_address},
                                                       {"probePort", http.probe_port()}});
  // The registry and leader election (etcd, a Lease + ConfigMaps, or none): registry_setup.h.
  RegistrySetup registry_setup;  // declared before the threads that read it
  if (std::string error; !registry_setup.Build(config, *kube, metrics, error)) {
    log::Error("cannot set up the registry", {{"error", error}});
    return 1;
  }
  registry_setup.Start();
  registry_ready = &registry_setup;
  registry::RegistryRecorder* recorder = registry_setup.recorder();  // null: no registry
  // Binds and cycles happen only while this replica holds the lease, with a safety margin
  // before it could expire (fencing).
  auto is_leader = [&registry_setup] { return registry_setup.IsLeader(); };
  MetricsPublisher publisher(metrics);
  double last_publish = 0;

  loop::EventQueue<loop::LoopEvent> queue;
  // SIGTERM/SIGINT: the loop wakes at once (an empty event); shutdown.h bounds what follows.
  ShutdownSignals signals(kShutdownHardLimit, [&queue] { queue.Push(loop::LoopEvent{}); });
  signal(SIGPIPE, SIG_IGN);  // a peer closing a socket must not kill the process

  loop::Binder binder(*kube, queue, config.bind_concurrency, is_leader);
  loop::StatusReporter status(*kube, config.status_writes_per_second, config.status_burst,
                              is_leader);
  loop::ObjectStatusWriter object_status(*kube, config.status_writes_per_second,
                                         config.status_burst);
  loop::SchedulerCore core(AllocatorOptions{config.policy}, binder, status);
  controller::ControllerOptions controller_options;
  controller_options.retry_backoff_seconds = config.task_retry_backoff_seconds;
  controller_options.max_instances_per_framework = config.max_framework_instances;
  controller::FrameworkController frameworks(controller_options);
  controller::TaskWriter task_writer(*kube, queue, config.bind_concurrency, is_leader);
  auto framework_extras = [&frameworks, recorder](const std::string& key) {
    loop::FrameworkExtras extras;
    if (recorder) extras.framework_id = FrameworkIdOf(*recorder, key);
    if (const auto* tasks = frameworks.Tasks(key)) {
      extras.missing = tasks->missing;
      extras.succeeded = tasks->succeeded;
      extras.failed = tasks->failed;
      extras.retrying = tasks->retrying;
      extras.lost = tasks->lost;
      extras.restarts = tasks->restarts;
      extras.launch_problem = tasks->problem;
      extras.launch_reason = tasks->problem_reason;
      extras.last_results = nlohmann::json::array();
      for (const auto& r : tasks->last_results)
        extras.last_results.push_back(controller::TaskResultJson(r));
    }
    return extras;
  };

  std::vector<std::unique_ptr<client::Informer>> informers;
  std::atomic<size_t> synced_kinds{0};  // on_synced is called once per informer
  for (const auto& watched : kWatched) {
    client::InformerOptions options;
    options.path = watched.path;
    loop::ObjectKind kind = watched.kind;
    client::Informer::Handlers handlers;
    handlers.on_event = [&queue, kind, recorder](client::InformerEvent event) {
      if (recorder && kind != loop::ObjectKind::kPod)  // no I/O: the recorder's own thread writes
        registry::ObserveObject(*recorder, loop::KindName(kind),
                                event.type == client::EventType::kDeleted, event.object);
      queue.Push(loop::LoopEvent::Object(kind, ToWatchType(event.type), std::move(event.object)));
    };
    handlers.on_synced = [&queue, kind, recorder, &synced_kinds] {
      if (++synced_kinds == std::size(kWatched) && recorder) recorder->MarkSynced();
      queue.Push(loop::LoopEvent::Synced(kind));
      log::Info("watch synced", {{"kind", loop::KindName(kind)}});
    };
    informers.push_back(std::make_unique<client::Informer>(*kube, options, std::move(handlers)));
    informers.back()->Start();
  }

  uint64_t bound_total = 0;
  uint64_t logged_binds = 0;
  uint64_t logged_writes = 0;
  double last_progress = 0;
  loop::SchedulingLoop scheduling(
      core, queue,
      {config.min_cycle_interval_seconds, config.max_cycle_interval_seconds, is_leader,
       [&frameworks, &core](const loop::LoopEvent& event) {  // the core's conversion, shared
         frameworks.Observe(event, loop::SchedulingLoop::Now(), core.framework_conversion());
       }},
      [&](const loop::CycleStats& stats) {
        bound_total += stats.placements;
        caches_synced = true;  // cycles run only once every watch has synced
        metrics.ObserveCycle(stats.seconds);
        for (const auto& outcome : core.TakeBindOutcomes()) {
          metrics.ObserveBind(metrics::OutcomeFromHttpStatus(outcome.result.status),
                              outcome.latency_seconds);
        }
        double now = loop::SchedulingLoop::Now();
        if (is_leader()) {  // the Framework controller: launch, relaunch and clean up task pods
          for (auto& action : frameworks.Reconcile(now)) task_writer.Write(std::move(action));
        }
        for (const auto& problem : frameworks.TakeProblems()) {
          status.ObjectWarning(loop::ObjectKind::kFramework, problem.ns, problem.name,
                               problem.reason, problem.message);
        }
        for (const auto& finished : frameworks.TakeFinished()) {
          if (recorder) recorder->TaskFinished(ToRegistryResult(finished));
          log::Debug("task finished", {{"framework", finished.ns + "/" + finished.framework},
                                       {"pod", finished.result.pod},
                                       {"state", finished.result.state},
                                       {"exitCode", finished.result.exit_code}});
        }
        if (now - last_publish >= 1.0) {
          last_publish = now;
          publisher.Publish(core.allocator());
          if (is_leader())  // one writer: the leader
            object_status.Publish(core.allocator(), framework_extras);
          for (size_t i = 0; i < informers.size(); ++i) {
            metrics.SetWatchRestarts(kWatched[i].resource, informers[i]->Stats().restarts);
          }
        }
        // Progress of binds and writes, at most once a second while it changes.
        if ((core.binds_succeeded() != logged_binds ||
             object_status.writes() + task_writer.created() != logged_writes) &&
            now - last_progress >= 1.0) {
          logged_binds = core.binds_succeeded();
          logged_writes = object_status.writes() + task_writer.created();
          last_progress = now;
          log::Info("progress", {{"bound", logged_binds},
                                 {"bindFailures", core.bind_failures()},
                                 {"pending", core.allocator().pending_task_count()},
                                 {"taskPodsCreated", task_writer.created()},
                                 {"objectStatusWrites", object_status.writes()}});
        }
        if (stats.placements > 0 || stats.unplaced_reported > 0) {
          log::Info("allocation cycle", {{"placed", stats.placements},
                                         {"newlyPending", stats.unplaced_reported},
                                         {"pendingTotal", core.allocator().pending_task_count()},
                                         {"seconds", stats.seconds}});
        }
      });
  scheduling.Run(signals.requested());

  // Bounded: queued task-pod writes are dropped (a create can wait long for the client's rate
  // limit; the next leader's controller writes them again), queued binds are sent until the
  // drain deadline, then dropped; the hard limit (shutdown.h) covers whatever still hangs.
  auto stop_started = std::chrono::steady_clock::now();
  auto drain_deadline = stop_started + kShutdownDrain;
  log::Info("stopping: finishing binds in flight, dropping queued task-pod writes",
            {{"drainSeconds", kShutdownDrain.count()}});
  signals.Stage("task-pod writes in flight");
  bool writes_ended = task_writer.Stop(util::StopMode::kDrop, drain_deadline);
  signals.Stage("binds");
  bool binds_ended = binder.Stop(drain_deadline);
  if (!writes_ended || !binds_ended) {
    log::Warn("requests still in flight at the drain deadline; stopping the rest",
              {{"binds", !binds_ended}, {"taskPodWrites", !writes_ended}});
  }
  signals.Stage("watches");
  nlohmann::json watches = nlohmann::json::object();
  for (auto& informer : informers) {
    informer->Stop();
    auto stats = informer->Stats();
    watches[informer->path()] = {{"lists", stats.lists},
                                 {"relists", stats.relists},
                                 {"restarts", stats.restarts},
                                 {"errors", stats.errors}};
  }
  signals.Stage("status writes in flight");
  status.Stop();
  object_status.Stop();
  signals.Stage("the registry (resigning)");
  registry_ready = nullptr;
  registry_setup.Stop();  // the recorder, then the election (resigns: a standby takes over)
  log::Info(
      "stopped",
      {{"placed", bound_total},
       {"bound", core.binds_succeeded()},
       {"bindsSent", binder.sent()},
       {"bindFailures", core.bind_failures()},
       {"statusWrites", status.writes()},
       {"objectStatusWrites", object_status.writes()},
       {"taskPodsCreated", task_writer.created()},
       {"taskPodsDeleted", task_writer.deleted()},
       {"bindsDropped", binder.dropped()},
       {"taskPodWritesDropped", task_writer.dropped()},
       {"stopSeconds",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - stop_started).count()},
       {"watches", watches}});
  if (!writes_ended || !binds_ended) {
    // Requests past the drain deadline are still in flight and cannot be interrupted; the
    // replica has resigned and logged its stop, so it exits without waiting for them (the
    // destructors would join their threads).
    std::fflush(nullptr);
    std::_Exit(0);
  }
  signals.Stage("releasing threads and connections");
  return 0;
}

}  // namespace kubemesos::run
