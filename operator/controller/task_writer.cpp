// Task pod writes.
#include "operator/controller/task_writer.h"

#include "operator/util/guard.h"

namespace kubemesos::controller {

TaskWriter::TaskWriter(client::KubeClient& client, loop::EventQueue<loop::LoopEvent>& results,
                       int concurrency, std::function<bool()> may_write)
    : client_(client),
      results_(results),
      may_write_(std::move(may_write)),
      pool_(
          concurrency, [this](TaskAction& action) { Do(action); }, "task_writer") {}

void TaskWriter::Do(TaskAction& action) {
  loop::TaskWriteResult result{action.create, action.ns, action.name, action.framework, 0, ""};
  // Whatever goes wrong here, the loop gets its result: the pod is "being written" until then.
  bool done = util::Guarded("task_writer", action.ns + "/" + action.name, [&] {
    std::string pods = "/api/v1/namespaces/" + action.ns + "/pods";
    if (may_write_ && !may_write_()) {
      result.message = "not written: this replica is not the leader";
    } else if (action.create) {
      auto response = client_.Request("POST", pods, action.pod.dump());
      result.status = response.status;
      result.message = response.message;
      if (response.ok()) ++created_;
    } else {
      nlohmann::json options = {{"apiVersion", "v1"},
                                {"kind", "DeleteOptions"},
                                {"preconditions", {{"uid", action.uid}}}};
      auto response = client_.Request("DELETE", pods + "/" + action.name, options.dump());
      result.status = response.status;
      result.message = response.message;
      if (response.status == 404) result.status = 200;  // already gone: done
      if (result.ok()) ++deleted_;
    }
  });
  if (!done) {
    result.status = 0;
    result.message = "not written: internal error (see the log)";
  }
  if (!result.ok() && !(action.create && result.status == 409)) ++failures_;
  results_.Push(loop::LoopEvent::TaskWritten(std::move(result)));
}

}  // namespace kubemesos::controller
