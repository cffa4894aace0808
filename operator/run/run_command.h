// `kubemesos run`: the operator. Wires the Kubernetes client, the four informers, the
// scheduling loop, the binder and the status reporter, and stops cleanly on SIGTERM/SIGINT
// (in-flight and queued binds finish; nothing is left half-done).
#pragma once

#include <string>
#include <vector>

namespace kubemesos::run {

// Runs until a termination signal. Returns the process exit code: 0 after a clean stop,
// 1 when the configuration or the cluster connection cannot be set up, 2 on bad usage.
int RunCommand(const std::vector<std::string>& args);

}  // namespace kubemesos::run
