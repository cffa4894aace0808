// Test helper for the Framework controller tests: a Framework object, and the API server and
// the kubelet reduced to what the controller sees (pods by name), carrying out its writes.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/controller/framework_controller.h"

namespace kubemesos::controller::test_support {

using loop::LoopEvent;
using loop::ObjectKind;
using loop::WatchType;
using nlohmann::json;

inline json Framework(int instances, const std::string& policy = "Never", int max_retries = 0,
                      const std::string& uid = "fw-uid") {
  return {{"apiVersion", "kubemesos.io/v1alpha1"},
          {"kind", "Framework"},
          {"metadata", {{"name", "fw"}, {"namespace", "team"}, {"uid", uid}}},
          {"spec",
           {{"resourceGroup", "g"},
            {"tasks",
             {{{"name", "worker"},
               {"instances", instances},
               {"restartPolicy", policy},
               {"maxRetries", max_retries},
               {"template",
                {{"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}}}}}}}}};
}

// The API server and the kubelet, reduced to what the controller sees: pods by name.
class FakeApi {
 public:
  explicit FakeApi(FrameworkController& c) : c_(c) {}

  // `converted` (optional): the Framework as already converted (see Observe).
  void Framework(WatchType watch, const json& fw,
                 kube::Converted<kube::FrameworkObjects>* converted = nullptr) {
    c_.Observe(LoopEvent::Object(ObjectKind::kFramework, watch, fw), now, converted);
  }
  // Runs one reconcile and carries out its writes; returns them.
  std::vector<TaskAction> Step() { return Carry(c_.Reconcile(now)); }
  // Carries out writes (creates and deletes) and hands their results back; returns them.
  std::vector<TaskAction> Carry(std::vector<TaskAction> actions) {
    for (const auto& a : actions) {
      loop::TaskWriteResult r{a.create, a.ns, a.name, a.framework, 201, ""};
      if (a.create && fail_creates) {
        r.status = 403;
        r.message = "forbidden";
      } else if (a.create && pods.size() >= quota) {
        r.status = 403;
        r.message = "pods \"" + a.name + "\" is forbidden: exceeded quota: pods";
      } else if (a.create) {
        json pod = a.pod;
        pod["metadata"]["uid"] = "uid-" + std::to_string(++next_uid_);
        Put(WatchType::kAdded, pod);
      } else if (fail_deletes) {
        r.status = 403;
        r.message = "forbidden";
      } else {
        EXPECT_EQ(pods.at(a.name)["metadata"]["uid"], a.uid) << a.name;
        Delete(a.name);
        r.status = 200;
      }
      c_.Observe(LoopEvent::TaskWritten(r), now);
    }
    return actions;
  }
  void Put(WatchType watch, const json& pod) {
    pods[pod["metadata"]["name"].get<std::string>()] = pod;
    c_.Observe(LoopEvent::Object(ObjectKind::kPod, watch, pod), now);
  }
  void Delete(const std::string& name) {
    json pod = pods.at(name);
    pods.erase(name);
    c_.Observe(LoopEvent::Object(ObjectKind::kPod, WatchType::kDeleted, pod), now);
  }
  void Finish(const std::string& name, int exit_code, const std::string& finished) {
    json pod = pods.at(name);
    pod["status"] = {
        {"phase", exit_code == 0 ? "Succeeded" : "Failed"},
        {"containerStatuses",
         {{{"name", "c"},
           {"state", {{"terminated", {{"exitCode", exit_code}, {"finishedAt", finished}}}}}}}}};
    Put(WatchType::kModified, pod);
  }
  void Run(const std::string& name) {
    json pod = pods.at(name);
    pod["spec"]["nodeName"] = "n1";
    pod["status"] = {{"phase", "Running"}};
    Put(WatchType::kModified, pod);
  }

  double now = 100;
  bool fail_creates = false;
  bool fail_deletes = false;
  size_t quota = SIZE_MAX;  // creates past this many pods fail with 403 (a ResourceQuota)
  std::map<std::string, json> pods;

 private:
  FrameworkController& c_;
  int next_uid_ = 0;
};

inline std::vector<std::string> Names(const std::vector<TaskAction>& actions, bool create) {
  std::vector<std::string> out;
  for (const auto& a : actions) {
    if (a.create == create) out.push_back(a.name);
  }
  return out;
}

}  // namespace kubemesos::controller::test_support
