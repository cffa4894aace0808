// LineSplitter: a byte stream that arrives in pieces, cut into lines. The pure half of the
// watch-stream reader (cpprest_lines.h feeds it from the HTTP body); kept apart so that it can
// be unit-tested and fuzzed without a connection.
//
// Contract: Append bytes as they arrive, Finish at the end of the stream; Next yields each
// line that is not blank (only spaces, tabs and "\r": the keep-alives of a watch), without its
// "\n" or "\r\n". After Finish, a last line without a newline counts. Lines are bytes (no
// UTF-8 check). Memory: the bytes not yet returned, plus at most as much again before the
// consumed prefix is dropped. Not thread-safe (one reader thread).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace kubemesos::client {

class LineSplitter {
 public:
  void Append(std::string_view bytes) { buffer_.append(bytes); }
  void Finish() { finished_ = true; }
  bool finished() const { return finished_; }

  // The next non-blank line; false when no complete line is buffered (more bytes are needed,
  // or after Finish: the stream is exhausted).
  bool Next(std::string& line) {
    while (true) {
      size_t nl = buffer_.find('\n', start_);
      if (nl == std::string::npos && finished_ && start_ < buffer_.size()) nl = buffer_.size();
      if (nl == std::string::npos) return false;
      size_t end = nl > start_ && buffer_[nl - 1] == '\r' ? nl - 1 : nl;
      line.assign(buffer_, start_, end - start_);
      start_ = std::min(nl + 1, buffer_.size());
      if (start_ > 65536 && start_ * 2 > buffer_.size()) {  // drop the consumed prefix
        buffer_.erase(0, start_);
        start_ = 0;
      }
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // keep-alives
      return true;
    }
  }

 private:
  std::string buffer_;
  size_t start_ = 0;  // where the next line starts in buffer_
  bool finished_ = false;
};

}  // namespace kubemesos::client
