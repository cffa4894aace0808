// Carries out the Framework controller's writes: creates task pods (POST) and deletes them
// (DELETE with a uid precondition, so only the incarnation the controller saw goes), with
// bounded concurrency, each result handed back to the scheduling loop as a TaskWriteResult.
#pragma once

#include <atomic>
#include <functional>

#include "operator/client/kube_client.h"
#include "operator/controller/framework_controller.h"
#include "operator/loop/event_queue.h"
#include "operator/loop/events.h"
#include "operator/util/worker_pool.h"

namespace kubemesos::controller {

// Threads: Write() from the loop thread; `concurrency` workers do the HTTP calls.
// Ownership: borrows the client and the results queue; both must outlive the writer.
// Errors: every action that is started produces exactly one TaskWriteResult (status 0 when not
// sent, also when building or sending it threw: that is counted as an internal error of
// "task_writer"). Actions dropped by Stop(kDrop) produce none (the process is stopping; the
// next leader's controller writes them again).
class TaskWriter {
 public:
  // `may_write` (optional) is asked right before each write; false (no longer the leader)
  // fails it with status 0 instead of sending it.
  TaskWriter(client::KubeClient& client, loop::EventQueue<loop::LoopEvent>& results,
             int concurrency, std::function<bool()> may_write = nullptr);

  void Write(TaskAction action) { pool_.Push(std::move(action)); }
  // kDrain finishes what is queued, kDrop drops it (shutdown: a create can wait a long time for
  // the client's rate limit); waits until `deadline` for the writes in flight. True when every
  // worker ended (see WorkerPool::Stop). Idempotent.
  bool Stop(util::StopMode mode = util::StopMode::kDrain,
            util::WorkerPool<TaskAction>::Clock::time_point deadline =
                util::WorkerPool<TaskAction>::Clock::time_point::max()) {
    return pool_.Stop(mode, deadline);
  }
  size_t dropped() const { return pool_.dropped(); }
  uint64_t created() const { return created_; }
  uint64_t deleted() const { return deleted_; }
  uint64_t failures() const { return failures_; }

 private:
  void Do(TaskAction& action);

  client::KubeClient& client_;
  loop::EventQueue<loop::LoopEvent>& results_;
  std::function<bool()> may_write_;
  std::atomic<uint64_t> created_{0}, deleted_{0}, failures_{0};
  util::WorkerPool<TaskAction> pool_;  // last: its threads use the members above
};

}  // namespace kubemesos::controller
