// FrameworkFromJson: the FrameworkSpec, the task templates and the pods built from them, the
// limits on tasks and instances, and validation errors.
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

  const FrameworkObjects& fw = *converted.value;
  ASSERT_EQ(fw.tasks.size(), 2u);
  EXPECT_EQ(fw.tasks[0].name, "driver");
  EXPECT_TRUE(fw.tasks[0].on_failure);
  EXPECT_EQ(fw.tasks[0].max_retries, 3);
  EXPECT_FALSE(fw.tasks[1].on_failure);
  EXPECT_EQ(fw.total_instances, 4);
  std::vector<json> pods;
  for (const auto& task : fw.tasks) {
    for (int64_t k = 0; k < task.instances; ++k) pods.push_back(TaskPodJson(fw, task, k));
  }
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
  const FrameworkObjects& fw = *converted.value;
  ASSERT_EQ(fw.tasks.size(), 2u);
  EXPECT_EQ(fw.tasks[0].instances, 1);  // instances default to 1; 0 gives none
  EXPECT_EQ(fw.tasks[1].instances, 0);
  EXPECT_EQ(fw.total_instances, 1);
  json pod = TaskPodJson(fw, fw.tasks[0], 0);
  EXPECT_EQ(pod["metadata"]["name"], "f-t-0");
  EXPECT_EQ(pod["metadata"]["namespace"], "default");
  EXPECT_FALSE(pod["metadata"].contains("ownerReferences"));
}

TEST(FrameworkFromJsonTest, NoTasks) {
  auto converted = FrameworkFromJson(
      J(R"({"kind":"Framework","metadata":{"name":"f"},"spec":{"resourceGroup":"g"}})"));
  ASSERT_TRUE(converted.ok()) << converted.error;
  EXPECT_TRUE(converted.value->tasks.empty());
  EXPECT_EQ(converted.value->total_instances, 0);
}

// Issue #12, finding 2: each instance used to become a full pod JSON at conversion. Now a
// million instances cost one template: the result holds the task, not a pod per instance.
TEST(FrameworkFromJsonTest, AMillionInstancesAreOneTemplate) {
  json object = J(R"({"kind":"Framework","metadata":{"name":"big","namespace":"t","uid":"u"},
      "spec":{"resourceGroup":"g","tasks":[{"name":"w","instances":1000000,
        "template":{"spec":{"containers":[{"name":"c","image":"busybox"}]}}}]}})");
  auto converted = FrameworkFromJson(object);
  ASSERT_TRUE(converted.ok()) << converted.error;
  const FrameworkObjects& fw = *converted.value;
  ASSERT_EQ(fw.tasks.size(), 1u);
  EXPECT_EQ(fw.tasks[0].instances, 1000000);
  EXPECT_EQ(fw.total_instances, 1000000);
  // The template is one pod without a name, the same as for a single instance.
  json one = object;
  one["spec"]["tasks"][0]["instances"] = 1;
  EXPECT_EQ(fw.tasks[0].pod, FrameworkFromJson(one).value->tasks[0].pod);
  EXPECT_FALSE(fw.tasks[0].pod["metadata"].contains("name"));
  json last = TaskPodJson(fw, fw.tasks[0], 999999);
  EXPECT_EQ(last["metadata"]["name"], "big-w-999999");
  EXPECT_EQ(last["metadata"]["ownerReferences"][0]["uid"], "u");
}

TEST(FrameworkFromJsonTest, TaskPodNamesRoundTrip) {
  EXPECT_EQ(TaskPodName("fw", "x-1", 0), "fw-x-1-0");
  using Parsed = std::optional<std::pair<std::string, int64_t>>;
  EXPECT_EQ(ParseTaskPodName("fw", "fw-x-1-0"), Parsed({"x-1", 0}));
  EXPECT_EQ(ParseTaskPodName("fw", "fw-x-1"), Parsed({"x", 1}));
  EXPECT_EQ(ParseTaskPodName("fw", "fw-worker-999999"), Parsed({"worker", 999999}));
  for (const char* bad : {"fw", "fw-", "fw-x", "fw-x-", "fw-x-01", "fw-x-1a", "fw--1", "fwx-y-1",
                          "other-x-1", "fw-x-1234567890"}) {
    EXPECT_EQ(ParseTaskPodName("fw", bad), std::nullopt) << bad;
  }
}

TEST(FrameworkFromJsonTest, LimitsOnTasksAndTotalInstances) {
  json object = J(R"({"kind":"Framework","metadata":{"name":"f","namespace":"t"},
      "spec":{"resourceGroup":"g","tasks":[]}})");
  json task = J(R"({"instances":1000000,"template":{"spec":{}}})");
  for (int i = 0; i < 2; ++i) {
    task["name"] = "t" + std::to_string(i);
    object["spec"]["tasks"].push_back(task);
  }
  auto two_million = FrameworkFromJson(object);
  ASSERT_FALSE(two_million.ok());
  EXPECT_EQ(two_million.error,
            "Framework t/f: spec.tasks: ask for 2000000 instances in total, more than 1000000");
  object["spec"]["tasks"] = json::array();
  task["instances"] = 0;
  for (int i = 0; i < 101; ++i) {
    task["name"] = "t" + std::to_string(i);
    object["spec"]["tasks"].push_back(task);
  }
  auto many = FrameworkFromJson(object);
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error, "Framework t/f: spec.tasks: must have at most 100 items, has 101");
  object["spec"]["tasks"].erase(100);
  EXPECT_TRUE(FrameworkFromJson(object).ok());
}

TEST(FrameworkFromJsonTest, NoGangByDefault) {
  auto converted = FrameworkFromJson(
      J(R"({"kind":"Framework","metadata":{"name":"f"},"spec":{"resourceGroup":"g"}})"));
  ASSERT_TRUE(converted.ok()) << converted.error;
  EXPECT_EQ(converted.value->framework.gang.min_member, 0);
  EXPECT_TRUE(converted.value->framework.gang.min_resources.empty());
}

// The CRD's defaults (crds/kubemesos.io_frameworks.yaml), for input that did not go through
// the API server's defaulting (simulate files).
TEST(FrameworkFromJsonTest, GangDefaults) {
  auto converted = FrameworkFromJson(J(R"({"kind":"Framework","metadata":{"name":"f"},
      "spec":{"resourceGroup":"g","gang":{"minMember":3}}})"));
  ASSERT_TRUE(converted.ok()) << converted.error;
  const GangPolicy& gang = converted.value->framework.gang;
  EXPECT_EQ(gang.min_member, 3);
  EXPECT_TRUE(gang.min_resources.empty());
  EXPECT_EQ(gang.starvation_seconds, 600);
  EXPECT_EQ(gang.reservation_timeout_seconds, 300);
  EXPECT_EQ(gang.backoff_base_seconds, 10);
  EXPECT_EQ(gang.backoff_max_seconds, 600);
  const FrameworkGangActions& actions = converted.value->gang_actions;
  EXPECT_EQ(actions.bind_timeout_seconds, 30);
  EXPECT_EQ(actions.recovery_timeout_seconds, 600);
  EXPECT_EQ(actions.on_timeout, FrameworkGangActions::OnTimeout::kRequeue);
  EXPECT_EQ(actions.on_bind_failure, FrameworkGangActions::OnBindFailure::kRestart);
}

TEST(FrameworkFromJsonTest, GangEveryField) {
  json object = J(R"({"kind":"Framework","metadata":{"name":"f","namespace":"ml"},
      "spec":{"resourceGroup":"g","gang":{"minMember":4,
                "minResources":{"cpu":"3500m","memory":"8Gi","nvidia.com/gpu":4},
                "bindTimeoutSeconds":45,"starvationSeconds":0,"reservationTimeoutSeconds":45,
                "recoveryTimeoutSeconds":120,"onTimeout":"Fail","onBindFailure":"Report",
                "backoff":{"baseSeconds":5,"maxSeconds":5}},
              "tasks":[{"name":"a","instances":2,"template":{"spec":{}}},
                       {"name":"b","instances":2,"template":{"spec":{}}}]}})");
  ResourceCatalog catalog;
  auto converted = FrameworkFromJson(object, &catalog);
  ASSERT_TRUE(converted.ok()) << converted.error;
  const GangPolicy& gang = converted.value->framework.gang;
  EXPECT_EQ(gang.min_member, 4);  // = the sum of instances: allowed
  auto gpu = catalog.Find("nvidia.com/gpu");
  ASSERT_TRUE(gpu.has_value());
  EXPECT_TRUE(gang.min_resources.Has(kCpu));
  EXPECT_EQ(gang.min_resources.amount[kCpu], 3500);
  EXPECT_EQ(gang.min_resources.amount[kMemory], int64_t{8} << 30);
  EXPECT_EQ(gang.min_resources.amount[*gpu], 4);
  EXPECT_FALSE(gang.min_resources.Has(kEphemeralStorage));  // not declared: no bound
  EXPECT_EQ(gang.starvation_seconds, 0);                    // never reserve
  EXPECT_EQ(gang.reservation_timeout_seconds, 45);
  EXPECT_EQ(gang.backoff_base_seconds, 5);
  EXPECT_EQ(gang.backoff_max_seconds, 5);
  const FrameworkGangActions& actions = converted.value->gang_actions;
  EXPECT_EQ(actions.bind_timeout_seconds, 45);
  EXPECT_EQ(actions.recovery_timeout_seconds, 120);
  EXPECT_EQ(actions.on_timeout, FrameworkGangActions::OnTimeout::kFail);
  EXPECT_EQ(actions.on_bind_failure, FrameworkGangActions::OnBindFailure::kReport);

  // Without a catalog (the Framework controller): the same policy but minResources, which is
  // still checked.
  auto plain = FrameworkFromJson(object);
  ASSERT_TRUE(plain.ok()) << plain.error;
  EXPECT_EQ(plain.value->framework.gang.min_member, 4);
  EXPECT_FALSE(plain.value->framework.gang.min_resources.Has(kCpu));
  object["spec"]["gang"]["minResources"]["cpu"] = "lots";
  EXPECT_FALSE(FrameworkFromJson(object).ok());
}

// A gang of adopted pods (no tasks) has no sum of instances to stay under.
TEST(FrameworkFromJsonTest, GangWithoutTasks) {
  auto converted = FrameworkFromJson(J(R"({"kind":"Framework","metadata":{"name":"f"},
      "spec":{"resourceGroup":"g","gang":{"minMember":8},"tasks":[]}})"));
  ASSERT_TRUE(converted.ok()) << converted.error;
  EXPECT_EQ(converted.value->framework.gang.min_member, 8);
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
        // Above INT64_MAX the JSON parser makes an unsigned number; it once wrapped to -1
        // and was then refused only by luck of the range check (maxRetries had none).
        ErrorCase{
            "InstancesOverInt64",
            R"({"resourceGroup":"g","tasks":[{"name":"a","instances":18446744073709551615,"template":{"spec":{}}}]})",
            "Framework t/f: spec.tasks[0].instances: integer out of range"},
        ErrorCase{
            "RetriesOverInt64",
            R"({"resourceGroup":"g","tasks":[{"name":"a","maxRetries":18446744073709551615,"template":{"spec":{}}}]})",
            "Framework t/f: spec.tasks[0].maxRetries: integer out of range"},
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
            "number"},
        ErrorCase{"GangNotObject", R"({"resourceGroup":"g","gang":3})",
                  "Framework t/f: spec.gang: expected an object, got number"},
        ErrorCase{"GangWithoutMinMember", R"({"resourceGroup":"g","gang":{}})",
                  "Framework t/f: spec.gang.minMember: required"},
        ErrorCase{"GangMinMemberZero", R"({"resourceGroup":"g","gang":{"minMember":0}})",
                  "Framework t/f: spec.gang.minMember: must be between 1 and 1000000"},
        ErrorCase{"GangMinMemberHuge", R"({"resourceGroup":"g","gang":{"minMember":4294967297}})",
                  "Framework t/f: spec.gang.minMember: must be between 1 and 1000000"},
        ErrorCase{"GangMinMemberFraction", R"({"resourceGroup":"g","gang":{"minMember":2.5}})",
                  "Framework t/f: spec.gang.minMember: expected an integer, got 2.5"},
        ErrorCase{
            "GangAboveInstances",
            R"({"resourceGroup":"g","gang":{"minMember":4},"tasks":[{"name":"a","instances":3,"template":{"spec":{}}}]})",
            "Framework t/f: spec.gang.minMember: must not exceed the sum of "
            "spec.tasks[].instances (3): the gang could never start"},
        ErrorCase{"GangBadQuantity",
                  R"({"resourceGroup":"g","gang":{"minMember":1,"minResources":{"cpu":"x"}}})",
                  R"(Framework t/f: spec.gang.minResources.cpu: invalid quantity "x": no digits)"},
        ErrorCase{"GangNegativeTimeout",
                  R"({"resourceGroup":"g","gang":{"minMember":1,"recoveryTimeoutSeconds":-1}})",
                  "Framework t/f: spec.gang.recoveryTimeoutSeconds: must be between 0 and "
                  "31536000"},
        ErrorCase{"GangTimeoutNotNumber",
                  R"({"resourceGroup":"g","gang":{"minMember":1,"starvationSeconds":"1m"}})",
                  "Framework t/f: spec.gang.starvationSeconds: expected a number, got string"},
        ErrorCase{"GangBindAboveReservation",
                  R"({"resourceGroup":"g","gang":{"minMember":1,"reservationTimeoutSeconds":20}})",
                  "Framework t/f: spec.gang.bindTimeoutSeconds: must not exceed "
                  "reservationTimeoutSeconds (20)"},
        ErrorCase{
            "GangOnTimeout",
            R"({"resourceGroup":"g","gang":{"minMember":1,"onTimeout":"BestEffort"}})",
            R"(Framework t/f: spec.gang.onTimeout: unsupported value "BestEffort" (Requeue or Fail))"},
        ErrorCase{
            "GangOnBindFailure",
            R"({"resourceGroup":"g","gang":{"minMember":1,"onBindFailure":"Retry"}})",
            R"(Framework t/f: spec.gang.onBindFailure: unsupported value "Retry" (Restart or Report))"},
        ErrorCase{"GangBackoffNegative",
                  R"({"resourceGroup":"g","gang":{"minMember":1,"backoff":{"maxSeconds":-5}}})",
                  "Framework t/f: spec.gang.backoff.maxSeconds: must be between 0 and 86400"},
        ErrorCase{"GangBackoffBaseAboveMax",
                  R"({"resourceGroup":"g","gang":{"minMember":1,"backoff":{"baseSeconds":700}}})",
                  "Framework t/f: spec.gang.backoff.baseSeconds: must not exceed maxSeconds "
                  "(600)"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace kubemesos::kube
