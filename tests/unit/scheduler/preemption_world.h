// A small world around the engine for the preemption tests: it binds placements (as the binder
// would), evicts victims (terminating first, gone on Drain) and lets controllers re-create
// evicted pods as new pending pods, so that tests can replay many cycles.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "scheduler/allocator.h"
#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos::testing {

class PreemptionWorld {
 public:
  explicit PreemptionWorld(Allocator& a) : a_(a) {}

  // Adds a pending task and remembers it so that Bind and Evict can re-upsert it.
  void Add(const PodSpec& pod) {
    pods_[pod.key] = pod;
    a_.UpsertPod(pod);
  }
  void Remove(const std::string& key) {
    pods_.erase(key);
    a_.RemovePod(key);
  }

  // One cycle at `now`: placements are bound at once; victims start terminating (they still
  // hold their nodes). Returns the result.
  AllocationResult Cycle(double now) {
    AllocationResult r = a_.Allocate(now);
    for (const auto& p : r.placements) {
      auto& pod = pods_.at(p.pod);
      pod.node_name = p.node;
      pod.started = now;
      a_.UpsertPod(pod);
    }
    for (const auto& plan : r.preemptions) {
      plans.push_back(plan);
      for (const auto& v : plan.victims) {
        auto& pod = pods_.at(v.pod);
        pod.terminating = true;
        a_.UpsertPod(pod);
        terminating_.insert(v.pod);
        evicted.push_back({v.pod, now});
      }
    }
    return r;
  }

  // Terminating victims leave; with `recreate`, each comes back as a new pending pod of its
  // framework ("<key>~N"), as a ReplicaSet would make it.
  void Drain(bool recreate = false) {
    for (const auto& key : terminating_) {
      PodSpec pod = pods_.at(key);
      Remove(key);
      if (recreate) {
        pod.key = key.substr(0, key.find('~')) + "~" + std::to_string(++generation_);
        pod.node_name.clear();
        pod.terminating = false;
        pod.started = -1;
        lineage_[pod.key] = Lineage(key);
        Add(pod);
      }
    }
    terminating_.clear();
  }

  // The original key a re-created pod descends from.
  std::string Lineage(const std::string& key) const {
    auto it = lineage_.find(key);
    return it == lineage_.end() ? key : it->second;
  }
  const PodSpec& pod(const std::string& key) const { return pods_.at(key); }
  bool Bound(const std::string& key) const {
    auto it = pods_.find(key);
    return it != pods_.end() && !it->second.node_name.empty();
  }
  int BoundCount(const std::string& framework) const {
    int n = 0;
    for (const auto& [key, pod] : pods_)
      if (pod.framework == framework && !pod.node_name.empty() && !pod.terminating) ++n;
    return n;
  }
  const std::map<std::string, PodSpec>& pods() const { return pods_; }

  struct Eviction {
    std::string pod;
    double at;
  };
  std::vector<Eviction> evicted;
  std::vector<Preemption> plans;

 private:
  Allocator& a_;
  std::map<std::string, PodSpec> pods_;
  std::set<std::string> terminating_;
  std::map<std::string, std::string> lineage_;
  int generation_ = 0;
};

}  // namespace kubemesos::testing
