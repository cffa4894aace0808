// Task pod writes.
#include "operator/controller/task_writer.h"

namespace kubemesos::controller {

TaskWriter::TaskWriter(client::KubeClient& client, loop::EventQueue<loop::LoopEvent>& results,
                       int concurrency, std::function<bool()> may_write)
    : client_(client),
      results_(results),
      may_write_(std::move(may_write)),
      pool_(concurrency, [this](TaskAction& action) { Do(action); }) {}

void TaskWriter::Do(TaskAction& action) {
  loop::TaskWriteResult result{action.create, action.ns, action.name, action.framework, 0, ""};
  std::string pods = "/api/v1/namespaces/" + action.ns + "/pods";
  if (may_write_ && !may_write_()) {
    result.message = "not written: this replica is not the leader";
  } else if (action.create) {
    auto response = client_.Request("POST", pods, action.pod.dump());
    result.status = response.status;
    result.message = response.message;
    if (response.ok()) ++created_;
  } else {
    nlohmann::json options = {
        {"apiVersion", "v1"}, {"kind", "DeleteOptions"}, {"preconditions", {{"uid", action.uid}}}};
    auto response = client_.Request("DELETE", pods + "/" + action.name, options.dump());
    result.status = response.status;
    result.message = response.message;
    if (response.status == 404) result.status = 200;  // already gone: done
    if (result.ok()) ++deleted_;
  }
  if (!result.ok() && !(action.create && result.status == 409)) ++failures_;
  results_.Push(loop::LoopEvent::TaskWritten(std::move(result)));
}

}  // namespace kubemesos::controller
