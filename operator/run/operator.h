// Operator: the running operator as one object that owns its components and their order.
//
// Components are members, declared in the order they start: the client, the metrics and their
// HTTP server, the registry and election, the status writers, the informers, the binder and the
// evictor, the scheduling core and Framework controller, the task-pod writer, the loop. Start()
// starts them in that order and records, for each, how it stops; Stop() runs those steps in
// reverse, so the stop order is the start order read backwards and is written nowhere else.
// Destruction follows declaration order too (members are destroyed in reverse): after Stop() it
// only joins threads that have ended and closes connections.
//
// Stopping is bounded (shutdown.h): the task-pod writer drops what is queued and the binder
// sends what is queued, both until kShutdownDrain after Stop() began; requests still in flight
// then are abandoned (Stop() returns false and the caller exits without joining them).
//
// Threads: Create, Start, Run, Stop and the destructor are called by one thread (RunCommand's);
// Run runs the scheduling loop on it, and each cycle's work (Cycle) runs there too. Wake() may
// be called from any thread (a signal's thread). Ownership: the Operator owns every component
// and the API client. Errors: Create logs and returns nullptr when setup fails (config, client,
// API server, metrics listener, registry); nothing else throws out of the Operator.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/client/informer.h"
#include "operator/client/kube_client.h"
#include "operator/controller/framework_controller.h"
#include "operator/controller/task_writer.h"
#include "operator/loop/binder.h"
#include "operator/loop/event_queue.h"
#include "operator/loop/events.h"
#include "operator/loop/evictor.h"
#include "operator/loop/object_status.h"
#include "operator/loop/pod_group_status.h"
#include "operator/loop/scheduler_core.h"
#include "operator/loop/scheduling_loop.h"
#include "operator/loop/status_reporter.h"
#include "operator/metrics/http_server.h"
#include "operator/metrics/metrics.h"
#include "operator/run/config.h"
#include "operator/run/gang_metrics.h"
#include "operator/run/metrics_publisher.h"
#include "operator/run/registry_setup.h"

namespace kubemesos::run {

class ShutdownSignals;

class Operator {
 public:
  // Connects to the cluster (fails fast when the API server is unreachable or refuses us),
  // serves /metrics and the probes, and builds the registry: the steps that can fail. Logs the
  // reason and returns nullptr when one does.
  static std::unique_ptr<Operator> Create(RunConfig config);
  ~Operator();  // Stop()s if Stop() was not called
  Operator(const Operator&) = delete;
  Operator& operator=(const Operator&) = delete;

  // Starts the components in declaration order: the registry and election, the status writers
  // and the watches. The binder and the writers already wait for work.
  void Start();
  // Runs the scheduling loop until `stop` becomes true (see SchedulingLoop::Run).
  void Run(const std::atomic<bool>& stop);
  // Wakes the loop at once (an empty event), e.g. on SIGTERM so it sees the stop flag now.
  void Wake();
  // One cycle's work after the engine's cycle: metrics, the Framework controller's task pods,
  // Framework problems and finished tasks, object status (leader only) and progress logs.
  void Cycle(const loop::CycleStats& stats);
  // Stops the components in reverse start order within the drain bound, naming each step to
  // `signals` (may be null) for the hard limit's error, and logs "stopped". True when every
  // request ended by the drain deadline; false when some are still in flight (the caller must
  // then exit without destroying this: their threads cannot be joined). Idempotent.
  bool Stop(ShutdownSignals* signals = nullptr);

 private:
  struct StopStep {
    const char* stage;  // for ShutdownSignals::Stage
    std::function<void()> stop;
  };

  Operator(RunConfig config, std::unique_ptr<client::KubeClient> kube);
  bool Setup();  // the fallible part of Create: the HTTP server, the registry
  void OnStop(const char* stage, std::function<void()> stop);
  loop::FrameworkExtras ExtrasOf(const std::string& key);
  bool IsLeader() const { return registry_.IsLeader(); }
  // The loop's may_allocate: IsLeader(), and once per term the preemption plans of the previous
  // leader restored first (loop/plan_restore.h; loop thread only).
  bool MayAllocate();

  RunConfig config_;
  std::unique_ptr<client::KubeClient> kube_;
  // Read by the HTTP server's readiness check (its threads), set by the loop and Start/Stop.
  std::atomic<bool> caches_synced_{false};
  std::atomic<RegistrySetup*> registry_ready_{nullptr};
  metrics::Metrics metrics_;  // before the server, which reads it
  metrics::HttpServer http_;
  RegistrySetup registry_;                          // before the threads that read it
  registry::RegistryRecorder* recorder_ = nullptr;  // the registry's; null: no registry
  loop::EventQueue<loop::LoopEvent> queue_;
  loop::ObjectStatusWriter object_status_;
  loop::StatusReporter status_;
  std::vector<std::unique_ptr<client::Informer>> informers_;
  std::atomic<size_t> synced_kinds_{0};  // on_synced is called once per informer
  loop::Binder binder_;
  loop::Evictor evictor_;  // preemption plans: after the binder, same stop step
  loop::SchedulerCore core_;
  controller::FrameworkController frameworks_;
  controller::TaskWriter task_writer_;
  loop::SchedulingLoop loop_;

  // The loop thread's own state (Cycle).
  MetricsPublisher publisher_{metrics_};
  GangMetrics gang_metrics_{metrics_};   // after each cycle: gang transitions
  loop::GangFailureEvents gang_events_;  // a Framework gang's new failure reason: one Event
  bool plans_restored_ = false;          // in this term (MayAllocate)
  std::string restore_error_;            // the last one logged
  double last_publish_ = 0;
  double last_progress_ = 0;
  uint64_t bound_total_ = 0;
  uint64_t logged_binds_ = 0;
  uint64_t logged_writes_ = 0;

  // Stopping (Stop).
  std::vector<StopStep> stop_steps_;  // in start order; run backwards
  bool started_ = false;
  bool stopped_ = false;
  bool drained_ = true;
  std::chrono::steady_clock::time_point drain_deadline_{};
  bool writes_ended_ = true;
  bool binds_ended_ = true;
  nlohmann::json watches_ = nlohmann::json::object();

  // PodGroup status (pod_group_status.h): written by the leader from the engine's gangs.
  loop::PodGroupStatusWriter pod_group_status_{*kube_, config_.status_writes_per_second,
                                               config_.status_burst};
};

}  // namespace kubemesos::run
