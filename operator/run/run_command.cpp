// `kubemesos run`: flags, logging, signals; the operator itself is an Operator (operator.h).
#include "operator/run/run_command.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include "operator/run/config.h"
#include "operator/run/operator.h"
#include "operator/run/shutdown.h"
#include "operator/util/log.h"

namespace kubemesos::run {

int RunCommand(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      std::fputs(RunUsage().c_str(), stdout);
      return 0;
    }
  }
  RunConfig config;
  std::string error;
  if (!ParseRunFlags(args, config, error)) {
    std::fprintf(stderr, "error: %s\n%s", error.c_str(), RunUsage().c_str());
    return 2;
  }
  log::Level level = log::Level::kInfo;
  log::ParseLevel(config.log_level, level);
  log::SetLevel(level);

  std::unique_ptr<Operator> op = Operator::Create(std::move(config));
  if (!op) return 1;
  // SIGTERM/SIGINT: the loop wakes at once (an empty event); shutdown.h bounds what follows.
  ShutdownSignals signals(kShutdownHardLimit, [&op] { op->Wake(); });
  signal(SIGPIPE, SIG_IGN);  // a peer closing a socket must not kill the process
  op->Start();
  op->Run(signals.requested());
  if (!op->Stop(&signals)) {
    // Requests past the drain deadline are still in flight and cannot be interrupted; the
    // replica has resigned and logged its stop, so it exits without waiting for them (the
    // destructors would join their threads).
    std::fflush(nullptr);
    std::_Exit(0);
  }
  signals.Stage("releasing threads and connections");
  op.reset();  // under the hard limit: signals outlives it
  return 0;
}

}  // namespace kubemesos::run
