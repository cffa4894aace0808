// Test helpers for operator/metrics: a minimal HTTP/1.1 client over a blocking socket, and lookups
// of one sample in Prometheus text exposition output.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <sstream>
#include <string>

namespace kubemesos::metrics::testing {

struct HttpReply {
  int status = 0;  // 0: could not connect or parse
  std::string headers;
  std::string body;
};

// A TCP connection to 127.0.0.1:<port> whose reads give up after `recv_timeout`; -1 on failure.
inline int ConnectLoopback(int port, timeval recv_timeout = {5, 0}) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &recv_timeout, sizeof recv_timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` (raw bytes) to 127.0.0.1:<port> and reads until the server closes or 5 s
// pass without a byte (then status 0, like a refused connection).
inline HttpReply HttpExchange(int port, const std::string& request) {
  HttpReply reply;
  int fd = ConnectLoopback(port);
  if (fd < 0) return reply;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return reply;
  }
  std::string raw;
  char buffer[4096];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) raw.append(buffer, n);
  ::close(fd);
  size_t end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return reply;
  reply.status = std::stoi(raw.substr(9, 3));
  reply.headers = raw.substr(0, end);
  reply.body = raw.substr(end + 4);
  return reply;
}

// GET http://127.0.0.1:<port><path> with "Connection: close"; reads until the server closes.
inline HttpReply HttpGet(int port, const std::string& path, const std::string& method = "GET") {
  return HttpExchange(
      port, method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

// The value of the sample line that starts with `series` (name plus labels exactly as
// prometheus-cpp prints them: labels sorted by name), if any.
inline std::optional<double> Sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

// True when any line of `text` mentions `fragment`.
inline bool Mentions(const std::string& text, const std::string& fragment) {
  return text.find(fragment) != std::string::npos;
}

}  // namespace kubemesos::metrics::testing
