// Tests of the Informer against FakeKubeClient: initial list, pagination, watch events,
// resume without duplicates, bookmarks, relist on 410 with the exact difference, backoff on
// errors, selectors and prompt Stop(). Each runs in both wire encodings (JSON lines and
// protobuf frames; the fake serves what is asked). Waits are on conditions with deadlines,
// never sleeps.
#include "operator/client/informer.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include <gtest/gtest.h>

#include "operator/proto/codec.h"
#include "operator/util/guard.h"
#include "operator/util/text.h"
#include "tests/fakes/client/fake_client.h"

namespace kubemesos::client {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kPods = "/api/v1/pods";
constexpr auto kDeadline = 5s;

json Pod(const std::string& name, const std::string& phase = "Pending") {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"status", {{"phase", phase}}}};
}

// Records what the informer delivers; tests wait on it.
class Recorder {
 public:
  Informer::Handlers Handlers() {
    return {[this](InformerEvent e) {
              std::lock_guard<std::mutex> lock(mu_);
              events_.push_back(std::string(EventTypeName(e.type)) + " " +
                                e.object["metadata"].value("name", "?"));
              objects_.push_back(std::move(e.object));
              cv_.notify_all();
            },
            [this] {
              std::lock_guard<std::mutex> lock(mu_);
              events_.push_back("SYNCED");
              cv_.notify_all();
            }};
  }
  // Waits until `n` events (SYNCED included) arrived; returns them.
  std::vector<std::string> WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    EXPECT_TRUE(cv_.wait_for(lock, kDeadline, [&] { return events_.size() >= n; }))
        << "got " << events_.size() << " of " << n << " events";
    return events_;
  }
  std::vector<std::string> Events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  json Object(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return objects_.at(i);
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    events_.clear();
    objects_.clear();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
  std::vector<json> objects_;
};

std::vector<std::string> Strs(std::initializer_list<const char*> l) {
  return {l.begin(), l.end()};
}

// Waits until `pred` holds or the deadline passes (for counters only the informer updates).
template <typename Pred>
bool Eventually(Pred pred) {
  auto end = std::chrono::steady_clock::now() + kDeadline;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::yield();
  }
  return true;
}

// Every test runs in both encodings: Options() asks for GetParam().
class InformerTest : public ::testing::TestWithParam<Encoding> {
 protected:
  InformerOptions Options(int page_size = 500) const {
    InformerOptions o;
    o.path = kPods;
    o.page_size = page_size;
    o.min_backoff = 1ms;
    o.max_backoff = 10ms;
    o.encoding = GetParam();
    o.kind = "Pod";
    o.watch_list = false;  // LIST pages; the WatchList tests below turn it on
    return o;
  }
  bool Protobuf() const { return GetParam() == Encoding::kProtobuf; }
  // What a watch of this encoding carries for `type` and `object`.
  std::string Event(const std::string& type, const json& object) const {
    if (!Protobuf()) return json{{"type", type}, {"object", object}}.dump();
    std::string frame, error;
    EXPECT_TRUE(proto::EncodeWatchEvent(type, object, frame, error)) << error;
    return frame.substr(std::min<size_t>(4, frame.size()));  // without the length prefix
  }
};

INSTANTIATE_TEST_SUITE_P(Encodings, InformerTest,
                         ::testing::Values(Encoding::kJson, Encoding::kProtobuf),
                         [](const ::testing::TestParamInfo<Encoding>& info) {
                           return std::string(EncodingName(info.param));
                         });

TEST_P(InformerTest, InitialListThenWatchEvents) {
  FakeKubeClient fake;
  fake.Create(kPods, Pod("a"));
  fake.Create(kPods, Pod("b"));
  Recorder rec;
  Informer inf(fake, Options(), rec.Handlers());
  EXPECT_FALSE(inf.HasSynced());
  inf.Start();
  EXPECT_EQ(rec.WaitFor(3), Strs({"ADDED a", "ADDED b", "SYNCED"}));
  EXPECT_TRUE(inf.HasSynced());
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 1, kDeadline));
  fake.Create(kPods, Pod("c"));
  fake.Update(kPods, Pod("a", "Running"));
  fake.Delete(kPods, "default/b");
  auto events = rec.WaitFor(6);
  EXPECT_EQ(events, Strs({"ADDED a", "ADDED b", "SYNCED", "ADDED c", "MODIFIED a", "DELETED b"}));
  EXPECT_EQ(rec.Object(3)["status"]["phase"], "Running");
  inf.Stop();
  InformerStats s = inf.Stats();
  EXPECT_EQ(s.lists, 1u);
  EXPECT_EQ(s.relists, 0u);
  EXPECT_EQ(s.events, 5u);
  // The watch started at the list's resourceVersion, with bookmarks.
  auto reqs = fake.Requests();
  ASSERT_GE(reqs.size(), 2u);
  EXPECT_EQ(reqs[0], "GET /api/v1/pods?limit=500");
  // Asked in the encoding of the test (the fake answers in it: the codec knows Pods).
  std::string accept(Protobuf() ? proto::kProtobufAccept : kJsonMediaType);
  for (const std::string& a : fake.Accepts()) EXPECT_EQ(a, accept);
  EXPECT_EQ(
      reqs[1].rfind(
          "WATCH /api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=3&timeoutSeconds=",
          0),
      0u)
      << reqs[1];
}

TEST_P(InformerTest, PaginatesAndRestartsListOnExpiredContinue) {
  FakeKubeClient fake;
  for (const char* n : {"a", "b", "c", "d", "e"}) fake.Create(kPods, Pod(n));
  Recorder rec;
  Informer inf(fake, Options(2), rec.Handlers());
  inf.Start();
  EXPECT_EQ(rec.WaitFor(6),
            Strs({"ADDED a", "ADDED b", "ADDED c", "ADDED d", "ADDED e", "SYNCED"}));
  inf.Stop();
  auto reqs = fake.Requests();
  EXPECT_EQ(reqs[0], "GET /api/v1/pods?limit=2");
  EXPECT_EQ(reqs[1], "GET /api/v1/pods?limit=2&continue=1%3A2");
  EXPECT_EQ(reqs[2], "GET /api/v1/pods?limit=2&continue=1%3A4");
}

TEST_P(InformerTest, ResumesAfterStreamEndWithoutDuplicates) {
  FakeKubeClient fake;
  fake.Create(kPods, Pod("a"));
  Recorder rec;
  Informer inf(fake, Options(), rec.Handlers());
  inf.Start();
  rec.WaitFor(2);
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 1, kDeadline));
  fake.Create(kPods, Pod("b"));
  rec.WaitFor(3);
  fake.EndWatches(kPods);        // like timeoutSeconds elapsing
  fake.Create(kPods, Pod("c"));  // happens while no watch is open
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 2, kDeadline));
  fake.Update(kPods, Pod("a", "Running"));
  EXPECT_EQ(rec.WaitFor(5), Strs({"ADDED a", "SYNCED", "ADDED b", "ADDED c", "MODIFIED a"}));
  inf.Stop();
  EXPECT_EQ(rec.Events().size(), 5u) << "no duplicates";
  InformerStats s = inf.Stats();
  EXPECT_EQ(s.lists, 1u) << "resumed, not relisted";
  EXPECT_GE(s.restarts, 1u);
  auto reqs = fake.Requests();
  EXPECT_NE(reqs[2].find("resourceVersion=3&"), std::string::npos) << reqs[2];
}

TEST_P(InformerTest, BookmarkMovesTheResumePoint) {
  FakeKubeClient fake;
  fake.Create(kPods, Pod("a"));
  Recorder rec;
  Informer inf(fake, Options(), rec.Handlers());
  inf.Start();
  rec.WaitFor(2);
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 1, kDeadline));
  fake.Create("/api/v1/nodes", Pod("other-path"));  // moves the global resourceVersion
  std::string rv = fake.Bookmark(kPods);
  fake.Update(kPods, Pod("a", "Running"));  // proves the bookmark was read before the end
  rec.WaitFor(3);
  fake.EndWatches(kPods);
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 2, kDeadline));
  inf.Stop();
  auto reqs = fake.Requests();
  EXPECT_NE(reqs.back().find("resourceVersion=" + std::to_string(std::stoi(rv) + 1) + "&"),
            std::string::npos)
      << reqs.back();
  EXPECT_EQ(inf.Stats().events, 2u) << "bookmarks are not events";
}

TEST_P(InformerTest, RelistOn410EmitsTheDifference) {
  FakeKubeClient fake;
  fake.Create(kPods, Pod("stays"));
  fake.Create(kPods, Pod("changes"));
  fake.Create(kPods, Pod("vanishes"));
  fake.Create(kPods, Pod("recreated"));
  Recorder rec;
  Informer inf(fake, Options(), rec.Handlers());
  inf.Start();
  rec.WaitFor(5);
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 1, kDeadline));
  rec.Clear();
  // Changes the informer misses (e.g. while partitioned), then the server expires its watch.
  fake.Update(kPods, Pod("changes", "Running"), /*silent=*/true);
  fake.Delete(kPods, "default/vanishes", /*silent=*/true);
  fake.Delete(kPods, "default/recreated", /*silent=*/true);
  fake.Create(kPods, Pod("recreated"), /*silent=*/true);
  fake.Create(kPods, Pod("new"), /*silent=*/true);
  fake.ExpireWatches(kPods);
  auto events = rec.WaitFor(5);
  std::sort(events.begin(), events.end());
  EXPECT_EQ(events, Strs({"ADDED new", "ADDED recreated", "DELETED recreated", "DELETED vanishes",
                          "MODIFIED changes"}));
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 2, kDeadline));
  fake.Create(kPods, Pod("after"));
  rec.WaitFor(6);
  inf.Stop();
  InformerStats s = inf.Stats();
  EXPECT_EQ(s.lists, 2u);
  EXPECT_EQ(s.relists, 1u);
  EXPECT_EQ(rec.Events().size(), 6u) << "nothing for the unchanged object, no SYNCED again";
  // A deletion found by the relist carries the object's identity.
  for (size_t i = 0; i < 5; ++i) {
    json o = rec.Object(i);
    if (o["metadata"]["name"] == "vanishes") {
      EXPECT_EQ(o["kind"], "Pod");
      EXPECT_EQ(o["metadata"]["namespace"], "default");
      EXPECT_FALSE(o["metadata"]["uid"].get<std::string>().empty());
    }
  }
}

TEST_P(InformerTest, RelistWhenTheWatchStartsTooOld) {
  FakeKubeClient fake;
  fake.Create(kPods, Pod("a"));
  Recorder rec;
  Informer inf(fake, Options(), rec.Handlers());
  inf.Start();
  rec.WaitFor(2);
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 1, kDeadline));
  fake.Delete(kPods, "default/a", /*silent=*/true);
  fake.Compact(kPods);
  fake.EndWatches(kPods);  // resumes from an old version: ERROR 410 at once, then relist
  EXPECT_EQ(rec.WaitFor(3), Strs({"ADDED a", "SYNCED", "DELETED a"}));
  inf.Stop();
  EXPECT_EQ(inf.Stats().relists, 1u);
}

TEST_P(InformerTest, HttpGoneOnWatchOpenRelists) {
  FakeKubeClient fake;
  fake.Create(kPods, Pod("a"));
  fake.FailWatches(1, 410);
  Recorder rec;
  Informer inf(fake, Options(), rec.Handlers());
  inf.Start();
  rec.WaitFor(2);
  ASSERT_TRUE(Eventually([&] { return inf.Stats().lists == 2; }));
  inf.Stop();
  EXPECT_EQ(rec.Events().size(), 2u);
}

TEST_P(InformerTest, RepeatedGoneRightAfterListsBacksOff) {
  FakeKubeClient fake;
  fake.FailWatches(1000, 410);  // a server whose watch cache lags behind its lists
  Recorder rec;
  InformerOptions o = Options();
  o.min_backoff = 20ms;
  o.max_backoff = 1h;
  Informer inf(fake, o, rec.Handlers());
  auto start = std::chrono::steady_clock::now();
  inf.Start();
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 5, kDeadline));
  // Waits of 20, 40, 80, 160 ms (±20%) at least between the first five watches.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 240ms);
  inf.Stop();
  EXPECT_LE(fake.WatchCalls(kPods), 6);
}

TEST_P(InformerTest, RetriesFailedListsAndWatchesWithBackoff) {
  FakeKubeClient fake;
  fake.Create(kPods, Pod("a"));
  fake.FailRequests(3, 503);
  fake.FailWatches(2, 500);
  Recorder rec;
  Informer inf(fake, Options(), rec.Handlers());
  inf.Start();
  rec.WaitFor(2);
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 3, kDeadline));
  fake.Create(kPods, Pod("b"));
  EXPECT_EQ(rec.WaitFor(3), Strs({"ADDED a", "SYNCED", "ADDED b"}));
  inf.Stop();
  InformerStats s = inf.Stats();
  EXPECT_EQ(s.errors, 5u);
  EXPECT_NE(s.last_error.find("/api/v1/pods: watch"), std::string::npos) << s.last_error;
}

TEST_P(InformerTest, SurvivesMalformedEvents) {
  FakeKubeClient fake;
  fake.DeclareKind(kPods, "v1", "Pod");
  Recorder rec;
  Informer inf(fake, Options(), rec.Handlers());
  inf.Start();
  rec.WaitFor(1);
  std::vector<std::string> bad;
  if (Protobuf()) {
    std::string whole = Event("ADDED", Pod("cut"));
    bad = {"not a frame", whole.substr(0, whole.size() / 2),  // a truncated frame
           Event("ERROR",
                 {{"apiVersion", "v1"}, {"kind", "Status"}, {"code", 500}, {"message", "boom"}})};
  } else {
    bad = {"not json", R"({"type":"ADDED","object":{"metadata":"oops"}})",
           R"({"type":"ERROR","object":{"code":"x"}})",
           R"({"type":"ERROR","object":{"code":500,"message":"boom"}})", R"({"type":"ADDED"})"};
  }
  int watches = 1;
  for (const std::string& event : bad) {
    SCOPED_TRACE(util::SanitizeUtf8(event, 80));
    ASSERT_TRUE(fake.WaitForWatchCalls(kPods, watches, kDeadline));
    fake.InjectLine(kPods, event);
    fake.EndWatches(kPods);
    ++watches;
  }
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, watches, kDeadline));
  fake.Create(kPods, Pod("fine"));
  EXPECT_EQ(rec.WaitFor(2), Strs({"SYNCED", "ADDED fine"}));
  inf.Stop();
  EXPECT_GE(inf.Stats().errors, 3u);
  EXPECT_EQ(inf.Stats().relists, 0u);
}

// A newer API server may send fields this codec does not know: they are skipped, the event
// arrives. (In JSON the same holds: unknown keys are kept, the converters ignore them.)
TEST_P(InformerTest, AnEventWithUnknownFieldsArrives) {
  FakeKubeClient fake;
  fake.DeclareKind(kPods, "v1", "Pod");
  Recorder rec;
  Informer inf(fake, Options(), rec.Handlers());
  inf.Start();
  rec.WaitFor(1);
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 1, kDeadline));
  json pod = Pod("newer");
  pod["metadata"]["uid"] = "u1";
  pod["metadata"]["resourceVersion"] = "100";
  std::string event;
  if (Protobuf()) {
    // WatchEvent field 99 (varint 1) after the known ones: an unknown field.
    event = Event("ADDED", pod) + std::string("\x98\x06\x01", 3);
  } else {
    pod["spec"]["fieldFromTheFuture"] = true;
    event = Event("ADDED", pod);
  }
  fake.InjectLine(kPods, event);
  EXPECT_EQ(rec.WaitFor(2), Strs({"SYNCED", "ADDED newer"}));
  EXPECT_EQ(rec.Object(0)["status"]["phase"], "Pending");
  inf.Stop();
  EXPECT_EQ(inf.Stats().errors, 0u) << inf.Stats().last_error;
}

// A kind the codec does not know (a custom resource) is asked in JSON even when protobuf is
// preferred; and an answer is decoded by its Content-Type, not by what was asked (the API
// server answers JSON for custom resources even when protobuf comes first in Accept).
TEST(InformerEncodingTest, UnknownKindsAreAskedInJsonAndAnswersDecodedByContentType) {
  constexpr const char* kGroups = "/apis/kubemesos.io/v1alpha1/resourcegroups";
  FakeKubeClient fake;
  fake.Create(kGroups, {{"apiVersion", "kubemesos.io/v1alpha1"},
                        {"kind", "ResourceGroup"},
                        {"metadata", {{"name", "g"}}}});
  InformerOptions o;
  o.path = kGroups;
  o.kind = "ResourceGroup";
  o.encoding = Encoding::kProtobuf;
  Recorder rec;
  Informer inf(fake, o, rec.Handlers());
  inf.Start();
  EXPECT_EQ(rec.WaitFor(2), Strs({"ADDED g", "SYNCED"}));
  ASSERT_TRUE(fake.WaitForWatchCalls(kGroups, 1, kDeadline));
  inf.Stop();
  for (const std::string& a : fake.Accepts()) EXPECT_EQ(a, kJsonMediaType);

  // Pods asked in protobuf, answered in JSON (objects the fake cannot encode: of another kind).
  FakeKubeClient json_server;
  json_server.Create(kPods, {{"apiVersion", "example.com/v1"},
                             {"kind", "Widget"},
                             {"metadata", {{"name", "w"}, {"namespace", "default"}}}});
  InformerOptions pods;
  pods.path = kPods;
  pods.kind = "Pod";
  pods.encoding = Encoding::kProtobuf;
  pods.min_backoff = 1ms;
  Recorder got;
  Informer pod_informer(json_server, pods, got.Handlers());
  pod_informer.Start();
  EXPECT_EQ(got.WaitFor(2), Strs({"ADDED w", "SYNCED"}));
  ASSERT_TRUE(json_server.WaitForWatchCalls(kPods, 1, kDeadline));
  json_server.Create(kPods, {{"apiVersion", "example.com/v1"},
                             {"kind", "Widget"},
                             {"metadata", {{"name", "x"}, {"namespace", "default"}}}});
  EXPECT_EQ(got.WaitFor(3).back(), "ADDED x");
  pod_informer.Stop();
  EXPECT_EQ(json_server.Accepts()[0], proto::kProtobufAccept);
  EXPECT_EQ(pod_informer.Stats().errors, 0u) << pod_informer.Stats().last_error;
}

// Watch-list (issue #17): the state as ADDED events up to the initial-events-end bookmark, in
// one stream; synced there; then an ordinary watch from the bookmark's version.
TEST_P(InformerTest, WatchListDeliversTheStateThenWatches) {
  FakeKubeClient fake;
  fake.Create(kPods, Pod("a"));
  fake.Create(kPods, Pod("b"));
  Recorder rec;
  InformerOptions o = Options();
  o.watch_list = true;
  Informer inf(fake, o, rec.Handlers());
  inf.Start();
  EXPECT_EQ(rec.WaitFor(3), Strs({"ADDED a", "ADDED b", "SYNCED"}));
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 2, kDeadline));
  fake.Create(kPods, Pod("c"));
  EXPECT_EQ(rec.WaitFor(4).back(), "ADDED c");
  inf.Stop();
  auto reqs = fake.Requests();
  EXPECT_EQ(reqs[0].rfind("WATCH /api/v1/pods?watch=1&sendInitialEvents=true&resourceVersionMatch="
                          "NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=",
                          0),
            0u)
      << reqs[0];
  EXPECT_NE(reqs[1].find("watch=1&allowWatchBookmarks=true&resourceVersion=3&"), std::string::npos)
      << reqs[1];
  EXPECT_EQ(inf.Stats().lists, 1u);
  EXPECT_EQ(inf.Stats().errors, 0u) << inf.Stats().last_error;
  for (const std::string& r : reqs) EXPECT_EQ(r.rfind("GET", 0), std::string::npos) << r;
}

TEST_P(InformerTest, WatchListRelistEmitsTheDifference) {
  FakeKubeClient fake;
  fake.Create(kPods, Pod("stays"));
  fake.Create(kPods, Pod("changes"));
  fake.Create(kPods, Pod("vanishes"));
  Recorder rec;
  InformerOptions o = Options();
  o.watch_list = true;
  Informer inf(fake, o, rec.Handlers());
  inf.Start();
  rec.WaitFor(4);
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 2, kDeadline));
  rec.Clear();
  fake.Update(kPods, Pod("changes", "Running"), /*silent=*/true);
  fake.Delete(kPods, "default/vanishes", /*silent=*/true);
  fake.Create(kPods, Pod("new"), /*silent=*/true);
  fake.ExpireWatches(kPods);
  auto events = rec.WaitFor(3);
  std::sort(events.begin(), events.end());
  EXPECT_EQ(events, Strs({"ADDED new", "DELETED vanishes", "MODIFIED changes"}));
  ASSERT_TRUE(Eventually([&] { return inf.Stats().relists == 1; }));
  inf.Stop();
  EXPECT_EQ(rec.Events().size(), 3u) << "nothing for the unchanged object, no SYNCED again";
}

// A server that does not serve watch-list (422): LIST pages, and never asked again.
TEST_P(InformerTest, ARefusedWatchListFallsBackToList) {
  FakeKubeClient fake;
  fake.RefuseWatchList();
  fake.Create(kPods, Pod("a"));
  Recorder rec;
  InformerOptions o = Options();
  o.watch_list = true;
  Informer inf(fake, o, rec.Handlers());
  inf.Start();
  EXPECT_EQ(rec.WaitFor(2), Strs({"ADDED a", "SYNCED"}));
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 2, kDeadline));
  fake.ExpireWatches(kPods);  // a relist: LIST again, no watch-list
  ASSERT_TRUE(Eventually([&] { return inf.Stats().relists == 1; }));
  inf.Stop();
  auto reqs = fake.Requests();
  EXPECT_EQ(std::count_if(reqs.begin(), reqs.end(),
                          [](const std::string& r) {
                            return r.find("sendInitialEvents") != std::string::npos;
                          }),
            1);
  EXPECT_EQ(reqs[1], "GET /api/v1/pods?limit=500");
  EXPECT_EQ(inf.Stats().errors, 0u) << "a refusal is not an error";
}

TEST_P(InformerTest, PassesSelectorsEscaped) {
  FakeKubeClient fake;
  Recorder rec;
  InformerOptions o = Options();
  o.label_selector = "kubemesos.io/framework in (a,b)";
  o.field_selector = "spec.schedulerName=kubemesos";
  Informer inf(fake, o, rec.Handlers());
  inf.Start();
  rec.WaitFor(1);
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 1, kDeadline));
  inf.Stop();
  auto reqs = fake.Requests();
  EXPECT_EQ(reqs[0],
            "GET /api/v1/pods?limit=500&labelSelector=kubemesos.io%2Fframework%20in%20%28a%2Cb%29"
            "&fieldSelector=spec.schedulerName%3Dkubemesos");
  EXPECT_NE(reqs[1].find("&labelSelector=kubemesos.io%2Fframework"), std::string::npos);
}

TEST_P(InformerTest, StopIsPromptWhileWatchingAndWhileBackingOff) {
  {
    FakeKubeClient fake;
    Recorder rec;
    Informer inf(fake, Options(), rec.Handlers());
    inf.Start();
    ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 1, kDeadline));
    auto start = std::chrono::steady_clock::now();
    inf.Stop();  // blocked in Next
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  }
  {
    FakeKubeClient fake;
    fake.FailRequests(1000000, 500);
    Recorder rec;
    InformerOptions o = Options();
    o.min_backoff = o.max_backoff = 1h;
    Informer inf(fake, o, rec.Handlers());
    inf.Start();
    ASSERT_TRUE(Eventually([&] { return inf.Stats().errors >= 1; }));
    auto start = std::chrono::steady_clock::now();
    inf.Stop();  // blocked in a one-hour backoff
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    EXPECT_FALSE(inf.HasSynced());
  }
}

// No exception leaves a thread (issue #12): a handler that throws loses that one event, not
// the informer; later events still arrive. Counted as internal errors of "informer".
TEST_P(InformerTest, AHandlerThatThrowsLosesOnlyThatEvent) {
  FakeKubeClient fake;
  fake.Create(kPods, Pod("poison"));
  fake.Create(kPods, Pod("a"));
  Recorder rec;
  auto handlers = rec.Handlers();
  auto record = handlers.on_event;
  handlers.on_event = [record](InformerEvent e) {
    if (e.object["metadata"]["name"] == "poison") throw std::runtime_error("consumer broke");
    record(std::move(e));
  };
  uint64_t before = util::InternalErrors()["informer"];
  Informer inf(fake, Options(), handlers);
  inf.Start();
  EXPECT_EQ(rec.WaitFor(2), Strs({"ADDED a", "SYNCED"}));
  ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 1, kDeadline));
  fake.Create(kPods, Pod("b"));
  EXPECT_EQ(rec.WaitFor(3), Strs({"ADDED a", "SYNCED", "ADDED b"}));
  inf.Stop();
  EXPECT_EQ(util::InternalErrors()["informer"], before + 1);
}

// A client that throws on its first list or its first watch, with something that is not a
// nlohmann error: the informer counts it, backs off, relists and carries on.
class ThrowingClient : public FakeKubeClient {
 public:
  int list_throws = 0, watch_throws = 0;
  HttpResponse Request(std::string_view method, const std::string& path_and_query,
                       const std::string& body, std::string_view content_type,
                       std::string_view accept) override {
    if (method == "GET" && list_throws > 0 && list_throws--) throw 17;
    return FakeKubeClient::Request(method, path_and_query, body, content_type, accept);
  }
  std::unique_ptr<WatchStream> Watch(const std::string& path_and_query,
                                     std::string_view accept) override {
    if (watch_throws > 0 && watch_throws--) throw std::runtime_error("transport broke");
    return FakeKubeClient::Watch(path_and_query, accept);
  }
};

TEST_P(InformerTest, AClientThatThrowsIsCountedAndTheInformerRelists) {
  struct Case {
    const char* name;
    int list_throws, watch_throws;
  };
  for (const Case& c : {Case{"list", 1, 0}, Case{"watch", 0, 1}}) {
    SCOPED_TRACE(c.name);
    ThrowingClient fake;
    fake.list_throws = c.list_throws;
    fake.watch_throws = c.watch_throws;
    fake.Create(kPods, Pod("a"));
    Recorder rec;
    uint64_t before = util::InternalErrors()["informer"];
    Informer inf(fake, Options(), rec.Handlers());
    inf.Start();
    EXPECT_EQ(rec.WaitFor(2), Strs({"ADDED a", "SYNCED"}));
    // The informer goes on watching: a new pod arrives.
    ASSERT_TRUE(fake.WaitForWatchCalls(kPods, 1, kDeadline));  // a throwing one never counts
    fake.Create(kPods, Pod("b"));
    EXPECT_EQ(rec.WaitFor(3).back(), "ADDED b");
    inf.Stop();
    EXPECT_EQ(util::InternalErrors()["informer"], before + 1);
    EXPECT_GE(inf.Stats().errors, 1u);
  }
}

// An API the cluster does not serve (scheduling.k8s.io/v1beta1 without its feature gate) or the
// account may not list: with absent_ok a 404 or 403 list is an empty collection, so the
// informer syncs (the operator is not kept from scheduling everything else) and says so once;
// when the list succeeds, its objects come. Without absent_ok the same informer never syncs.
TEST_P(InformerTest, AnApiNotServedOrNotAllowedSyncsAsEmptyWithAbsentOk) {
  constexpr const char* kGroups = "/apis/scheduling.k8s.io/v1beta1/podgroups";
  for (int code : {404, 403}) {  // not served; not allowed (a ClusterRole from an older chart)
    SCOPED_TRACE(code);
    FakeKubeClient fake;
    fake.FailRequests(3, code);  // the first 3 lists are refused; then served (empty)
    Recorder rec;
    Informer::Handlers handlers = rec.Handlers();
    std::atomic<int> absent{0}, served{0}, status{0};
    handlers.on_absent = [&](bool a, int s) {
      ++(a ? absent : served);
      if (a) status = s;
    };
    InformerOptions options = Options();
    options.path = kGroups;
    options.kind = "PodGroup";
    options.absent_ok = true;
    Informer inf(fake, options, handlers);
    inf.Start();
    EXPECT_EQ(rec.WaitFor(1), Strs({"SYNCED"}));  // after the first refusal
    // Listed again (every max_backoff) until served, said once each way, not counted as errors.
    EXPECT_TRUE(fake.WaitForWatchCalls(kGroups, 1, kDeadline));  // then watched as usual
    EXPECT_TRUE(Eventually([&] { return served.load() == 1; }));
    auto reqs = fake.Requests();
    EXPECT_EQ(std::count(reqs.begin(), reqs.end(), std::string("GET ") + kGroups + "?limit=500"),
              4);
    EXPECT_EQ(absent.load(), 1);
    EXPECT_EQ(status.load(), code);
    EXPECT_EQ(inf.Stats().errors, 0u);
    fake.Create(kGroups, {{"apiVersion", "scheduling.k8s.io/v1beta1"},
                          {"kind", "PodGroup"},
                          {"metadata", {{"name", "g"}, {"namespace", "default"}}}});
    EXPECT_EQ(rec.WaitFor(2), Strs({"SYNCED", "ADDED g"}));
    inf.Stop();
    EXPECT_EQ(rec.Events().size(), 2u);  // one SYNCED only
  }

  // Without absent_ok the same informer never syncs.
  FakeKubeClient strict_fake;
  strict_fake.FailRequests(1'000'000, 404);
  Recorder strict_rec;
  InformerOptions options = Options();
  options.path = kGroups;
  Informer strict(strict_fake, options, strict_rec.Handlers());
  strict.Start();
  ASSERT_TRUE(Eventually([&] { return strict.Stats().errors >= 3; }));
  EXPECT_FALSE(strict.HasSynced());
  strict.Stop();
}

TEST(QueryEscapeTest, EscapesReservedCharacters) {
  EXPECT_EQ(QueryEscape("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(QueryEscape("app in (a,b)"), "app%20in%20%28a%2Cb%29");
  EXPECT_EQ(QueryEscape("x=y&z"), "x%3Dy%26z");
}

}  // namespace
}  // namespace kubemesos::client
