// `kubemesos run` settings: defaults, the YAML file, flags overriding the file, and clear
// errors for unknown keys, bad values and bad flags; every numeric setting range-checked (as a
// flag and as a YAML key) with the range in the error and in --help.
#include "operator/run/config.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>

#include <fstream>
#include <sstream>

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
  EXPECT_EQ(config.probe_address, "0.0.0.0:8081");  // derived: metrics port + 1
  EXPECT_FALSE(config.allow_insecure_token);
  EXPECT_GT(config.client_qps, 100);
  EXPECT_TRUE(config.default_spread);  // kube-scheduler's system defaults, as upstream
}

TEST(RunConfig, DefaultSpreadFlagAndKey) {
  RunConfig config;
  std::string error;
  ASSERT_TRUE(ParseRunFlags({"--default-spread", "none"}, config, error)) << error;
  EXPECT_FALSE(config.default_spread);
  std::string path = WriteTemp("defaultSpread: system\n");
  RunConfig from_file;
  from_file.default_spread = false;
  ASSERT_TRUE(ParseRunFlags({"--config", path}, from_file, error)) << error;
  EXPECT_TRUE(from_file.default_spread);
  std::remove(path.c_str());
}

// Issue #17: protobuf by default; --content-type json (or the key) for everything in JSON.
TEST(RunConfig, ContentTypeFlagAndKey) {
  EXPECT_TRUE(RunConfig{}.protobuf);
  RunConfig config;
  std::string error;
  ASSERT_TRUE(ParseRunFlags({"--content-type", "json"}, config, error)) << error;
  EXPECT_FALSE(config.protobuf);
  std::string path = WriteTemp("contentType: protobuf\n");
  RunConfig from_file;
  from_file.protobuf = false;
  ASSERT_TRUE(ParseRunFlags({"--config", path}, from_file, error)) << error;
  EXPECT_TRUE(from_file.protobuf);
  std::remove(path.c_str());
  EXPECT_FALSE(ParseRunFlags({"--content-type", "yaml"}, config, error));
  EXPECT_EQ(error, "--content-type: invalid value \"yaml\" (want protobuf or json)");
  EXPECT_NE(RunUsage().find("--content-type protobuf|json"), std::string::npos);
}

TEST(RunConfig, PreemptionSettingsReachTheEngine) {
  RunConfig defaults;
  std::string error;
  ASSERT_TRUE(ParseRunFlags({}, defaults, error)) << error;
  AllocatorOptions o = AllocatorOptionsOf(defaults);
  EXPECT_TRUE(o.preemption.enabled);  // on by default
  EXPECT_EQ(o.preemption.max_evictions_in_flight, 100);
  EXPECT_EQ(o.preemption.nomination_slack_seconds, 30);
  EXPECT_FALSE(defaults.eviction_delete);  // the Eviction API: PDBs are enforced
  RunConfig config;
  ASSERT_TRUE(ParseRunFlags(
      {"--preemption", "off", "--eviction-mode", "Delete", "--max-evictions-in-flight", "7",
       "--nomination-slack-seconds", "5", "--policy", "spread"},
      config, error))
      << error;
  o = AllocatorOptionsOf(config);
  EXPECT_FALSE(o.preemption.enabled);
  EXPECT_EQ(o.preemption.max_evictions_in_flight, 7);
  EXPECT_EQ(o.preemption.nomination_slack_seconds, 5);
  EXPECT_EQ(o.policy, Policy::kSpread);
  EXPECT_TRUE(config.eviction_delete);
  std::string path = WriteTemp("preemption: \"on\"\nevictionMode: EvictionAPI\n");
  ASSERT_TRUE(ParseRunFlags({"--config", path}, config, error)) << error;
  EXPECT_TRUE(config.preemption);
  EXPECT_FALSE(config.eviction_delete);
  std::remove(path.c_str());
  RunConfig bad;
  EXPECT_FALSE(ParseRunFlags({"--preemption", "yes"}, bad, error));
  EXPECT_NE(error.find("want on or off"), std::string::npos) << error;
  EXPECT_FALSE(ParseRunFlags({"--eviction-mode", "evict"}, bad, error));
  EXPECT_NE(error.find("want EvictionAPI or Delete"), std::string::npos) << error;
}

TEST(RunConfig, ProbeAddressFollowsTheMetricsAddressUnlessSet) {
  struct Case {
    std::vector<std::string> flags;
    const char* probe;
  };
  for (const Case& c : {Case{{"--metrics-address", "127.0.0.1:0"}, "127.0.0.1:0"},
                        Case{{"--metrics-address", "[::]:9090"}, "[::]:9091"},
                        Case{{"--metrics-address", "9090"}, "9091"},
                        Case{{"--probe-address", "10.0.0.1:7000"}, "10.0.0.1:7000"}}) {
    RunConfig config;
    std::string error;
    ASSERT_TRUE(ParseRunFlags(c.flags, config, error)) << error;
    EXPECT_EQ(config.probe_address, c.probe) << c.flags[1];
  }
  RunConfig config;
  std::string error;
  EXPECT_FALSE(ParseRunFlags({"--metrics-address", "0.0.0.0:65535"}, config, error));
  EXPECT_NE(error.find("--probe-address"), std::string::npos) << error;
}

TEST(RunConfig, AllowInsecureTokenIsABooleanFlagAndKey) {
  RunConfig config;
  std::string error;
  ASSERT_TRUE(ParseRunFlags({"--allow-insecure-token", "--policy", "spread"}, config, error))
      << error;
  EXPECT_TRUE(config.allow_insecure_token);
  EXPECT_EQ(config.policy, Policy::kSpread) << "the next flag is not taken as its value";
  ASSERT_TRUE(ParseRunFlags({"--allow-insecure-token=false"}, config, error)) << error;
  EXPECT_FALSE(config.allow_insecure_token);
  std::string path = WriteTemp("allowInsecureToken: true\n");
  RunConfig from_file;
  ASSERT_TRUE(ParseRunFlags({"--config", path}, from_file, error)) << error;
  EXPECT_TRUE(from_file.allow_insecure_token);
  std::remove(path.c_str());
}

// Each numeric setting, as a flag and as a YAML key: the bounds are accepted, values outside
// (too big, too small, not finite, not a number) are refused with the range in the message.
struct RangeCase {
  const char* flag;
  const char* key;
  const char* value;
  const char* error_part;  // nullptr: accepted
};

class RunConfigRanges : public ::testing::TestWithParam<RangeCase> {};

TEST_P(RunConfigRanges, AsFlagAndAsYamlKey) {
  const RangeCase& c = GetParam();
  RunConfig by_flag;
  std::string error;
  bool ok = ParseRunFlags({std::string("--") + c.flag, c.value}, by_flag, error);
  if (c.error_part == nullptr) {
    EXPECT_TRUE(ok) << error;
  } else {
    EXPECT_FALSE(ok);
    EXPECT_NE(error.find(std::string("--") + c.flag + ": " + c.error_part), std::string::npos)
        << error;
  }
  std::string path = WriteTemp(std::string(c.key) + ": " + c.value + "\n");
  RunConfig by_file;
  error.clear();
  ok = ParseRunFlags({"--config", path}, by_file, error);
  if (c.error_part == nullptr) {
    EXPECT_TRUE(ok) << error;
  } else {
    EXPECT_FALSE(ok);
    EXPECT_NE(error.find(path + ": " + c.key + ": " + c.error_part), std::string::npos) << error;
  }
  std::remove(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RunConfigRanges,
    ::testing::Values(
        RangeCase{"bind-concurrency", "bindConcurrency", "1024", nullptr},
        RangeCase{"bind-concurrency", "bindConcurrency", "2000000000",
                  "2000000000 is out of range [1, 1024]"},
        RangeCase{"bind-concurrency", "bindConcurrency", "99999999999999999999",
                  "99999999999999999999 is out of range [1, 1024]"},
        RangeCase{"bind-concurrency", "bindConcurrency", "0", "0 is out of range [1, 1024]"},
        RangeCase{"bind-concurrency", "bindConcurrency", "1.5",
                  "\"1.5\" is not an integer (allowed: [1, 1024])"},
        RangeCase{"max-interval", "maxCycleInterval", "600", nullptr},
        RangeCase{"max-interval", "maxCycleInterval", "1e10", "1e10 is out of range [0.01, 600]"},
        RangeCase{"max-interval", "maxCycleInterval", "inf",
                  "inf is not a finite number (allowed: [0.01, 600])"},
        RangeCase{"max-interval", "maxCycleInterval", "nan", "nan is not a finite number"},
        RangeCase{"max-interval", "maxCycleInterval", "0", "0 is out of range [0.01, 600]"},
        RangeCase{"max-interval", "maxCycleInterval", "1e999", "1e999 is out of range"},
        RangeCase{"max-interval", "maxCycleInterval", "0x10", "\"0x10\" is not a number"},
        RangeCase{"min-interval", "minCycleInterval", "0", nullptr},
        RangeCase{"min-interval", "minCycleInterval", "11", "11 is out of range [0, 10]"},
        RangeCase{"min-interval", "minCycleInterval", "-0.5", "-0.5 is out of range [0, 10]"},
        RangeCase{"client-qps", "clientQPS", "0", nullptr},
        RangeCase{"client-qps", "clientQPS", "-5", "-5 is out of range [0, 100000]"},
        RangeCase{"client-qps", "clientQPS", "1e6", "1e6 is out of range [0, 100000]"},
        RangeCase{"client-burst", "clientBurst", "100001", "100001 is out of range [1, 100000]"},
        RangeCase{"status-qps", "statusWritesPerSecond", "0", "0 is out of range [0.1, 10000]"},
        RangeCase{"status-burst", "statusBurst", "-1", "-1 is out of range [1, 100000]"},
        RangeCase{"task-backoff", "taskRetryBackoffSeconds", "301", "301 is out of range [0, 300]"},
        RangeCase{"task-backoff", "taskRetryBackoffSeconds", "-inf", "-inf is not a finite"},
        RangeCase{"registry-shards", "registryShards", "257", "257 is out of range [1, 256]"},
        RangeCase{"lease-seconds", "leaseSeconds", "5", nullptr},
        RangeCase{"lease-seconds", "leaseSeconds", "3", "3 is out of range [5, 3600]"},
        RangeCase{"lease-seconds", "leaseSeconds", "86400", "86400 is out of range [5, 3600]"},
        RangeCase{"lease-seconds", "leaseSeconds", "", "\"\" is not an integer"},
        RangeCase{"max-evictions-in-flight", "maxEvictionsInFlight", "4096", nullptr},
        RangeCase{"max-evictions-in-flight", "maxEvictionsInFlight", "0",
                  "0 is out of range [1, 4096]"},
        RangeCase{"nomination-slack-seconds", "nominationSlackSeconds", "0", nullptr},
        RangeCase{"nomination-slack-seconds", "nominationSlackSeconds", "-1",
                  "-1 is out of range [0, 3600]"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

TEST(RunConfig, MinIntervalMustNotExceedMaxInterval) {
  RunConfig config;
  std::string error;
  EXPECT_FALSE(ParseRunFlags({"--min-interval", "5", "--max-interval", "2"}, config, error));
  EXPECT_EQ(error, "--min-interval (5) must not exceed --max-interval (2)");
}

// --help names every flag and every YAML key, and shows each numeric setting's range.
TEST(RunConfig, HelpShowsEveryRange) {
  std::string help = RunUsage();
  for (const char* part :
       {"--bind-concurrency N", "(default 64; allowed [1, 1024])", "--max-interval S",
        "(default 1; allowed [0.01, 600])", "(default 0.02; allowed [0, 10])", "allowed [5, 3600]",
        "--allow-insecure-token ", "--probe-address A", "bindConcurrency,", "allowInsecureToken",
        "leaseSeconds"}) {
    EXPECT_NE(help.find(part), std::string::npos) << part << "\n" << help;
  }
  std::istringstream lines(help);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 96u) << line;
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
  RunConfig with_equals;
  ASSERT_TRUE(ParseRunFlags({"--config=" + path}, with_equals, error)) << error;
  EXPECT_EQ(with_equals.bind_concurrency, 4) << "--config=FILE is read too";
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
        BadCase{"bad_policy_value", "policy: random\n", {}, "policy: invalid value \"random\""},
        BadCase{"bad_default_spread",
                "",
                {"--default-spread", "kube"},
                "--default-spread: invalid value \"kube\" (want system or none)"},
        BadCase{"list_value", "bindConcurrency: [1]\n", {}, "bindConcurrency: invalid value"},
        BadCase{"not_a_mapping", "- a\n- b\n", {}, "expected a mapping"},
        BadCase{"malformed_yaml", "policy: [\n", {}, "kubemesos-config"},
        BadCase{"unknown_flag", "", {"--frobnicate", "1"}, "unknown flag --frobnicate"},
        BadCase{"missing_value", "", {"--policy"}, "--policy needs a value"},
        BadCase{"zero_concurrency", "", {"--bind-concurrency", "0"}, "out of range [1, 1024]"},
        BadCase{"negative_qps", "", {"--client-qps=-5"}, "--client-qps: -5 is out of range"},
        BadCase{"bad_level", "", {"--log-level", "loud"}, "--log-level: invalid value \"loud\""},
        BadCase{"bad_boolean", "", {"--allow-insecure-token=yes"}, "invalid value \"yes\""},
        BadCase{"empty_identity", "", {"--identity="}, "--identity: invalid value \"\""},
        BadCase{"stray_argument", "", {"extra"}, "unexpected argument \"extra\""},
        BadCase{"lease_too_short", "", {"--lease-seconds", "3"}, "3 is out of range [5, 3600]"},
        BadCase{"missing_file", "", {"--config", "/nonexistent/k.yaml"}, "/nonexistent/k.yaml"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace kubemesos::run
