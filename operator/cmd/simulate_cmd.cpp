// `kubemesos simulate`: command-line parsing and file I/O around operator/simulate.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <new>

#include "operator/cmd/commands.h"
#include "operator/simulate/simulate.h"
#include "operator/util/text.h"

namespace kubemesos::cmd {
namespace {

void SimulateUsage(std::ostream& out) {
  out << "Usage: kubemesos simulate -f FILE [-f FILE...] [--policy binpack|spread]\n"
         "                          [--no-preemption]\n"
         "\n"
         "Runs an allocation cycle of the kubemesos engine on the Nodes, Pods, ResourceGroups\n"
         "and Frameworks in the YAML files (multi-document; kind: List is unpacked; other kinds\n"
         "are skipped with a warning) and prints where each task would run as JSON. When tasks\n"
         "stay pending, a second cycle runs once they have waited the longest delaySeconds of\n"
         "the ResourceGroups: its preemption plans (reclaim of lent guarantees, priority inside a\n"
         "group) are listed under \"preemptions\" with their victims; nothing is evicted.\n"
         "\n"
         "Options:\n"
         "  -f, --filename FILE   input file, \"-\" for stdin; repeatable, read in order\n"
         "  --policy POLICY       binpack (default) or spread\n"
         "  --no-preemption       plan no preemption (one cycle only)\n"
         "  -h, --help            print this help\n"
         "\n"
         "Input is bounded (docs/simulate.md, \"Limits\"): 128 MiB of UTF-8 YAML for all\n"
         "files together, 8,000,000 values (1,000,000 of them from aliases), 128 MiB of\n"
         "strings, nesting 100 deep, 100,000 task pods in all Frameworks. Duplicate keys\n"
         "are errors.\n"
         "\n"
         "Exit codes: 0 success, 1 bad input (or over a limit), 2 bad usage,\n"
         "3 internal error or out of memory.\n";
}

// Reads at most `max_bytes` bytes of `path` ("-": stdin); more is an error (stdin or a file
// such as /dev/zero would otherwise be read without end).
bool ReadFile(const std::string& path, size_t max_bytes, const std::string& too_large,
              std::string* text, std::string* error) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) {
      *error = path + ": cannot open: " + std::strerror(errno);
      return false;
    }
    in = &file;
  }
  text->clear();
  char chunk[1 << 16];
  while (*in) {
    in->read(chunk, sizeof chunk);
    size_t got = static_cast<size_t>(in->gcount());
    if (got > max_bytes - text->size()) {
      *error = path + ": " + too_large;
      return false;
    }
    text->append(chunk, got);
  }
  if (in->bad()) {
    *error = path + ": cannot read";
    return false;
  }
  return true;
}

// Reads the files into *objects and simulates: the exit code.
int ReadAndSimulate(const std::vector<std::string>& files,
                    const simulate::SimulationOptions& options,
                    std::vector<simulate::InputObject>& objects, std::ostream& out,
                    std::ostream& err) {
  simulate::YamlBudget budget;  // one budget for all the files together
  for (const auto& file : files) {
    std::string text, error;
    std::vector<std::string> warnings;
    size_t left = budget.limits.max_input_bytes - budget.input_bytes;
    if (!ReadFile(file, left, simulate::InputTooLarge(budget.limits), &text, &error) ||
        !simulate::ReadInput(file, text, &objects, &warnings, &error, &budget)) {
      err << "error: " << error << "\n";
      return 1;
    }
    for (const auto& warning : warnings) err << warning << "\n";
  }
  auto report = simulate::Simulate(objects, options);
  if (!report.ok()) {
    err << "error: " << report.error << "\n";
    return report.error.starts_with(simulate::kInternalError) ? 3 : 1;
  }
  // Input text is refused unless it is UTF-8, so nothing needs replacing; replacing rather
  // than throwing keeps a slip from aborting the process.
  out << report.value->dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
      << "\n";
  out.flush();
  return out.good() ? 0 : 1;
}

// Runs the simulation; on std::bad_alloc the objects read are released without allocating
// (see ReleaseJson) before the exception goes on.
int RunSimulation(const std::vector<std::string>& files, const simulate::SimulationOptions& options,
                  std::ostream& out, std::ostream& err) {
  std::vector<simulate::InputObject> objects;
  try {
    return ReadAndSimulate(files, options, objects, out, err);
  } catch (const std::bad_alloc&) {
    for (auto& object : objects) simulate::ReleaseJson(object.object);
    throw;
  }
}

}  // namespace

int Simulate(const Args& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> files;
  simulate::SimulationOptions options;
  auto usage_error = [&](const std::string& what) {
    err << "kubemesos simulate: " << what << "\n\n";
    SimulateUsage(err);
    return 2;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::string value;
    auto take = [&](const std::string& flag) -> bool {
      if (arg == flag) {
        if (i + 1 >= args.size()) return false;
        value = args[++i];
        return true;
      }
      if (arg.rfind(flag + "=", 0) == 0) {
        value = arg.substr(flag.size() + 1);
        return true;
      }
      if (flag == "-f" && arg.size() > 2 && arg.rfind("-f", 0) == 0 && arg[2] != '=') {
        value = arg.substr(2);
        return true;
      }
      return false;
    };
    if (arg == "-h" || arg == "--help") {
      SimulateUsage(out);
      return 0;
    } else if (take("-f") || take("--filename")) {
      if (value.empty()) return usage_error("empty file name");
      files.push_back(value);
    } else if (take("--policy")) {
      if (value == "binpack") {
        options.policy = Policy::kBinpack;
      } else if (value == "spread") {
        options.policy = Policy::kSpread;
      } else {
        return usage_error("unknown policy \"" + value + "\" (binpack or spread)");
      }
    } else if (arg == "--no-preemption") {
      options.preemption = false;
    } else if (arg == "-f" || arg == "--filename" || arg == "--policy") {
      return usage_error(arg + " needs a value");
    } else {
      return usage_error("unexpected argument \"" + arg + "\"");
    }
  }
  if (files.empty()) return usage_error("at least one -f FILE is required");
  try {
    return RunSimulation(files, options, out, err);
  } catch (const std::bad_alloc&) {
    err << "error: out of memory\n";
  } catch (const std::exception& e) {
    err << "error: " << simulate::kInternalError << util::SanitizeUtf8(e.what(), 1024) << "\n";
  }
  return 3;
}

}  // namespace kubemesos::cmd
