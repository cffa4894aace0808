// Private to the two files that use cpprestsdk (client/rest_client.cpp and
// registry/etcd_client.cpp): a streaming HTTP body split into lines as bytes arrive (the watch
// streams of the API server and of etcd; the splitting itself is LineSplitter), and readable
// messages for cpprestsdk exceptions.
// Include it nowhere else: it pulls in cpprestsdk.
#pragma once

#include <atomic>
#include <string>

#include <cpprest/http_client.h>

#include "operator/client/line_splitter.h"
#include "operator/client/tls.h"

namespace kubemesos::client::cpprest {

// A readable message for an exception out of cpprestsdk.
inline std::string DescribeException(const std::exception& e) {
  if (auto* he = dynamic_cast<const web::http::http_exception*>(&e))
    return DescribeTransportError(he->error_code().value(), he->what());
  return std::string("transport error: ") + e.what();
}

// Threads: one reader thread calls Next; `cancelled` (owned by the caller, who also cancels
// the request's token) may be set from any thread and makes Next return false.
class LineReader {
 public:
  LineReader() { lines_.Finish(); }  // no body: at its end
  explicit LineReader(concurrency::streams::streambuf<uint8_t> body) : body_(body) {}

  // The next line that is not blank (see LineSplitter); a last line without a newline
  // counts. False at the end of the body, on a read error or a line longer than
  // LineSplitter::kDefaultMaxLine (error()) or once `cancelled` is set.
  bool Next(std::string& line, const std::atomic<bool>& cancelled) {
    while (true) {
      if (lines_.Next(line)) return true;
      if (lines_.too_long()) {
        if (error_.empty())
          error_ = "a line longer than " + std::to_string(lines_.max_line()) + " bytes";
        return false;
      }
      if (cancelled || lines_.finished()) return false;
      ReadMore(cancelled);
    }
  }
  // Why the body ended: "" for a clean end (or a cancel), else the read error.
  const std::string& error() const { return error_; }

 private:
  // Appends what the connection has buffered, waiting for at least one byte; Finish at the
  // end of the body or on an error.
  void ReadMore(const std::atomic<bool>& cancelled) {
    try {
      size_t avail = body_.in_avail();
      if (avail == 0) {
        auto c = body_.bumpc().get();  // waits for the next chunk, or the end
        if (c == decltype(body_)::traits::eof()) {
          lines_.Finish();
          return;
        }
        char byte = static_cast<char>(c);
        lines_.Append(std::string_view(&byte, 1));
        avail = body_.in_avail();
      }
      if (avail > 0) {
        chunk_.resize(avail);
        size_t got = body_.getn(reinterpret_cast<uint8_t*>(chunk_.data()), avail).get();
        lines_.Append(std::string_view(chunk_.data(), got));
      }
    } catch (const std::exception& e) {
      lines_.Finish();
      if (!cancelled) error_ = DescribeException(e);
    }
  }

  concurrency::streams::streambuf<uint8_t> body_;
  LineSplitter lines_;
  std::string error_;
  std::string chunk_;  // reused read buffer
};

}  // namespace kubemesos::client::cpprest
