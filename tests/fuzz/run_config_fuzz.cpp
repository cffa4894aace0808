// Fuzzes the `kubemesos run` configuration (operator/run/config.h): the input is a YAML
// config file, optionally followed by a line "%%" and command-line flags, one a line (every
// --config names that file). LoadConfigFile and ParseRunFlags accept or refuse with an
// error, never throw; what they accept is in range (finite, non-negative durations and rates,
// positive counts).
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "operator/run/config.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using kubemesos::run::RunConfig;

void CheckRanges(const RunConfig& c) {
  for (double d : {c.min_cycle_interval_seconds, c.max_cycle_interval_seconds, c.client_qps,
                   c.status_writes_per_second, c.task_retry_backoff_seconds})
    FUZZ_CHECK(std::isfinite(d) && d >= 0, "a duration or rate is finite: " + std::to_string(d));
  for (int n :
       {c.bind_concurrency, c.client_burst, c.status_burst, c.lease_seconds, c.registry_shards})
    FUZZ_CHECK(n > 0, "a count is positive: " + std::to_string(n));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kubemesos;
  std::string_view text = fuzz::AsText(data, size);
  std::string_view file = text, flags;
  if (size_t sep = text.find("\n%%\n"); sep != std::string_view::npos) {
    file = text.substr(0, sep);
    flags = text.substr(sep + 4);
  }
  std::string path = fuzz::WriteScratch("config.yaml", file);

  RunConfig from_file;
  std::string error;
  if (fuzz::NamesSpecialFile(file) || fuzz::NamesSpecialFile(flags)) return -1;
  if (run::LoadConfigFile(path, from_file, error))
    CheckRanges(from_file);
  else
    FUZZ_CHECK(!error.empty(), "a refused file has an error");

  std::vector<std::string> args = fuzz::Lines(flags);
  for (size_t i = 0; i < args.size(); ++i) {  // only the scratch file is read
    if (args[i] == "--config" && i + 1 < args.size()) args[i + 1] = path;
    if (args[i].rfind("--config=", 0) == 0) args[i] = "--config=" + path;
  }
  RunConfig from_flags;
  error.clear();
  if (run::ParseRunFlags(args, from_flags, error))
    CheckRanges(from_flags);
  else
    FUZZ_CHECK(!error.empty(), "refused flags have an error");
  return 0;
}
