// Private to the two files that use cpprestsdk (client/rest_client.cpp and
// registry/etcd_client.cpp): a streaming HTTP body split into lines as bytes arrive (the watch
// streams of the API server and of etcd; the splitting itself is LineSplitter) or into
// length-prefixed frames (the API server's protobuf watch; proto::FrameSplitter), and readable
// messages for cpprestsdk exceptions.
// Include it nowhere else: it pulls in cpprestsdk.
#pragma once

#include <atomic>
#include <string>

#include <cpprest/http_client.h>

#include "operator/client/line_splitter.h"
#include "operator/client/tls.h"
#include "operator/proto/codec.h"

namespace kubemesos::client::cpprest {

// A readable message for an exception out of cpprestsdk.
inline std::string DescribeException(const std::exception& e) {
  if (auto* he = dynamic_cast<const web::http::http_exception*>(&e))
    return DescribeTransportError(he->error_code().value(), he->what());
  return std::string("transport error: ") + e.what();
}

// The bytes of a streaming body as they arrive. Threads: one reader thread calls Read.
class BodyChunks {
 public:
  BodyChunks() = default;  // no body: at its end
  explicit BodyChunks(concurrency::streams::streambuf<uint8_t> body) : body_(body), ended_(false) {}

  // Replaces `chunk` with what the connection has buffered, waiting for at least one byte.
  // False at the end of the body or on a read error (error(), unless `cancelled` is set).
  bool Read(std::string& chunk, const std::atomic<bool>& cancelled) {
    if (ended_) return false;
    chunk.clear();
    try {
      size_t avail = body_.in_avail();
      if (avail == 0) {
        auto c = body_.bumpc().get();  // waits for the next chunk, or the end
        if (c == decltype(body_)::traits::eof()) {
          ended_ = true;
          return false;
        }
        chunk.push_back(static_cast<char>(c));
        avail = body_.in_avail();
      }
      if (avail > 0) {
        size_t have = chunk.size();
        chunk.resize(have + avail);
        size_t got = body_.getn(reinterpret_cast<uint8_t*>(chunk.data() + have), avail).get();
        chunk.resize(have + got);
      }
      return true;
    } catch (const std::exception& e) {
      ended_ = true;
      if (!cancelled) error_ = DescribeException(e);
      return false;
    }
  }
  const std::string& error() const { return error_; }

 private:
  concurrency::streams::streambuf<uint8_t> body_;
  bool ended_ = true;
  std::string error_;
};

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
      if (body_.Read(chunk_, cancelled)) {
        lines_.Append(chunk_);
      } else {
        lines_.Finish();
      }
    }
  }
  // Why the body ended: "" for a clean end (or a cancel), else the read error.
  const std::string& error() const { return error_.empty() ? body_.error() : error_; }

 private:
  BodyChunks body_;
  LineSplitter lines_;
  std::string error_;
  std::string chunk_;  // reused read buffer
};

// The protobuf twin of LineReader: the body cut into length-prefixed frames
// (proto::FrameSplitter). Threads and `cancelled` as LineReader.
class FrameReader {
 public:
  explicit FrameReader(concurrency::streams::streambuf<uint8_t> body) : body_(body) {}

  // The next complete frame, without its prefix. False at the end of the body, on a read
  // error, a frame over FrameSplitter::kDefaultMaxFrame, a frame cut off by the end of the
  // body (error()), or once `cancelled` is set.
  bool Next(std::string& frame, const std::atomic<bool>& cancelled) {
    while (true) {
      if (frames_.Next(frame)) return true;
      if (!frames_.error().empty()) {
        if (error_.empty()) error_ = frames_.error();
        return false;
      }
      if (cancelled || ended_) return false;
      if (body_.Read(chunk_, cancelled)) {
        frames_.Append(chunk_);
        continue;
      }
      ended_ = true;
      if (!cancelled && body_.error().empty() && frames_.pending() > 0)
        error_ = "a truncated frame: the stream ended " + std::to_string(frames_.pending()) +
                 " bytes into a frame";
    }
  }
  // Why the body ended: "" for a clean end (or a cancel), else the read or framing error.
  const std::string& error() const { return error_.empty() ? body_.error() : error_; }

 private:
  BodyChunks body_;
  proto::FrameSplitter frames_;
  bool ended_ = false;
  std::string error_;
  std::string chunk_;
};

}  // namespace kubemesos::client::cpprest
