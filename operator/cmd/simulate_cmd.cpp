// `kubemesos simulate`: command-line parsing and file I/O around operator/simulate.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "operator/cmd/commands.h"
#include "operator/simulate/simulate.h"

namespace kubemesos::cmd {
namespace {

void SimulateUsage(std::ostream& out) {
  out << "Usage: kubemesos simulate -f FILE [-f FILE...] [--policy binpack|spread]\n"
         "\n"
         "Runs one allocation cycle of the kubemesos engine on the Nodes, Pods, ResourceGroups\n"
         "and Frameworks in the YAML files (multi-document; kind: List is unpacked; other kinds\n"
         "are skipped with a warning) and prints where each task would run as JSON.\n"
         "\n"
         "Options:\n"
         "  -f, --filename FILE   input file, \"-\" for stdin; repeatable, read in order\n"
         "  --policy POLICY       binpack (default) or spread\n"
         "  -h, --help            print this help\n"
         "\n"
         "Exit codes: 0 success, 1 bad input, 2 bad usage.\n";
}

bool ReadFile(const std::string& path, std::string* text, std::string* error) {
  if (path == "-") {
    std::ostringstream buffer;
    buffer << std::cin.rdbuf();
    *text = buffer.str();
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    *error = path + ": cannot read";
    return false;
  }
  *text = buffer.str();
  return true;
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
    } else if (arg == "-f" || arg == "--filename" || arg == "--policy") {
      return usage_error(arg + " needs a value");
    } else {
      return usage_error("unexpected argument \"" + arg + "\"");
    }
  }
  if (files.empty()) return usage_error("at least one -f FILE is required");

  std::vector<simulate::InputObject> objects;
  for (const auto& file : files) {
    std::string text, error;
    std::vector<std::string> warnings;
    if (!ReadFile(file, &text, &error) ||
        !simulate::ReadInput(file, text, &objects, &warnings, &error)) {
      err << "error: " << error << "\n";
      return 1;
    }
    for (const auto& warning : warnings) err << warning << "\n";
  }
  auto report = simulate::Simulate(objects, options);
  if (!report.ok()) {
    err << "error: " << report.error << "\n";
    return 1;
  }
  out << report.value->dump(2) << "\n";
  out.flush();
  return out.good() ? 0 : 1;
}

}  // namespace kubemesos::cmd
