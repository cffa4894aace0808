// What users see of lend and reclaim in status (issue #16): ResourceGroup borrowed, lent,
// reclaimable and guaranteePolicy; Framework status.preemption and the Preempted Event, from
// hand-built engine values (GroupStatus, FrameworkStatus, Preemption plans) and through the
// status writer.
#include "operator/loop/preemption_status.h"

#include <gtest/gtest.h>

#include "operator/loop/object_status.h"
#include "tests/fakes/client/fake_client.h"
#include "tests/unit/operator/loop/patch_recorder.h"

namespace kubemesos::loop {
namespace {

using nlohmann::json;
using test_support::PatchRecorder;
using test_support::WaitFor;

constexpr std::time_t kWall = 1'800'000'000;  // 2027-01-15T08:00:00Z

Preemption Plan(PreemptionKind kind, std::string group, std::vector<std::string> preemptors,
                std::vector<std::pair<std::string, std::string>> victims, double created) {
  Preemption p;
  p.kind = kind;
  p.group = std::move(group);
  for (auto& pod : preemptors) p.preemptors.push_back({pod, "ml/bert", "n1"});
  for (auto& [pod, fw] : victims) {
    Preemption::Victim v;
    v.pod = pod;
    v.framework = fw;
    v.node = "n1";
    v.group = "batch";
    p.victims.push_back(v);
  }
  p.created = created;
  p.deadline = created + 60;
  p.message = "ml below its guarantee of cpu";
  return p;
}

TEST(GroupStatusJsonTest, BorrowedLentReclaimableAndPolicy) {
  ResourceCatalog catalog;
  GroupStatus g;
  g.name = "batch";
  g.allocated[kCpu] = 6000;
  g.borrowed[kCpu] = 2000;
  g.reclaimable[kCpu] = 1500;
  g.lent[kMemory] = 4LL << 30;
  g.guarantee_policy = GuaranteePolicy::kHold;
  json s = GroupStatusJson(g, catalog, "T");
  EXPECT_EQ(s["guaranteePolicy"], "Hold");
  EXPECT_EQ(s["borrowed"], json({{"cpu", "2"}})) << s.dump();
  EXPECT_EQ(s["reclaimable"], json({{"cpu", "1500m"}})) << s.dump();
  EXPECT_EQ(s["lent"], json({{"memory", "4Gi"}})) << s.dump();
  g.guarantee_policy = GuaranteePolicy::kLend;
  g.borrowed = {};
  s = GroupStatusJson(g, catalog, "T");
  EXPECT_EQ(s["guaranteePolicy"], "Lend");
  EXPECT_EQ(s["borrowed"], json::object());  // nothing borrowed: an empty map, not absent
}

TEST(PreemptorTextTest, GangPodOrSeveralPods) {
  Preemption p = Plan(PreemptionKind::kReclaim, "ml", {"ml/bert-0"}, {}, 0);
  EXPECT_EQ(PreemptorText(p), "ml/bert-0");
  p = Plan(PreemptionKind::kReclaim, "ml", {"ml/bert-0", "ml/bert-1", "ml/bert-2"}, {}, 0);
  EXPECT_EQ(PreemptorText(p), "ml/bert-0 and 2 more");
  p.gang = "ml/bert";
  EXPECT_EQ(PreemptorText(p), "gang ml/bert");
}

TEST(FrameworkPreemptionsTest, LastPlanPerVictimFrameworkAndOneEventEach) {
  FrameworkPreemptions fp;
  std::vector<Preemption> plans = {
      Plan(PreemptionKind::kReclaim, "ml", {"ml/bert-0"},
           {{"batch/a-0", "batch/a"}, {"batch/a-1", "batch/a"}, {"batch/b-0", "batch/b"}}, 95),
      Plan(PreemptionKind::kPriority, "batch", {"batch/urgent-0"}, {{"batch/b-1", "batch/b"}}, 100),
  };
  auto events = fp.Note(plans, 100, kWall);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].key, "batch/a");
  EXPECT_EQ(events[0].message,
            "2 tasks preempted by ml/bert-0 (Reclaim, group ml): ml below its guarantee of cpu");
  EXPECT_EQ(events[1].key, "batch/b");
  EXPECT_EQ(events[2].key, "batch/b");
  EXPECT_TRUE(events[2].message.starts_with("1 task preempted by batch/urgent-0 (Priority, "))
      << events[2].message;

  FrameworkStatus a;
  a.key = "batch/a";
  a.preempted = 2;
  a.revocable = 3;
  json s;
  fp.Add(s, "batch/a", a);
  EXPECT_EQ(s["preemption"]["preemptedTasks"], 2);
  EXPECT_EQ(s["preemption"]["revocableTasks"], 3);
  const json& last = s["preemption"]["lastPreempted"];
  EXPECT_EQ(last["by"], "ml/bert-0");
  EXPECT_EQ(last["reason"], "Reclaim");
  EXPECT_EQ(last["victims"], 2);
  EXPECT_EQ(last["time"], "2027-01-15T07:59:55Z");  // made 5 s before `now`
  fp.Add(s, "batch/b", a);
  EXPECT_EQ(s["preemption"]["lastPreempted"]["reason"], "Priority");  // the later plan wins
  EXPECT_EQ(s["preemption"]["lastPreempted"]["by"], "batch/urgent-0");

  fp.Forget("batch/b");
  fp.Add(s, "batch/b", a);
  EXPECT_FALSE(s["preemption"].contains("lastPreempted")) << s.dump();
  fp.Add(s, "other/never", FrameworkStatus{});
  EXPECT_EQ(s["preemption"], json({{"preemptedTasks", 0}, {"revocableTasks", 0}}));
}

TEST(FrameworkPreemptionsTest, PreemptedTasksOf) {
  struct Case {
    const char* object;
    int64_t want;
  } cases[] = {
      {R"({})", 0},
      {R"({"status":{"preemption":{"preemptedTasks":12}}})", 12},
      {R"({"status":{"preemption":{"preemptedTasks":-3}}})", 0},
      {R"({"status":{"preemption":{"preemptedTasks":"7"}}})", 0},
      {R"({"status":{"preemption":{"preemptedTasks":1152921504606846976}}})", 0},  // 2^60
      {R"({"status":{"preemption":[]}})", 0},
      {R"({"status":"x"})", 0},
  };
  for (const auto& c : cases)
    EXPECT_EQ(PreemptedTasksOf(json::parse(c.object)), c.want) << c.object;
}

// A new leader goes on from the count earlier leaders wrote; its own writes, echoed back by the
// watch, are not added again.
TEST(FrameworkPreemptionsTest, PreemptedTasksGoOnFromEarlierLeaders) {
  FrameworkPreemptions fp;
  FrameworkStatus f;
  f.preempted = 2;
  json s;
  fp.Observe("ns/a", 5);
  fp.Observe("ns/a", 7);  // the old leader wrote again before this one took over
  fp.Add(s, "ns/a", f);
  EXPECT_EQ(s["preemption"]["preemptedTasks"], 9);
  fp.Observe("ns/a", 9);  // our own write, echoed
  f.preempted = 3;
  fp.Add(s, "ns/a", f);
  EXPECT_EQ(s["preemption"]["preemptedTasks"], 10);
  fp.Forget("ns/a");  // deleted and re-created: a new object starts from what it says
  fp.Observe("ns/a", 0);
  f.preempted = 0;
  fp.Add(s, "ns/a", f);
  EXPECT_EQ(s["preemption"]["preemptedTasks"], 0);
}

TEST(FrameworkPreemptionsTest, PlansWithoutVictimsOfAFrameworkAreIgnored) {
  FrameworkPreemptions fp;
  EXPECT_TRUE(fp.Note({Plan(PreemptionKind::kReclaim, "ml", {"ml/x-0"}, {}, 1)}, 1, kWall).empty());
}

json LastStatus(PatchRecorder& rec, const std::string& path) {
  std::lock_guard<std::mutex> lock(rec.mu);
  json out;
  for (const auto& [p, body] : rec.patches) {
    if (p == path) out = body["status"];
  }
  return out;
}

// Through the writer: the group's sharing fields with every unheld kind nulled (a merge patch
// would keep an old "cpu: 2" under borrowed otherwise), and a Framework's lastPreempted written
// once after NotePreemptions, then nothing while it stays the same.
TEST(ObjectStatusWriterSharingTest, GroupFieldsAndFrameworkPreemption) {
  client::FakeKubeClient kube;
  PatchRecorder rec;
  kube.SetHandler(rec.Handler());
  ObjectStatusWriter writer(kube, 1000, 1000);
  Allocator a;
  NodeSpec node;
  node.name = "n1";
  node.allocatable[kCpu] = 4000;
  node.allocatable[kMemory] = 8LL << 30;
  a.UpsertNode(node);
  GroupSpec g;
  g.name = "batch";
  a.UpsertGroup(g);
  a.UpsertFramework({"batch/a", "batch", false, 5, {}});
  a.Allocate(0);
  writer.Publish(a, nullptr, 0);
  ASSERT_TRUE(WaitFor([&] { return writer.writes() == 2; }));
  json group = LastStatus(rec, "/apis/kubemesos.io/v1alpha1/resourcegroups/batch/status");
  EXPECT_EQ(group["guaranteePolicy"], "Lend");
  for (const char* key : {"borrowed", "lent", "reclaimable"}) {
    ASSERT_TRUE(group[key].contains("cpu")) << key << ": " << group.dump();
    EXPECT_TRUE(group[key]["cpu"].is_null()) << key << ": " << group.dump();
  }
  const std::string fw_path = "/apis/kubemesos.io/v1alpha1/namespaces/batch/frameworks/a/status";
  json fw = LastStatus(rec, fw_path);
  EXPECT_EQ(fw["preemption"], json({{"preemptedTasks", 0}, {"revocableTasks", 0}})) << fw.dump();

  auto events = writer.NotePreemptions(
      {Plan(PreemptionKind::kReclaim, "ml", {"ml/bert-0"}, {{"batch/a-0", "batch/a"}}, 1)}, 1,
      kWall);
  ASSERT_EQ(events.size(), 1u);
  writer.Publish(a, nullptr, 1);
  ASSERT_TRUE(WaitFor([&] { return writer.writes() == 3; }));
  writer.Publish(a, nullptr, 2);  // unchanged: no write
  writer.Publish(a, nullptr, 3);
  writer.Stop();
  EXPECT_EQ(writer.writes(), 3u);
  fw = LastStatus(rec, fw_path);
  EXPECT_EQ(fw["preemption"]["lastPreempted"]["by"], "ml/bert-0") << fw.dump();
  EXPECT_EQ(fw["preemption"]["lastPreempted"]["time"], "2027-01-15T08:00:00Z");
}

}  // namespace
}  // namespace kubemesos::loop
