// The scheduling core hands a gang's placements to the binder as one batch (BindGang), before
// the other placements of the same cycle (rule G2), whatever order the engine returned them in.
#include <gtest/gtest.h>

#include "operator/loop/scheduler_core.h"
#include "tests/unit/operator/loop/recording_sinks.h"

namespace kubemesos::loop {
namespace {

using nlohmann::json;

json Pod(const std::string& name, const std::string& framework) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name},
            {"namespace", "team"},
            {"labels", {{"kubemesos.io/framework", framework}}}}},
          {"spec",
           {{"schedulerName", "kubemesos"},
            {"containers",
             json::array({{{"name", "c"}, {"resources", {{"requests", {{"cpu", "1"}}}}}}})}}},
          {"status", {{"phase", "Pending"}}}};
}

json Framework(const std::string& name, int min_member) {
  json fw = {{"apiVersion", "kubemesos.io/v1alpha1"},
             {"kind", "Framework"},
             {"metadata", {{"name", name}, {"namespace", "team"}}},
             {"spec", {{"resourceGroup", "g"}}}};
  if (min_member > 0) fw["spec"]["gang"] = {{"minMember", min_member}};
  return fw;
}

TEST(CoreGangs, GangBatchesGoFirstAndTogether) {
  test_support::RecordingSinks sinks;
  SchedulerCore core(AllocatorOptions{}, sinks, sinks);
  auto add = [&](ObjectKind kind, json object) {
    core.Apply(LoopEvent::Object(kind, WatchType::kAdded, std::move(object)), 0);
  };
  add(ObjectKind::kNode,
      {{"apiVersion", "v1"},
       {"kind", "Node"},
       {"metadata", {{"name", "n1"}}},
       {"status",
        {{"allocatable", {{"cpu", "16"}, {"memory", "8Gi"}, {"pods", "110"}}},
         {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}});
  add(ObjectKind::kResourceGroup, {{"apiVersion", "kubemesos.io/v1alpha1"},
                                   {"kind", "ResourceGroup"},
                                   {"metadata", {{"name", "g"}}},
                                   {"spec", json::object()}});
  // "a-solo" sorts (and is created) before the gang: the engine may well place it first.
  add(ObjectKind::kFramework, Framework("a-solo", 0));
  add(ObjectKind::kFramework, Framework("gang", 3));
  add(ObjectKind::kPod, Pod("solo-0", "a-solo"));
  add(ObjectKind::kPod, Pod("solo-1", "a-solo"));
  for (int i = 0; i < 3; ++i) add(ObjectKind::kPod, Pod("gang-" + std::to_string(i), "gang"));
  for (int kind = 0; kind < kObjectKinds; ++kind)
    core.Apply(LoopEvent::Synced(static_cast<ObjectKind>(kind)), 0);
  core.Cycle(1);
  ASSERT_EQ(sinks.gang_batches.size(), 1u);
  ASSERT_EQ(sinks.gang_batches[0].size(), 3u);
  for (const auto& p : sinks.gang_batches[0]) EXPECT_EQ(p.gang, "team/gang") << p.pod;
  ASSERT_EQ(sinks.binds.size(), 5u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(sinks.binds[i].gang, "team/gang") << i;
  for (size_t i = 3; i < 5; ++i) EXPECT_EQ(sinks.binds[i].framework, "team/a-solo") << i;
}

}  // namespace
}  // namespace kubemesos::loop
