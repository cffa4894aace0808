// FrameworkFromJson: the FrameworkSpec, the task pods it expands into, and validation errors.
#include <gtest/gtest.h>

#include "operator/kube/objects.h"
#include "tests/unit/operator/test_util.h"

namespace kubemesos::kube {
namespace {

using nlohmann::json;
using testing::J;

constexpr const char* kFramework = R"({"apiVersion":"kubemesos.io/v1alpha1","kind":"Framework",
  "metadata":{"name":"etl","namespace":"analytics","uid":"u-1"},
  "spec":{"resourceGroup":"analytics","suspended":true,"offerFilters":{"refuseSeconds":30},
          "tasks":[
            {"name":"driver","instances":1,"restartPolicy":"OnFailure","maxRetries":3,
             "template":{"metadata":{"labels":{"role":"driver"}},
                         "spec":{"containers":[{"name":"d","resources":{"requests":{"cpu":"1"}}}]}}},
            {"name":"worker","instances":3,
             "template":{"spec":{"schedulerName":"default-scheduler","restartPolicy":"Always",
                                 "containers":[{"name":"w","resources":{"requests":{"cpu":"2"}}}]}}}]}})";

TEST(FrameworkFromJsonTest, SpecAndTaskPods) {
  auto converted = FrameworkFromJson(J(kFramework));
  ASSERT_TRUE(converted.ok()) << converted.error;
  const FrameworkSpec& f = converted.value->framework;
  EXPECT_EQ(f.key, "analytics/etl");
  EXPECT_EQ(f.group, "analytics");
  EXPECT_TRUE(f.suspended);
  EXPECT_EQ(f.refuse_seconds, 30.0);

  const auto& pods = converted.value->task_pods;
  std::vector<std::string> names;
  for (const auto& pod : pods) names.push_back(pod["metadata"]["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"etl-driver-0", "etl-worker-0", "etl-worker-1",
                                             "etl-worker-2"}));
  for (const auto& pod : pods) {
    EXPECT_EQ(pod["apiVersion"], "v1");
    EXPECT_EQ(pod["kind"], "Pod");
    EXPECT_EQ(pod["metadata"]["namespace"], "analytics");
    EXPECT_EQ(pod["metadata"]["labels"]["kubemesos.io/framework"], "etl");
    EXPECT_EQ(pod["spec"]["schedulerName"], "kubemesos");  // forced, even over the template
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["uid"], "u-1");
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["kind"], "Framework");
  }
  EXPECT_EQ(pods[0]["metadata"]["labels"]["role"], "driver");
  EXPECT_EQ(pods[0]["metadata"]["labels"]["kubemesos.io/task"], "driver");
  EXPECT_EQ(pods[1]["metadata"]["labels"]["kubemesos.io/task"], "worker");
  EXPECT_EQ(pods[0]["spec"]["restartPolicy"], "Never");   // a task runs once by default
  EXPECT_EQ(pods[1]["spec"]["restartPolicy"], "Always");  // unless its template says otherwise

  // The task pods convert into tasks of this framework.
  ResourceCatalog catalog;
  auto pod = PodFromJson(pods[3], catalog);
  ASSERT_TRUE(pod.ok()) << pod.error;
  EXPECT_EQ(pod.value->key, "analytics/etl-worker-2");
  EXPECT_EQ(pod.value->framework, "analytics/etl");
  EXPECT_EQ(pod.value->request[kCpu], 2000);
  EXPECT_TRUE(pod.value->node_name.empty());
}

TEST(FrameworkFromJsonTest, Defaults) {
  auto converted = FrameworkFromJson(J(R"({"kind":"Framework","metadata":{"name":"f"},
      "spec":{"resourceGroup":"g","tasks":[{"name":"t","template":{"spec":{"containers":[{"name":"c"}]}}},
                                           {"name":"none","instances":0,"template":{"spec":{}}}]}})"));
  ASSERT_TRUE(converted.ok()) << converted.error;
  EXPECT_EQ(converted.value->framework.key, "default/f");
  EXPECT_FALSE(converted.value->framework.suspended);
  EXPECT_EQ(converted.value->framework.refuse_seconds, 5.0);
  ASSERT_EQ(converted.value->task_pods.size(), 1u);  // instances default to 1; 0 gives none
  EXPECT_EQ(converted.value->task_pods[0]["metadata"]["name"], "f-t-0");
  EXPECT_FALSE(converted.value->task_pods[0]["metadata"].contains("ownerReferences"));
}

TEST(FrameworkFromJsonTest, NoTasks) {
  auto converted = FrameworkFromJson(
      J(R"({"kind":"Framework","metadata":{"name":"f"},"spec":{"resourceGroup":"g"}})"));
  ASSERT_TRUE(converted.ok()) << converted.error;
  EXPECT_TRUE(converted.value->task_pods.empty());
}

struct ErrorCase {
  const char* name;
  const char* spec;  // JSON of spec; "" for none
  const char* error;
};

class FrameworkErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(FrameworkErrorTest, Error) {
  json object = J(R"({"kind":"Framework","metadata":{"name":"f","namespace":"t"}})");
  if (*GetParam().spec) object["spec"] = J(GetParam().spec);
  auto converted = FrameworkFromJson(object);
  ASSERT_FALSE(converted.ok());
  EXPECT_EQ(converted.error, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FrameworkErrorTest,
    ::testing::Values(
        ErrorCase{"MissingSpec", "", "Framework t/f: spec: required"},
        ErrorCase{"MissingGroup", R"({})", "Framework t/f: spec.resourceGroup: required"},
        ErrorCase{"EmptyGroup", R"({"resourceGroup":""})",
                  "Framework t/f: spec.resourceGroup: required"},
        ErrorCase{"GroupNotString", R"({"resourceGroup":7})",
                  "Framework t/f: spec.resourceGroup: expected a string, got number"},
        ErrorCase{"SuspendedNotBool", R"({"resourceGroup":"g","suspended":"true"})",
                  "Framework t/f: spec.suspended: expected a boolean, got string"},
        ErrorCase{"NegativeRefuse", R"({"resourceGroup":"g","offerFilters":{"refuseSeconds":-1}})",
                  "Framework t/f: spec.offerFilters.refuseSeconds: must not be negative"},
        ErrorCase{"TasksNotArray", R"({"resourceGroup":"g","tasks":{}})",
                  "Framework t/f: spec.tasks: expected an array, got object"},
        ErrorCase{"TaskWithoutName", R"({"resourceGroup":"g","tasks":[{"template":{"spec":{}}}]})",
                  "Framework t/f: spec.tasks[0].name: required"},
        ErrorCase{
            "DuplicateTask",
            R"({"resourceGroup":"g","tasks":[{"name":"a","template":{"spec":{}}},{"name":"a","template":{"spec":{}}}]})",
            R"(Framework t/f: spec.tasks[1].name: duplicate task name "a")"},
        ErrorCase{
            "NegativeInstances",
            R"({"resourceGroup":"g","tasks":[{"name":"a","instances":-1,"template":{"spec":{}}}]})",
            "Framework t/f: spec.tasks[0].instances: must be between 0 and 1000000"},
        ErrorCase{
            "FractionalInstances",
            R"({"resourceGroup":"g","tasks":[{"name":"a","instances":1.5,"template":{"spec":{}}}]})",
            "Framework t/f: spec.tasks[0].instances: expected an integer, got 1.5"},
        ErrorCase{"MissingTemplate", R"({"resourceGroup":"g","tasks":[{"name":"a"}]})",
                  "Framework t/f: spec.tasks[0].template: required"},
        ErrorCase{"MissingTemplateSpec",
                  R"({"resourceGroup":"g","tasks":[{"name":"a","template":{"metadata":{}}}]})",
                  "Framework t/f: spec.tasks[0].template.spec: required"},
        ErrorCase{
            "RestartPolicy",
            R"({"resourceGroup":"g","tasks":[{"name":"a","restartPolicy":"Always","template":{"spec":{}}}]})",
            R"(Framework t/f: spec.tasks[0].restartPolicy: unsupported value "Always" (Never or OnFailure))"},
        ErrorCase{
            "NegativeRetries",
            R"({"resourceGroup":"g","tasks":[{"name":"a","maxRetries":-2,"template":{"spec":{}}}]})",
            "Framework t/f: spec.tasks[0].maxRetries: must not be negative"},
        ErrorCase{
            "TemplateLabel",
            R"({"resourceGroup":"g","tasks":[{"name":"a","template":{"metadata":{"labels":{"x":1}},"spec":{}}}]})",
            "Framework t/f: spec.tasks[0].template.metadata.labels.x: expected a string, got "
            "number"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace kubemesos::kube
