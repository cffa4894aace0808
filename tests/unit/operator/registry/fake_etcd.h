// FakeEtcd: a local HTTP server standing in for etcd's v3 JSON gateway, answering each path
// with whatever reply the test sets: for replies a real etcd never sends (malformed JSON,
// wrong types, huge or chunked bodies, the wrong content type). Threads: Set from any thread.
#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "operator/registry/etcd_client.h"
#include "tests/unit/operator/client/test_http_server.h"

namespace kubemesos::registry {

using testing::Connection;
using testing::HttpRequest;
using testing::TestHttpServer;

// A reply as sent: a body, and how it is framed.
struct Reply {
  std::string body;
  std::string content_type = "application/json";
  bool chunked = false;  // no Content-Length: the client only learns the size by reading
};

// A fake etcd gateway: each path answers with the reply set for it (404 when none).
class FakeEtcd {
 public:
  FakeEtcd() : server_([this](const HttpRequest& req, Connection& conn) { Serve(req, conn); }) {}
  void Set(const std::string& path, Reply reply) {
    std::lock_guard<std::mutex> l(mu_);
    replies_[path] = std::move(reply);
  }
  std::string url() const { return server_.url(); }
  size_t Requests(const std::string& path) {
    size_t n = 0;
    for (const auto& r : server_.Requests()) n += r.target == path;
    return n;
  }
  std::unique_ptr<KvStore> Client(size_t max_range = 64 << 20) {
    EtcdOptions o;
    o.endpoints = {url()};
    o.request_timeout = std::chrono::seconds(5);
    o.max_range_reply_bytes = max_range;
    return MakeEtcdClient(o);
  }

 private:
  void Serve(const HttpRequest& req, Connection& conn) {
    Reply r;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = replies_.find(req.target);
      if (it == replies_.end()) return conn.Respond(404, R"({"message":"no reply set"})");
      r = it->second;
    }
    if (r.chunked) {
      conn.StartChunked();
      for (size_t off = 0; off < r.body.size(); off += 1 << 16)
        if (!conn.Send([&] {
              std::string piece = r.body.substr(off, 1 << 16);
              char size[32];
              std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
              return size + piece + "\r\n";
            }()))
          return;  // the client hung up (it stopped reading): as intended
      conn.EndChunked();
      return;
    }
    conn.Send("HTTP/1.1 200 OK\r\nContent-Type: " + r.content_type +
              "\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body);
  }

  std::mutex mu_;
  std::map<std::string, Reply> replies_;
  TestHttpServer server_;  // last: stopped before the replies it reads
};

}  // namespace kubemesos::registry
