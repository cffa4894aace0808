// Fuzzes the whole `kubemesos simulate -f FILE` command (operator/cmd/commands.h) on one
// input file: it exits only with its documented codes (0, 1 for bad input) and never throws,
// whatever the YAML holds (invalid UTF-8 in names, huge quantities, odd kinds).
#include <cstdint>
#include <sstream>
#include <string>

#include "operator/cmd/commands.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kubemesos;
  std::string path = fuzz::WriteScratch("input.yaml", fuzz::AsText(data, size));
  std::ostringstream out, err;
  int code = cmd::Simulate({"-f", path}, out, err);
  // 0 ok, 1 bad input, 3 out of memory (never under libFuzzer: its malloc limit reports first).
  FUZZ_CHECK(code == 0 || code == 1 || code == 3,
             "exit code " + std::to_string(code) + ": " + err.str());
  FUZZ_CHECK(code == 0 || !err.str().empty(), "a failure says why");
  return 0;
}
