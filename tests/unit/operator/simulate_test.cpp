// `simulate` in-process: reading inputs (Lists, skipped kinds, errors naming file and object)
// and the report built from one allocation cycle.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "operator/cmd/commands.h"
#include "operator/simulate/simulate.h"
#include "tests/unit/operator/memory_cap.h"

namespace kubemesos::simulate {
namespace {

using nlohmann::json;

struct Read {
  bool ok;
  std::vector<InputObject> objects;
  std::vector<std::string> warnings;
  std::string error;
};

Read ReadText(const std::string& text, const std::string& file = "in.yaml") {
  Read r;
  r.ok = ReadInput(file, text, &r.objects, &r.warnings, &r.error);
  return r;
}

constexpr const char* kNode = R"(
apiVersion: v1
kind: Node
metadata: {name: n1}
status: {allocatable: {cpu: "4", memory: 8Gi, pods: "110"}}
)";

TEST(ReadInputTest, UnpacksListsAndSkipsOtherKinds) {
  Read r = ReadText(R"(
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata: {name: n1}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
- apiVersion: v1
  kind: List
  items:
  - {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c}]}}
---
apiVersion: v1
kind: PodList
items:
- metadata: {name: q}
  spec: {containers: [{name: c}]}
---
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: g}
---
apiVersion: kubemesos.io/v1beta9
kind: Framework
metadata: {name: future}
)");
  ASSERT_TRUE(r.ok) << r.error;
  std::vector<std::string> kinds;
  for (const auto& o : r.objects) kinds.push_back(o.object["kind"].get<std::string>());
  EXPECT_EQ(kinds, (std::vector<std::string>{"Node", "Pod", "Pod", "ResourceGroup"}));
  EXPECT_EQ(r.objects[2].object["metadata"]["name"], "q");
  EXPECT_EQ(r.objects[0].file, "in.yaml");
  EXPECT_EQ(r.warnings, (std::vector<std::string>{
                            "warning: in.yaml: skipping apps/v1 Deployment shop/web",
                            "warning: in.yaml: skipping kubemesos.io/v1beta9 Framework future"}));
}

TEST(ReadInputTest, Errors) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"a: [1,\n", "f.yaml: line 2, column 1: end of sequence flow not found"},
      {"- 1\n- 2\n", "f.yaml: line 1: expected an object, got array"},
      {"metadata: {name: x}\n", "f.yaml: line 1: apiVersion and kind are required"},
      {"apiVersion: v1\nkind: ConfigMap\n---\n\nkind: Node\n",
       "f.yaml: line 5: apiVersion and kind are required"},
      {"apiVersion: v1\nkind: List\nitems: {}\n", "f.yaml: line 1: items: expected an array"},
      {"apiVersion: v1\nkind: List\nitems: [3]\n",
       "f.yaml: line 3: items[0]: expected an object, got number"},
      {"apiVersion: v1\nkind: List\nitems:\n- 3\n- {kind: X}\n- [1]\n",
       "f.yaml: line 4: items[0]: expected an object, got number"},
  };
  for (const auto& c : cases) {
    Read r = ReadText(c.text, "f.yaml");
    EXPECT_FALSE(r.ok) << c.text;
    EXPECT_EQ(r.error, c.error) << c.text;
  }
}

json RunSimulation(const std::string& text, Policy policy = Policy::kBinpack) {
  Read r = ReadText(text);
  EXPECT_TRUE(r.ok) << r.error;
  auto report = Simulate(r.objects, {.policy = policy});
  EXPECT_TRUE(report.ok()) << report.error;
  return report.ok() ? json::parse(report.value->dump()) : json();
}

TEST(SimulateTest, BoundPodsOfOtherSchedulersHoldCapacity) {
  json report = RunSimulation(std::string(kNode) + R"(---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: prod}
spec:
  nodeName: n1
  containers: [{name: c, resources: {requests: {cpu: "3"}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: done}
spec:
  nodeName: n1
  containers: [{name: c, resources: {requests: {cpu: "4"}}}]
status: {phase: Succeeded}
---
apiVersion: v1
kind: Pod
metadata: {name: elsewhere}
spec:
  containers: [{name: c, resources: {requests: {cpu: "4"}}}]
---
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: g}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: f}
spec:
  resourceGroup: g
  tasks:
  - name: t
    instances: 2
    template: {spec: {containers: [{name: c, resources: {requests: {cpu: 600m}}}]}}
)");
  // 4 cpu - 3 (db) = 1 free: one task of 600m fits, the second does not.
  ASSERT_EQ(report["placements"].size(), 1u);
  EXPECT_EQ(report["placements"][0],
            json({{"namespace", "default"}, {"pod", "f-t-0"}, {"framework", "f"}, {"node", "n1"}}));
  ASSERT_EQ(report["unschedulable"].size(), 1u);
  EXPECT_EQ(report["unschedulable"][0]["pod"], "f-t-1");
  EXPECT_EQ(report["unschedulable"][0]["framework"], "f");
  EXPECT_EQ(report["unschedulable"][0]["reason"], "Insufficient cpu");
  const json& f = report["frameworks"]["default/f"];
  EXPECT_EQ(f["group"], "g");
  EXPECT_EQ(f["placed"], 1);
  EXPECT_EQ(f["pending"], 1);
  EXPECT_EQ(f["allocated"]["cpu"], 0.6);
  EXPECT_EQ(f["allocated"]["memory"], 0);
  EXPECT_EQ(report["groups"]["g"]["allocated"]["cpu"], 0.6);
  EXPECT_EQ(report["groups"]["g"]["frameworks"], 1);
  EXPECT_EQ(report["stats"]["nodes"], 1);
  EXPECT_EQ(report["stats"]["tasks"], 2);
  EXPECT_GE(report["stats"]["allocationSeconds"].get<double>(), 0.0);
  EXPECT_EQ(report["gangs"], json::array());  // no gang in the input
}

// A Framework gang that does not fit as a whole: nothing of it is placed, and `gangs` says why
// it waits; a gang that fits is placed whole and shown Binding (placed, not bound yet).
TEST(SimulateTest, GangsAndWhyTheyWait) {
  json report = RunSimulation(std::string(kNode) + R"(---
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: g}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: big, namespace: ml}
spec:
  resourceGroup: g
  gang: {minMember: 6}
  tasks:
  - name: w
    instances: 6
    template: {spec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: small, namespace: ml}
spec:
  resourceGroup: g
  gang: {minMember: 2}
  tasks:
  - name: w
    instances: 2
    template: {spec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}}
)");
  // 4 cpu: the gang of 6 x 1 cpu can never fit; the gang of 2 fits and is placed whole.
  ASSERT_EQ(report["placements"].size(), 2u) << report.dump();
  for (const auto& p : report["placements"]) EXPECT_EQ(p["framework"], "small");
  EXPECT_EQ(report["frameworks"]["ml/big"]["placed"], 0);
  EXPECT_EQ(report["frameworks"]["ml/big"]["pending"], 6);
  ASSERT_EQ(report["gangs"].size(), 2u) << report["gangs"].dump();
  const json& big = report["gangs"][0];
  EXPECT_EQ(big["kind"], "Framework");
  EXPECT_EQ(big["key"], "ml/big");
  EXPECT_EQ(big["phase"], "Pending");
  EXPECT_EQ(big["minMember"], 6);
  EXPECT_EQ(big["active"], 0);
  EXPECT_EQ(big["pending"], 6);
  ASSERT_TRUE(big.contains("lastFailure")) << big.dump();
  EXPECT_TRUE(big["lastFailure"].get<std::string>().starts_with("Insufficient cpu")) << big.dump();
  const json& small = report["gangs"][1];
  EXPECT_EQ(small["key"], "ml/small");
  EXPECT_EQ(small["phase"], "Binding");
  EXPECT_EQ(small["active"], 2);
  EXPECT_FALSE(small.contains("lastFailure")) << small.dump();
}

// PodGroups in the input are gangs, as `run` sees them: 3 pods of a PodGroup with minCount 3
// on room for 2 wait whole; a pod naming a PodGroup that is not in the input waits for it; a
// PodGroup kubemesos does not enforce is refused with the field named.
TEST(SimulateTest, PodGroupsAreGangs) {
  std::string pods;
  for (int i = 0; i < 3; ++i) {
    pods += "---\napiVersion: v1\nkind: Pod\nmetadata: {name: w" + std::to_string(i) +
            ", namespace: ml, labels: {kubemesos.io/framework: jobs}}\nspec: {schedulerName: "
            "kubemesos, schedulingGroup: {podGroupName: train}, containers: [{name: c, resources: "
            "{requests: {cpu: \"1.5\"}}}]}\n";
  }
  pods +=
      "---\napiVersion: v1\nkind: Pod\nmetadata: {name: lost, namespace: ml, labels: "
      "{kubemesos.io/framework: jobs}}\nspec: {schedulerName: kubemesos, schedulingGroup: "
      "{podGroupName: nowhere}, containers: [{name: c, resources: {requests: {cpu: \"1\"}}}]}\n";
  json report = RunSimulation(std::string(kNode) + R"(---
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: g}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: jobs, namespace: ml}
spec: {resourceGroup: g}
---
apiVersion: scheduling.k8s.io/v1beta1
kind: PodGroup
metadata: {name: train, namespace: ml}
spec: {schedulingPolicy: {gang: {minCount: 3}}}
)" + pods);
  // 4 cpu: two members of 1.5 fit, the third does not; the lost pod fits but waits for its group.
  EXPECT_EQ(report["placements"].size(), 0u) << report.dump();
  ASSERT_EQ(report["gangs"].size(), 1u) << report["gangs"].dump();
  EXPECT_EQ(report["gangs"][0]["key"], "ml/train");
  EXPECT_EQ(report["gangs"][0]["phase"], "Pending");
  EXPECT_NE(report["gangs"][0]["lastFailure"].get<std::string>().find("2/3 placeable"),
            std::string::npos)
      << report["gangs"][0].dump();
  EXPECT_NE(report.dump().find("WaitingForPodGroup ml/nowhere"), std::string::npos)
      << report.dump();

  Read refused = ReadText(std::string(kNode) + R"(---
apiVersion: scheduling.k8s.io/v1beta1
kind: PodGroup
metadata: {name: train, namespace: ml}
spec: {parentCompositePodGroupName: all, schedulingPolicy: {gang: {minCount: 3}}}
)");
  ASSERT_TRUE(refused.ok) << refused.error;
  auto failed = Simulate(refused.objects, {});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error.find("parentCompositePodGroupName"), std::string::npos) << failed.error;
}

// Issue #14, item 8: a Framework's task template gets every constraint kube-scheduler enforces,
// in `simulate` as in `run`: here required anti-affinity on the hostname (one task per node)
// and a host port, over 4 nodes in 2 zones with a DoNotSchedule zone spread.
TEST(SimulateTest, TaskTemplatesGetInterPodConstraints) {
  std::string nodes;
  for (int i = 0; i < 4; ++i) {
    nodes += "apiVersion: v1\nkind: Node\nmetadata: {name: n" + std::to_string(i) +
             ", labels: {kubernetes.io/hostname: n" + std::to_string(i) +
             ", topology.kubernetes.io/zone: z" + std::to_string(i % 2) +
             "}}\nstatus: {allocatable: {cpu: \"8\", memory: 8Gi, pods: \"110\"}}\n---\n";
  }
  json report = RunSimulation(nodes + R"(
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: g}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: web}
spec:
  resourceGroup: g
  tasks:
  - name: server
    instances: 6
    template:
      metadata: {labels: {app: web}}
      spec:
        affinity:
          podAntiAffinity:
            requiredDuringSchedulingIgnoredDuringExecution:
            - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: web}}}
        topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule,
           labelSelector: {matchLabels: {app: web}}}
        containers:
        - {name: c, ports: [{containerPort: 80, hostPort: 8080}], resources: {requests: {cpu: 100m}}}
)");
  ASSERT_EQ(report["placements"].size(), 4u) << report.dump();
  std::set<std::string> used;
  for (const auto& p : report["placements"]) used.insert(p["node"].get<std::string>());
  EXPECT_EQ(used.size(), 4u);  // one per node
  ASSERT_EQ(report["unschedulable"].size(), 2u);
  EXPECT_EQ(report["unschedulable"][0]["reason"], "NoEligibleNode");
  EXPECT_EQ(report["unschedulable"][0]["message"],
            "0/4 nodes are available: 4 didn't have free ports for the requested pod ports.");
}

TEST(SimulateTest, KubemesosPodWithoutFrameworkLabelIsReported) {
  json report = RunSimulation(std::string(kNode) + R"(---
apiVersion: v1
kind: Pod
metadata: {name: orphan, namespace: team}
spec:
  schedulerName: kubemesos
  containers: [{name: c}]
)");
  EXPECT_TRUE(report["placements"].empty());
  ASSERT_EQ(report["unschedulable"].size(), 1u);
  EXPECT_EQ(report["unschedulable"][0]["namespace"], "team");
  EXPECT_EQ(report["unschedulable"][0]["pod"], "orphan");
  EXPECT_EQ(report["unschedulable"][0]["reason"], "UnknownFramework");
  EXPECT_EQ(report["stats"]["tasks"], 0);
}

TEST(SimulateTest, LabelledPodOfUnknownFrameworkStaysPending) {
  json report = RunSimulation(std::string(kNode) + R"(---
apiVersion: v1
kind: Pod
metadata: {name: p, labels: {kubemesos.io/framework: ghost}}
spec: {schedulerName: kubemesos, containers: [{name: c}]}
)");
  EXPECT_TRUE(report["placements"].empty());
  ASSERT_EQ(report["unschedulable"].size(), 1u);
  EXPECT_EQ(report["unschedulable"][0]["framework"], "ghost");
  EXPECT_EQ(report["unschedulable"][0]["reason"].get<std::string>().rfind("UnknownFramework", 0),
            0u);
  EXPECT_EQ(report["stats"]["tasks"], 1);
}

TEST(SimulateTest, ExistingTaskPodsAreNotCreatedAgain) {
  // f-t-0 already runs on n1 (the operator made it earlier); only f-t-1 is a new task.
  json report = RunSimulation(std::string(kNode) + R"(---
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: g}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: f}
spec:
  resourceGroup: g
  tasks:
  - name: t
    instances: 2
    template: {spec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}}
---
apiVersion: v1
kind: Pod
metadata: {name: f-t-0, labels: {kubemesos.io/framework: f}}
spec:
  schedulerName: kubemesos
  nodeName: n1
  containers: [{name: c, resources: {requests: {cpu: "1"}}}]
)");
  ASSERT_EQ(report["placements"].size(), 1u);
  EXPECT_EQ(report["placements"][0]["pod"], "f-t-1");
  EXPECT_EQ(report["frameworks"]["default/f"]["placed"], 1);
  EXPECT_EQ(report["frameworks"]["default/f"]["pending"], 0);
  EXPECT_EQ(report["frameworks"]["default/f"]["allocated"]["cpu"], 2);
  EXPECT_EQ(report["stats"]["tasks"], 1);
}

TEST(SimulateTest, ErrorsNameFileAndObject) {
  struct Case {
    std::string text;
    std::string error;
  } cases[] = {
      {std::string(kNode) + "---\n" + kNode,
       "in.yaml: line 8: Node n1: defined twice (first at in.yaml line 2)"},
      {R"(
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: f, namespace: t}
spec:
  resourceGroup: g
  tasks:
  - name: w
    template: {spec: {containers: [{name: c, resources: {requests: {memory: lots}}}]}}
)",
       "in.yaml: line 2: Framework t/f: Pod t/f-w-0: spec.containers[0].resources.requests.memory: "
       "invalid quantity \"lots\": no digits"},
      {"apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus: {allocatable: {cpu: -2}}\n",
       "in.yaml: line 1: Node n: status.allocatable.cpu: invalid quantity \"-2\": must not be "
       "negative"},
  };
  for (const auto& c : cases) {
    Read r = ReadText(c.text);
    ASSERT_TRUE(r.ok) << r.error;
    auto report = Simulate(r.objects, {});
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(report.error, c.error);
  }
}

// Task pods are materialised, so the pods the Frameworks of an input ask for are limited
// (100,000 in all), and the limit is checked before any is made: 1,000,000 instances took
// 3 GB.
TEST(SimulateTest, TaskPodsOfAllFrameworksAreLimited) {
  auto framework = [](const std::string& name, const std::string& tasks) {
    return "---\napiVersion: kubemesos.io/v1alpha1\nkind: Framework\nmetadata: {name: " + name +
           "}\nspec:\n  resourceGroup: g\n  tasks: " + tasks + "\n";
  };
  const std::string task = "{name: t, template: {spec: {containers: [{name: c}]}}";
  struct Case {
    std::string text;
    std::string error;  // "" when it simulates
  } cases[] = {
      {framework("f", "[" + task + ", instances: 1000000}]"),
       "in.yaml: line 2: Framework default/f: spec.tasks: more than 100000 task pods in all "
       "Frameworks of the input (the limit of simulate)"},
      {framework("f",
                 "[{name: a, instances: 50000, template: {}}, {name: b, instances: 50001, "
                 "template: {}}]"),
       "in.yaml: line 2: Framework default/f: spec.tasks: more than 100000 task pods in all "
       "Frameworks of the input (the limit of simulate)"},
      {framework("f", "[" + task + ", instances: 10}]") +
           framework("h", "[" + task + ", instances: 99991}]"),
       "in.yaml: line 9: Framework default/h: spec.tasks: more than 100000 task pods in all "
       "Frameworks of the input (the limit of simulate)"},
      {framework("f", "[" + task + ", instances: 10}]") +
           framework("h", "[" + task + ", instances: 1e6}]"),
       "in.yaml: line 9: Framework default/h: spec.tasks: more than 100000 task pods in all "
       "Frameworks of the input (the limit of simulate)"},
      {framework(
           "f",
           "[" + task + ", instances: 3}, {name: u, template: {spec: {containers: [{name: c}]}}}]"),
       ""},
  };
  testing::ScopedMemoryCap cap;
  for (const auto& c : cases) {
    Read r = ReadText(c.text);
    ASSERT_TRUE(r.ok) << r.error;
    auto report = Simulate(r.objects, {});
    EXPECT_EQ(report.ok() ? "" : report.error, c.error) << c.text;
  }
}

TEST(SimulateCommandTest, UsageAndExitCodes) {
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* in_out;  // expected in stdout
    const char* in_err;  // expected in stderr
  } cases[] = {
      {{"kubemesos"}, 2, "", "Usage:"},
      {{"kubemesos", "help"}, 0, "Usage:", ""},
      {{"kubemesos", "--help"}, 0, "kubemesos simulate", ""},
      {{"kubemesos", "version"}, 0, "kubemesos ", ""},
      {{"kubemesos", "run", "--bogus", "1"}, 2, "", ""},  // usage errors go to stderr
      {{"kubemesos", "frobnicate"}, 2, "", "unknown command \"frobnicate\""},
      {{"kubemesos", "simulate"}, 2, "", "at least one -f FILE is required"},
      {{"kubemesos", "simulate", "--help"}, 0, "Usage: kubemesos simulate", ""},
      {{"kubemesos", "simulate", "-f"}, 2, "", "-f needs a value"},
      {{"kubemesos", "simulate", "-f", "x", "--policy", "random"}, 2, "", "unknown policy"},
      {{"kubemesos", "simulate", "--bogus"}, 2, "", "unexpected argument \"--bogus\""},
      {{"kubemesos", "simulate", "-f", "/nonexistent/x.yaml"},
       1,
       "",
       "error: /nonexistent/x.yaml: cannot open: No such file or directory"},
  };
  for (const auto& c : cases) {
    std::ostringstream out, err;
    EXPECT_EQ(cmd::Main(c.args, out, err), c.code) << c.args.back();
    EXPECT_NE(out.str().find(c.in_out), std::string::npos) << c.args.back() << ": " << out.str();
    EXPECT_NE(err.str().find(c.in_err), std::string::npos) << c.args.back() << ": " << err.str();
  }
}

}  // namespace
}  // namespace kubemesos::simulate
