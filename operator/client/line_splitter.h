// LineSplitter: a byte stream that arrives in pieces, cut into lines. The pure half of the
// watch-stream reader (cpprest_lines.h feeds it from the HTTP body); kept apart so that it can
// be unit-tested and fuzzed without a connection.
//
// Contract: Append bytes as they arrive, Finish at the end of the stream; Next yields each
// line that is not blank (only spaces, tabs and "\r": the keep-alives of a watch), without its
// "\n" or "\r\n". After Finish, a last line without a newline counts. Lines are bytes (no
// UTF-8 check).
// Bounds: a line longer than `max_line` bytes (a server that never ends a line) stops the
// stream: Next returns false from then on and too_long() is true; memory stays within about
// twice `max_line` plus what Append was given at once. Each byte is scanned once, however the
// stream is cut. Not thread-safe (one reader thread).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace kubemesos::client {

class LineSplitter {
 public:
  // A watch event is one object: the API server refuses objects over ~1.5 MiB (etcd's request
  // limit), and etcd's own replies are bounded the same way.
  static constexpr size_t kDefaultMaxLine = 64 << 20;

  explicit LineSplitter(size_t max_line = kDefaultMaxLine) : max_line_(max_line) {}

  void Append(std::string_view bytes) {
    if (!too_long_) buffer_.append(bytes);
  }
  void Finish() { finished_ = true; }
  bool finished() const { return finished_; }
  bool too_long() const { return too_long_; }
  size_t max_line() const { return max_line_; }

  // The next non-blank line; false when no complete line is buffered (more bytes are needed,
  // or after Finish: the stream is exhausted) or once a line was too long.
  bool Next(std::string& line) {
    while (!too_long_) {
      size_t nl = buffer_.find('\n', std::max(start_, scanned_));
      if (nl == std::string::npos && finished_ && start_ < buffer_.size()) nl = buffer_.size();
      if (nl == std::string::npos) {
        scanned_ = buffer_.size();  // no newline up to here: do not scan these bytes again
        if (buffer_.size() - start_ > max_line_ + 1) Overflow();  // + 1: a "\r" may end it
        return false;
      }
      size_t end = nl > start_ && buffer_[nl - 1] == '\r' ? nl - 1 : nl;
      if (end - start_ > max_line_) {
        Overflow();
        return false;
      }
      line.assign(buffer_, start_, end - start_);
      start_ = std::min(nl + 1, buffer_.size());
      if (start_ > 65536 && start_ * 2 > buffer_.size()) {  // drop the consumed prefix
        buffer_.erase(0, start_);
        scanned_ = scanned_ > start_ ? scanned_ - start_ : 0;
        start_ = 0;
      }
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // keep-alives
      return true;
    }
    return false;
  }

 private:
  void Overflow() {
    too_long_ = true;
    buffer_.clear();
    buffer_.shrink_to_fit();
    start_ = scanned_ = 0;
  }

  const size_t max_line_;
  std::string buffer_;
  size_t start_ = 0;    // where the next line starts in buffer_
  size_t scanned_ = 0;  // buffer_ holds no '\n' in [start_, scanned_)
  bool finished_ = false;
  bool too_long_ = false;
};

}  // namespace kubemesos::client
