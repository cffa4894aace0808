// `kubemesos run` settings: defaults, the YAML file, flags overriding the file, and clear
// errors for unknown keys, bad values and bad flags.
#include "operator/run/config.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>

#include <fstream>

namespace kubemesos::run {
namespace {

std::string WriteTemp(const std::string& text) {
  char path[] = "/tmp/kubemesos-config-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

TEST(RunConfig, DefaultsAreSensible) {
  RunConfig config;
  std::string error;
  ASSERT_TRUE(ParseRunFlags({}, config, error)) << error;
  EXPECT_EQ(config.policy, Policy::kBinpack);
  EXPECT_EQ(config.bind_concurrency, 64);
  EXPECT_EQ(config.metrics_address, "0.0.0.0:8080");
  EXPECT_GT(config.client_qps, 100);
}

TEST(RunConfig, FileThenFlagsOverride) {
  std::string path =
      WriteTemp("policy: spread\nbindConcurrency: 4\nlogLevel: debug\nclientQPS: 50\n");
  RunConfig config;
  std::string error;
  ASSERT_TRUE(ParseRunFlags({"--bind-concurrency", "8", "--config", path}, config, error)) << error;
  EXPECT_EQ(config.policy, Policy::kSpread);  // from the file
  EXPECT_EQ(config.bind_concurrency, 8);      // the flag wins wherever it stands
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_DOUBLE_EQ(config.client_qps, 50);
  std::remove(path.c_str());
}

TEST(RunConfig, EtcdSettings) {
  RunConfig config;
  std::string error;
  ASSERT_TRUE(ParseRunFlags({"--etcd-endpoints", "http://a:2379,http://b:2379", "--identity", "r1",
                             "--lease-seconds", "10", "--etcd-prefix", "/x/"},
                            config, error))
      << error;
  EXPECT_EQ(config.etcd_endpoints, "http://a:2379,http://b:2379");
  EXPECT_EQ(config.identity, "r1");
  EXPECT_EQ(config.lease_seconds, 10);
  EXPECT_EQ(config.etcd_prefix, "/x/");
}

TEST(RunConfig, MaxFrameworkInstances) {
  RunConfig config;
  EXPECT_EQ(config.max_framework_instances, 100'000);
  std::string error;
  std::string path = WriteTemp("maxFrameworkInstances: 5000\n");
  ASSERT_TRUE(ParseRunFlags({"--config", path}, config, error)) << error;
  EXPECT_EQ(config.max_framework_instances, 5000);
  std::remove(path.c_str());
  ASSERT_TRUE(ParseRunFlags({"--max-framework-instances", "1000000"}, config, error)) << error;
  for (const char* bad : {"0", "1000001", "-1", "many"}) {
    EXPECT_FALSE(ParseRunFlags({"--max-framework-instances", bad}, config, error)) << bad;
  }
}

struct BadCase {
  const char* name;
  std::string file;  // empty: no file
  std::vector<std::string> flags;
  const char* error_part;
};

class RunConfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(RunConfigErrors, AreClear) {
  const auto& c = GetParam();
  std::vector<std::string> flags = c.flags;
  std::string path;
  if (!c.file.empty()) {
    path = WriteTemp(c.file);
    flags.push_back("--config");
    flags.push_back(path);
  }
  RunConfig config;
  std::string error;
  EXPECT_FALSE(ParseRunFlags(flags, config, error));
  EXPECT_NE(error.find(c.error_part), std::string::npos) << error;
  if (!path.empty()) std::remove(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RunConfigErrors,
    ::testing::Values(
        BadCase{"unknown_key", "polcy: spread\n", {}, "unknown setting \"polcy\""},
        BadCase{"bad_policy_value", "policy: random\n", {}, "policy: invalid value"},
        BadCase{"not_a_mapping", "- a\n- b\n", {}, "expected a mapping"},
        BadCase{"malformed_yaml", "policy: [\n", {}, "kubemesos-config"},
        BadCase{"unknown_flag", "", {"--frobnicate", "1"}, "unknown flag --frobnicate"},
        BadCase{"missing_value", "", {"--policy"}, "--policy needs a value"},
        BadCase{"zero_concurrency", "", {"--bind-concurrency", "0"}, "invalid value \"0\""},
        BadCase{"negative_qps", "", {"--client-qps=-5"}, "invalid value \"-5\""},
        BadCase{"bad_level", "", {"--log-level", "loud"}, "invalid value \"loud\""},
        BadCase{"stray_argument", "", {"extra"}, "unexpected argument \"extra\""},
        BadCase{"lease_too_short", "", {"--lease-seconds", "3"}, "invalid value \"3\""},
        BadCase{"missing_file", "", {"--config", "/nonexistent/k.yaml"}, "/nonexistent/k.yaml"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace kubemesos::run
