// Failed binds of a gang, replayed through the real scheduling core (engine included) and the
// Framework controller, wired as the operator wires them (every event to both; binds answered
// by a small in-memory API server; the controller's writes carried out): 2 of 4 binds fail for
// good, and after bindTimeoutSeconds the bound members are deleted and re-created, never
// leaving the gang partly bound longer; with a leader restart in the middle, the new leader
// binds nothing twice and its timer starts from what it observes.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "operator/controller/framework_controller.h"
#include "operator/loop/scheduler_core.h"
#include "tests/unit/operator/loop/recording_sinks.h"

namespace kubemesos::controller {
namespace {

using loop::LoopEvent;
using loop::ObjectKind;
using loop::WatchType;
using nlohmann::json;

constexpr double kBindTimeout = 30;

// One replica: its scheduling core and Framework controller, fed like the operator's loop.
struct Replica {
  loop::test_support::RecordingSinks sinks;
  loop::SchedulerCore core{AllocatorOptions{}, sinks, sinks};
  FrameworkController controller;
  void Apply(const LoopEvent& event, double now) {
    core.Apply(event, now);
    controller.Observe(event, now, core.framework_conversion());
  }
};

// The API server (objects, binds, task pod writes) and the replicas watching it.
class World {
 public:
  World() {
    for (int i = 0; i < 4; ++i) {
      nodes_.push_back(
          {{"apiVersion", "v1"},
           {"kind", "Node"},
           {"metadata", {{"name", "n" + std::to_string(i)}}},
           {"status",
            {{"allocatable", {{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}}},
             {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}});
    }
    group_ = {{"apiVersion", "kubemesos.io/v1alpha1"},
              {"kind", "ResourceGroup"},
              {"metadata", {{"name", "g"}}},
              {"spec", json::object()}};
    framework_ = {
        {"apiVersion", "kubemesos.io/v1alpha1"},
        {"kind", "Framework"},
        {"metadata", {{"name", "fw"}, {"namespace", "team"}, {"uid", "fw-uid"}}},
        {"spec",
         {{"resourceGroup", "g"},
          {"gang",
           {{"minMember", 4}, {"bindTimeoutSeconds", kBindTimeout}, {"onBindFailure", "Restart"}}},
          {"tasks",
           {{{"name", "w"},
             {"instances", 4},
             {"template",
              {{"spec",
                {{"containers",
                  {{{"name", "c"},
                    {"image", "busybox"},
                    {"resources", {{"requests", {{"cpu", "1"}}}}}}}}}}}}}}}}}};
  }

  // A new replica that lists everything (as its informers would); it leads from now on, or
  // stands by (mirrors every event, allocates and writes nothing) until Promote.
  void Start(bool leader = true) {
    replicas_.push_back(std::make_unique<Replica>());
    Replica& r = *replicas_.back();
    for (const auto& node : nodes_) r.Apply(Event(ObjectKind::kNode, node), now);
    r.Apply(Event(ObjectKind::kResourceGroup, group_), now);
    r.Apply(Event(ObjectKind::kFramework, framework_), now);
    for (const auto& [name, pod] : pods_) r.Apply(Event(ObjectKind::kPod, pod), now);
    for (int kind = 0; kind < loop::kObjectKinds; ++kind)
      r.Apply(LoopEvent::Synced(static_cast<ObjectKind>(kind)), now);
    if (leader) leader_ = &r;
  }
  // The leader is gone (SIGKILL): no more events, cycles or writes from it.
  void KillLeader() {
    for (auto it = replicas_.begin(); it != replicas_.end(); ++it) {
      if (it->get() == leader_) {
        replicas_.erase(it);
        break;
      }
    }
    leader_ = nullptr;
  }
  // The remaining replica takes the lease.
  void Promote() { leader_ = replicas_.front().get(); }

  // One cycle of every replica, as Operator::Cycle runs it: the leader allocates (binds are
  // answered at once) and writes; a standby only follows its gangs.
  void Cycle() {
    for (auto& standby : replicas_) {
      if (standby.get() == leader_) continue;
      EXPECT_TRUE(standby->controller
                      .ReconcileGangs(standby->core.allocator().Gangs(), now, /*leader=*/false)
                      .empty());
    }
    if (!leader_) return;
    Replica& r = *leader_;
    r.core.Cycle(now);
    auto binds = std::move(r.sinks.binds);
    r.sinks.binds.clear();
    for (const auto& p : binds) Bind(p);
    for (auto& a : r.controller.ReconcileGangs(r.core.allocator().Gangs(), now, true)) Carry(a);
    for (auto& a : r.controller.Reconcile(now)) Carry(a);
  }

  // Members on a node (not terminal).
  int Bound() const {
    int n = 0;
    for (const auto& [name, pod] : pods_) n += pod["spec"].contains("nodeName");
    return n;
  }
  std::string Uid(const std::string& pod) const {
    auto it = pods_.find(pod);
    return it == pods_.end() ? "" : it->second["metadata"]["uid"].get<std::string>();
  }

  double now = 1000;
  std::set<std::string> denied;  // pods whose binds the API server refuses (403)
  int double_binds = 0;          // binds of a pod already on a node
  int deletes = 0;

 private:
  static LoopEvent Event(ObjectKind kind, const json& object, WatchType watch = WatchType::kAdded) {
    return LoopEvent::Object(kind, watch, object);
  }
  void Broadcast(const LoopEvent& event) {
    for (auto& r : replicas_) r->Apply(event, now);
  }
  void Bind(const Placement& p) {
    std::string name = p.pod.substr(p.pod.find('/') + 1);
    loop::BindResult result{p.pod, p.node, 201, "", p.gang, -1};
    auto it = pods_.find(name);
    if (it == pods_.end()) {
      result.status = 404;
    } else if (it->second["spec"].contains("nodeName")) {
      ++double_binds;
      result.status = 409;
    } else if (denied.count(name)) {
      result.status = 403;
      result.message = "denied by policy";
    } else {
      it->second["spec"]["nodeName"] = p.node;
      it->second["status"] = {{"phase", "Running"}};
      Broadcast(Event(ObjectKind::kPod, it->second, WatchType::kModified));
    }
    leader_->Apply(LoopEvent::Bound(result), now);  // only the binder's replica gets it
  }
  void Carry(const TaskAction& a) {
    loop::TaskWriteResult result{a.create, a.ns, a.name, a.framework, 201, ""};
    if (a.create) {
      json pod = a.pod;
      pod["metadata"]["uid"] = "uid-" + std::to_string(++next_uid_);
      pod["status"] = {{"phase", "Pending"}};
      pods_[a.name] = pod;
      Broadcast(Event(ObjectKind::kPod, pod));
    } else {
      auto it = pods_.find(a.name);
      EXPECT_TRUE(it != pods_.end() && it->second["metadata"]["uid"] == a.uid) << a.name;
      if (it != pods_.end()) {
        json pod = it->second;
        pods_.erase(it);
        ++deletes;
        Broadcast(Event(ObjectKind::kPod, pod, WatchType::kDeleted));
      }
      result.status = 200;
    }
    leader_->Apply(LoopEvent::TaskWritten(result), now);
  }

  std::vector<json> nodes_;
  json group_, framework_;
  std::map<std::string, json> pods_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  Replica* leader_ = nullptr;
  int next_uid_ = 0;
};

// Runs cycles one second apart until `until`; returns the longest run of partly bound cycles
// (0 < bound < 4), in seconds, and when the first partial run began in `first_partial`.
double RunUntil(World& w, double until, double* first_partial = nullptr) {
  double longest = 0, since = -1;
  for (; w.now <= until; w.now += 1) {
    w.Cycle();
    int bound = w.Bound();
    if (bound > 0 && bound < 4) {
      if (since < 0) since = w.now;
      if (first_partial && *first_partial < 0) *first_partial = w.now;
      longest = std::max(longest, w.now - since);
    } else {
      since = -1;
    }
  }
  return longest;
}

TEST(GangFailover, TwoOfFourBindsFailForGoodAndTheBoundOnesAreDeletedAfterTheBindTimeout) {
  World w;
  w.denied = {"fw-w-2", "fw-w-3"};
  w.Start();
  double first_partial = -1;
  std::string uid0;
  double longest = RunUntil(w, w.now + 5, &first_partial);
  ASSERT_GE(first_partial, 0) << "the gang was placed, 2 of its 4 binds failed";
  EXPECT_EQ(w.Bound(), 2);
  uid0 = w.Uid("fw-w-0");
  longest = std::max(longest, RunUntil(w, first_partial + kBindTimeout - 1));
  EXPECT_EQ(w.Uid("fw-w-0"), uid0) << "not rolled back before bindTimeoutSeconds";
  EXPECT_EQ(w.deletes, 0);
  longest = std::max(longest, RunUntil(w, first_partial + 3 * kBindTimeout));
  EXPECT_NE(w.Uid("fw-w-0"), uid0) << "the bound members were deleted and re-created";
  EXPECT_GE(w.deletes, 2);
  EXPECT_LE(longest, kBindTimeout + 1) << "never partly bound past the timeout + one cycle";
  EXPECT_EQ(w.double_binds, 0);
  // Once the binds go through, the whole gang binds and stays.
  w.denied.clear();
  int deletes = w.deletes;
  RunUntil(w, w.now + 2 * kBindTimeout);
  EXPECT_EQ(w.Bound(), 4);
  EXPECT_LE(w.deletes - deletes, 2) << "at most the rollback already due";
}

TEST(GangFailover, AStandbyTakingOverBindsNothingTwiceAndTimesFromItsTakeover) {
  World w;
  w.denied = {"fw-w-2", "fw-w-3"};
  w.Start();
  w.Start(/*leader=*/false);  // watches everything from the start, acts on nothing
  double first_partial = -1;
  RunUntil(w, w.now + 5, &first_partial);
  ASSERT_GE(first_partial, 0);
  RunUntil(w, first_partial + 20);
  std::string uid0 = w.Uid("fw-w-0");
  ASSERT_EQ(w.Bound(), 2);
  w.KillLeader();
  RunUntil(w, w.now + 4);  // nobody leads until the lease runs out
  w.Promote();
  double taken_over = w.now;
  RunUntil(w, taken_over + kBindTimeout - 1);
  EXPECT_EQ(w.Uid("fw-w-0"), uid0) << "the standby's timer did not run before it led";
  EXPECT_EQ(w.Bound(), 2);
  RunUntil(w, taken_over + kBindTimeout + 1);
  EXPECT_NE(w.Uid("fw-w-0"), uid0) << "rolled back by the new leader";
  EXPECT_EQ(w.double_binds, 0) << "the bound members were not bound again";
}

TEST(GangFailover, ARestartedLeaderBindsNothingTwiceAndTimesFromWhatItObserves) {
  World w;
  w.denied = {"fw-w-2", "fw-w-3"};
  w.Start();
  double first_partial = -1;
  RunUntil(w, w.now + 5, &first_partial);
  ASSERT_GE(first_partial, 0);
  RunUntil(w, first_partial + 20);  // 20 s into the bind timeout ...
  std::string uid0 = w.Uid("fw-w-0");
  ASSERT_EQ(w.Bound(), 2);
  w.KillLeader();  // ... the leader dies
  w.now += 5;      // the lease runs out
  double taken_over = w.now;
  w.Start();
  RunUntil(w, taken_over + kBindTimeout - 1);
  EXPECT_EQ(w.Uid("fw-w-0"), uid0) << "the new leader's timer starts when it takes over";
  EXPECT_EQ(w.Bound(), 2);
  RunUntil(w, taken_over + kBindTimeout + 1);
  EXPECT_NE(w.Uid("fw-w-0"), uid0) << "rolled back by the new leader";
  EXPECT_EQ(w.double_binds, 0) << "the bound members were not bound again";
}

}  // namespace
}  // namespace kubemesos::controller
