// Leader election on an etcd lease (see leader_election.h).
#include "operator/registry/leader_election.h"

#include <algorithm>

#include "operator/util/guard.h"
#include "operator/util/text.h"

namespace kubemesos::registry {

namespace {
// The identity in the `leader` key as kept for Holder(): whoever wrote the key chose it, so
// it is kept printable and short.
std::string HolderOf(const std::string& value) {
  return util::SanitizeUtf8(value, 256);
}
}  // namespace

LeaderElection::LeaderElection(KvStore& store, const util::Clock& clock,
                               LeaderElectionOptions options)
    : ElectionBase(clock), store_(store), o_(std::move(options)) {}

LeaderElection::~LeaderElection() {
  Stop();
}

void LeaderElection::Step() {
  if (Leading())
    Renew();
  else
    Campaign();
}

void LeaderElection::Renew() {
  int64_t lease;
  {
    std::lock_guard<std::mutex> l(mu_);
    lease = lease_;
  }
  TimePoint sent = clock_.Now();
  LeaseResult r = store_.LeaseKeepAlive(lease);
  if (!r.ok() || r.ttl <= 0) {
    if (r.ok()) {
      std::lock_guard<std::mutex> l(mu_);
      lease_ = 0;  // gone for good
    }
    Fail(r.ok() ? "the leader lease expired" : r.error);
    return;
  }
  SetLeader(true, DeadlineAfter(sent, r.ttl));
}

void LeaderElection::Campaign() {
  GetResult g = store_.Get(o_.key);
  if (!g.ok()) {
    SetError(g.error);
    return;
  }
  SetHolder(g.found ? HolderOf(g.kv.value) : "");
  int64_t lease;
  {
    std::lock_guard<std::mutex> l(mu_);
    lease = lease_;
  }
  if (g.found && !(lease != 0 && g.kv.lease == lease && g.kv.value == o_.identity))
    return;  // someone else leads: stay standby
  TimePoint sent = clock_.Now();
  if (g.found) {
    // Our own key on our own lease (a renewal failed earlier): take it back if it lives.
    LeaseResult k = store_.LeaseKeepAlive(lease);
    if (k.ok() && k.ttl > 0) {
      SetLeader(true, DeadlineAfter(sent, k.ttl));
      return;
    }
    SetError(k.ok() ? "the leader lease expired" : k.error);
    std::lock_guard<std::mutex> l(mu_);
    if (k.ok()) lease_ = 0;
    return;
  }
  if (lease != 0) store_.LeaseRevoke(lease);  // an old lease of ours: release it
  LeaseResult gr = store_.LeaseGrant(o_.ttl_seconds);
  if (!gr.ok()) {
    SetError(gr.error);
    std::lock_guard<std::mutex> l(mu_);
    lease_ = 0;
    return;
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    lease_ = gr.id;
  }
  TxnResult t = store_.CompareAndPut(o_.key, {Condition::kCreateRevision, 0}, o_.identity, gr.id);
  // A retried write whose first attempt was applied shows up as our own key.
  bool ours = t.ok() && (t.succeeded ||
                         (t.found && t.current.lease == gr.id && t.current.value == o_.identity));
  if (!ours) {
    store_.LeaseRevoke(gr.id);
    if (!t.ok()) SetError(t.error);
    if (t.found) SetHolder(HolderOf(t.current.value));
    std::lock_guard<std::mutex> l(mu_);
    lease_ = 0;
    return;
  }
  SetHolder(o_.identity);
  SetLeader(true, DeadlineAfter(sent, gr.ttl));
}

Election::TimePoint LeaderElection::DeadlineAfter(TimePoint sent, int64_t ttl) const {
  // The TTL we asked for bounds the one the store reports: etcd only ever rounds it up, and a
  // larger number (or a garbled one) must not stretch the fencing deadline, nor overflow it.
  return sent + std::chrono::seconds(std::min(ttl, o_.ttl_seconds)) - o_.safety_margin;
}

void LeaderElection::Start() {
  rounds_.Start([this]() -> util::RoundThread::Wait {
    return Round(
        "etcd leader election round", "an election round failed (see the log)", [this] { Step(); },
        o_.standby_poll, o_.renew_interval);
  });
}

void LeaderElection::Stop() {
  if (rounds_.Stop()) Resign();
}

void LeaderElection::Resign() {
  int64_t lease;
  {
    std::lock_guard<std::mutex> l(mu_);
    lease = lease_;
    lease_ = 0;
  }
  SetLeader(false, TimePoint::min());  // stop acting first, then release
  if (lease == 0) return;
  GetResult g = store_.Get(o_.key);
  if (g.ok() && g.found && g.kv.lease == lease)
    store_.CompareAndDelete(o_.key, {Condition::kModRevision, g.kv.mod_revision});
  store_.LeaseRevoke(lease);
}

}  // namespace kubemesos::registry
