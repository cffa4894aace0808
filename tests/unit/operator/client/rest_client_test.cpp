// Tests of RestClient (cpprestsdk) against a local test HTTP server: headers and token,
// retries and Retry-After, which methods are retried, readable 401/403 and transport errors,
// watch streams split into lines across chunks, cancellation of a blocked read, HTTP errors
// on a watch, protobuf (Accept and Content-Type, frames across chunks, a truncated frame, a
// protobuf error body read as JSON), and the Informer running over the real transport.
#include "operator/client/rest_client.h"

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <future>

#include <gtest/gtest.h>

#include "operator/client/informer.h"
#include "operator/proto/codec.h"
#include "tests/unit/operator/client/test_http_server.h"

namespace kubemesos::client {
namespace {

using namespace std::chrono_literals;
using testing::Connection;
using testing::HttpRequest;
using testing::TestHttpServer;

KubeConfig Plain(const TestHttpServer& server) {
  KubeConfig c;
  c.server = server.url();
  c.token = "secret-token";
  c.source = "test";
  c.context = "ctx";
  c.cluster = "cl";
  c.user = "alice";
  return c;
}

RestClientOptions Fast() {
  RestClientOptions o;
  o.retry.initial_backoff = 1ms;
  o.retry.max_backoff = 5ms;
  o.request_timeout = 5s;
  o.watch_idle_timeout = 5s;
  o.allow_insecure_token = true;  // Plain() sends a token to the plain-HTTP test server
  return o;
}

class RestClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitTransport(4); }
};

TEST_F(RestClientTest, SendsTokenAcceptAndBody) {
  TestHttpServer server([](const HttpRequest& r, Connection& c) {
    c.Respond(201, "{\"echo\":\"" + r.method + " " + r.target + "\"}");
  });
  auto client = MakeRestClient(Plain(server), Fast());
  HttpResponse r =
      client->Request("POST", "/api/v1/namespaces/ns/pods/p/binding?x=1", "{\"target\":{}}");
  EXPECT_EQ(r.status, 201);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.body, "{\"echo\":\"POST /api/v1/namespaces/ns/pods/p/binding?x=1\"}");
  EXPECT_TRUE(r.message.empty());
  auto reqs = server.Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].Header("Authorization"), "Bearer secret-token");
  EXPECT_EQ(reqs[0].Header("Accept"), "application/json");
  EXPECT_EQ(reqs[0].Header("User-Agent"), "kubemesos");
  EXPECT_EQ(reqs[0].Header("Content-Type").rfind("application/json", 0), 0u);
  EXPECT_EQ(reqs[0].body, "{\"target\":{}}");

  r = client->Request("PATCH", "/api/v1/namespaces/ns/pods/p", "{}",
                      "application/merge-patch+json");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(server.Requests().back().Header("Content-Type"), "application/merge-patch+json");
  r = client->Request("DELETE", "/api/v1/namespaces/ns/pods/p");
  EXPECT_EQ(server.Requests().back().method, "DELETE");
  EXPECT_TRUE(server.Requests().back().body.empty());
}

TEST_F(RestClientTest, RetriesIdempotentRequestsHonouringRetryAfter) {
  std::atomic<int> calls{0};
  TestHttpServer server([&](const HttpRequest&, Connection& c) {
    if (calls++ < 2) {
      c.Respond(503, "{\"message\":\"busy\"}", "Retry-After: 1\r\n");
    } else {
      c.Respond(200, "{}");
    }
  });
  auto client = MakeRestClient(Plain(server), Fast());
  auto start = std::chrono::steady_clock::now();
  HttpResponse r = client->Request("GET", "/api/v1/nodes");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(calls.load(), 3);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1900ms) << "waited Retry-After twice";
}

TEST_F(RestClientTest, PostRetriedOn429ButNotOn503AndAttemptsAreBounded) {
  std::atomic<int> calls{0};
  std::atomic<int> status{503};
  TestHttpServer server([&](const HttpRequest&, Connection& c) {
    ++calls;
    c.Respond(status, "{\"kind\":\"Status\",\"message\":\"nope\"}");
  });
  auto client = MakeRestClient(Plain(server), Fast());
  HttpResponse r = client->Request("POST", "/api/v1/namespaces/a/pods", "{}");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_NE(r.message.find("POST /api/v1/namespaces/a/pods: HTTP 503: nope"), std::string::npos)
      << r.message;
  status = 429;
  calls = 0;
  r = client->Request("POST", "/api/v1/namespaces/a/pods", "{}");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(calls.load(), 5) << "RetryPolicy::max_attempts";
}

// Across an API server restart the pooled keep-alive connections are dead. A POST (a
// Binding) written into one never reached the server: it is sent again on a new connection,
// not reported as a failed bind (integration.operator.restart saw exactly this).
TEST_F(RestClientTest, APostOnAConnectionTheServerResetIsSentAgainOnANewOne) {
  std::atomic<int> calls{0};
  TestHttpServer server([&](const HttpRequest&, Connection& c) {
    c.Respond(201, "{}");
    if (++calls == 1) c.Abort();
  });
  auto client = MakeRestClient(Plain(server), Fast());
  ASSERT_EQ(client->Request("POST", "/api/v1/namespaces/a/pods/p/binding", "{}").status, 201);
  // The response can reach the client before the server resets the connection.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server.resets() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  ASSERT_EQ(server.resets(), 1);
  HttpResponse r = client->Request("POST", "/api/v1/namespaces/a/pods/q/binding", "{}");
  EXPECT_EQ(r.status, 201) << r.message;
  auto reqs = server.Requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].target, "/api/v1/namespaces/a/pods/q/binding");
}

TEST_F(RestClientTest, UnauthorizedAndForbiddenNameTheIdentity) {
  std::atomic<int> status{401};
  TestHttpServer server([&](const HttpRequest&, Connection& c) {
    c.Respond(
        status,
        "{\"kind\":\"Status\",\"message\":\"pods is forbidden: User \\\"alice\\\" cannot list\"}");
  });
  auto client = MakeRestClient(Plain(server), Fast());
  HttpResponse r = client->Request("GET", "/api/v1/pods?limit=1");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.message.find("rejected the credentials of context \"ctx\""), std::string::npos)
      << r.message;
  status = 403;
  r = client->Request("GET", "/api/v1/pods?limit=1");
  EXPECT_NE(r.message.find("user \"alice\""), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("RBAC does not allow"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("cannot list"), std::string::npos) << r.message;
  EXPECT_NE(r.body.find("\"kind\":\"Status\""), std::string::npos) << "body kept";
}

TEST_F(RestClientTest, TokenOverPlainHttpIsRefusedUnlessAllowed) {
  TestHttpServer server([](const HttpRequest&, Connection& c) { c.Respond(200, "{}"); });
  KubeConfig c = Plain(server);  // http:// with a token
  RestClientOptions o = Fast();
  o.allow_insecure_token = false;
  auto refused = [&]() -> std::string {
    try {
      MakeRestClient(c, o);
    } catch (const KubeConfigError& e) {
      return e.what();
    }
    return "";
  };
  std::string error = refused();
  EXPECT_NE(error.find("refusing to send a bearer token over plain http://"), std::string::npos)
      << error;
  EXPECT_NE(error.find("--allow-insecure-token"), std::string::npos) << error;
  EXPECT_NE(error.find(server.url()), std::string::npos) << "names the server: " << error;

  // A token file likewise.
  std::string token_file = ::testing::TempDir() + "kubemesos-insecure-token";
  std::ofstream(token_file) << "file-token\n";
  c.token.clear();
  c.token_file = token_file;
  EXPECT_NE(refused().find("--allow-insecure-token"), std::string::npos);
  EXPECT_TRUE(server.Requests().empty()) << "nothing was sent";

  // Allowed: the token is sent.
  o.allow_insecure_token = true;
  EXPECT_EQ(MakeRestClient(c, o)->Request("GET", "/version").status, 200);
  auto reqs = server.Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].Header("Authorization"), "Bearer file-token");

  // No token: plain http:// needs no flag.
  c.token_file.clear();
  o.allow_insecure_token = false;
  EXPECT_EQ(MakeRestClient(c, o)->Request("GET", "/version").status, 200);
  std::remove(token_file.c_str());
}

TEST_F(RestClientTest, TransportErrorsAreReadable) {
  int port;
  {
    TestHttpServer closed([](const HttpRequest&, Connection&) {});
    port = closed.port();
  }
  KubeConfig c;
  c.server = "http://127.0.0.1:" + std::to_string(port);
  RestClientOptions o = Fast();
  o.retry.max_attempts = 2;
  auto client = MakeRestClient(c, o);
  HttpResponse r = client->Request("GET", "/version");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.body.find("GET /version: transport error"), std::string::npos) << r.body;
  EXPECT_EQ(r.body, r.message);
  auto w = client->Watch("/api/v1/pods?watch=1");
  EXPECT_EQ(w->Status(), 0);
  std::string line;
  EXPECT_FALSE(w->Next(line));
  EXPECT_NE(w->Error().find("transport error"), std::string::npos) << w->Error();
}

TEST_F(RestClientTest, HttpsToAPlainServerIsATlsError) {
  TestHttpServer server([](const HttpRequest&, Connection&) {},
                        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  KubeConfig c;
  c.server = "https://127.0.0.1:" + std::to_string(server.port());
  RestClientOptions o = Fast();
  o.retry.max_attempts = 1;
  HttpResponse r = MakeRestClient(c, o)->Request("GET", "/version");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.body.find("TLS error"), std::string::npos) << r.body;
}

TEST_F(RestClientTest, WatchSplitsLinesAcrossChunks) {
  TestHttpServer server([](const HttpRequest&, Connection& c) {
    c.StartChunked();
    c.Chunk("{\"a\":1}\n{\"b\"");
    c.Chunk(":2}\r\n\n{\"c\":3}");
    c.Chunk("\n{\"last\":true}");
    c.EndChunked();
  });
  auto client = MakeRestClient(Plain(server), Fast());
  auto w = client->Watch("/api/v1/pods?watch=1&resourceVersion=5");
  ASSERT_EQ(w->Status(), 200);
  std::vector<std::string> lines;
  std::string line;
  while (w->Next(line)) lines.push_back(line);
  EXPECT_EQ(lines,
            (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}", "{\"last\":true}"}));
  EXPECT_EQ(w->Error(), "");
  EXPECT_EQ(server.Requests()[0].target, "/api/v1/pods?watch=1&resourceVersion=5");
}

// A server that never ends a line (65 MiB without a newline, then more): the watch ends with
// an error once the line passes the 64 MiB cap, instead of buffering without bound.
TEST_F(RestClientTest, AnEndlessWatchLineEndsTheWatch) {
  TestHttpServer server([](const HttpRequest&, Connection& c) {
    c.StartChunked();
    c.Chunk("{\"first\":1}\n");
    const std::string mib(1 << 20, 'x');
    for (int i = 0; i < 66; ++i) c.Chunk(mib);  // fails fast once the client hung up
    c.EndChunked();
  });
  auto client = MakeRestClient(Plain(server), Fast());
  auto w = client->Watch("/api/v1/pods?watch=1");
  std::string line;
  ASSERT_TRUE(w->Next(line));
  EXPECT_EQ(line, "{\"first\":1}");
  EXPECT_FALSE(w->Next(line));
  EXPECT_NE(w->Error().find("a line longer than 67108864 bytes"), std::string::npos) << w->Error();
  w->Cancel();
}

TEST_F(RestClientTest, CancelAbortsABlockedNext) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  TestHttpServer server([released](const HttpRequest&, Connection& c) {
    c.StartChunked();
    c.Chunk("{\"first\":1}\n");
    released.wait_for(10s);  // then hold the stream open, silent
  });
  auto client = MakeRestClient(Plain(server), Fast());
  auto w = client->Watch("/api/v1/pods?watch=1");
  std::string line;
  ASSERT_TRUE(w->Next(line));
  EXPECT_EQ(line, "{\"first\":1}");
  auto blocked = std::async(std::launch::async, [&] {
    std::string l;
    return w->Next(l);
  });
  EXPECT_EQ(blocked.wait_for(200ms), std::future_status::timeout) << "Next blocks while silent";
  auto start = std::chrono::steady_clock::now();
  w->Cancel();
  ASSERT_EQ(blocked.wait_for(2s), std::future_status::ready);
  EXPECT_FALSE(blocked.get());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(w->Error(), "") << "a cancelled watch is not an error";
  release.set_value();
}

TEST_F(RestClientTest, SilentWatchEndsAtTheIdleTimeout) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  TestHttpServer server([released](const HttpRequest&, Connection& c) {
    c.StartChunked();
    for (int i = 0; i < 3; ++i) {  // activity keeps the watch alive past the idle timeout
      c.Chunk("{\"n\":" + std::to_string(i) + "}\n");
      if (released.wait_for(600ms) == std::future_status::ready) return;
    }
    released.wait_for(10s);  // then silence
  });
  RestClientOptions o = Fast();
  o.watch_idle_timeout = 1s;
  auto client = MakeRestClient(Plain(server), o);  // outlives its streams
  auto w = client->Watch("/api/v1/pods?watch=1");
  std::string line;
  int lines = 0;
  auto start = std::chrono::steady_clock::now();
  while (w->Next(line)) ++lines;
  auto elapsed = std::chrono::steady_clock::now() - start;
  release.set_value();
  EXPECT_EQ(lines, 3);
  EXPECT_GE(elapsed, 2s);
  EXPECT_LT(elapsed, 5s);
  EXPECT_NE(w->Error().find("timed out"), std::string::npos) << w->Error();
}

TEST_F(RestClientTest, WatchHttpErrorEndsAtOnce) {
  TestHttpServer server([](const HttpRequest&, Connection& c) {
    c.Respond(410, "{\"kind\":\"Status\",\"code\":410,\"message\":\"too old\"}");
  });
  auto client = MakeRestClient(Plain(server), Fast());
  auto w = client->Watch("/api/v1/pods?watch=1");
  EXPECT_EQ(w->Status(), 410);
  std::string line;
  EXPECT_FALSE(w->Next(line));
  EXPECT_NE(w->Error().find("too old"), std::string::npos) << w->Error();
}

// A protobuf watch event for a pod `name` at resourceVersion `rv`, with its length prefix.
std::string PodFrame(const std::string& type, const std::string& name, int rv) {
  nlohmann::json pod = {{"apiVersion", "v1"},
                        {"kind", "Pod"},
                        {"metadata",
                         {{"name", name},
                          {"namespace", "ns"},
                          {"uid", "u-" + name},
                          {"resourceVersion", std::to_string(rv)}}}};
  std::string frame, error;
  EXPECT_TRUE(proto::EncodeWatchEvent(type, pod, frame, error)) << error;
  return frame;
}

TEST_F(RestClientTest, AcceptIsSentAndContentTypeReturned) {
  TestHttpServer server([](const HttpRequest& r, Connection& c) {
    c.Respond(200, std::string("k8s\0\x01\xff", 6), "", "application/vnd.kubernetes.protobuf");
    (void)r;
  });
  auto client = MakeRestClient(Plain(server), Fast());
  HttpResponse r =
      client->Request("GET", "/api/v1/pods?limit=1", "", kJsonMediaType, proto::kProtobufAccept);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/vnd.kubernetes.protobuf");
  EXPECT_EQ(r.body, std::string("k8s\0\x01\xff", 6)) << "bytes, NUL included";
  EXPECT_EQ(server.Requests()[0].Header("Accept"), proto::kProtobufAccept);
  client->Request("GET", "/version");
  EXPECT_EQ(server.Requests()[1].Header("Accept"), "application/json") << "the default";
}

// An error the server sends in protobuf (a Status) is handed back as JSON, readable.
TEST_F(RestClientTest, AProtobufErrorBodyIsReadAsJson) {
  nlohmann::json status = {{"apiVersion", "v1"},   {"kind", "Status"},
                           {"status", "Failure"},  {"code", 404},
                           {"reason", "NotFound"}, {"message", "pods \"p\" not found"}};
  std::string body, error;
  ASSERT_TRUE(proto::EncodeObject(status, body, error)) << error;
  TestHttpServer server([&](const HttpRequest&, Connection& c) {
    c.Respond(404, body, "", "application/vnd.kubernetes.protobuf");
  });
  auto client = MakeRestClient(Plain(server), Fast());
  HttpResponse r = client->Request("GET", "/api/v1/namespaces/ns/pods/p", "", kJsonMediaType,
                                   proto::kProtobufAccept);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, kJsonMediaType);
  EXPECT_EQ(nlohmann::json::parse(r.body).value("message", ""), "pods \"p\" not found");
  EXPECT_NE(r.message.find("pods \"p\" not found"), std::string::npos) << r.message;
  auto w = client->Watch("/api/v1/pods?watch=1", proto::kProtobufAccept);
  EXPECT_EQ(w->Status(), 404);
  EXPECT_NE(w->Error().find("pods \"p\" not found"), std::string::npos) << w->Error();
}

TEST_F(RestClientTest, ProtobufWatchCutsFramesAcrossChunks) {
  std::string a = PodFrame("ADDED", "a", 5), b = PodFrame("MODIFIED", "b", 6);
  TestHttpServer server([&](const HttpRequest&, Connection& c) {
    c.StartChunked("application/vnd.kubernetes.protobuf;stream=watch");
    c.Chunk(a.substr(0, 2));  // inside the length prefix
    c.Chunk(a.substr(2) + b.substr(0, 9));
    c.Chunk(b.substr(9));
    c.EndChunked();
  });
  auto client = MakeRestClient(Plain(server), Fast());
  auto w = client->Watch("/api/v1/pods?watch=1", proto::kProtobufAccept);
  ASSERT_EQ(w->Status(), 200);
  EXPECT_TRUE(proto::IsProtobuf(w->ContentType())) << w->ContentType();
  std::vector<std::string> names;
  std::string frame;
  while (w->Next(frame)) {
    std::string type, error;
    nlohmann::json object;
    ASSERT_TRUE(proto::DecodeWatchEvent(frame, type, object, error)) << error;
    names.push_back(type + " " + object["metadata"].value("name", ""));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"ADDED a", "MODIFIED b"}));
  EXPECT_EQ(w->Error(), "");
  EXPECT_EQ(server.Requests()[0].Header("Accept"), proto::kProtobufAccept);
}

// A stream that ends inside a frame: the whole frames before it arrive, then an error.
TEST_F(RestClientTest, AProtobufWatchEndingInsideAFrameIsAnError) {
  std::string a = PodFrame("ADDED", "a", 5), b = PodFrame("ADDED", "b", 6);
  TestHttpServer server([&](const HttpRequest&, Connection& c) {
    c.StartChunked("application/vnd.kubernetes.protobuf;stream=watch");
    c.Chunk(a + b.substr(0, b.size() - 3));
    c.EndChunked();
  });
  auto client = MakeRestClient(Plain(server), Fast());
  auto w = client->Watch("/api/v1/pods?watch=1", proto::kProtobufAccept);
  std::string frame;
  ASSERT_TRUE(w->Next(frame));
  EXPECT_EQ(frame, a.substr(4));
  EXPECT_FALSE(w->Next(frame));
  EXPECT_NE(w->Error().find("truncated frame"), std::string::npos) << w->Error();
}

TEST_F(RestClientTest, InformerOverTheRealTransport) {
  TestHttpServer server([&](const HttpRequest& r, Connection& c) {
    if (r.target.find("watch=1") == std::string::npos) {
      c.Respond(200, R"({"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"10"},)"
                     R"("items":[{"metadata":{"name":"n1","uid":"u1","resourceVersion":"9"}}]})");
      return;
    }
    c.StartChunked();
    c.Chunk(
        R"({"type":"ADDED","object":{"metadata":{"name":"n2","uid":"u2","resourceVersion":"11"}}})"
        "\n");
    while (!server.stopping()) std::this_thread::sleep_for(10ms);  // keep the watch open
  });
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> names;
  InformerOptions o;
  o.path = "/api/v1/nodes";
  o.watch_list = false;  // this server answers LIST and plain watches
  auto client = MakeRestClient(Plain(server), Fast());
  Informer inf(*client, o,
               {[&](InformerEvent e) {
                  std::lock_guard<std::mutex> lock(mu);
                  names.push_back(e.object["metadata"]["name"]);
                  cv.notify_all();
                },
                nullptr});
  inf.Start();
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return names.size() >= 2; }));
  }
  auto start = std::chrono::steady_clock::now();
  inf.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(names, (std::vector<std::string>{"n1", "n2"}));
  EXPECT_NE(server.Requests()[1].target.find("resourceVersion=10&"), std::string::npos);
}

// Many realistic events through the real transport and the Informer: all arrive, in order;
// the rate is recorded (--gtest_output=xml), not asserted, since machines differ.
TEST_F(RestClientTest, WatchThroughput) {
  constexpr int kEvents = 20000;
  std::string padding(1200, 'x');  // a pod's JSON is a few kilobytes
  TestHttpServer server([&](const HttpRequest& r, Connection& c) {
    if (r.target.find("watch=1") == std::string::npos) {
      c.Respond(
          200,
          R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]})");
      return;
    }
    c.StartChunked();
    std::string chunk;
    for (int i = 0; i < kEvents; ++i) {
      chunk += R"({"type":"ADDED","object":{"metadata":{"name":"p)" + std::to_string(i) +
               R"(","namespace":"ns","uid":"u)" + std::to_string(i) + R"(","resourceVersion":")" +
               std::to_string(i + 2) + R"("},"spec":{"x":")" + padding + R"("}}})" + "\n";
      if (chunk.size() > 16384) {
        c.Chunk(chunk);
        chunk.clear();
      }
    }
    if (!chunk.empty()) c.Chunk(chunk);
    while (!server.stopping()) std::this_thread::sleep_for(10ms);
  });
  std::mutex mu;
  std::condition_variable cv;
  int received = 0;
  bool in_order = true;
  InformerOptions o;
  o.path = "/api/v1/pods";
  o.watch_list = false;  // this server answers LIST and plain watches
  auto client = MakeRestClient(Plain(server), Fast());
  Informer inf(*client, o,
               {[&](InformerEvent e) {
                  std::lock_guard<std::mutex> lock(mu);
                  in_order &= e.object["metadata"]["name"] == "p" + std::to_string(received);
                  ++received;
                  cv.notify_all();
                },
                nullptr});
  auto start = std::chrono::steady_clock::now();
  inf.Start();
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 60s, [&] { return received == kEvents; })) << received;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  inf.Stop();
  EXPECT_TRUE(in_order);
  RecordProperty("events_per_second", std::to_string(static_cast<int>(kEvents / seconds)));
}

}  // namespace
}  // namespace kubemesos::client
