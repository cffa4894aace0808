// The subcommands of the single `kubemesos` binary. Each takes the arguments that follow its
// name, writes to the given streams (so tests can run it in-process) and returns the process
// exit code: 0 success, 1 failure (bad input, I/O), 2 bad usage.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace kubemesos::cmd {

using Args = std::vector<std::string>;

// `kubemesos simulate -f FILE [-f FILE...] [--policy binpack|spread]` (simulate_cmd.cpp).
int Simulate(const Args& args, std::ostream& out, std::ostream& err);
// `kubemesos version`: the version of this build.
int Version(const Args& args, std::ostream& out, std::ostream& err);
// `kubemesos run`: the operator (operator/run/run_command.h); logs go to stderr as JSON lines.
int Run(const Args& args, std::ostream& out, std::ostream& err);
// `kubemesos registry dump [PREFIX] | get KEY` with run's connection flags (registry_cmd.cpp).
int Registry(const Args& args, std::ostream& out, std::ostream& err);
// `kubemesos help`, also printed for bad usage.
int Help(const Args& args, std::ostream& out, std::ostream& err);
void PrintUsage(std::ostream& out);

// Dispatches argv[1] to a subcommand.
int Main(const Args& argv, std::ostream& out, std::ostream& err);

}  // namespace kubemesos::cmd
