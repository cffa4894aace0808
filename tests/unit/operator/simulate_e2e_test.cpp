// End to end: runs the built `kubemesos simulate` binary on examples/simulate/ and checks its
// JSON structurally (placements on known nodes, placed + pending = tasks of each framework),
// plus exit codes and messages for bad input and bad usage.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "operator/kube/objects.h"
#include "operator/simulate/simulate.h"
#include "tests/unit/operator/hostile_yaml.h"
#include "tests/unit/operator/memory_cap.h"

namespace kubemesos::simulate {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kBinary = KUBEMESOS_BINARY;
const std::string kExamples = KUBEMESOS_EXAMPLES;

struct Outcome {
  int code = -1;
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

Outcome Exec(const std::vector<std::string>& args, rlim_t memory_cap = testing::kMemoryCapBytes) {
  fs::path dir =
      fs::temp_directory_path() / ("kubemesos-e2e-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::create_directories(dir);
  // Under a memory cap, so that a regression in bounded input fails fast; a crash shows as
  // timeout's 128 + signal (134 for an abort).
  std::string command = testing::MemoryCapShellPrefix(memory_cap) + "timeout 300 " + Quote(kBinary);
  for (const auto& a : args) command += " " + Quote(a);
  command += " >" + Quote((dir / "out").string()) + " 2>" + Quote((dir / "err").string());
  int status = std::system(command.c_str());
  Outcome o;
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = Slurp(dir / "out");
  o.err = Slurp(dir / "err");
  fs::remove_all(dir);
  return o;
}

// What the input files say, read with the same reader: node names, and for each framework the
// number of pending tasks it brings (its task pods plus labelled pending kubemesos pods).
struct Expected {
  std::set<std::string> nodes;
  std::map<std::string, int> tasks;  // framework key -> pending tasks fed in
  int total_tasks = 0;
};

Expected ExpectedFrom(const std::vector<std::string>& files) {
  Expected e;
  std::vector<InputObject> objects;
  std::vector<std::string> warnings;
  for (const auto& f : files) {
    std::string error;
    EXPECT_TRUE(ReadInput(f, Slurp(f), &objects, &warnings, &error)) << error;
  }
  std::set<std::string> existing;  // Pods in the input: task pods of these names are not re-made
  for (const auto& o : objects) {
    if (o.object["kind"] == "Pod") {
      const json& meta = o.object["metadata"];
      existing.insert(meta.value("namespace", "default") + "/" + meta.value("name", ""));
    }
  }
  ResourceCatalog catalog;
  auto count_pod = [&](const json& object) {
    auto pod = kube::PodFromJson(object, catalog);
    ASSERT_TRUE(pod.ok()) << pod.error;
    if (pod.value->node_name.empty() && !pod.value->terminal && !pod.value->framework.empty()) {
      ++e.tasks[pod.value->framework];
      ++e.total_tasks;
    }
  };
  for (const auto& o : objects) {
    std::string kind = o.object["kind"];
    if (kind == "Node") e.nodes.insert(o.object["metadata"]["name"].get<std::string>());
    if (kind == "Pod") count_pod(o.object);
    if (kind == "Framework") {
      auto f = kube::FrameworkFromJson(o.object);
      EXPECT_TRUE(f.ok()) << f.error;
      e.tasks[f.value->framework.key] += 0;
      for (const auto& task : f.value->tasks) {
        for (int64_t k = 0; k < task.instances; ++k) {
          json p = kube::TaskPodJson(*f.value, task, k);
          if (!existing.count(p["metadata"]["namespace"].get<std::string>() + "/" +
                              p["metadata"]["name"].get<std::string>())) {
            count_pod(p);
          }
        }
      }
    }
  }
  return e;
}

// Structural checks every successful run must pass.
json CheckRun(const std::vector<std::string>& files, const std::string& policy = "binpack") {
  std::vector<std::string> args = {"simulate"};
  for (const auto& f : files) args.insert(args.end(), {"-f", f});
  args.insert(args.end(), {"--policy", policy});
  Outcome o = Exec(args);
  EXPECT_EQ(o.code, 0) << o.err;
  json r = json::parse(o.out, nullptr, false);
  EXPECT_FALSE(r.is_discarded()) << o.out;
  if (r.is_discarded()) return r;
  for (const char* key : {"placements", "unschedulable", "frameworks", "groups", "stats"}) {
    EXPECT_TRUE(r.contains(key)) << key;
  }
  Expected e = ExpectedFrom(files);
  std::set<std::string> seen_pods;
  std::map<std::string, int> placed;  // framework name -> placements
  for (const auto& p : r["placements"]) {
    EXPECT_TRUE(e.nodes.count(p["node"].get<std::string>())) << p.dump();
    EXPECT_TRUE(
        seen_pods.insert(p["namespace"].get<std::string>() + "/" + p["pod"].get<std::string>())
            .second)
        << "placed twice: " << p.dump();
    ++placed[p["namespace"].get<std::string>() + "/" + p["framework"].get<std::string>()];
  }
  for (const auto& u : r["unschedulable"]) {
    EXPECT_FALSE(u["reason"].get<std::string>().empty()) << u.dump();
    EXPECT_FALSE(
        seen_pods.count(u["namespace"].get<std::string>() + "/" + u["pod"].get<std::string>()))
        << "placed and unschedulable: " << u.dump();
  }
  EXPECT_EQ(r["frameworks"].size(), e.tasks.size());
  for (const auto& [key, tasks] : e.tasks) {
    EXPECT_TRUE(r["frameworks"].contains(key)) << key;
    if (!r["frameworks"].contains(key)) continue;
    const json& f = r["frameworks"][key];
    EXPECT_EQ(f["placed"].get<int>(), placed[key]) << key;
    EXPECT_EQ(f["placed"].get<int>() + f["pending"].get<int>(), tasks) << key;
    EXPECT_GE(f["dominantShare"].get<double>(), 0.0);
    EXPECT_LE(f["dominantShare"].get<double>(), 1.0);
  }
  EXPECT_EQ(r["stats"]["nodes"].get<size_t>(), e.nodes.size());
  EXPECT_EQ(r["stats"]["tasks"].get<int>(), e.total_tasks);
  EXPECT_GE(r["stats"]["allocationSeconds"].get<double>(), 0.0);
  return r;
}

TEST(SimulateE2ETest, DrfPaperExample) {
  json r = CheckRun({kExamples + "/drf-paper.yaml"});
  // DRF: A gets 3 tasks <1 CPU, 4Gi>, B gets 2 tasks <3 CPU, 1Gi>; both dominant shares 2/3.
  EXPECT_EQ(r["frameworks"]["default/a"]["placed"], 3);
  EXPECT_EQ(r["frameworks"]["default/b"]["placed"], 2);
  EXPECT_EQ(r["frameworks"]["default/a"]["allocated"]["cpu"], 3);
  EXPECT_EQ(r["frameworks"]["default/a"]["allocated"]["memory"], int64_t{12} << 30);
  EXPECT_EQ(r["frameworks"]["default/b"]["allocated"]["cpu"], 6);
  EXPECT_NEAR(r["groups"]["user-a"]["dominantShare"].get<double>(), 0.6667, 1e-9);
  EXPECT_NEAR(r["groups"]["user-b"]["dominantShare"].get<double>(), 0.6667, 1e-9);
}

TEST(SimulateE2ETest, TwoTeamsBothPolicies) {
  for (const char* policy : {"binpack", "spread"}) {
    json r = CheckRun({kExamples + "/two-teams.yaml"}, policy);
    EXPECT_EQ(r["frameworks"]["product/nightly"]["placed"], 0) << policy;  // suspended
    // GPU trainers only on the tainted GPU node they tolerate.
    for (const auto& p : r["placements"]) {
      if (p["pod"].get<std::string>().rfind("train-trainer-", 0) == 0) {
        EXPECT_EQ(p["node"], "gpu-1") << policy;
      }
    }
  }
}

TEST(SimulateE2ETest, ClusterSnapshotWithSparkJob) {
  json r = CheckRun({kExamples + "/cluster-snapshot.yaml", kExamples + "/spark-job.yaml"});
  for (const auto& p : r["placements"]) {  // not the cordoned nor the NotReady node
    EXPECT_NE(p["node"], "ip-10-0-2-41.ec2.internal");
    EXPECT_NE(p["node"], "ip-10-0-3-88.ec2.internal");
  }
}

TEST(SimulateE2ETest, SnapshotAloneSchedulesNothing) {
  Outcome o = Exec({"simulate", "-f", kExamples + "/cluster-snapshot.yaml"});
  ASSERT_EQ(o.code, 0) << o.err;
  json r = json::parse(o.out);
  EXPECT_TRUE(r["placements"].empty());
  EXPECT_EQ(r["stats"]["nodes"], 4);
}

TEST(SimulateE2ETest, BadQuantityFails) {
  std::string file = kExamples + "/bad-quantity.yaml";
  Outcome o = Exec({"simulate", "-f", file});
  EXPECT_EQ(o.code, 1);
  EXPECT_TRUE(o.out.empty()) << o.out;
  EXPECT_EQ(o.err, "error: " + file +
                       ": line 16: Framework default/typo: Pod default/typo-worker-0: "
                       "spec.containers[0].resources.requests.cpu: invalid quantity \"2 cores\": "
                       "unknown suffix\n");
}

TEST(SimulateE2ETest, BadFilesAndUsage) {
  fs::path dir = fs::temp_directory_path() / ("kubemesos-e2e-in-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  std::string malformed =
      write("malformed.yaml", "apiVersion: v1\nkind: Node\nmetadata: {name: [\n");
  std::string missing = write("missing.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n");
  std::string skipped = write("skipped.yaml",
                              "apiVersion: apps/v1\nkind: Deployment\n"
                              "metadata: {name: web, namespace: shop}\n");
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string err_prefix;
  } cases[] = {
      {{"simulate", "-f", malformed}, 1, "error: " + malformed + ": line "},
      {{"simulate", "-f", missing},
       1,
       "error: " + missing + ": line 1: Pod default/p: spec: required"},
      {{"simulate", "-f", (dir / "nope.yaml").string()},
       1,
       "error: " + (dir / "nope.yaml").string()},
      {{"simulate", "-f", skipped},
       0,
       "warning: " + skipped + ": skipping apps/v1 Deployment shop/web"},
      {{"simulate"}, 2, "kubemesos simulate: at least one -f FILE is required"},
      {{"simulate", "-f", skipped, "--policy", "worst"}, 2, "kubemesos simulate: unknown policy"},
      {{"simulate", "--help"}, 0, ""},
      {{}, 2, "kubemesos: Mesos-style"},
  };
  for (const auto& c : cases) {
    Outcome o = Exec(c.args);
    std::string what = c.args.empty() ? "(none)" : c.args.back();
    EXPECT_EQ(o.code, c.code) << what << ": " << o.err;
    EXPECT_EQ(o.err.rfind(c.err_prefix, 0), 0u) << what << ": " << o.err;
  }
  fs::remove_all(dir);
}

// Hostile files: each is refused with exit 1 and one line on stderr naming the file and the
// line, never a crash (134, SIGSEGV) or an out-of-memory, within a 2 GB address-space cap.
TEST(SimulateE2ETest, HostileFilesExitOneWithOneLine) {
  fs::path dir =
      fs::temp_directory_path() / ("kubemesos-e2e-hostile-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return (dir / name).string();
  };
  const std::string all = " (the limit for all documents of the input)";
  // About 567,000 alias values each (in a field the Node converter ignores): either file
  // alone is fine, not both.
  auto half = [&](const std::string& name) {
    return write(name + ".yaml", "apiVersion: v1\nkind: Node\nmetadata: {name: " + name +
                                     "}\nx:\n" +
                                     testing::Laughs(5, "all: [*a4, *a4, *a4, *a4]", "  "));
  };
  std::string half_a = half("half-a"), half_b = half("half-b");
  struct Case {
    std::vector<std::string> files;
    std::string error;  // after "error: <last file>: "
  } cases[] = {
      {{write("comma.yaml", ",")}, "line 1, column 1: unexpected \",\""},
      {{write("bomb40.yaml", testing::FortyDocumentBomb())},
       "line 32, column 42: aliases expand to more than 1000000 values" + all},
      {{half_a, half_b}, "line 10, column 19: aliases expand to more than 1000000 values" + all},
      {{write("group-utf8.yaml",
              "apiVersion: kubemesos.io/v1alpha1\nkind: ResourceGroup\nmetadata:\n  name: "
              "\"g\xFF\"\nspec: {weight: 1}\n")},
       "line 4, column 11: invalid UTF-8 (byte 0xFF): the input must be UTF-8"},
      {{write("pod-utf8.yaml",
              "apiVersion: v1\nkind: Pod\nmetadata: {name: p\xC3, namespace: x}\n"
              "spec: {schedulerName: kubemesos, containers: [{name: c}]}\n")},
       "line 3, column 19: invalid UTF-8 (byte 0xC3): the input must be UTF-8"},
      {{write("duplicate.yaml",
              "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n  labels: {a: \"1\"}\n"
              "  name: n2\nstatus: {allocatable: {cpu: \"4\"}}\n")},
       "line 6, column 3: duplicate key \"name\""},
      {{write("deep.yaml", "apiVersion: v1\nkind: Node\n" + testing::Nested(600, true))},
       "line 3, column 103: nesting deeper than 100 levels"},
      {{write("deep-block.yaml", testing::Nested(101, false))},
       "line 101, column 201: nesting deeper than 100 levels"},
      {{"/dev/zero"}, "more than 128 MiB of input (the limit for all input files together)"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"simulate"};
    for (const auto& f : c.files) args.insert(args.end(), {"-f", f});
    Outcome o = Exec(args);
    EXPECT_EQ(o.code, 1) << c.files.back() << ": " << o.err;
    EXPECT_TRUE(o.out.empty()) << c.files.back();
    EXPECT_EQ(o.err, "error: " + c.files.back() + ": " + c.error + "\n");
  }
  fs::remove_all(dir);
}

// Out of memory within the limits (here a 100 MB cap, and a 1 MiB string copied 120 times by
// aliases: 122 MiB of strings, under the 128 MiB limit) is exit 3 with one line, not an abort:
// the trees are released without allocating.
TEST(SimulateE2ETest, OutOfMemoryExitsThree) {
  if (!testing::kMemoryCapped) GTEST_SKIP() << "no address-space cap under AddressSanitizer";
  fs::path file = fs::temp_directory_path() / ("kubemesos-e2e-oom-" + std::to_string(::getpid()));
  {
    std::ofstream out(file);
    out << "apiVersion: v1\nkind: ConfigMap\ns: &s " << std::string(1 << 20, 'x') << "\nl: [*s";
    for (int i = 1; i < 120; ++i) out << ", *s";
    out << "]\n";
  }
  Outcome o = Exec({"simulate", "-f", file.string()}, 100'000'000);
  fs::remove(file);
  EXPECT_EQ(o.code, 3) << o.err;
  EXPECT_EQ(o.err, "error: out of memory\n");
  EXPECT_TRUE(o.out.empty());
}

// Robustness: randomly mutated example files (values swapped for odd tokens, lines deleted,
// duplicated or garbled) either simulate or fail with an error naming the file; never an
// exception or a crash. Deterministic seed.
TEST(SimulateE2ETest, MutatedExamplesNeverCrash) {
  std::vector<std::string> texts;
  for (const char* name : {"drf-paper.yaml", "two-teams.yaml", "cluster-snapshot.yaml",
                           "spark-job.yaml", "bad-quantity.yaml"}) {
    texts.push_back(Slurp(kExamples + "/" + name));
  }
  const std::vector<std::string> tokens = {
      "-1",  "\"\"",    "[]",     "{}", "null", "1e400",  "99999999999999999999",
      "abc", "0.1",     "true",   "*a", "&a x", "- x",    ": :",
      "1Ei", "!!int x", "<<: *a", "0x", ".nan", "[[[[[[", "'"};
  std::mt19937 rng(20240603);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  int ok = 0, failed = 0;
  for (int round = 0; round < 400; ++round) {
    std::vector<std::string> lines;
    std::istringstream in(texts[pick(texts.size())]);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    for (size_t edits = 1 + pick(4); edits > 0 && !lines.empty(); --edits) {
      size_t k = pick(lines.size());
      switch (pick(4)) {
        case 0:
          if (auto colon = lines[k].find(':'); colon != std::string::npos) {
            lines[k] = lines[k].substr(0, colon) + ": " + tokens[pick(tokens.size())];
          }
          break;
        case 1:
          lines.erase(lines.begin() + k);
          break;
        case 2:
          lines.insert(lines.begin() + k, lines[pick(lines.size())]);
          break;
        default:
          if (!lines[k].empty()) lines[k][pick(lines[k].size())] = char(32 + pick(95));
      }
    }
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    std::vector<InputObject> objects;
    std::vector<std::string> warnings;
    std::string error;
    if (!ReadInput("m.yaml", text, &objects, &warnings, &error)) {
      EXPECT_EQ(error.rfind("m.yaml: ", 0), 0u) << error;
      ++failed;
      continue;
    }
    auto report = Simulate(objects, {});
    if (report.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(report.error.rfind("m.yaml: ", 0), 0u) << report.error;
      EXPECT_EQ(report.error.find("internal error"), std::string::npos) << report.error;
      ++failed;
    }
  }
  EXPECT_GT(ok, 0);
  EXPECT_GT(failed, 0);
}

TEST(SimulateE2ETest, Version) {
  Outcome o = Exec({"version"});
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(o.out.rfind("kubemesos ", 0), 0u) << o.out;
}

}  // namespace
}  // namespace kubemesos::simulate
