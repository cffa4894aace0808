// Bad registry data on a REAL etcd: values planted under the registry prefix by an outside
// writer (curl to etcd's gateway, as etcdctl would) that are not records of the layout.
// `kubemesos registry dump` prints what it read, names each bad key on stderr and exits 1;
// a leader (the etcd lease election and the recorder, wired as `run` wires them) on that data
// wins, reads the registry, rewrites what it needs and keeps leading and recording.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "operator/registry/etcd_reply.h"
#include "operator/registry/leader_election.h"
#include "operator/registry/recorder.h"
#include "operator/registry/registry.h"
#include "tests/integration/registry/etcd_fixture.h"

namespace kubemesos::registry {
namespace {

using nlohmann::json;

struct Outcome {
  int code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class HostileDataTest : public EtcdTest {
 protected:
  // Writes raw bytes under the registry prefix through etcd's gateway, outside our client.
  void Plant(const std::string& key, const std::string& value) {
    std::string body = R"({"key":")" + Base64Encode("/kubemesos/" + key) + R"(","value":")" +
                       Base64Encode(value) + R"("})";
    std::string file = dir_ + "/plant.json";
    std::ofstream(file) << body;
    std::string cmd = "curl -sf -o /dev/null " + url_ + "/v3/kv/put -d @" + file;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << key;
  }
  Outcome Dump() {
    std::string cmd = std::string(KUBEMESOS_BINARY) + " registry dump --etcd-endpoints=" + url_ +
                      " >" + dir_ + "/out 2>" + dir_ + "/err";
    int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(dir_ + "/out"),
            Slurp(dir_ + "/err")};
  }
};

TEST_F(HostileDataTest, DumpNamesBadKeysAndALeaderKeepsLeadingAndRecording) {
  Plant("frameworks/ns/spark", R"({"frameworkID":5})");
  Plant("frameworks/ns/junk", "\xff\xfe not json");
  Plant("agents/n1", R"({"firstSeen":"never"})");
  Plant("settings/groups/g", std::string(5000, '['));
  Plant("tasks/ns/spark/p0", R"({"exitCode":"x"})");

  Outcome dump = Dump();
  EXPECT_EQ(dump.code, 1) << dump.err;
  json all = json::parse(dump.out, nullptr, false);
  ASSERT_TRUE(all.is_object()) << dump.out.substr(0, 300);
  EXPECT_EQ(all.size(), 5u);
  for (const char* key : {"frameworks/ns/spark", "frameworks/ns/junk", "agents/n1",
                          "settings/groups/g", "tasks/ns/spark/p0"})
    EXPECT_NE(dump.err.find(key), std::string::npos) << key << ": " << dump.err;

  // A leader as `run` wires it: the election's changes drive the recorder.
  Registry registry(*kv_);
  util::SystemClock clock;
  LeaderElectionOptions eo;
  eo.identity = "replica-1";
  eo.ttl_seconds = 5;
  eo.renew_interval = 1000ms;
  eo.standby_poll = 100ms;
  eo.safety_margin = 1000ms;
  LeaderElection election(*kv_, clock, eo);
  std::mutex mu;
  std::vector<std::string> warnings;
  RecorderHooks hooks;
  hooks.log = [&](std::string_view level, std::string_view msg, const json& fields) {
    std::lock_guard<std::mutex> l(mu);
    if (level == "warn") warnings.push_back(std::string(msg) + " " + fields.dump());
  };
  RecorderOptions ro;
  ro.period = 100ms;
  ro.error_backoff = 200ms;
  RegistryRecorder recorder(
      registry, [&] { return election.IsLeader(); }, ro, hooks);
  election.OnChange([&](bool leader) { leader ? recorder.Won() : recorder.Lost(); });
  recorder.FrameworkSeen("ns", "spark", 60);
  recorder.NodeSeen("n1", {});
  recorder.GroupSeen("g", {{"weight", 2}}, {});
  recorder.TaskFinished({"ns", "spark", "p1", "Failed", 1, "Error", "boom", {}, {}});
  election.Start();
  recorder.Start();

  ASSERT_TRUE(Eventually([&] { return election.IsLeader() && recorder.Recovered(); }))
      << election.LastError();
  ASSERT_TRUE(Eventually([&] {
    return recorder.Idle() && registry.GetFramework("ns", "spark").ok() &&
           registry.GetGroupSettings("g").ok() && registry.ListAgents().value.size() == 1 &&
           registry.ListTaskResults("ns", "spark").value.size() == 1;
  }));
  std::string id = recorder.FrameworkId("ns", "spark");
  EXPECT_EQ(registry.GetFramework("ns", "spark").value.framework_id, id);
  EXPECT_GE(recorder.GetStats().skipped_records, 5u);
  EXPECT_EQ(recorder.GetStats().errors, 0u);

  // More garbage while it leads: it keeps leading (renewals are untouched) and recording.
  Plant("frameworks/ns/flink", "[]");
  recorder.FrameworkSeen("ns", "flink", 30);
  recorder.TaskFinished({"ns", "flink", "p0", "Succeeded", 0, "", "", {}, {}});
  auto deadline = election.Deadline();
  ASSERT_TRUE(Eventually([&] {
    return registry.GetFramework("ns", "flink").ok() &&
           registry.ListTaskResults("ns", "flink").value.size() == 1;
  }));
  // Through at least two more renewals (each moves the deadline), without a step-down.
  bool stepped_down = false;
  ASSERT_TRUE(Eventually([&] {
    stepped_down |= !election.IsLeader();
    return election.Deadline() >= deadline + 2s;
  })) << election.LastError();
  EXPECT_FALSE(stepped_down) << election.LastError();
  recorder.Stop();
  election.Stop();
  {
    std::lock_guard<std::mutex> l(mu);
    EXPECT_FALSE(warnings.empty());
  }

  // What the leader needed was rewritten; the junk it never needed is still named.
  dump = Dump();
  EXPECT_EQ(dump.code, 1) << dump.err;
  EXPECT_NE(dump.err.find("frameworks/ns/junk"), std::string::npos) << dump.err;
  EXPECT_NE(dump.err.find("tasks/ns/spark/p0"), std::string::npos) << dump.err;
  EXPECT_EQ(dump.err.find("frameworks/ns/spark:"), std::string::npos) << dump.err;
  EXPECT_EQ(dump.err.find("agents/n1"), std::string::npos) << dump.err;
  EXPECT_EQ(dump.err.find("settings/groups/g"), std::string::npos) << dump.err;
}

}  // namespace
}  // namespace kubemesos::registry
