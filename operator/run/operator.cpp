// The operator's components, their start order and their stop (see operator.h).
#include "operator/run/operator.h"

#include <cstdio>
#include <iterator>

#include "operator/client/kubeconfig.h"
#include "operator/client/rest_client.h"
#include "operator/kube/object_key.h"
#include "operator/loop/plan_record.h"
#include "operator/loop/plan_restore.h"
#include "operator/run/shutdown.h"
#include "operator/util/allocator.h"
#include "operator/util/log.h"

namespace kubemesos::run {
namespace {

struct Watched {
  loop::ObjectKind kind;
  const char* path;
  const char* resource;   // the watch_restarts_total label
  bool optional = false;  // an API the cluster may not serve (InformerOptions::absent_ok)
};

constexpr Watched kWatched[] = {
    {loop::ObjectKind::kNode, "/api/v1/nodes", "nodes"},
    {loop::ObjectKind::kPod, "/api/v1/pods", "pods"},
    {loop::ObjectKind::kResourceGroup, "/apis/kubemesos.io/v1alpha1/resourcegroups",
     "resourcegroups"},
    {loop::ObjectKind::kFramework, "/apis/kubemesos.io/v1alpha1/frameworks", "frameworks"},
    // Read for placement only: namespaceSelector terms, and volumes (claims, the volumes they
    // are bound to, binding modes, per-node CSI volume limits).
    {loop::ObjectKind::kNamespace, "/api/v1/namespaces", "namespaces"},
    {loop::ObjectKind::kPersistentVolumeClaim, "/api/v1/persistentvolumeclaims",
     "persistentvolumeclaims"},
    {loop::ObjectKind::kPersistentVolume, "/api/v1/persistentvolumes", "persistentvolumes"},
    {loop::ObjectKind::kStorageClass, "/apis/storage.k8s.io/v1/storageclasses", "storageclasses"},
    {loop::ObjectKind::kCSINode, "/apis/storage.k8s.io/v1/csinodes", "csinodes"},
    // Gangs that pods join by name; served only with the GenericWorkload feature gate (beta,
    // off by default in v1.37): without it the kind syncs as empty and such pods wait.
    {loop::ObjectKind::kPodGroup, "/apis/scheduling.k8s.io/v1beta1/podgroups", "podgroups", true},
};

// The kinds the registry records (the others it has no use for).
bool Recorded(loop::ObjectKind kind) {
  return kind == loop::ObjectKind::kNode || kind == loop::ObjectKind::kResourceGroup ||
         kind == loop::ObjectKind::kFramework;
}

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

client::Encoding EncodingOf(const RunConfig& config) {
  return config.protobuf ? client::Encoding::kProtobuf : client::Encoding::kJson;
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

metrics::PartialBindOutcome ToMetric(controller::GangPartialOutcome outcome) {
  switch (outcome) {
    case controller::GangPartialOutcome::kRecovered:
      return metrics::PartialBindOutcome::kRecovered;
    case controller::GangPartialOutcome::kRestarted:
      return metrics::PartialBindOutcome::kRestarted;
    case controller::GangPartialOutcome::kReported:
      break;
  }
  return metrics::PartialBindOutcome::kReported;
}

metrics::EvictionMode MetricMode(const RunConfig& config) {
  return config.eviction_delete ? metrics::EvictionMode::kDelete
                                : metrics::EvictionMode::kEvictionApi;
}

controller::ControllerOptions ControllerOptionsOf(const RunConfig& config) {
  controller::ControllerOptions o;
  o.retry_backoff_seconds = config.task_retry_backoff_seconds;
  o.max_instances_per_framework = config.max_framework_instances;
  return o;
}

}  // namespace

std::unique_ptr<Operator> Operator::Create(RunConfig config) {
  client::KubeConfig kubeconfig;
  try {
    client::KubeConfigOptions options;
    options.kubeconfig_path = config.kubeconfig;
    kubeconfig = client::LoadKubeConfig(options);
  } catch (const std::exception& e) {
    log::Error("cannot load the cluster configuration", {{"error", e.what()}});
    return nullptr;
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
    return nullptr;
  }
  if (config.allow_insecure_token && kubeconfig.server.rfind("http://", 0) == 0) {
    log::Warn("the bearer token goes over plain http:// (--allow-insecure-token)",
              {{"server", kubeconfig.server}});
  }
  log::Info("starting", {{"cluster", kubeconfig.Describe()},
                         {"policy", config.policy == Policy::kBinpack ? "binpack" : "spread"},
                         {"bindConcurrency", config.bind_concurrency},
                         {"allocator", util::AllocatorName()}});

  // Fail fast with a clear message when the API server is unreachable or refuses us.
  auto version = kube->Request("GET", "/version");
  if (!version.ok()) {
    log::Error("cannot reach the Kubernetes API server",
               {{"status", version.status},
                {"error", version.message.empty() ? version.body : version.message}});
    return nullptr;
  }
  std::unique_ptr<Operator> op(new Operator(std::move(config), std::move(kube)));
  if (!op->Setup()) return nullptr;
  return op;
}

Operator::Operator(RunConfig config, std::unique_ptr<client::KubeClient> kube)
    : config_(std::move(config)),
      kube_(std::move(kube)),
      http_(
          metrics_,
          metrics::HttpServerOptions{.address = config_.metrics_address,
                                     .probe_address = config_.probe_address},
          [this]() -> metrics::Readiness {
            if (!caches_synced_.load()) return {false, "watch caches not synced yet"};
            RegistrySetup* setup = registry_ready_.load();
            if (setup && setup->election() && setup->election()->IsLeader() && !setup->IsLeader()) {
              return {false, "leader, but the registry is not readable yet: " +
                                 setup->election()->LastError()};
            }
            return {true, ""};
          }),
      object_status_(*kube_, config_.status_writes_per_second, config_.status_burst),
      // Binds, status and task-pod writes happen only while this replica holds the lease, with
      // a safety margin before it could expire (fencing).
      status_(*kube_, config_.status_writes_per_second, config_.status_burst,
              [this] { return IsLeader(); }),
      binder_(*kube_, queue_, config_.bind_concurrency, [this] { return IsLeader(); }),
      // The registry is built in Setup (SetRegistry there).
      evictor_(
          *kube_, queue_, nullptr,
          // 16 plans at once: ~5 requests each; with 4 the reclaim bench's plans outran the
          // evictor (docs/bench-reclaim.md), the engine caps victims in flight besides.
          {config_.eviction_delete ? loop::EvictionMode::kDelete : loop::EvictionMode::kEvictionApi,
           16, [this] { return IsLeader(); },
           [this](int status) {
             metrics_.AddEviction(MetricMode(config_),
                                  metrics::EvictionResultFromHttpStatus(status));
           }}),
      core_(AllocatorOptionsOf(config_), binder_, status_,
            kube::PodOptions{config_.default_spread}),
      frameworks_(ControllerOptionsOf(config_)),
      task_writer_(*kube_, queue_, config_.bind_concurrency, [this] { return IsLeader(); }),
      loop_(core_, queue_,
            {config_.min_cycle_interval_seconds, config_.max_cycle_interval_seconds,
             [this] { return MayAllocate(); },
             [this](const loop::LoopEvent& event) {  // the core's conversion, shared
               frameworks_.Observe(event, loop::SchedulingLoop::Now(),
                                   core_.framework_conversion());
               if (event.type == loop::LoopEvent::Type::kObject &&
                   event.kind == loop::ObjectKind::kFramework &&
                   event.watch != loop::WatchType::kDeleted) {  // earlier leaders' preemptedTasks
                 object_status_.ObserveFramework(kube::ObjectKey::Of(event.object).String(),
                                                 event.object);
               }
             }},
            [this](const loop::CycleStats& stats) { Cycle(stats); }) {
  core_.SetEvictSink(&evictor_);
  binder_.SetEncoding(EncodingOf(config_));
  core_.SetResultObserver(
      [this](const AllocationResult& result, double now) { OnResult(result, now); });
}

bool Operator::Setup() {
  try {
    http_.Start();
  } catch (const std::exception& e) {
    log::Error("cannot serve metrics", {{"error", e.what()}});
    return false;
  }
  log::Info("serving /metrics, /healthz and /readyz", {{"address", config_.metrics_address},
                                                       {"port", http_.port()},
                                                       {"probeAddress", config_.probe_address},
                                                       {"probePort", http_.probe_port()}});
  // The registry and leader election (etcd, a Lease + ConfigMaps, or none): registry_setup.h.
  if (std::string error; !registry_.Build(config_, *kube_, metrics_, error)) {
    log::Error("cannot set up the registry", {{"error", error}});
    return false;
  }
  recorder_ = registry_.recorder();
  evictor_.SetRegistry(registry_.registry());
  return true;
}

bool Operator::MayAllocate() {
  if (!IsLeader()) {
    plans_restored_ = false;  // the next term reads the plans again
    return false;
  }
  if (plans_restored_ || !registry_.registry()) return true;
  loop::RestoreStats stats;
  std::string error;
  if (!loop::RestorePlans(*registry_.registry(), core_, evictor_, loop::SchedulingLoop::Now(),
                          loop::UnixNow(), stats, error)) {
    if (error != restore_error_) {  // retried at every poll: logged once per distinct error
      restore_error_ = error;
      log::Warn("cannot read the preemption plans from the registry; not allocating yet",
                {{"error", error}});
    }
    return false;
  }
  restore_error_.clear();
  plans_restored_ = true;
  for (const auto& skipped : stats.skipped)
    log::Warn("malformed registry record left out", {{"record", skipped}});
  if (stats.restored + stats.expired + stats.known > 0) {
    log::Info("preemption plans read back from the registry",
              {{"restored", stats.restored}, {"expired", stats.expired}, {"known", stats.known}});
  }
  return true;
}

Operator::~Operator() {
  Stop();
}

void Operator::OnStop(const char* stage, std::function<void()> stop) {
  stop_steps_.push_back({stage, std::move(stop)});
}

void Operator::Start() {
  started_ = true;
  registry_.Start();
  registry_ready_ = &registry_;
  OnStop("the registry (resigning)", [this] {
    registry_ready_ = nullptr;
    registry_.Stop();  // the recorder, then the election (resigns: a standby takes over)
  });
  OnStop("status writes in flight", [this] { object_status_.Stop(); });
  OnStop("status writes in flight", [this] { status_.Stop(); });
  OnStop("status writes in flight", [this] { pod_group_status_.Stop(); });

  // Reserved: on_synced reads its informer through informers_[i], which must not move once
  // its thread runs.
  informers_.reserve(std::size(kWatched));
  for (const auto& watched : kWatched) {
    const size_t i = informers_.size();
    client::InformerOptions options;
    options.path = watched.path;
    options.absent_ok = watched.optional;
    options.encoding = EncodingOf(config_);  // protobuf where the codec knows the kind
    options.kind = loop::KindName(watched.kind);
    loop::ObjectKind kind = watched.kind;
    client::Informer::Handlers handlers;
    handlers.on_event = [this, kind](client::InformerEvent event) {
      if (recorder_ && Recorded(kind))  // no I/O: the recorder's thread writes
        registry::ObserveObject(*recorder_, loop::KindName(kind),
                                event.type == client::EventType::kDeleted, event.object);
      queue_.Push(loop::LoopEvent::Object(kind, ToWatchType(event.type), std::move(event.object)));
    };
    handlers.on_synced = [this, kind, i] {
      if (++synced_kinds_ == std::size(kWatched) && recorder_) recorder_->MarkSynced();
      queue_.Push(loop::LoopEvent::Synced(kind));
      log::Info("watch synced", {{"kind", loop::KindName(kind)},
                                 {"contentType", informers_[i]->Stats().content_type}});
    };
    if (watched.optional) {
      handlers.on_absent = [kind, path = watched.path](bool absent, int status) {
        if (!absent) {
          log::Info("the API server serves this kind now", {{"kind", loop::KindName(kind)}});
        } else if (status == 403) {
          log::Warn("not allowed to list this kind; pods that name one wait",
                    {{"kind", loop::KindName(kind)},
                     {"path", path},
                     {"hint", "the ClusterRole needs list and watch on it (helm upgrade)"}});
        } else {
          log::Warn("the API server does not serve this kind; pods that name one wait",
                    {{"kind", loop::KindName(kind)},
                     {"path", path},
                     {"hint",
                      "scheduling.k8s.io/v1beta1 needs the GenericWorkload feature gate "
                      "and --runtime-config=scheduling.k8s.io/v1beta1=true"}});
        }
      };
    }
    informers_.push_back(std::make_unique<client::Informer>(*kube_, options, std::move(handlers)));
    informers_.back()->Start();
  }
  OnStop("watches", [this] {
    for (auto& informer : informers_) {
      informer->Stop();
      auto stats = informer->Stats();
      watches_[informer->path()] = {{"lists", stats.lists},
                                    {"relists", stats.relists},
                                    {"restarts", stats.restarts},
                                    {"errors", stats.errors}};
    }
  });

  // Bounded: queued binds are sent until the drain deadline, then dropped; queued task-pod
  // writes are dropped at once (a create can wait long for the client's rate limit; the next
  // leader's controller writes them again). The hard limit (shutdown.h) covers what hangs.
  OnStop("binds", [this] {
    // Plans being carried out finish by the drain deadline, queued ones are dropped: the next
    // leader carries a recorded plan on from the registry, and plans again for the others.
    bool evictions_ended = evictor_.Stop(drain_deadline_);
    binds_ended_ = binder_.Stop(drain_deadline_) && evictions_ended;
    if (!writes_ended_ || !binds_ended_) {
      log::Warn("requests still in flight at the drain deadline; stopping the rest",
                {{"binds", !binds_ended_}, {"taskPodWrites", !writes_ended_}});
    }
  });
  OnStop("task-pod writes in flight",
         [this] { writes_ended_ = task_writer_.Stop(util::StopMode::kDrop, drain_deadline_); });
}

void Operator::Run(const std::atomic<bool>& stop) {
  loop_.Run(stop);
}

void Operator::Wake() {
  queue_.Push(loop::LoopEvent{});
}

loop::FrameworkExtras Operator::ExtrasOf(const std::string& key) {
  loop::FrameworkExtras extras;
  if (recorder_) extras.framework_id = FrameworkIdOf(*recorder_, key);
  if (const auto* tasks = frameworks_.Tasks(key)) {
    extras.missing = tasks->missing;
    extras.succeeded = tasks->succeeded;
    extras.failed = tasks->failed;
    extras.retrying = tasks->retrying;
    extras.lost = tasks->lost;
    extras.restarts = tasks->restarts;
    extras.launch_problem = tasks->problem;
    extras.launch_reason = tasks->problem_reason;
    extras.gang_failure = tasks->gang_failure;
    extras.last_results = nlohmann::json::array();
    for (const auto& r : tasks->last_results)
      extras.last_results.push_back(controller::TaskResultJson(r));
  }
  return extras;
}

void Operator::OnResult(const AllocationResult& result, double now) {
  sharing_metrics_.Observe(result, now);
  if (result.preemptions.empty()) return;
  // Framework status.preemption.lastPreempted, and an Event on each victim's Framework.
  for (const auto& event : object_status_.NotePreemptions(result.preemptions, now)) {
    kube::ObjectKey k = kube::ObjectKey::Parse(event.key);
    status_.ObjectWarning(loop::ObjectKind::kFramework, k.ns, k.name, loop::kPreemptedReason,
                          event.message);
  }
}

void Operator::Cycle(const loop::CycleStats& stats) {
  bound_total_ += stats.placements;
  caches_synced_ = true;  // cycles run only once every watch has synced
  metrics_.ObserveCycle(stats.seconds);
  for (const auto& outcome : core_.TakeBindOutcomes()) {
    metrics_.ObserveBind(metrics::OutcomeFromHttpStatus(outcome.result.status),
                         outcome.latency_seconds);
    metrics_.ObserveGangBindSpan(outcome.result.gang_span_seconds);  // -1 (ignored): no batch
    const loop::BindResult& r = outcome.result;
    if (!r.ok() && r.status != 409) {  // 409: already bound, the pod watch brings the truth
      log::Warn("bind failed; the pod goes back to pending",
                {{"pod", r.pod}, {"node", r.node}, {"status", r.status}, {"error", r.message}});
    }
  }
  double now = loop::SchedulingLoop::Now();
  const std::vector<GangStatus> gangs = core_.allocator().Gangs();  // once per cycle
  gang_metrics_.Observe(gangs, core_.allocator().catalog(), now);
  bool leader = IsLeader();
  if (frameworks_.has_gangs()) {  // gangs partly bound or below their minimum (G2, G8)
    for (auto& action : frameworks_.ReconcileGangs(gangs, now, leader))
      task_writer_.Write(std::move(action));
    for (auto outcome : frameworks_.TakeGangOutcomes())
      metrics_.AddGangPartialBind(ToMetric(outcome));
  }
  if (leader) {  // the Framework controller: launch, relaunch and clean up task pods
    for (auto& action : frameworks_.Reconcile(now)) task_writer_.Write(std::move(action));
  }
  for (const auto& problem : frameworks_.TakeProblems()) {
    status_.ObjectWarning(loop::ObjectKind::kFramework, problem.ns, problem.name, problem.reason,
                          problem.message);
  }
  for (const auto& finished : frameworks_.TakeFinished()) {
    if (recorder_) recorder_->TaskFinished(ToRegistryResult(finished));
    log::Debug("task finished",
               {{"framework", kube::ObjectKey{finished.ns, finished.framework}.String()},
                {"pod", finished.result.pod},
                {"state", finished.result.state},
                {"exitCode", finished.result.exit_code}});
  }
  if (now - last_publish_ >= 1.0) {
    last_publish_ = now;
    publisher_.Publish(core_.allocator());
    metrics_.SetPreemptionsInFlight(static_cast<int64_t>(core_.allocator().Preemptions().size()));
    sharing_metrics_.Publish(core_.allocator());
    if (IsLeader()) {  // one writer: the leader
      object_status_.Publish(
          core_.allocator(), [this](const std::string& key) { return ExtrasOf(key); }, now);
      for (const auto& event : gang_events_.Changes(core_.allocator().Gangs())) {
        kube::ObjectKey k = kube::ObjectKey::Parse(event.key);
        status_.ObjectWarning(loop::ObjectKind::kFramework, k.ns, k.name, event.reason,
                              event.message);
      }
      pod_group_status_.Publish(core_.allocator(), core_.pod_groups(),
                                [this](const std::string& key, const std::string& message) {
                                  kube::ObjectKey k = kube::ObjectKey::Parse(key);
                                  status_.ObjectWarning(loop::ObjectKind::kPodGroup, k.ns, k.name,
                                                        "FailedScheduling", message);
                                });
    }
    for (size_t i = 0; i < informers_.size(); ++i) {
      metrics_.SetWatchRestarts(kWatched[i].resource, informers_[i]->Stats().restarts);
    }
  }
  // Progress of binds and writes, at most once a second while it changes.
  if ((core_.binds_succeeded() != logged_binds_ ||
       object_status_.writes() + task_writer_.created() != logged_writes_) &&
      now - last_progress_ >= 1.0) {
    logged_binds_ = core_.binds_succeeded();
    logged_writes_ = object_status_.writes() + task_writer_.created();
    last_progress_ = now;
    log::Info("progress", {{"bound", logged_binds_},
                           {"bindFailures", core_.bind_failures()},
                           {"pending", core_.allocator().pending_task_count()},
                           {"taskPodsCreated", task_writer_.created()},
                           {"objectStatusWrites", object_status_.writes()}});
  }
  if (stats.placements > 0 || stats.unplaced_reported > 0) {
    log::Info("allocation cycle", {{"placed", stats.placements},
                                   {"newlyPending", stats.unplaced_reported},
                                   {"pendingTotal", core_.allocator().pending_task_count()},
                                   {"seconds", stats.seconds}});
  }
}

bool Operator::Stop(ShutdownSignals* signals) {
  if (stopped_) return drained_;
  stopped_ = true;
  if (!started_) return true;  // Create failed: nothing runs but idle workers
  auto stop_started = std::chrono::steady_clock::now();
  drain_deadline_ = stop_started + kShutdownDrain;
  log::Info("stopping: finishing binds in flight, dropping queued task-pod writes",
            {{"drainSeconds", kShutdownDrain.count()}});
  for (auto step = stop_steps_.rbegin(); step != stop_steps_.rend(); ++step) {
    if (signals) signals->Stage(step->stage);
    step->stop();
  }
  drained_ = writes_ended_ && binds_ended_;
  log::Info(
      "stopped",
      {{"placed", bound_total_},
       {"bound", core_.binds_succeeded()},
       {"bindsSent", binder_.sent()},
       {"bindFailures", core_.bind_failures()},
       {"statusWrites", status_.writes()},
       {"objectStatusWrites", object_status_.writes()},
       {"taskPodsCreated", task_writer_.created()},
       {"taskPodsDeleted", task_writer_.deleted()},
       {"bindsDropped", binder_.dropped()},
       {"taskPodWritesDropped", task_writer_.dropped()},
       {"stopSeconds",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - stop_started).count()},
       {"watches", watches_}});
  return drained_;
}

}  // namespace kubemesos::run
