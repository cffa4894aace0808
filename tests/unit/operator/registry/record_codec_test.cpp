// Registry records decoded from hostile stored values (a record written by anyone who can write
// the store, or by an older writer): wrong types, impossible numbers and times, keys of the
// wrong shape, huge strings, deep nesting. Each is named as malformed and left out of lists;
// nothing throws, nothing recurses without bound, and what is kept is bounded. Task results
// with invalid UTF-8 and huge messages are written cut and sanitised.
#include <gtest/gtest.h>

#include "operator/registry/record_codec.h"
#include "operator/registry/registry.h"
#include "tests/fakes/registry/fake_kv_store.h"

namespace kubemesos::registry {
namespace {

const std::string kTime = "\"2024-05-01T12:00:00Z\"";

TEST(RecordCodec, HostileRecordsAreMalformed) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::vector<std::pair<std::string, std::string>> bad = {
      // frameworks
      {"frameworks/ns/a", "{not json"},
      {"frameworks/ns/a", "[]"},
      {"frameworks/ns/a", "null"},
      {"frameworks/ns/a", R"({"frameworkID":5})"},
      {"frameworks/ns/a", R"({"frameworkID":""})"},
      {"frameworks/ns/a", R"({"frameworkID":")" + std::string(200, 'x') + "\"}"},
      {"frameworks/ns/a", R"({"frameworkID":"id","registeredTime":5})"},
      {"frameworks/ns/a", R"({"frameworkID":"id","registeredTime":"9999-12-31T23:59:59Z"})"},
      {"frameworks/ns/a", R"({"frameworkID":"id","registeredTime":"2024-13-01T00:00:00Z"})"},
      {"frameworks/ns/a", R"({"frameworkID":"id","registeredTime":"2024-05-01T12:00:00Zjunk"})"},
      {"frameworks/ns/a", R"({"frameworkID":"id","failoverTimeoutSeconds":"60"})"},
      {"frameworks/ns/a", R"({"frameworkID":"id","failoverTimeoutSeconds":1e18})"},
      {"frameworks/ns/a", R"({"frameworkID":"id","failoverTimeoutSeconds":-1})"},
      {"frameworks/ns/a", R"({"frameworkID":"id","failoverTimeoutSeconds":18446744073709551615})"},
      {"frameworks/ns/a", R"({"frameworkID":"id","deletedTime":[]})"},
      {"frameworks/ns", R"({"frameworkID":"id"})"},
      {"frameworks/ns/a/b", R"({"frameworkID":"id"})"},
      {"frameworks//a", R"({"frameworkID":"id"})"},
      {"frameworks/" + std::string(64, 'n') + "/a", R"({"frameworkID":"id"})"},
      {"frameworks/ns/" + std::string(254, 'a'), R"({"frameworkID":"id"})"},
      {"frameworks/ns/\xff", R"({"frameworkID":"id"})"},
      {"frameworks/ns/a", "{\"frameworkID\":\"id\",\"x\":" + deep + "}"},
      {"frameworks/ns/a", "{\"frameworkID\":\"" + std::string(kMaxRecordBytes, 'x') + "\"}"},
      // agents
      {"agents/n1", R"({"group":5})"},
      {"agents/n1", R"({"group":"a/b"})"},
      {"agents/n1", R"({"firstSeen":"yesterday"})"},
      {"agents/", R"({})"},
      // tasks
      {"tasks/ns/fw/p", R"({"exitCode":"1"})"},
      {"tasks/ns/fw/p", R"({"exitCode":1e30})"},
      {"tasks/ns/fw/p", R"({"exitCode":4294967296})"},
      {"tasks/ns/fw/p", R"({"message":{"a":1}})"},
      {"tasks/ns/fw/p", R"({"finishTime":"2024-05-01T12:00:00"})"},
      {"tasks/ns/fw", R"({})"},
      // settings
      {"settings/groups/g", deep},
      {"settings/groups/g", "5"},
      {"settings/groups/", "{}"},
  };
  for (const auto& [key, value] : bad) {
    std::string problem;
    ASSERT_NO_THROW(problem = CheckRecord({key, value})) << key << " " << value.substr(0, 80);
    EXPECT_NE(problem, "") << key << " " << value.substr(0, 80);
    EXPECT_LT(problem.size(), 800u) << problem;
  }
  const std::vector<std::pair<std::string, std::string>> good = {
      {"frameworks/ns/a", R"({"frameworkID":"id","registeredTime":)" + kTime +
                              R"(,"failoverTimeoutSeconds":60,"extra":[1,2]})"},
      {"agents/n1", R"({"group":"","firstSeen":)" + kTime + "}"},
      {"tasks/ns/fw/p", R"({"state":"Failed","exitCode":-1,"finishTime":)" + kTime + "}"},
      {"settings/groups/g", R"({"weight":2})"},
      {"leader", "any identity \xff"},
      {"something/else", "anything"},
  };
  for (const auto& [key, value] : good) EXPECT_EQ(CheckRecord({key, value}), "") << key;
}

TEST(RecordCodec, TaskTextIsBoundedWhenReadAndWhenWritten) {
  // Read: a stored record with a 100 KB message and invalid UTF-8 keeps a bounded, valid text.
  TaskResult t;
  KeyValue kv{"tasks/ns/fw/p", R"({"state":"Failed","reason":")" + std::string(5000, 'r') +
                                   R"(","message":"é)" + std::string(100000, 'm') + "\"}"};
  ASSERT_EQ(codec::DecodeTask(kv, t), "");
  EXPECT_EQ(t.reason.size(), kMaxReasonBytes);
  EXPECT_LE(t.message.size(), kMaxMessageBytes);
  EXPECT_EQ(t.message.substr(0, 2), "é");

  // Written: a message cut in the middle of a character and invalid bytes still serialise.
  FakeKvStore store;
  Registry reg(store);
  std::string message = std::string(kMaxMessageBytes - 1, 'x') + "é" + "\xff\xfe";
  Status s;
  ASSERT_NO_THROW(
      s = reg.RecordTaskResult({"ns", "fw", "p", "Failed", 1, "Bad\xc3", message, {}, {}}));
  ASSERT_TRUE(s.ok()) << s.error;
  auto list = reg.ListTaskResults("ns", "fw");
  ASSERT_TRUE(list.ok()) << list.error;
  ASSERT_EQ(list.value.size(), 1u);
  EXPECT_EQ(list.value[0].message, std::string(kMaxMessageBytes - 1, 'x'));  // é did not fit
  EXPECT_EQ(list.value[0].reason, "Bad\xEF\xBF\xBD");                        // U+FFFD
  EXPECT_LE(store.Get("tasks/ns/fw/p").kv.value.size(), 1500u);
}

TEST(RecordCodec, ListsSkipMalformedRecordsAndNameThem) {
  FakeKvStore store;
  Registry reg(store);
  auto now = std::chrono::system_clock::now();
  ASSERT_TRUE(reg.RegisterFramework("ns", "good", 60, now).ok());
  ASSERT_TRUE(reg.UpsertAgent("n1", "g", now).ok());
  ASSERT_TRUE(reg.PutGroupSettings("g", {{"weight", 1}}).ok());
  ASSERT_TRUE(reg.RecordTaskResult({"ns", "good", "p", "Succeeded", 0, "", "", now, now}).ok());
  store.Put("frameworks/ns/bad", R"({"frameworkID":5})");
  store.Put("agents/bad", R"({"lastSeen":7})");
  store.Put("settings/groups/bad", "[[[");
  store.Put("tasks/ns/good/bad", R"({"exitCode":"x"})");
  for (int i = 0; i < 150; ++i) store.Put("agents/junk" + std::to_string(i), "x");

  auto fws = reg.ListFrameworks();
  ASSERT_TRUE(fws.ok()) << fws.error;
  ASSERT_EQ(fws.value.size(), 1u);
  ASSERT_EQ(fws.skipped.size(), 1u);
  EXPECT_NE(fws.skipped[0].find("frameworks/ns/bad: frameworkID"), std::string::npos)
      << fws.skipped[0];
  auto agents = reg.ListAgents();
  ASSERT_TRUE(agents.ok());
  EXPECT_EQ(agents.value.size(), 1u);
  EXPECT_EQ(agents.skipped.size(), kMaxSkippedReported + 1);  // 100 named, then a count
  EXPECT_NE(agents.skipped.back().find("and 51 more"), std::string::npos) << agents.skipped.back();
  auto settings = reg.ListGroupSettings();
  EXPECT_EQ(settings.value.size(), 1u);
  EXPECT_EQ(settings.skipped.size(), 1u);
  auto tasks = reg.ListTaskResults("ns", "good");
  EXPECT_EQ(tasks.value.size(), 1u);
  EXPECT_EQ(tasks.skipped.size(), 1u);
  EXPECT_FALSE(reg.GetGroupSettings("bad").ok());

  // Writes get past them: a registration replaces an unreadable one (and says so), an agent
  // record is rewritten, marking an unreadable registration deleted is a no-op.
  auto fw = reg.RegisterFramework("ns", "bad", 30, now);
  ASSERT_TRUE(fw.ok()) << fw.error;
  ASSERT_EQ(fw.skipped.size(), 1u);
  EXPECT_NE(fw.skipped[0].find("replaced"), std::string::npos);
  EXPECT_EQ(reg.GetFramework("ns", "bad").value.framework_id, fw.value.framework_id);
  EXPECT_TRUE(reg.UpsertAgent("bad", "g", now).ok());
  EXPECT_EQ(reg.ListAgents().value.size(), 2u);
  store.Put("frameworks/ns/bad2", "{");
  EXPECT_TRUE(reg.MarkFrameworkDeleted("ns", "bad2", now).ok());
}

TEST(RecordCodec, ParseRecordJsonBoundsDepthAndSize) {
  nlohmann::json j;
  EXPECT_EQ(ParseRecordJson(R"({"a":[1,{"b":2}]})", j), "");
  EXPECT_EQ(j["a"][1]["b"], 2);
  std::string at_limit = std::string(kMaxRecordDepth, '[') + std::string(kMaxRecordDepth, ']');
  EXPECT_EQ(ParseRecordJson(at_limit, j), "");
  EXPECT_EQ(ParseRecordJson(
                std::string(kMaxRecordDepth, '[') + "1" + std::string(kMaxRecordDepth, ']'), j),
            "");
  std::string deeper = "[" + at_limit + "]";
  EXPECT_NE(ParseRecordJson(deeper, j), "");
  EXPECT_TRUE(j.is_null());
  EXPECT_NE(ParseRecordJson(std::string(kMaxRecordBytes + 1, ' '), j), "");
  EXPECT_NE(ParseRecordJson("{", j), "");
}

TEST(RecordCodec, TimesOutsideWhatATimePointHolds) {
  TimePoint t;
  EXPECT_TRUE(ParseTime("2200-12-31T23:59:59Z", t));
  for (const char* bad : {"2263-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1969-12-31T23:59:59Z",
                          "2024-00-01T00:00:00Z", "2024-01-01T24:00:00Z", "-001-01-01T00:00:00Z",
                          "2024-01-01T00:00:00Z ", "2024-01-01T00:00:00"})
    EXPECT_FALSE(ParseTime(bad, t)) << bad;
}

}  // namespace
}  // namespace kubemesos::registry
