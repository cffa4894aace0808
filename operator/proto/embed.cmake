# cmake -DIN=file -DOUT=file.cpp -P embed.cmake: writes the bytes of IN as a C++ array
# (kubemesos::proto::internal::kDescriptorSet, see schema.h). Run at build time.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR size "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}" "// Generated from ${IN} by operator/proto/embed.cmake. Do not edit.
#include <cstddef>
namespace kubemesos::proto::internal {
extern const unsigned char kDescriptorSet[];
extern const std::size_t kDescriptorSetSize;
const unsigned char kDescriptorSet[] = {${bytes}};
const std::size_t kDescriptorSetSize = ${size};
}  // namespace kubemesos::proto::internal
")
