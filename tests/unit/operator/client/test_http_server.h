// A tiny HTTP/1.1 server on 127.0.0.1 for testing RestClient without an API server: each
// connection runs on its own thread, reads requests (head + Content-Length body) and passes
// them to a handler that writes raw bytes back (plain or chunked responses, slow streams).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kubemesos::testing {

struct HttpRequest {
  std::string method;
  std::string target;
  std::string head;  // the request line and headers, as received
  std::string body;
  std::string Header(const std::string& name) const {
    std::string lower_head, lower_name;
    for (char c : head) lower_head.push_back(static_cast<char>(std::tolower(c)));
    for (char c : name) lower_name.push_back(static_cast<char>(std::tolower(c)));
    auto p = lower_head.find("\r\n" + lower_name + ":");
    if (p == std::string::npos) return "";
    p += name.size() + 3;
    while (p < head.size() && head[p] == ' ') ++p;
    return head.substr(p, head.find("\r\n", p) - p);
  }
};

class Connection {
 public:
  explicit Connection(int fd) : fd_(fd) {}
  bool Send(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  void Respond(int status, const std::string& body, const std::string& headers = "",
               const std::string& content_type = "application/json") {
    Send("HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + content_type + "\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n" + headers + "\r\n" + body);
  }
  void StartChunked(const std::string& content_type = "application/json") {
    Send("HTTP/1.1 200 OK\r\nContent-Type: " + content_type +
         "\r\nTransfer-Encoding: chunked\r\n\r\n");
  }
  void Chunk(const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    Send(size + data + "\r\n");
  }
  void EndChunked() { Send("0\r\n\r\n"); }
  // After the handler returns, the connection is reset (RST, no FIN): a keep-alive connection
  // the client pooled is dead, as after a server crash.
  void Abort() { aborted_ = true; }
  bool aborted() const { return aborted_; }

 private:
  int fd_;
  bool aborted_ = false;
};

class TestHttpServer {
 public:
  using Handler = std::function<void(const HttpRequest&, Connection&)>;

  // `greeting`, when set, is sent on every new connection before anything is read, and the
  // connection is closed (a server that does not speak HTTP).
  explicit TestHttpServer(Handler handler, std::string greeting = "")
      : handler_(std::move(handler)), greeting_(std::move(greeting)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~TestHttpServer() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
    for (int fd : fds_) ::close(fd);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  bool stopping() const { return stopping_; }
  int resets() const { return resets_; }  // connections reset after Connection::Abort
  std::vector<HttpRequest> Requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  // Forgets the requests recorded so far (a long-running user, e.g. a fuzzer, calls it often).
  void ClearRequests() {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.clear();
  }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      std::lock_guard<std::mutex> lock(mu_);
      fds_.push_back(fd);
      threads_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string in;
    char buf[4096];
    Connection conn(fd);
    if (!greeting_.empty()) {
      conn.Send(greeting_);
      return Close(fd);
    }
    while (!stopping_) {
      size_t end;
      while ((end = in.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return Close(fd);
        in.append(buf, static_cast<size_t>(n));
      }
      HttpRequest req;
      req.head = in.substr(0, end + 2);
      in.erase(0, end + 4);
      req.method = req.head.substr(0, req.head.find(' '));
      size_t t = req.method.size() + 1;
      req.target = req.head.substr(t, req.head.find(' ', t) - t);
      std::string cl = req.Header("Content-Length");
      size_t want = cl.empty() ? 0 : std::stoul(cl);
      while (in.size() < want) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return Close(fd);
        in.append(buf, static_cast<size_t>(n));
      }
      req.body = in.substr(0, want);
      in.erase(0, want);
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(req);
      }
      handler_(req, conn);
      if (conn.aborted()) return Reset(fd);
    }
    Close(fd);
  }

  void Reset(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    linger hard{1, 0};  // close() sends RST
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    ::close(fd);
    std::erase(fds_, fd);
    ++resets_;
  }

  void Close(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    ::shutdown(fd, SHUT_RDWR);
  }

  Handler handler_;
  const std::string greeting_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> resets_{0};
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::vector<HttpRequest> requests_;
};

}  // namespace kubemesos::testing
