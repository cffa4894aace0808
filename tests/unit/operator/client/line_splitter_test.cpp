// LineSplitter: lines cut across pieces, "\r\n", keep-alive blank lines, a last line without a
// newline only after Finish, and compaction of a long consumed prefix.
#include "operator/client/line_splitter.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kubemesos::client {
namespace {

std::vector<std::string> Drain(LineSplitter& s) {
  std::vector<std::string> out;
  std::string line;
  while (s.Next(line)) out.push_back(line);
  return out;
}

TEST(LineSplitterTest, CutsLinesAcrossPieces) {
  LineSplitter s;
  s.Append("{\"a\":");
  EXPECT_TRUE(Drain(s).empty());
  s.Append("1}\r\n{\"b\"");
  EXPECT_EQ(Drain(s), std::vector<std::string>{"{\"a\":1}"});
  s.Append(":2}\n");
  EXPECT_EQ(Drain(s), std::vector<std::string>{"{\"b\":2}"});
}

TEST(LineSplitterTest, SkipsKeepAlives) {
  LineSplitter s;
  s.Append("\n \r\n\t\nx\n\r\n");
  EXPECT_EQ(Drain(s), std::vector<std::string>{"x"});
}

TEST(LineSplitterTest, LastLineWithoutNewlineOnlyAfterFinish) {
  LineSplitter s;
  s.Append("a\nb");
  EXPECT_EQ(Drain(s), std::vector<std::string>{"a"});
  EXPECT_FALSE(s.finished());
  s.Finish();
  EXPECT_EQ(Drain(s), std::vector<std::string>{"b"});
  EXPECT_TRUE(Drain(s).empty());
}

TEST(LineSplitterTest, LongStreamsKeepEveryLine) {
  LineSplitter s;
  std::vector<std::string> want, got;
  for (int i = 0; i < 5000; ++i) {
    std::string line = "line-" + std::to_string(i) + std::string(40, 'x');
    want.push_back(line);
    s.Append(line + "\n");
    for (auto& l : Drain(s)) got.push_back(l);
  }
  EXPECT_EQ(got, want);  // 5000 x 50 bytes: the consumed prefix was dropped on the way
}

}  // namespace
}  // namespace kubemesos::client
