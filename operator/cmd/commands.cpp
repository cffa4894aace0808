// Subcommand dispatch and the small subcommands (help, version, run) of `kubemesos`.
#include "operator/cmd/commands.h"

#include <exception>
#include <new>

#include "operator/run/run_command.h"
#include "operator/util/allocator.h"

#ifndef KUBEMESOS_VERSION
#define KUBEMESOS_VERSION "unknown"
#endif

namespace kubemesos::cmd {

void PrintUsage(std::ostream& out) {
  out << "kubemesos: Mesos-style DRF offer-based allocation for Kubernetes\n"
         "\n"
         "Usage:\n"
         "  kubemesos simulate -f FILE [-f FILE...] [--policy binpack|spread]\n"
         "      Run one allocation cycle on Nodes, Pods, ResourceGroups and Frameworks read\n"
         "      from YAML files and print the placements as JSON (see docs/simulate.md).\n"
         "  kubemesos run [--kubeconfig FILE] [--config FILE] [flags]\n"
         "      Run the scheduler: watch the cluster, allocate with DRF, bind pods\n"
         "      (kubemesos run --help lists the settings).\n"
         "  kubemesos registry dump [PREFIX] | get KEY [connection flags of run]\n"
         "      Print the registry's records (etcd or the Kubernetes backend) as JSON.\n"
         "  kubemesos version    Print the version.\n"
         "  kubemesos help       Print this help.\n";
}

int Help(const Args&, std::ostream& out, std::ostream&) {
  PrintUsage(out);
  return 0;
}

int Version(const Args&, std::ostream& out, std::ostream&) {
  out << "kubemesos " << KUBEMESOS_VERSION << " (" << util::AllocatorName() << ")\n";
  return 0;
}

int Run(const Args& args, std::ostream&, std::ostream&) {
  return run::RunCommand(args);
}

namespace {

int Dispatch(const std::string& name, const Args& rest, std::ostream& out, std::ostream& err) {
  if (name == "simulate") return Simulate(rest, out, err);
  if (name == "version" || name == "--version") return Version(rest, out, err);
  if (name == "run") return Run(rest, out, err);
  if (name == "registry") return Registry(rest, out, err);
  if (name == "help" || name == "--help" || name == "-h") return Help(rest, out, err);
  err << "kubemesos: unknown command \"" << name << "\"\n\n";
  PrintUsage(err);
  return 2;
}

}  // namespace

int Main(const Args& argv, std::ostream& out, std::ostream& err) {
  if (argv.size() < 2) {
    PrintUsage(err);
    return 2;
  }
  const std::string& name = argv[1];
  // The commands report their own errors; this is the last line, so that nothing (a bad
  // allocation at start-up, a bug) ends the process with an uncaught exception (abort, 134).
  try {
    return Dispatch(name, Args(argv.begin() + 2, argv.end()), out, err);
  } catch (const std::bad_alloc&) {
    err << "kubemesos " << name << ": out of memory\n";
    return 3;
  } catch (const std::exception& e) {
    err << "kubemesos " << name << ": internal error: " << e.what() << "\n";
    return 3;
  } catch (...) {
    err << "kubemesos " << name << ": internal error\n";
    return 3;
  }
}

}  // namespace kubemesos::cmd
