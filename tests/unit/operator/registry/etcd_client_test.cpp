// The etcd client against a local fake HTTP server sending replies a real etcd never sends
// (a real etcd is in tests/integration/registry): each malformed reply (wrong JSON type,
// missing header, revisions that are not decimal int64, kvs of the wrong type, bad base64,
// truncated JSON, a 10 MB body, the wrong content type) is an error result naming the
// problem, never a throw; and a leader election on such replies stays standby or steps down,
// with the failed requests counted.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "operator/client/rest_client.h"
#include "operator/registry/counting_kv_store.h"
#include "operator/registry/etcd_client.h"
#include "operator/registry/etcd_reply.h"
#include "operator/registry/leader_election.h"
#include "tests/fakes/util/manual_clock.h"
#include "tests/unit/operator/registry/fake_etcd.h"

namespace kubemesos::registry {
namespace {

using namespace std::chrono_literals;

std::string B64(const std::string& s) {
  return Base64Encode(s);
}

const std::string kPrefix = "/kubemesos/";
const std::string kHeader = R"("header":{"revision":"7"})";

std::string KvJson(const std::string& key, const std::string& value) {
  return R"({"key":")" + B64(kPrefix + key) + R"(","value":")" + B64(value) +
         R"(","create_revision":"3","mod_revision":"5","version":"2"})";
}

class EtcdClientMalformed : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { client::InitTransport(4); }
  FakeEtcd etcd;
};

TEST_F(EtcdClientMalformed, AWellFormedReplyIsDecoded) {
  etcd.Set("/v3/kv/range", {"{" + kHeader + R"(,"kvs":[)" + KvJson("k", "v\xff") + "]}"});
  auto store = etcd.Client();
  auto g = store->Get("k");
  ASSERT_TRUE(g.ok()) << g.error;
  ASSERT_TRUE(g.found);
  EXPECT_EQ(g.kv.key, "k");
  EXPECT_EQ(g.kv.value, "v\xff");  // bytes, as stored
  EXPECT_EQ(g.revision, 7);
  EXPECT_EQ(g.kv.mod_revision, 5);
  EXPECT_EQ(g.kv.version, 2);
}

// Get against every malformed range reply: an error result naming the problem.
TEST_F(EtcdClientMalformed, GetRepliesAreErrorsNotThrows) {
  struct Case {
    const char* name;
    Reply reply;
    const char* says;  // in the error
  };
  const std::string huge = std::string(10 << 20, 'x');
  const std::vector<Case> cases = {
      {"array", {"[]"}, "a JSON array, not an object"},
      {"empty object", {"{}"}, "header: missing"},
      {"null", {"null"}, "a JSON null, not an object"},
      {"string", {"\"x\""}, "not an object"},
      {"header not an object", {R"({"header":[1]})"}, "header: a array, not an object"},
      {"revision not numeric", {R"({"header":{"revision":"abc"}})"}, "not a decimal int64"},
      {"revision huge", {R"({"header":{"revision":"99999999999999999999"}})"}, "not a decimal"},
      {"revision huge number", {R"({"header":{"revision":18446744073709551615}})"}, "int64"},
      {"revision negative", {R"({"header":{"revision":"-5"}})"}, "negative"},
      {"revision float", {R"({"header":{"revision":1.5}})"}, "not an integer"},
      {"revision zero", {R"({"header":{"revision":"0"}})"}, "missing or zero"},
      {"revision with junk", {R"({"header":{"revision":"12abc"}})"}, "not a decimal int64"},
      {"kvs a string", {"{" + kHeader + R"(,"kvs":"x"})"}, "kvs: a string, not an array"},
      {"kvs an object", {"{" + kHeader + R"(,"kvs":{"a":1}})"}, "kvs: a object, not an array"},
      {"kvs of numbers", {"{" + kHeader + R"(,"kvs":[5]})"}, "kvs[0]: not an object"},
      {"key not base64", {"{" + kHeader + R"(,"kvs":[{"key":"!!!"}]})"}, "key: not base64"},
      {"key a number", {"{" + kHeader + R"(,"kvs":[{"key":5}]})"}, "not a base64 string"},
      {"value not base64",
       {"{" + kHeader + R"(,"kvs":[{"key":")" + B64(kPrefix + "k") + R"(","value":"@@"}]})"},
       "kvs[0].value: not base64"},
      {"key outside the prefix",
       {"{" + kHeader + R"(,"kvs":[{"key":")" + B64("/other/k") + R"("}]})"},
       "outside the prefix"},
      {"another key",
       {"{" + kHeader + R"(,"kvs":[)" + KvJson("other", "v") + "]}"},
       "not the key asked for"},
      {"two keys",
       {"{" + kHeader + R"(,"kvs":[)" + KvJson("k", "v") + "," + KvJson("k", "w") + "]}"},
       "2 keys for one key"},
      {"mod_revision a boolean",
       {"{" + kHeader + R"(,"kvs":[{"key":")" + B64(kPrefix + "k") + R"(","mod_revision":true}]})"},
       "mod_revision: a boolean, not an integer"},
      {"version negative",
       {"{" + kHeader + R"(,"kvs":[{"key":")" + B64(kPrefix + "k") + R"(","version":-1}]})"},
       "negative"},
      {"truncated JSON", {R"({"header":{"revision":"5"},"kvs":[{"key)"}, "not JSON"},
      {"10 MB body", {R"({"header":{"revision":"5"},"pad":")" + huge + R"("})"}, "longer than"},
      {"10 MB chunked body",
       {R"({"header":{"revision":"5"},"pad":")" + huge + R"("})", "application/json", true},
       "longer than"},
      {"wrong content type", {"{" + kHeader + "}", "text/html"}, "not application/json"},
  };
  auto store = etcd.Client();
  for (const auto& c : cases) {
    etcd.Set("/v3/kv/range", c.reply);
    GetResult g;
    ASSERT_NO_THROW(g = store->Get("k")) << c.name;
    EXPECT_FALSE(g.ok()) << c.name;
    EXPECT_FALSE(g.found) << c.name;
    EXPECT_NE(g.error.find(kMalformedReply), std::string::npos) << c.name << ": " << g.error;
    EXPECT_NE(g.error.find(c.says), std::string::npos) << c.name << ": " << g.error;
    EXPECT_LT(g.error.size(), 1000u) << c.name;
  }
  // The client still works after all that.
  etcd.Set("/v3/kv/range", {"{" + kHeader + "}"});
  auto g = store->Get("k");
  EXPECT_TRUE(g.ok()) << g.error;
  EXPECT_FALSE(g.found);
}

// Every other request's decoder against replies of the wrong shape.
TEST_F(EtcdClientMalformed, EveryRequestValidatesItsReply) {
  auto store = etcd.Client(/*max_range=*/1 << 20);
  auto expect_malformed = [](const std::string& what, const std::string& error) {
    EXPECT_NE(error.find(kMalformedReply), std::string::npos) << what << ": " << error;
  };
  for (std::string body : {"[]", "{}", "null", R"({"header":{"revision":"x"}})"}) {
    for (const char* path : {"/v3/kv/range", "/v3/kv/put", "/v3/kv/txn", "/v3/kv/deleterange"})
      etcd.Set(path, {body});
    RangeResult rr;
    ASSERT_NO_THROW(rr = store->Range("a/"));
    expect_malformed("range " + body, rr.error);
    expect_malformed("put " + body, store->Put("a", "v").error);
    expect_malformed("txn " + body,
                     store->CompareAndPut("a", {Condition::kCreateRevision, 0}, "v").error);
    expect_malformed("delete " + body, store->Delete("a").error);
  }
  // Range: a reply longer than its limit.
  etcd.Set("/v3/kv/range", {"{" + kHeader + R"(,"pad":")" + std::string(2 << 20, 'x') + "\"}"});
  expect_malformed("range too long", store->Range("").error);
  // Txn: succeeded not a boolean, responses of the wrong type, a garbled current value.
  for (std::string body :
       {"{" + kHeader + R"(,"succeeded":"yes"})", "{" + kHeader + R"(,"responses":{"a":1}})",
        "{" + kHeader + R"(,"responses":[{"response_range":{"kvs":[{"key":"%%"}]}}]})",
        "{" + kHeader + R"(,"responses":[{"response_range":[]}]})"}) {
    etcd.Set("/v3/kv/txn", {body});
    expect_malformed("txn " + body,
                     store->CompareAndPut("a", {Condition::kModRevision, 3}, "v").error);
  }
  etcd.Set("/v3/kv/deleterange", {"{" + kHeader + R"(,"deleted":"-1"})"});
  expect_malformed("deleted -1", store->Delete("a").error);
  // Leases: grant without an ID or a TTL, a TTL that is not a number; keepalive of the
  // wrong shape or about another lease.
  for (std::string body : {R"({"ID":"0","TTL":"5"})", R"({"ID":"12","TTL":"abc"})",
                           R"({"ID":"12"})", R"({"ID":"-12","TTL":"5"})", "[1]"}) {
    etcd.Set("/v3/lease/grant", {body});
    expect_malformed("grant " + body, store->LeaseGrant(5).error);
  }
  for (std::string body :
       {R"({"result":[]})", R"({"result":{"ID":"99","TTL":"5"}})",
        R"({"result":{"ID":"12","TTL":"-5"}})", "{}", R"({"error":{"message":5}})"}) {
    etcd.Set("/v3/lease/keepalive", {body});
    expect_malformed("keepalive " + body, store->LeaseKeepAlive(12).error);
  }
  // The well-formed shapes still decode.
  etcd.Set("/v3/lease/keepalive", {R"({"result":{"header":{"revision":"3"},"ID":"12"}})"});
  auto k = store->LeaseKeepAlive(12);
  EXPECT_TRUE(k.ok()) << k.error;
  EXPECT_EQ(k.ttl, 0);  // expired
  etcd.Set("/v3/lease/grant", {R"({"header":{"revision":"3"},"ID":"12","TTL":"5"})"});
  auto gr = store->LeaseGrant(5);
  EXPECT_TRUE(gr.ok()) << gr.error;
  EXPECT_EQ(gr.id, 12);
}

TEST(EtcdReply, Base64) {
  for (std::string s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    std::string back;
    ASSERT_TRUE(Base64Decode(Base64Encode(s), back)) << s;
    EXPECT_EQ(back, s);
  }
  EXPECT_EQ(Base64Encode("ab"), "YWI=");
  std::string out;
  EXPECT_TRUE(Base64Decode("YWI", out));  // unpadded
  EXPECT_EQ(out, "ab");
  for (const char* bad : {"Y", "YW=I", "====", "Y===", "YW I", "YW\n", "-_-_"})
    EXPECT_FALSE(Base64Decode(bad, out)) << bad;
}

TEST(EtcdReply, WatchLines) {
  auto w = DecodeWatchLine(R"({"result":{"header":{"revision":"4"},"events":[{"kv":{"key":")" +
                               B64(kPrefix + "a") + R"(","mod_revision":"4"}},{"type":"DELETE",)" +
                               R"("kv":{"key":")" + B64(kPrefix + "b") + R"("}}]}})",
                           kPrefix);
  EXPECT_FALSE(w.canceled) << w.error;
  ASSERT_EQ(w.events.size(), 2u);
  EXPECT_EQ(w.events[0].kv.key, "a");
  EXPECT_EQ(w.events[1].type, WatchEvent::kDelete);
  auto compacted =
      DecodeWatchLine(R"({"result":{"canceled":true,"compact_revision":"9"}})", kPrefix);
  EXPECT_TRUE(compacted.canceled);
  EXPECT_EQ(compacted.compact_revision, 9);
  EXPECT_EQ(compacted.error, "");
  for (std::string bad :
       {"[]", "{}", "null", R"({"result":{"events":"x"}})",
        R"({"result":{"events":[{"type":"PUT"}]}})",
        R"({"result":{"events":[{"type":7,"kv":{}}]}})", R"({"result":{"canceled":"yes"}})",
        R"({"result":{"canceled":true,"compact_revision":"-1"}})",
        R"({"result":{"events":[{"kv":{"key":"%%"}}]}})", "{\"result\":"}) {
    WatchLine line;
    ASSERT_NO_THROW(line = DecodeWatchLine(bad, kPrefix)) << bad;
    EXPECT_TRUE(line.canceled) << bad;
    EXPECT_TRUE(line.events.empty()) << bad;
    EXPECT_NE(line.error, "") << bad;
  }
}

// The election on malformed replies: never leader, no crash, each failed request counted.
TEST_F(EtcdClientMalformed, ElectionOnMalformedRepliesStaysStandbyAndCounts) {
  std::map<std::string, std::pair<int, int>> counted;  // op -> (ok, failed)
  std::mutex mu;
  CountingKvStore store(etcd.Client(), [&](std::string_view op, bool ok) {
    std::lock_guard<std::mutex> l(mu);
    auto& c = counted[std::string(op)];
    ok ? ++c.first : ++c.second;
  });
  util::SystemClock clock;
  LeaderElectionOptions o;
  o.identity = "me";
  o.ttl_seconds = 10;
  LeaderElection election(store, clock, o);
  for (std::string body : {"[]", "{}", R"({"header":{"revision":"abc"}})",
                           R"({"header":{"revision":"5"},"kvs":{"a":1}})"}) {
    etcd.Set("/v3/kv/range", {body});
    ASSERT_NO_THROW(election.Step()) << body;
    EXPECT_FALSE(election.IsLeader()) << body;
    EXPECT_NE(election.LastError().find(kMalformedReply), std::string::npos)
        << election.LastError();
  }
  EXPECT_EQ(counted["get"].second, 4);
  // The key is free, but the grant reply is garbage: still standby.
  etcd.Set("/v3/kv/range", {"{" + kHeader + "}"});
  etcd.Set("/v3/lease/grant", {R"({"ID":"12","TTL":"soon"})"});
  ASSERT_NO_THROW(election.Step());
  EXPECT_FALSE(election.IsLeader());
  EXPECT_EQ(counted["lease"].second, 1);
  // Everything well formed: it leads. Then a garbled keepalive: it steps down.
  etcd.Set("/v3/lease/grant", {R"({"header":{"revision":"7"},"ID":"12","TTL":"10"})"});
  etcd.Set("/v3/kv/txn", {"{" + kHeader + R"(,"succeeded":true})"});
  election.Step();
  ASSERT_TRUE(election.IsLeader()) << election.LastError();
  etcd.Set("/v3/lease/keepalive", {R"({"result":{"ID":"12","TTL":"1e99"}})"});
  ASSERT_NO_THROW(election.Step());
  EXPECT_FALSE(election.IsLeader());
  EXPECT_NE(election.LastError().find("TTL"), std::string::npos) << election.LastError();
}

// A granted TTL larger than asked (or absurd) does not stretch the fencing deadline.
TEST_F(EtcdClientMalformed, HugeGrantedTtlDoesNotStretchTheDeadline) {
  auto store = etcd.Client();
  util::ManualClock clock;
  LeaderElectionOptions o;
  o.identity = "me";
  o.ttl_seconds = 10;
  o.safety_margin = 2s;
  LeaderElection election(*store, clock, o);
  etcd.Set("/v3/kv/range", {"{" + kHeader + "}"});
  etcd.Set("/v3/lease/grant", {R"({"ID":"12","TTL":"9223372036854775807"})"});
  etcd.Set("/v3/kv/txn", {"{" + kHeader + R"(,"succeeded":true})"});
  auto sent = clock.Now();
  election.Step();
  ASSERT_TRUE(election.IsLeader()) << election.LastError();
  EXPECT_EQ(election.Deadline(), sent + 8s);
}

}  // namespace
}  // namespace kubemesos::registry
