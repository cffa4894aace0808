// ReadTaskPod and task results: which pods belong to a framework, ownership, results.
#include "operator/controller/task_pod.h"

#include <gtest/gtest.h>

namespace kubemesos::controller {
namespace {

using nlohmann::json;

json Pod(const std::string& phase) {
  return json::parse(R"({
    "metadata": {"name": "fw-worker-0", "namespace": "team", "uid": "u1",
      "labels": {"kubemesos.io/framework": "fw", "kubemesos.io/task": "worker"},
      "annotations": {"kubemesos.io/retry": "2"},
      "ownerReferences": [{"apiVersion": "kubemesos.io/v1alpha1", "kind": "Framework",
                           "name": "fw", "uid": "fw-uid", "controller": true}]},
    "spec": {"schedulerName": "kubemesos", "nodeName": "n1"},
    "status": {"phase": ")" +
                     phase + R"(", "startTime": "2026-11-27T05:00:00Z",
      "containerStatuses": [
        {"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed",
          "startedAt": "2026-11-27T05:00:01Z", "finishedAt": "2026-11-27T05:00:09Z"}}},
        {"name": "b", "state": {"terminated": {"exitCode": 3, "reason": "Error",
          "message": "boom", "finishedAt": "2026-11-27T05:00:10Z"}}}]}})");
}

TEST(ReadTaskPod, ReadsLabelsOwnerRetryAndState) {
  auto p = ReadTaskPod(Pod("Running"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->ns, "team");
  EXPECT_EQ(p->name, "fw-worker-0");
  EXPECT_EQ(p->framework, "fw");
  EXPECT_EQ(p->task, "worker");
  EXPECT_EQ(p->owner_uid, "fw-uid");
  EXPECT_EQ(p->retry, 2);
  EXPECT_TRUE(p->kubemesos);
  EXPECT_TRUE(p->bound);
  EXPECT_FALSE(p->deleting);
  EXPECT_FALSE(p->terminal());
  EXPECT_FALSE(p->result);
}

TEST(ReadTaskPod, FailedPodResultTakesTheFailingContainer) {
  auto p = ReadTaskPod(Pod("Failed"));
  ASSERT_TRUE(p && p->result);
  EXPECT_EQ(p->result->state, "Failed");
  EXPECT_EQ(p->result->exit_code, 3);
  EXPECT_EQ(p->result->reason, "Error");
  EXPECT_EQ(p->result->message, "boom");
  EXPECT_EQ(p->result->start_time, "2026-11-27T05:00:00Z");
  EXPECT_EQ(p->result->finish_time, "2026-11-27T05:00:10Z");
  EXPECT_EQ(p->result->retry, 2);
  // And it survives the trip through status.lastResults.
  auto back = TaskResultFromJson(TaskResultJson(*p->result));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *p->result);
}

TEST(ReadTaskPod, NotAFrameworkPodOrMalformed) {
  struct Case {
    const char* name;
    json pod;
    bool framework_pod;
  };
  Case cases[] = {
      {"no labels", json::parse(R"({"metadata": {"name": "x"}})"), false},
      {"not an object", json::array(), false},
      {"label not a string", json::parse(R"({"metadata": {"name": "x",
         "labels": {"kubemesos.io/framework": 3}}})"),
       false},
      {"no name", json::parse(R"({"metadata": {"labels": {"kubemesos.io/framework": "f"}}})"),
       false},
      {"adopted, odd fields", json::parse(R"({"metadata": {"name": "x",
         "labels": {"kubemesos.io/framework": "f"}, "annotations": {"kubemesos.io/retry": "x"},
         "ownerReferences": [{"kind": "Job", "name": "f", "uid": "j"}]},
         "status": {"phase": "Failed", "containerStatuses": "bad"}})"),
       true},
  };
  for (const auto& c : cases) {
    auto p = ReadTaskPod(c.pod);
    EXPECT_EQ(p.has_value(), c.framework_pod) << c.name;
    if (p) {
      EXPECT_EQ(p->ns, "default") << c.name;
      EXPECT_EQ(p->owner_uid, "") << c.name;  // a Job's pod is adopted, not owned
      EXPECT_EQ(p->retry, 0) << c.name;
      ASSERT_TRUE(p->result) << c.name;
      EXPECT_EQ(p->result->exit_code, 1) << c.name;  // failed without container status
    }
  }
}

}  // namespace
}  // namespace kubemesos::controller
