// AllocatorName: this test binary is not linked with jemalloc, so it names glibc's malloc (the
// weak mallctl reference resolves to nothing, and calling through it must not happen). The
// kubemesos binary itself is checked by the CTest `kubemesos.allocator` (tests/unit/operator/util/
// CMakeLists.txt): `kubemesos version` names jemalloc when KUBEMESOS_JEMALLOC links it.
#include "operator/util/allocator.h"

#include <gtest/gtest.h>

namespace kubemesos::util {
namespace {

TEST(AllocatorTest, WithoutJemallocItIsGlibcMalloc) {
  EXPECT_EQ(AllocatorName(), "glibc malloc");
}

}  // namespace
}  // namespace kubemesos::util
