// Which malloc this process runs on, for the start-up log line and `kubemesos version`.
//
// kubemesos links jemalloc (CMake option KUBEMESOS_JEMALLOC, on by default; off under the
// sanitizers, which bring their own malloc). Why: the informer threads allocate the decoded
// objects and the loop thread frees them, a producer/consumer pattern glibc's malloc handles
// badly (per-arena locks, malloc_consolidate on the freeing thread). See README, "Latency and
// threads", for the measured difference.
//
// Threads: callable from any thread. Errors: none; an allocator it cannot name is "glibc malloc".
#pragma once

#include <string>

namespace kubemesos::util {

// "jemalloc <version>" when jemalloc serves malloc (linked, or preloaded), else "glibc malloc".
std::string AllocatorName();

}  // namespace kubemesos::util
