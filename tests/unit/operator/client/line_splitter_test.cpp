// LineSplitter: lines cut across pieces, "\r\n", keep-alive blank lines, a last line without a
// newline only after Finish, compaction of a long consumed prefix, and the line length cap.
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

TEST(LineSplitterTest, AnEndlessLineStopsTheStream) {
  LineSplitter s(/*max_line=*/100);
  s.Append(std::string(100, 'a') + "\n");  // at the cap: fine
  EXPECT_EQ(Drain(s).size(), 1u);
  for (int i = 0; i < 20; ++i) s.Append(std::string(10, 'b'));  // 200 bytes, no newline
  EXPECT_TRUE(Drain(s).empty());
  EXPECT_TRUE(s.too_long());
  s.Append("\nc\n");  // nothing after an endless line is trusted
  s.Finish();
  EXPECT_TRUE(Drain(s).empty());
}

TEST(LineSplitterTest, ACompleteLineOverTheCapStopsTheStream) {
  LineSplitter s(/*max_line=*/10);
  s.Append("short\n" + std::string(11, 'x') + "\nnext\n");
  EXPECT_EQ(Drain(s), std::vector<std::string>{"short"});
  EXPECT_TRUE(s.too_long());
}

}  // namespace
}  // namespace kubemesos::client
