// Preemption plan records (registry.h, issue #16 rule P16): round trip on the fake store, list
// and delete, and malformed records (wrong shapes, bounds, hostile text) left out of the list
// and named, never trusted; a plan the reader would refuse is never written.
#include <gtest/gtest.h>

#include "operator/registry/record_codec.h"
#include "operator/registry/registry.h"
#include "tests/fakes/registry/fake_kv_store.h"

namespace kubemesos::registry {
namespace {

TimePoint T(int64_t secs) {
  return TimePoint(std::chrono::seconds(1'800'000'000 + secs));
}

PreemptionRecord Plan() {
  PreemptionRecord p;
  p.ns = "ml";
  p.name = "train-0";
  p.reclaim = false;
  p.group = "ml";
  p.preemptors = {{"ml/train-0", "ml/train", "n1"}};
  p.victims = {{"batch/b-3", "batch/b", "n1", "batch", 10, 120.5},
               {"batch/b-4", "batch/b", "n1", "batch", -5, 0}};
  p.created = T(0);
  p.deadline = T(60);
  p.message = "ml/train-0 (priority 1000) preempts 2 lower-priority pods on n1";
  return p;
}

TEST(PreemptionRecord, RoundTripListAndDelete) {
  FakeKvStore s;
  Registry reg(s);
  ASSERT_TRUE(reg.PutPreemption(Plan()).ok());
  PreemptionRecord gang = Plan();
  gang.name = "job";
  gang.gang = "ml/job";
  gang.reclaim = true;
  gang.preemptors.push_back({"ml/job-1", "", "n2"});
  ASSERT_TRUE(reg.PutPreemption(gang).ok());
  auto list = reg.ListPreemptions();
  ASSERT_TRUE(list.ok()) << list.error;
  ASSERT_EQ(list.value.size(), 2u);
  EXPECT_TRUE(list.skipped.empty());
  const PreemptionRecord& job = list.value[0];  // key order: ml/job, ml/train-0
  EXPECT_EQ(job.name, "job");
  EXPECT_TRUE(job.reclaim);
  EXPECT_EQ(job.gang, "ml/job");
  ASSERT_EQ(job.preemptors.size(), 2u);
  EXPECT_EQ(job.preemptors[1].node, "n2");
  const PreemptionRecord& p = list.value[1];
  EXPECT_EQ(p.ns, "ml");
  EXPECT_EQ(p.name, "train-0");
  EXPECT_FALSE(p.reclaim);
  EXPECT_EQ(p.group, "ml");
  ASSERT_EQ(p.victims.size(), 2u);
  EXPECT_EQ(p.victims[0].pod, "batch/b-3");
  EXPECT_EQ(p.victims[0].framework, "batch/b");
  EXPECT_EQ(p.victims[0].group, "batch");
  EXPECT_EQ(p.victims[0].priority, 10);
  EXPECT_EQ(p.victims[0].ran_seconds, 120.5);
  EXPECT_EQ(p.victims[1].priority, -5);
  EXPECT_EQ(p.created, T(0));
  EXPECT_EQ(p.deadline, T(60));
  EXPECT_EQ(p.message, Plan().message);
  ASSERT_TRUE(reg.DeletePreemption("ml", "train-0").ok());
  auto after = reg.ListPreemptions();
  ASSERT_EQ(after.value.size(), 1u);
  EXPECT_EQ(after.value[0].name, "job");
}

TEST(PreemptionRecord, APlanTheReaderWouldRefuseIsNotWritten) {
  FakeKvStore s;
  Registry reg(s);
  auto refused = [&](PreemptionRecord p) {
    Status st = reg.PutPreemption(p);
    return !st.ok() && reg.ListPreemptions().value.empty() && reg.ListPreemptions().skipped.empty();
  };
  PreemptionRecord p = Plan();
  p.preemptors.clear();
  EXPECT_TRUE(refused(p));
  p = Plan();
  p.victims[0].pod = "no-namespace";
  EXPECT_TRUE(refused(p));
  p = Plan();
  p.deadline = T(-1);
  EXPECT_TRUE(refused(p));
  p = Plan();
  p.victims.resize(kMaxPlanPods + 1, p.victims[0]);
  EXPECT_TRUE(refused(p));
  // Text is cut, not refused.
  p = Plan();
  p.message = std::string(5000, 'x') + "\xff";
  ASSERT_TRUE(reg.PutPreemption(p).ok());
  auto list = reg.ListPreemptions();
  ASSERT_EQ(list.value.size(), 1u);
  EXPECT_LE(list.value[0].message.size(), kMaxMessageBytes);
}

TEST(PreemptionRecord, MalformedRecordsAreLeftOutAndNamed) {
  FakeKvStore s;
  Registry reg(s);
  ASSERT_TRUE(reg.PutPreemption(Plan()).ok());
  std::string good;
  ASSERT_EQ(codec::EncodePreemption(Plan(), good), "");
  auto with = [&](const std::string& field, const nlohmann::json& value) {
    nlohmann::json j = nlohmann::json::parse(good);
    if (value.is_null())
      j.erase(field);
    else
      j[field] = value;
    return j.dump();
  };
  nlohmann::json victim = nlohmann::json::parse(good)["victims"][0];
  nlohmann::json bad_priority = victim;
  bad_priority["priority"] = int64_t{INT32_MAX} + 1;
  nlohmann::json negative_ran = victim;
  negative_ran["ranSeconds"] = -1;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"preemptions/ml/kind", with("kind", "Evict")},
      {"preemptions/ml/nokind", with("kind", nullptr)},
      {"preemptions/ml/nopreemptor", with("preemptors", nlohmann::json::array())},
      {"preemptions/ml/victims", with("victims", "all")},
      {"preemptions/ml/priority", with("victims", {bad_priority})},
      {"preemptions/ml/ran", with("victims", {negative_ran})},
      {"preemptions/ml/time", with("deadline", "soon")},
      {"preemptions/ml/notime", with("created", nullptr)},
      {"preemptions/ml/backwards", with("deadline", "2000-01-01T00:00:00Z")},
      {"preemptions/ml/array", "[1,2]"},
      {"preemptions/ml/notjson", "{"},
      {"preemptions/only-one-part", good},
      {"preemptions/ml/a/b", good},
  };
  for (const auto& [key, value] : bad) ASSERT_TRUE(s.Put(key, value).ok());
  auto list = reg.ListPreemptions();
  ASSERT_TRUE(list.ok()) << list.error;
  ASSERT_EQ(list.value.size(), 1u);
  EXPECT_EQ(list.value[0].name, "train-0");
  EXPECT_EQ(list.skipped.size(), bad.size());
  for (const auto& [key, value] : bad) {
    EXPECT_NE(CheckRecord({key, value}), "") << key;
  }
  EXPECT_EQ(CheckRecord({"preemptions/ml/train-0", good}), "");
}

}  // namespace
}  // namespace kubemesos::registry
