// Fuzzes YAML -> JSON (operator/simulate/yaml_json.h), the reader of `kubemesos simulate`
// input: any text is documents or an error, never an exception, a hang or unbounded memory
// (libFuzzer's -rss_limit_mb and -timeout catch those); every plain scalar resolves.
#include <cstdint>
#include <string>
#include <vector>

#include "operator/simulate/yaml_json.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kubemesos;
  std::string text(fuzz::AsText(data, size));
  std::vector<simulate::YamlDocument> documents;
  std::string error;
  bool ok = simulate::ParseYamlDocuments(text, &documents, &error);
  FUZZ_CHECK(ok || !error.empty(), "a refused stream has an error");
  int last = 0;
  for (const auto& d : documents) {
    FUZZ_CHECK(d.index > last, "documents come in order");
    last = d.index;
  }
  (void)simulate::ResolvePlainScalar(text);
  return 0;
}
