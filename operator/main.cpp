// The single `kubemesos` binary: dispatches to the subcommands in operator/cmd/.
#include <iostream>
#include <string>
#include <vector>

#include "operator/cmd/commands.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return kubemesos::cmd::Main(args, std::cout, std::cerr);
}
