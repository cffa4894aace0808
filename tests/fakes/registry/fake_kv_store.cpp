// The in-memory KvStore (see fake_kv_store.h). One mutex guards everything; watches hold a
// shared pointer to the state and their own queue, filled under that mutex.
#include "tests/fakes/registry/fake_kv_store.h"

#include <deque>

namespace kubemesos::registry {

namespace {

bool HasPrefix(const std::string& key, const std::string& prefix) {
  return key.compare(0, prefix.size(), prefix) == 0;
}

struct Lease {
  int64_t ttl_ms = 0;
  int64_t deadline_ms = 0;
};

}  // namespace

struct WatchQueue {
  std::string prefix;
  std::deque<std::vector<WatchEvent>> batches;
  bool ended = false;
  int64_t compact_revision = 0;
  std::string error;
};

struct FakeKvStore::State {
  mutable std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, KeyValue> kvs;
  std::vector<std::pair<int64_t, WatchEvent>> history;  // every event after `compacted`
  int64_t revision = 1;                                 // etcd starts at 1
  int64_t compacted = 0;
  std::map<int64_t, Lease> leases;
  int64_t next_lease = 0x1000;
  int64_t now_ms = 0;
  std::string failure;
  std::set<std::shared_ptr<WatchQueue>> watches;

  // Records one event at the current revision and delivers it to matching watches.
  void Emit(const WatchEvent& e) {
    history.emplace_back(revision, e);
    for (auto& w : watches)
      if (!w->ended && HasPrefix(e.kv.key, w->prefix)) w->batches.push_back({e});
    cv.notify_all();
  }
  int64_t DoPut(const std::string& key, const std::string& value, int64_t lease) {
    ++revision;
    KeyValue& kv = kvs[key];
    if (kv.create_revision == 0) {
      kv.key = key;
      kv.create_revision = revision;
      kv.version = 0;
    }
    kv.value = value;
    kv.mod_revision = revision;
    ++kv.version;
    kv.lease = lease;
    Emit({WatchEvent::kPut, kv});
    return revision;
  }
  bool DoDelete(const std::string& key) {
    auto it = kvs.find(key);
    if (it == kvs.end()) return false;
    ++revision;
    KeyValue gone;
    gone.key = key;
    gone.mod_revision = revision;
    kvs.erase(it);
    Emit({WatchEvent::kDelete, gone});
    return true;
  }
  bool Holds(const std::string& key, Condition c) const {
    auto it = kvs.find(key);
    int64_t actual = 0;
    if (it != kvs.end())
      actual = c.target == Condition::kCreateRevision ? it->second.create_revision
                                                      : it->second.mod_revision;
    return actual == c.revision;
  }
  void Fill(TxnResult& r, const std::string& key) const {
    auto it = kvs.find(key);
    r.found = it != kvs.end();
    if (r.found) r.current = it->second;
    r.revision = revision;
  }
  void Expire() {
    for (auto it = leases.begin(); it != leases.end();) {
      if (it->second.deadline_ms > now_ms) {
        ++it;
        continue;
      }
      DropKeysOf(it->first);
      it = leases.erase(it);
    }
  }
  void DropKeysOf(int64_t lease) {
    std::vector<std::string> keys;
    for (auto& [k, kv] : kvs)
      if (kv.lease == lease) keys.push_back(k);
    for (auto& k : keys) DoDelete(k);
  }
};

namespace {

class FakeWatch : public KvWatch {
 public:
  FakeWatch(std::shared_ptr<FakeKvStore::State> s, std::shared_ptr<WatchQueue> q)
      : s_(std::move(s)), q_(std::move(q)) {}
  ~FakeWatch() override {
    Cancel();
    std::lock_guard<std::mutex> l(s_->mu);
    s_->watches.erase(q_);
  }
  bool Next(std::vector<WatchEvent>& events) override {
    std::unique_lock<std::mutex> l(s_->mu);
    s_->cv.wait(l, [&] { return q_->ended || !q_->batches.empty(); });
    if (q_->ended) return false;
    events = std::move(q_->batches.front());
    q_->batches.pop_front();
    return true;
  }
  void Cancel() override {
    std::lock_guard<std::mutex> l(s_->mu);
    q_->ended = true;
    s_->cv.notify_all();
  }
  int64_t CompactRevision() const override {
    std::lock_guard<std::mutex> l(s_->mu);
    return q_->compact_revision;
  }
  std::string Error() const override {
    std::lock_guard<std::mutex> l(s_->mu);
    return q_->error;
  }

 private:
  std::shared_ptr<FakeKvStore::State> s_;
  std::shared_ptr<WatchQueue> q_;
};

}  // namespace

FakeKvStore::FakeKvStore() : state_(std::make_shared<State>()) {}
FakeKvStore::~FakeKvStore() {
  std::lock_guard<std::mutex> l(state_->mu);
  for (auto& w : state_->watches) w->ended = true;
  state_->cv.notify_all();
}

#define KM_FAIL_IF_DOWN(result)                 \
  std::lock_guard<std::mutex> lock(state_->mu); \
  if (!state_->failure.empty()) {               \
    result r;                                   \
    r.error = state_->failure;                  \
    return r;                                   \
  }

GetResult FakeKvStore::Get(const std::string& key) {
  KM_FAIL_IF_DOWN(GetResult);
  GetResult r;
  auto it = state_->kvs.find(key);
  r.found = it != state_->kvs.end();
  if (r.found) r.kv = it->second;
  r.revision = state_->revision;
  return r;
}

RangeResult FakeKvStore::Range(const std::string& prefix) {
  KM_FAIL_IF_DOWN(RangeResult);
  RangeResult r;
  for (auto it = state_->kvs.lower_bound(prefix);
       it != state_->kvs.end() && HasPrefix(it->first, prefix); ++it)
    r.kvs.push_back(it->second);
  r.revision = state_->revision;
  return r;
}

PutResult FakeKvStore::Put(const std::string& key, const std::string& value, int64_t lease) {
  KM_FAIL_IF_DOWN(PutResult);
  PutResult r;
  if (lease != 0 && !state_->leases.count(lease)) {
    r.error = "etcdserver: requested lease not found";
    return r;
  }
  r.revision = state_->DoPut(key, value, lease);
  return r;
}

TxnResult FakeKvStore::CompareAndPut(const std::string& key, Condition condition,
                                     const std::string& value, int64_t lease) {
  KM_FAIL_IF_DOWN(TxnResult);
  TxnResult r;
  if (lease != 0 && !state_->leases.count(lease)) {
    r.error = "etcdserver: requested lease not found";
    return r;
  }
  if (state_->Holds(key, condition)) {
    r.succeeded = true;
    state_->DoPut(key, value, lease);
  }
  state_->Fill(r, key);
  return r;
}

TxnResult FakeKvStore::CompareAndDelete(const std::string& key, Condition condition) {
  KM_FAIL_IF_DOWN(TxnResult);
  TxnResult r;
  if (state_->Holds(key, condition)) {
    r.succeeded = true;
    state_->DoDelete(key);
  }
  state_->Fill(r, key);
  return r;
}

DeleteResult FakeKvStore::Delete(const std::string& key) {
  KM_FAIL_IF_DOWN(DeleteResult);
  DeleteResult r;
  r.deleted = state_->DoDelete(key) ? 1 : 0;
  r.revision = state_->revision;
  return r;
}

LeaseResult FakeKvStore::LeaseGrant(int64_t ttl_seconds) {
  KM_FAIL_IF_DOWN(LeaseResult);
  LeaseResult r;
  r.id = state_->next_lease++;
  r.ttl = ttl_seconds;
  state_->leases[r.id] = {ttl_seconds * 1000, state_->now_ms + ttl_seconds * 1000};
  return r;
}

LeaseResult FakeKvStore::LeaseKeepAlive(int64_t id) {
  KM_FAIL_IF_DOWN(LeaseResult);
  LeaseResult r;
  r.id = id;
  auto it = state_->leases.find(id);
  if (it == state_->leases.end()) return r;  // ttl 0: gone
  it->second.deadline_ms = state_->now_ms + it->second.ttl_ms;
  r.ttl = it->second.ttl_ms / 1000;
  return r;
}

Status FakeKvStore::LeaseRevoke(int64_t id) {
  KM_FAIL_IF_DOWN(Status);
  if (state_->leases.erase(id)) state_->DropKeysOf(id);
  return {};
}

std::unique_ptr<KvWatch> FakeKvStore::Watch(const std::string& prefix, int64_t from_revision) {
  auto q = std::make_shared<WatchQueue>();
  q->prefix = prefix;
  std::lock_guard<std::mutex> l(state_->mu);
  if (!state_->failure.empty()) {
    q->ended = true;
    q->error = state_->failure;
  } else if (from_revision > 0 && from_revision <= state_->compacted) {
    q->ended = true;
    q->compact_revision = state_->compacted;
  } else {
    for (auto& [rev, e] : state_->history)
      if (from_revision > 0 && rev >= from_revision && HasPrefix(e.kv.key, prefix))
        q->batches.push_back({e});
    state_->watches.insert(q);
  }
  return std::make_unique<FakeWatch>(state_, q);
}

void FakeKvStore::AdvanceTime(std::chrono::milliseconds d) {
  std::lock_guard<std::mutex> l(state_->mu);
  state_->now_ms += d.count();
  state_->Expire();
}

void FakeKvStore::Compact(int64_t revision) {
  std::lock_guard<std::mutex> l(state_->mu);
  state_->compacted = std::max(state_->compacted, revision);
  std::erase_if(state_->history, [&](auto& h) { return h.first <= revision; });
}

void FakeKvStore::SetFailure(const std::string& error) {
  std::lock_guard<std::mutex> l(state_->mu);
  state_->failure = error;
  if (error.empty()) return;
  for (auto& w : state_->watches) {
    if (w->ended) continue;
    w->ended = true;
    w->error = error;
  }
  state_->cv.notify_all();
}

int64_t FakeKvStore::Revision() const {
  std::lock_guard<std::mutex> l(state_->mu);
  return state_->revision;
}

size_t FakeKvStore::LeaseCount() const {
  std::lock_guard<std::mutex> l(state_->mu);
  return state_->leases.size();
}

}  // namespace kubemesos::registry
