// The state shared by both leader elections (see election_base.h).
#include "operator/registry/election_base.h"

#include "operator/util/guard.h"

namespace kubemesos::registry {

bool ElectionBase::IsLeader() const {
  std::lock_guard<std::mutex> l(mu_);
  return leader_ && clock_.Now() < deadline_;
}

Election::TimePoint ElectionBase::Deadline() const {
  std::lock_guard<std::mutex> l(mu_);
  return deadline_;
}

std::string ElectionBase::Holder() const {
  std::lock_guard<std::mutex> l(mu_);
  return holder_;
}

std::string ElectionBase::LastError() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_error_;
}

void ElectionBase::OnChange(Callback cb) {
  std::lock_guard<std::mutex> l(mu_);
  callback_ = std::move(cb);
}

bool ElectionBase::Leading() const {
  std::lock_guard<std::mutex> l(mu_);
  return leader_;
}

void ElectionBase::SetLeader(bool leader, TimePoint deadline) {
  Callback cb;
  bool changed;
  {
    std::lock_guard<std::mutex> l(mu_);
    changed = leader_ != leader;
    leader_ = leader;
    deadline_ = leader ? deadline : TimePoint::min();
    if (leader) last_error_.clear();
    cb = callback_;
  }
  if (changed && cb) cb(leader);
}

void ElectionBase::SetHolder(std::string holder) {
  std::lock_guard<std::mutex> l(mu_);
  holder_ = std::move(holder);
}

void ElectionBase::SetError(std::string error) {
  std::lock_guard<std::mutex> l(mu_);
  last_error_ = std::move(error);
}

void ElectionBase::Fail(std::string error) {
  SetError(std::move(error));
  SetLeader(false, TimePoint::min());
}

std::chrono::milliseconds ElectionBase::Round(const char* what, const char* failure,
                                              const std::function<void()>& step,
                                              std::chrono::milliseconds standby_poll,
                                              std::chrono::milliseconds renew_interval) {
  // No exception leaves the thread: a round that throws is a failed round: step down as on
  // any backend error; the next round retries.
  if (!util::Guarded("election", what, step)) {
    util::Guarded("election", "stepping down after a failed round", [&] { Fail(failure); });
  }
  bool poll = standby_poll.count() > 0 && !IsLeader();
  return poll ? standby_poll : renew_interval;
}

}  // namespace kubemesos::registry
