// FakeKvStore behaves like etcd where the registry relies on it: revisions, compare-and-swap
// on create/mod revision, leases expiring on the manual clock, watches and compaction.
#include "tests/fakes/registry/fake_kv_store.h"

#include <gtest/gtest.h>

namespace kubemesos::registry {
namespace {

using namespace std::chrono_literals;

TEST(FakeKvStore, PutGetRangeRevisions) {
  FakeKvStore s;
  auto p1 = s.Put("a/1", "x");
  auto p2 = s.Put("a/1", "y");
  s.Put("a/2", "z");
  s.Put("b", "w");
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2.revision, p1.revision + 1);
  auto g = s.Get("a/1");
  ASSERT_TRUE(g.found);
  EXPECT_EQ(g.kv.value, "y");
  EXPECT_EQ(g.kv.create_revision, p1.revision);
  EXPECT_EQ(g.kv.mod_revision, p2.revision);
  EXPECT_EQ(g.kv.version, 2);
  auto r = s.Range("a/");
  ASSERT_EQ(r.kvs.size(), 2u);
  EXPECT_EQ(r.kvs[1].key, "a/2");
  EXPECT_FALSE(s.Get("nope").found);
  EXPECT_EQ(s.Delete("b").deleted, 1);
  EXPECT_EQ(s.Delete("b").deleted, 0);
}

TEST(FakeKvStore, CompareAndSwapTable) {
  struct Case {
    const char* name;
    bool preexisting;
    Condition::Target target;
    bool use_actual;  // compare with the actual revision (else a stale one)
    bool want;
  } cases[] = {
      {"create if absent, absent", false, Condition::kCreateRevision, false, true},
      {"create if absent, present", true, Condition::kCreateRevision, false, false},
      {"mod revision matches", true, Condition::kModRevision, true, true},
      {"mod revision stale", true, Condition::kModRevision, false, false},
      {"create revision matches", true, Condition::kCreateRevision, true, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FakeKvStore s;
    int64_t actual = 0;
    if (c.preexisting) {
      s.Put("k", "old");
      s.Put("k", "older");  // mod != create
      auto g = s.Get("k");
      actual = c.target == Condition::kModRevision ? g.kv.mod_revision : g.kv.create_revision;
    }
    int64_t rev =
        c.use_actual
            ? actual
            : (c.preexisting && !c.use_actual && c.target == Condition::kModRevision ? actual - 1
                                                                                     : 0);
    auto t = s.CompareAndPut("k", {c.target, rev}, "new");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.succeeded, c.want);
    EXPECT_EQ(s.Get("k").kv.value, c.want ? "new" : (c.preexisting ? "older" : ""));
    if (!c.want && c.preexisting) {
      EXPECT_TRUE(t.found);
      EXPECT_EQ(t.current.value, "older");
    }
  }
}

TEST(FakeKvStore, LeaseExpiryDeletesKeys) {
  FakeKvStore s;
  auto l = s.LeaseGrant(10);
  ASSERT_TRUE(s.Put("leased", "v", l.id).ok());
  s.AdvanceTime(9s);
  EXPECT_EQ(s.LeaseKeepAlive(l.id).ttl, 10);  // renewed: 10 s from now
  s.AdvanceTime(9s);
  EXPECT_TRUE(s.Get("leased").found);
  s.AdvanceTime(2s);
  EXPECT_FALSE(s.Get("leased").found);
  EXPECT_EQ(s.LeaseKeepAlive(l.id).ttl, 0);
  EXPECT_FALSE(s.Put("x", "v", l.id).ok());
}

TEST(FakeKvStore, WatchReplaysStreamsAndReportsCompaction) {
  FakeKvStore s;
  int64_t r1 = s.Put("w/a", "1").revision;
  s.Put("other", "x");
  s.Put("w/b", "2");
  auto w = s.Watch("w/", r1);
  std::vector<WatchEvent> ev;
  ASSERT_TRUE(w->Next(ev));
  EXPECT_EQ(ev[0].kv.key, "w/a");
  ASSERT_TRUE(w->Next(ev));
  EXPECT_EQ(ev[0].kv.key, "w/b");
  s.Delete("w/a");
  ASSERT_TRUE(w->Next(ev));
  EXPECT_EQ(ev[0].type, WatchEvent::kDelete);
  w->Cancel();
  EXPECT_FALSE(w->Next(ev));
  EXPECT_EQ(w->CompactRevision(), 0);

  s.Compact(s.Revision());
  auto old = s.Watch("w/", r1);
  EXPECT_FALSE(old->Next(ev));
  EXPECT_EQ(old->CompactRevision(), s.Revision());
  EXPECT_EQ(old->Error(), "");
}

TEST(FakeKvStore, FailureInjection) {
  FakeKvStore s;
  auto w = s.Watch("", 0);
  s.SetFailure("etcd unreachable");
  EXPECT_EQ(s.Get("k").error, "etcd unreachable");
  std::vector<WatchEvent> ev;
  EXPECT_FALSE(w->Next(ev));
  EXPECT_EQ(w->Error(), "etcd unreachable");
  s.SetFailure("");
  EXPECT_TRUE(s.Put("k", "v").ok());
}

TEST(PrefixRangeEnd, IncrementsLastByte) {
  EXPECT_EQ(PrefixRangeEnd("/kubemesos/"), "/kubemesos0");
  EXPECT_EQ(PrefixRangeEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixRangeEnd(""), std::string(1, '\0'));
}

}  // namespace
}  // namespace kubemesos::registry
