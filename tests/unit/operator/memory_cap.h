// A cap on the address space of the test process (or of a child it starts), so that a
// regression in bounded-input code fails fast with std::bad_alloc instead of swapping the
// machine. Not applied under AddressSanitizer, which reserves terabytes of address space.
#pragma once

#include <sys/resource.h>

#include <string>

namespace kubemesos::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kMemoryCapped = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kMemoryCapped = false;
#else
inline constexpr bool kMemoryCapped = true;
#endif
#else
inline constexpr bool kMemoryCapped = true;
#endif

// 2 GB, as `prlimit --as=2000000000`.
inline constexpr rlim_t kMemoryCapBytes = 2'000'000'000;

// Lowers the soft RLIMIT_AS of this process to kMemoryCapBytes while it lives.
class ScopedMemoryCap {
 public:
  ScopedMemoryCap() {
    if (!kMemoryCapped || getrlimit(RLIMIT_AS, &saved_) != 0) return;
    rlimit capped = saved_;
    if (capped.rlim_cur == RLIM_INFINITY || capped.rlim_cur > kMemoryCapBytes) {
      capped.rlim_cur = kMemoryCapBytes;
    }
    active_ = setrlimit(RLIMIT_AS, &capped) == 0;
  }
  ~ScopedMemoryCap() {
    if (active_) setrlimit(RLIMIT_AS, &saved_);
  }
  ScopedMemoryCap(const ScopedMemoryCap&) = delete;
  ScopedMemoryCap& operator=(const ScopedMemoryCap&) = delete;

 private:
  rlimit saved_{};
  bool active_ = false;
};

// A shell prefix that caps a child command the same way ("ulimit -v" counts KiB).
inline std::string MemoryCapShellPrefix(rlim_t bytes = kMemoryCapBytes) {
  if (!kMemoryCapped) return "";
  return "ulimit -v " + std::to_string(bytes / 1024) + " && ";
}

}  // namespace kubemesos::testing
