// Fuzzes the decoding of etcd v3 gateway replies (operator/registry/etcd_client.h) through the
// real client, against a local HTTP server that answers with the input. The input is a script
// of lines, each "<op> [!NNN ]<body>": op g Get, r Range, p Put, c CompareAndPut,
// d CompareAndDelete, x Delete, l LeaseGrant, k LeaseKeepAlive, v LeaseRevoke answer that
// call with the body (HTTP 200, or NNN); consecutive w lines are the lines of one /v3/watch
// stream, read with Next until it ends. The client has two endpoints on the same server, so a
// 503 fails over (to an empty queue: 503 again). Whatever etcd answers, no exception escapes
// (KvStore's contract) and a failed call says why.
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "operator/client/rest_client.h"
#include "operator/registry/etcd_client.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/unit/operator/client/test_http_server.h"

namespace {

using namespace kubemesos;

struct Reply {
  int status = 200;
  std::string body;                // a plain reply
  std::vector<std::string> lines;  // a watch stream (chunked), when `stream`
  bool stream = false;
};

// The replies the next requests get, in order; an empty queue answers 503.
class Replies {
 public:
  void Push(Reply r) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(r));
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.clear();
  }
  void Serve(const testing::HttpRequest&, testing::Connection& conn) {
    Reply r;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (queue_.empty()) return conn.Respond(503, R"({"message":"no reply scripted"})");
      r = std::move(queue_.front());
      queue_.pop_front();
    }
    if (!r.stream) return conn.Respond(r.status, r.body);
    // One send for the whole stream: small sends one after another wait for delayed ACKs.
    std::string bytes =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    char size[32];
    for (const std::string& line : r.lines) {
      std::snprintf(size, sizeof size, "%zx\r\n", line.size() + 1);
      bytes += size + line + "\n\r\n";
    }
    conn.Send(bytes + "0\r\n\r\n");
  }

 private:
  std::mutex mu_;
  std::deque<Reply> queue_;
};

// "[!NNN ]body" -> status and body.
Reply Parse(std::string_view text) {
  Reply r;
  if (text.size() >= 5 && text[0] == '!' && text[4] == ' ') {
    int status = 0;
    for (char c : text.substr(1, 3)) status = status * 10 + (c >= '0' && c <= '9' ? c - '0' : 0);
    if (status >= 200) r.status = status;  // 1xx would make the client wait for more
    text.remove_prefix(5);
  }
  r.body = std::string(text);
  return r;
}

struct Fixture {
  Replies replies;
  testing::TestHttpServer server{
      [this](const testing::HttpRequest& req, testing::Connection& c) { replies.Serve(req, c); }};
  std::unique_ptr<registry::KvStore> store;
  Fixture() {
    client::InitTransport(2);
    registry::EtcdOptions o;
    o.endpoints = {server.url(), server.url()};
    o.request_timeout = std::chrono::seconds(10);
    o.watch_idle_timeout = std::chrono::seconds(10);
    store = registry::MakeEtcdClient(o);
  }
};

void CheckError(const std::string& error, bool ok) {
  FUZZ_CHECK(ok == error.empty(), "ok() agrees with error");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* f = new Fixture();  // never destroyed: libFuzzer exits without cleanup
  f->replies.Clear();
  f->server.ClearRequests();
  registry::KvStore& kv = *f->store;
  std::vector<std::string> lines = fuzz::Lines(fuzz::AsText(data, size));
  if (lines.size() > 64) return -1;  // each line is a round trip; keep inputs quick
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.empty()) continue;
    char op = line[0];
    std::string_view rest = std::string_view(line).substr(line.size() > 1 ? 2 : 1);
    if (op == 'w') {
      Reply r;
      r.stream = true;
      for (; i < lines.size() && !lines[i].empty() && lines[i][0] == 'w'; ++i)
        r.lines.emplace_back(std::string_view(lines[i]).substr(lines[i].size() > 1 ? 2 : 1));
      --i;
      f->replies.Push(std::move(r));
      auto watch = kv.Watch("w/", 7);
      std::vector<registry::WatchEvent> events;
      while (watch->Next(events)) FUZZ_CHECK(!events.empty(), "a batch has events");
      FUZZ_CHECK(watch->CompactRevision() > 0 || !watch->Error().empty(),
                 "a watch that ended by itself says why");
      continue;
    }
    f->replies.Push(Parse(rest));
    switch (op) {
      case 'g': {
        auto r = kv.Get("k");
        CheckError(r.error, r.ok());
        break;
      }
      case 'r': {
        auto r = kv.Range("r/");
        CheckError(r.error, r.ok());
        break;
      }
      case 'p': {
        auto r = kv.Put("k", "v", 3);
        CheckError(r.error, r.ok());
        break;
      }
      case 'c': {
        auto r = kv.CompareAndPut("k", {registry::Condition::kModRevision, 5}, "v");
        CheckError(r.error, r.ok());
        break;
      }
      case 'd': {
        auto r = kv.CompareAndDelete("k", {registry::Condition::kCreateRevision, 0});
        CheckError(r.error, r.ok());
        break;
      }
      case 'x': {
        auto r = kv.Delete("k");
        CheckError(r.error, r.ok());
        break;
      }
      case 'l': {
        auto r = kv.LeaseGrant(15);
        CheckError(r.error, r.ok());
        break;
      }
      case 'k': {
        auto r = kv.LeaseKeepAlive(42);
        CheckError(r.error, r.ok());
        break;
      }
      case 'v': {
        auto r = kv.LeaseRevoke(42);
        CheckError(r.error, r.ok());
        break;
      }
      default:
        f->replies.Clear();  // not an operation: the line is ignored
        break;
    }
  }
  return 0;
}
