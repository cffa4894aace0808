// Helpers shared by the libFuzzer harnesses of tests/fuzz: a check that aborts with a message
// (so libFuzzer saves the input as a crash), input splitting, and a scratch folder for the
// harnesses whose code under test reads files.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace kubemesos::fuzz {

// Aborts (a crash for libFuzzer) when `ok` is false: a broken invariant, not a sanitizer report.
#define FUZZ_CHECK(ok, what)                                                                \
  do {                                                                                      \
    if (!(ok)) {                                                                            \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s: %s\n", __FILE__, __LINE__, #ok, \
                   std::string(what).c_str());                                              \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// `text` cut at each "\n" (no "\r" handling: harness inputs are written with "\n").
inline std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      if (start < text.size()) out.emplace_back(text.substr(start));
      break;
    }
    out.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// A folder of this process under /tmp, created on first use, never removed (libFuzzer exits
// without running destructors; hack/fuzz.sh points TMPDIR at a folder it removes).
inline const std::string& ScratchDir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(tmp != nullptr && *tmp != 0 ? tmp : "/tmp") + "/kubemesos-fuzz-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    return tmpl;
  }();
  return dir;
}

// Writes `content` to ScratchDir()/name and returns the path.
inline std::string WriteScratch(const std::string& name, std::string_view content) {
  std::string path = ScratchDir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return path;
}

// True when `text` may name a file that blocks or never ends when read (a device, /proc, a
// path climbing out of the scratch folder): harnesses whose code reads the files an input
// names skip such inputs.
inline bool NamesSpecialFile(std::string_view text) {
  for (std::string_view bad : {"..", "/dev", "/proc", "/sys", "/run"})
    if (text.find(bad) != std::string_view::npos) return true;
  return false;
}

}  // namespace kubemesos::fuzz
