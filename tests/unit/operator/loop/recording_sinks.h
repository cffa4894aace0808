// Test helper: a BindSink and StatusSink that only record what the scheduling core hands them,
// one list per call, for the SchedulerCore tests to assert on.
#pragma once

#include <string>
#include <vector>

#include "operator/loop/sinks.h"

namespace kubemesos::loop::test_support {

struct RecordingSinks : BindSink, StatusSink {
  std::vector<Placement> binds;                      // every bind, gang members included
  std::vector<std::vector<Placement>> gang_batches;  // the BindGang calls
  std::vector<Unplaced> pending;
  std::vector<std::string> problems;          // "<Kind> ns/name: message"
  std::vector<std::string> invalid_pods;      // "ns/name: message"
  std::vector<std::string> unsupported_pods;  // "ns/name: message"
  std::vector<std::string> waiting_pods;      // "ns/name: reason: message"

  void Bind(const Placement& p) override { binds.push_back(p); }
  void BindGang(const std::vector<Placement>& members) override {
    gang_batches.push_back(members);
    binds.insert(binds.end(), members.begin(), members.end());
  }
  void PodPending(const Unplaced& u) override { pending.push_back(u); }
  void ObjectProblem(ObjectKind kind, const std::string& ns, const std::string& name,
                     const std::string& message) override {
    problems.push_back(std::string(KindName(kind)) + " " + ns + "/" + name + ": " + message);
  }
  void PodInvalid(const std::string& ns, const std::string& name,
                  const std::string& message) override {
    invalid_pods.push_back(ns + "/" + name + ": " + message);
  }
  void PodUnsupported(const std::string& ns, const std::string& name,
                      const std::string& message) override {
    unsupported_pods.push_back(ns + "/" + name + ": " + message);
  }
  void PodWaiting(const std::string& ns, const std::string& name, const std::string& reason,
                  const std::string& message) override {
    waiting_pods.push_back(ns + "/" + name + ": " + reason + ": " + message);
  }
};

}  // namespace kubemesos::loop::test_support
