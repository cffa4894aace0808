// Private to the two files that use cpprestsdk (client/rest_client.cpp and
// registry/etcd_client.cpp): a streaming HTTP body split into lines as bytes arrive (the watch
// streams of the API server and of etcd), and readable messages for cpprestsdk exceptions.
// Include it nowhere else: it pulls in cpprestsdk.
#pragma once

#include <atomic>
#include <string>

#include <cpprest/http_client.h>

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
  LineReader() = default;  // no body: at its end
  explicit LineReader(concurrency::streams::streambuf<uint8_t> body) : body_(body), open_(true) {}

  // The next line that is not blank, without its "\n" or "\r\n"; a last line without a
  // newline counts. False at the end of the body, on a read error (error()) or once
  // `cancelled` is set.
  bool Next(std::string& line, const std::atomic<bool>& cancelled) {
    while (true) {
      size_t nl = buffer_.find('\n', start_);
      if (nl == std::string::npos && !open_ && start_ < buffer_.size()) nl = buffer_.size();
      if (nl != std::string::npos) {
        size_t end = nl > start_ && buffer_[nl - 1] == '\r' ? nl - 1 : nl;
        line.assign(buffer_, start_, end - start_);
        start_ = std::min(nl + 1, buffer_.size());
        if (start_ > 65536 && start_ * 2 > buffer_.size()) {
          buffer_.erase(0, start_);
          start_ = 0;
        }
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // keep-alives
        return true;
      }
      if (cancelled || !open_) return false;
      ReadMore(cancelled);
    }
  }
  // Why the body ended: "" for a clean end (or a cancel), else the read error.
  const std::string& error() const { return error_; }

 private:
  // Appends what the connection has buffered, waiting for at least one byte.
  void ReadMore(const std::atomic<bool>& cancelled) {
    try {
      size_t avail = body_.in_avail();
      if (avail == 0) {
        auto c = body_.bumpc().get();  // waits for the next chunk, or the end
        if (c == decltype(body_)::traits::eof()) {
          open_ = false;
          return;
        }
        buffer_.push_back(static_cast<char>(c));
        avail = body_.in_avail();
      }
      if (avail > 0) {
        size_t old = buffer_.size();
        buffer_.resize(old + avail);
        size_t got = body_.getn(reinterpret_cast<uint8_t*>(&buffer_[old]), avail).get();
        buffer_.resize(old + got);
      }
    } catch (const std::exception& e) {
      open_ = false;
      if (!cancelled) error_ = DescribeException(e);
    }
  }

  concurrency::streams::streambuf<uint8_t> body_;
  bool open_ = false;
  std::string error_;
  std::string buffer_;
  size_t start_ = 0;
};

}  // namespace kubemesos::client::cpprest
