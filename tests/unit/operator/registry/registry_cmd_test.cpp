// End to end: runs the built `kubemesos registry get|dump` binary against a fake etcd gateway
// that replies garbage (malformed replies) or holds malformed records: exit code 1 with a
// one-line error for an unusable reply; a dump that prints everything it read and names each
// malformed record on stderr; exit code 0 for a clean registry.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "operator/registry/etcd_reply.h"
#include "tests/unit/operator/registry/fake_etcd.h"

namespace kubemesos::registry {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Outcome {
  int code = -1;  // -1: killed by a signal (an abort is exit 134 in a shell)
  std::string out, err;
};

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

Outcome Exec(const std::vector<std::string>& args) {
  // Strings are appended piece by piece: "x" + string trips a GCC 12 -Wrestrict false positive.
  std::string name = "kubemesos-registry-cmd-";
  name += std::to_string(::getpid());
  name += "-";
  name += ::testing::UnitTest::GetInstance()->current_test_info()->name();
  fs::path dir = fs::temp_directory_path() / name;
  fs::create_directories(dir);
  std::string command = Quote(KUBEMESOS_BINARY);
  for (const auto& a : args) command.append(" ").append(Quote(a));
  command.append(" >").append(Quote((dir / "out").string()));
  command.append(" 2>").append(Quote((dir / "err").string()));
  int status = std::system(command.c_str());
  Outcome o;
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = Slurp(dir / "out");
  o.err = Slurp(dir / "err");
  fs::remove_all(dir);
  return o;
}

size_t Lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

std::string Kv(const std::string& key, const std::string& value) {
  return R"({"key":")" + Base64Encode("/kubemesos/" + key) + R"(","value":")" +
         Base64Encode(value) + R"(","mod_revision":"3"})";
}

std::string RangeReply(const std::vector<std::string>& kvs) {
  std::string list;
  for (const auto& kv : kvs) list += (list.empty() ? "" : ",") + kv;
  return R"({"header":{"revision":"9"},"kvs":[)" + list + "]}";
}

TEST(RegistryCommand, GarbageRepliesAreOneLineErrorsWithExitCode1) {
  FakeEtcd etcd;
  for (std::string reply : {"[]", "null", "{}", R"({"header":{"revision":"abc"}})",
                            R"({"header":{"revision":"9"},"kvs":"x"})",
                            R"({"header":{"revision":"9"},"kvs":[{"key":"!!"}]})", "{\"head"}) {
    etcd.Set("/v3/kv/range", {reply});
    for (std::vector<std::string> args :
         {std::vector<std::string>{"registry", "get", "leader"}, {"registry", "dump"}}) {
      args.push_back("--etcd-endpoints=" + etcd.url());
      Outcome o = Exec(args);
      EXPECT_EQ(o.code, 1) << reply << " " << args[1] << ": " << o.err;
      EXPECT_EQ(Lines(o.err), 1u) << reply << ": " << o.err;
      EXPECT_NE(o.err.find("kubemesos registry: cannot read etcd at"), std::string::npos) << o.err;
      EXPECT_NE(o.err.find("malformed reply"), std::string::npos) << o.err;
      EXPECT_EQ(o.out, "") << reply;
    }
  }
}

TEST(RegistryCommand, DumpPrintsWhatItReadAndNamesMalformedRecords) {
  FakeEtcd etcd;
  const std::string good_fw = R"({"frameworkID":"id-1","registeredTime":"2024-05-01T12:00:00Z"})";
  etcd.Set("/v3/kv/range",
           {RangeReply({Kv("agents/n1", R"({"group":"g","lastSeen":"2024-05-01T12:00:00Z"})"),
                        Kv("frameworks/ns/bad", "{not json"), Kv("frameworks/ns/good", good_fw),
                        Kv("leader", "replica-1"), Kv("misc", "bytes \xff"),
                        Kv("settings/groups/g", std::string(100000, '[')),
                        Kv("tasks/ns/fw/p", R"({"exitCode":"one"})")})});
  Outcome o = Exec({"registry", "dump", "--etcd-endpoints=" + etcd.url()});
  EXPECT_EQ(o.code, 1) << o.err;
  json all = json::parse(o.out, nullptr, false);
  ASSERT_TRUE(all.is_object()) << o.out.substr(0, 500);
  EXPECT_EQ(all.size(), 7u);
  EXPECT_EQ(all["frameworks/ns/good"]["frameworkID"], "id-1");
  EXPECT_EQ(all["frameworks/ns/bad"], "{not json");  // shown as the text it is
  EXPECT_EQ(all["misc"], "bytes \xEF\xBF\xBD");      // invalid UTF-8 replaced, not an abort
  EXPECT_EQ(all["leader"], "replica-1");
  // One stderr line per malformed record, each naming its key; the others are not named.
  EXPECT_EQ(Lines(o.err), 3u) << o.err;
  for (const char* key : {"frameworks/ns/bad", "settings/groups/g", "tasks/ns/fw/p: exitCode"})
    EXPECT_NE(o.err.find(key), std::string::npos) << key << ": " << o.err;

  // get of a malformed record: printed, named, exit 1; of a good one: exit 0.
  etcd.Set("/v3/kv/range", {RangeReply({Kv("frameworks/ns/bad", "{not json")})});
  o = Exec({"registry", "get", "frameworks/ns/bad", "--etcd-endpoints=" + etcd.url()});
  EXPECT_EQ(o.code, 1);
  EXPECT_EQ(o.out, "\"{not json\"\n");
  EXPECT_EQ(Lines(o.err), 1u) << o.err;
  etcd.Set("/v3/kv/range", {RangeReply({Kv("frameworks/ns/good", good_fw)})});
  o = Exec({"registry", "get", "frameworks/ns/good", "--etcd-endpoints=" + etcd.url()});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(json::parse(o.out)["frameworkID"], "id-1");
  EXPECT_EQ(o.err, "");
}

TEST(RegistryCommand, CleanDumpExits0AndUsageStays2) {
  FakeEtcd etcd;
  etcd.Set("/v3/kv/range", {RangeReply({Kv("leader", "replica-1")})});
  Outcome o = Exec({"registry", "dump", "--etcd-endpoints=" + etcd.url()});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.err, "");
  EXPECT_EQ(Exec({"registry", "frobnicate"}).code, 2);
  EXPECT_EQ(Exec({"registry"}).code, 2);
}

}  // namespace
}  // namespace kubemesos::registry
