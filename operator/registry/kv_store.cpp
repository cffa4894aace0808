// Helpers shared by every KvStore implementation (see kv_store.h).
#include "operator/registry/kv_store.h"

namespace kubemesos::registry {

std::string PrefixRangeEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    unsigned char c = static_cast<unsigned char>(end.back());
    if (c < 0xff) {
      end.back() = static_cast<char>(c + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

}  // namespace kubemesos::registry
