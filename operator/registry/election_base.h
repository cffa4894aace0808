// ElectionBase: the state both leader elections keep, and the Election accessors over it, in
// one place: leading or not, the fencing deadline, the holder last seen, the last error, and the
// change callback. LeaderElection (etcd) and KubeLeaseElection (a Lease) derive from it and
// only decide, each round, what to set.
//
// Threads: every method is thread-safe (one mutex). The callback runs on the thread that calls
// SetLeader (the election thread, or a test's Step), without the mutex held, only when
// leadership changes. Ownership: the clock is borrowed and must outlive this. Errors: none.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "operator/registry/election.h"
#include "operator/util/clock.h"

namespace kubemesos::registry {

class ElectionBase : public Election {
 public:
  explicit ElectionBase(const util::Clock& clock) : clock_(clock) {}

  bool IsLeader() const final;       // leading and the clock is before Deadline()
  TimePoint Deadline() const final;  // min() when not leading
  std::string Holder() const final;  // "" = none seen
  std::string LastError() const final;
  void OnChange(Callback cb) final;

 protected:
  // Leading as last set, whatever the clock says (a round decides to renew or campaign on it).
  bool Leading() const;
  // Sets leadership and its deadline (ignored when !leader); winning clears the last error.
  // Calls the callback when leadership changed.
  void SetLeader(bool leader, TimePoint deadline);
  void SetHolder(std::string holder);
  void SetError(std::string error);
  // Records `error` and steps down.
  void Fail(std::string error);
  // One round on the election thread: runs `step`; when it throws (logged and counted as an
  // internal error of "election", util::Guarded) the round failed: Fail(failure), the next
  // round retries. Returns the wait before the next round: `standby_poll` while not leading
  // (when > 0), else `renew_interval`.
  std::chrono::milliseconds Round(const char* what, const char* failure,
                                  const std::function<void()>& step,
                                  std::chrono::milliseconds standby_poll,
                                  std::chrono::milliseconds renew_interval);

  const util::Clock& clock_;

 private:
  mutable std::mutex mu_;
  bool leader_ = false;
  TimePoint deadline_ = TimePoint::min();
  std::string holder_;
  std::string last_error_;
  Callback callback_;
};

}  // namespace kubemesos::registry
