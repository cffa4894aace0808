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
// Errors: every action produces exactly one TaskWriteResult (status 0 when not sent).
class TaskWriter {
 public:
  // `may_write` (optional) is asked right before each write; false (no longer the leader)
  // fails it with status 0 instead of sending it.
  TaskWriter(client::KubeClient& client, loop::EventQueue<loop::LoopEvent>& results,
             int concurrency, std::function<bool()> may_write = nullptr);

  void Write(TaskAction action) { pool_.Push(std::move(action)); }
  // Finishes what is queued, then joins the workers. Idempotent.
  void Stop() { pool_.Stop(); }
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
