// Tasks: pending tasks waiting in their framework's classes (or as orphans until their framework
// appears), tasks on nodes counted against their node, framework and groups, failed binds, and
// the parking and waking of task classes as capacity, groups and filters change.
#include <algorithm>

#include "scheduler/allocator_impl.h"
#include "scheduler/placement_query.h"

namespace kubemesos {

// ---------------------------------------------------------------- tasks

void Allocator::Impl::Enqueue(int task) {
  auto& t = tasks_[task];
  int f = t.framework;
  ClassKey key{f, t.constraints, t.identity, t.gang, t.request};
  int cls;
  if (auto it = class_index_.find(key); it != class_index_.end()) {
    cls = it->second;
  } else {
    cls = TakeSlot(classes_, free_classes_);
    class_index_[key] = cls;
    auto& c = classes_[cls];
    c.alive = true;
    c.framework = f;
    c.request = t.request;
    c.constraints = t.constraints;
    c.identity = t.identity;
    c.gang = t.gang;
    if (t.gang != kNone) gangs_[t.gang].classes.push_back(cls);
    c.full_scan = constraints_[t.constraints].NeedsFullScan();
    c.pod_sensitive = constraints_[t.constraints].DependsOnPods();
    frameworks_[f].classes.push_back(cls);
    ++frameworks_[f].unblocked_classes;
    runnable_.insert(f);
  }
  auto& c = classes_[cls];
  c.queue.emplace(-int64_t{t.priority}, t.order, t.key, task);
  t.cls = cls;
  if (t.pending_since < 0) new_pending_.push_back(task);  // the next cycle starts its wait
  ++frameworks_[f].pending;
  ++pending_tasks_;
  if (c.block != Block::kNone) to_report_.push_back(task);
}

void Allocator::Impl::Dequeue(int task) {
  auto& t = tasks_[task];
  int cls = t.cls;
  auto& c = classes_[cls];
  if (std::get<3>(*c.queue.begin()) == task) {
    c.queue.erase(c.queue.begin());
  } else {
    c.queue.erase({-int64_t{t.priority}, t.order, t.key, task});
  }
  t.cls = kNone;
  auto& fw = frameworks_[c.framework];
  --fw.pending;
  --pending_tasks_;
  if (!c.queue.empty()) return;
  // Last task gone: drop the class.
  if (c.block != Block::kNone) {
    UnblockClass(cls);  // keeps counters simple
  }
  --fw.unblocked_classes;
  if (fw.unblocked_classes == 0) runnable_.erase(c.framework);
  fw.classes.erase(std::find(fw.classes.begin(), fw.classes.end(), cls));
  ClassKey key{c.framework, c.constraints, c.identity, c.gang, c.request};
  class_index_.erase(key);
  if (c.gang != kNone) {
    auto& classes = gangs_[c.gang].classes;
    classes.erase(std::find(classes.begin(), classes.end(), cls));
  }
  c = TaskClass{};
  free_classes_.push_back(cls);
}

int Allocator::Impl::PlaceHead(int cls, int node) {
  int task = std::get<3>(*classes_[cls].queue.begin());
  PlaceTask(task, node);
  return task;
}

void Allocator::Impl::PlaceTask(int task, int node) {
  auto& t = tasks_[task];
  int f = t.framework;
  Dequeue(task);  // may drop the class
  t.node_name = pool_.node(node).spec.name;
  t.node = node;
  t.assumed = true;
  t.reported.reset();
  if (t.gang != kNone) ++gangs_[t.gang].active;
  pool_.AddUsage(node, t.request);
  pods_.Add(task, node, t.identity, t.constraints);
  auto& fw = frameworks_[f];
  fw.allocated += t.request;
  ++fw.running;
  AddToGroupPath(f, t.request);
  CountPriority(t.priority, +1);
  t.started = now_;
  NoteRevocable(task);
}

void Allocator::Impl::NoteRevocable(int task) {
  auto& t = tasks_[task];
  if (t.framework == kNone || t.revocable) return;
  // Counted already: the allocation includes the task.
  if (groups_.WithinGuarantee(frameworks_[t.framework].group, t.request, true)) return;
  t.revocable = true;
  ++frameworks_[t.framework].revocable;
}

void Allocator::Impl::Attach(int task) {
  auto& t = tasks_[task];
  if (t.terminal) return;
  if (t.node_name.empty()) {
    // Pending: waits in its framework, or as an orphan until the framework shows up.
    if (t.framework == kNone) {
      orphans_[t.framework_key].insert(task);
      to_report_.push_back(task);
    } else {
      frameworks_[t.framework].members.insert(task);
      JoinGang(task);
      Enqueue(task);
    }
    return;
  }
  if (int n = pool_.Find(t.node_name); n != kNone) {
    t.node = n;
    pool_.AddUsage(t.node, t.request);
    pods_.Add(task, n, t.identity, t.constraints);
  } else {
    on_missing_node_[t.node_name].insert(task);
  }
  if (t.started < 0) t.started = now_;
  if (t.framework != kNone) {
    auto& fw = frameworks_[t.framework];
    fw.members.insert(task);
    JoinGang(task);
    fw.allocated += t.request;
    ++fw.running;
    AddToGroupPath(t.framework, t.request);
    CountPriority(t.priority, +1);
    NoteRevocable(task);
  } else if (!t.framework_key.empty()) {
    orphans_[t.framework_key].insert(task);
  }
}

void Allocator::Impl::Detach(int task) {
  auto& t = tasks_[task];
  if (t.terminal) return;
  if (t.node_name.empty()) {
    if (t.framework == kNone) {
      if (auto o = orphans_.find(t.framework_key); o != orphans_.end()) {
        o->second.erase(task);
        if (o->second.empty()) orphans_.erase(o);
      }
    } else {
      frameworks_[t.framework].members.erase(task);
      if (t.cls != kNone) Dequeue(task);
    }
    // Last: leaving may free the gang, which its class (dropped by Dequeue) no longer names.
    if (t.gang != kNone) LeaveGang(task);
    t.reported.reset();
    return;
  }
  int freed = kNone;
  if (t.node != kNone) {
    pool_.AddUsage(t.node, Resources{} - t.request);
    pods_.Remove(task);
    freed = t.node;
    t.node = kNone;
  } else if (auto m = on_missing_node_.find(t.node_name); m != on_missing_node_.end()) {
    m->second.erase(task);
    if (m->second.empty()) on_missing_node_.erase(m);
  }
  if (t.framework != kNone) {
    auto& fw = frameworks_[t.framework];
    fw.members.erase(task);
    fw.allocated -= t.request;
    --fw.running;
    CountPriority(t.priority, -1);
    if (t.revocable) --fw.revocable;
    t.revocable = false;
    AddToGroupPath(t.framework, Resources{} - t.request);
  } else if (!t.framework_key.empty()) {
    if (auto o = orphans_.find(t.framework_key); o != orphans_.end()) {
      o->second.erase(task);
      if (o->second.empty()) orphans_.erase(o);
    }
  }
  if (t.gang != kNone) LeaveGang(task);  // reads node_name: still set
  if (freed != kNone) OnCapacityFreed(freed, t.framework);
}

namespace {

int InternConstraints(Allocator::Impl& impl, const PlacementConstraints& constraints) {
  std::string key = constraints.CanonicalKey();
  auto it = impl.constraints_index_.find(key);
  if (it != impl.constraints_index_.end()) return it->second;
  int id = static_cast<int>(impl.constraints_.size());
  impl.constraints_.push_back(constraints);
  impl.constraints_index_.emplace(std::move(key), id);
  return id;
}

}  // namespace

void Allocator::Impl::UpsertPod(const PodSpec& pod) {
  auto it = task_index_.find(pod.key);
  if (pod.terminal) {
    if (it != task_index_.end()) RemovePod(pod.key);
    if (pod.succeeded) NoteSucceeded(pod);
    return;
  }
  const int constraints = InternConstraints(*this, pod.constraints);
  const Resources request = Clamped(pod.request);  // see the overflow contract in resources.h
  const std::string_view ns = std::string_view(pod.key).substr(0, pod.key.find('/'));
  const int identity = pods_.Intern(ns, pod.labels);  // this task's reference, from now on
  int task;
  if (it == task_index_.end()) {
    task = TakeSlot(tasks_, free_tasks_);
    task_index_[pod.key] = task;
  } else {
    task = it->second;
    auto& t = tasks_[task];
    // An assumed placement stands until the bind is observed or fails.
    // Fields that change no placement are updated in place (a victim starting to terminate).
    if (pod.terminating && !t.terminating) t.terminating_since = now_;
    t.terminating = pod.terminating;
    t.preempt_never = pod.preempt_never;
    t.grace = pod.grace_seconds;
    if (pod.started >= 0) t.started = pod.started;
    if ((t.assumed && pod.node_name.empty()) ||
        (t.node_name == pod.node_name && t.framework_key == pod.framework && t.request == request &&
         !t.assumed && t.order == pod.order && t.constraints == constraints &&
         t.identity == identity && t.gang_key == pod.gang && t.priority == pod.priority)) {
      pods_.Release(identity);  // nothing the engine uses changed
      return;
    }
    if (t.assumed && pod.node_name == t.node_name) {
      pods_.Release(identity);
      t.assumed = false;
      t.pending_since = -1;
      return;
    }
    Detach(task);
    pods_.Release(t.identity);
  }
  auto& t = tasks_[task];
  if (pod.terminating && !t.terminating) t.terminating_since = now_;
  t.terminating = pod.terminating;
  t.preempt_never = pod.preempt_never;
  t.grace = pod.grace_seconds;
  t.started = pod.started;
  if (!pod.node_name.empty()) t.pending_since = -1;
  t.identity = identity;
  t.key = pod.key;
  t.framework_key = pod.framework;
  auto f = framework_index_.find(pod.framework);
  t.framework = f == framework_index_.end() ? kNone : f->second;
  t.request = request;
  t.constraints = constraints;
  t.order = pod.order;
  t.priority = pod.priority;
  t.gang_key = pod.gang;
  t.node_name = pod.node_name;
  t.assumed = false;
  t.terminal = false;
  Attach(task);
}

void Allocator::Impl::RemovePod(const std::string& key) {
  if (!succeeded_gang_.empty()) ForgetSucceeded(key);
  auto it = task_index_.find(key);
  if (it == task_index_.end()) return;
  int task = it->second;
  Detach(task);
  pods_.Release(tasks_[task].identity);
  if (!plans_.empty() || !evict_refused_.empty()) ForgetPreemption(key);
  tasks_[task] = TaskState{};
  task_index_.erase(it);
  free_tasks_.push_back(task);
}

void Allocator::Impl::BindFailed(const std::string& pod_key, double now) {
  auto it = task_index_.find(pod_key);
  if (it == task_index_.end()) return;
  int task = it->second;
  auto& t = tasks_[task];
  if (!t.assumed) return;
  int node = t.node;
  Detach(task);
  t.node_name.clear();
  t.assumed = false;
  if (t.framework != kNone) {
    auto& fw = frameworks_[t.framework];
    ++fw.offers_declined;
    if (node != kNone) {
      double expiry = now + fw.spec.refuse_seconds;
      fw.filters[node] = expiry;
      next_filter_expiry_ = std::min(next_filter_expiry_, expiry);
    }
  }
  Attach(task);
}

// ---------------------------------------------------------------- parking and waking

void Allocator::Impl::BlockClass(int cls, Block block, int group, Reason reason) {
  auto& c = classes_[cls];
  if (c.block == Block::kNone) {
    auto& fw = frameworks_[c.framework];
    if (--fw.unblocked_classes == 0) runnable_.erase(c.framework);
    c.blocked_pos = blocked_classes_.size();
    blocked_classes_.push_back(cls);
    if (c.pod_sensitive) ++pod_sensitive_blocked_;
  }
  c.block = block;
  c.block_group = group;
  c.reason = std::move(reason);
  changed_classes_.push_back(cls);
}

void Allocator::Impl::UnblockClass(int cls) {
  auto& c = classes_[cls];
  if (c.block == Block::kNone) return;
  int last = blocked_classes_.back();
  blocked_classes_[c.blocked_pos] = last;
  classes_[last].blocked_pos = c.blocked_pos;
  blocked_classes_.pop_back();
  c.block = Block::kNone;
  if (c.pod_sensitive) --pod_sensitive_blocked_;
  auto& fw = frameworks_[c.framework];
  if (fw.unblocked_classes++ == 0) runnable_.insert(c.framework);
}

void Allocator::Impl::UnblockFramework(int framework) {
  for (int cls : frameworks_[framework].classes) UnblockClass(cls);
}

void Allocator::Impl::UnblockPodSensitive() {
  // A pod holding a required anti-affinity term left a node: classes of every kind may have
  // been kept off its domain (placement::ExistingPodsAntiAffinity), so all may try again.
  const bool everyone = anti_affinity_epoch_seen_ != pods_.anti_affinity_epoch();
  const bool pods_moved = pods_epoch_seen_ != pods_.epoch();
  anti_affinity_epoch_seen_ = pods_.anti_affinity_epoch();
  pods_epoch_seen_ = pods_.epoch();
  if (!everyone && (!pods_moved || pod_sensitive_blocked_ == 0)) return;
  for (size_t i = blocked_classes_.size(); i-- > 0;) {
    if (i >= blocked_classes_.size()) continue;
    int cls = blocked_classes_[i];
    const Block b = classes_[cls].block;
    // Quota, suspension and unknown groups are not about pods: they keep their own wake-ups.
    if ((everyone || classes_[cls].pod_sensitive) &&
        (b == Block::kCapacity || b == Block::kNoEligible || b == Block::kHeadroom))
      UnblockClass(cls);
  }
}

void Allocator::Impl::UnblockAll() {
  while (!blocked_classes_.empty()) UnblockClass(blocked_classes_.back());
}

void Allocator::Impl::OnCapacityFreed(int node, int framework) {
  for (size_t i = blocked_classes_.size(); i-- > 0;) {
    if (i >= blocked_classes_.size()) continue;
    int cls = blocked_classes_[i];
    const auto& c = classes_[cls];
    switch (c.block) {
      case Block::kCapacity: {
        // The live plugins first: they are O(1), the bitmap may have to be built.
        PlacementQuery query(*this, cls, now_);
        if (query.Passes<placement::Scope::kLive>(NodeInfoOf(*this, node)) && Eligible(cls, node))
          UnblockClass(cls);
        break;
      }
      case Block::kHeadroom:
        UnblockClass(cls);
        break;
      case Block::kLimit:
        if (framework != kNone && frameworks_[framework].group != kNone &&
            InSubtree(frameworks_[framework].group, c.block_group))
          UnblockClass(cls);
        break;
      default:
        break;
    }
  }
}

const std::vector<uint8_t>& Allocator::Impl::EligibleNodes(int cls) {
  auto& c = classes_[cls];
  if (c.eligible_epoch != pool_.epoch() || c.eligible == nullptr) {
    // Classes with the same constraints in the same reservation scope share one bitmap: the
    // node-scoped plugins read nothing else (placement::Scope::kNode).
    const auto& fw = frameworks_[c.framework];
    int scope = groups_.reservation_scope(fw.group);
    uint64_t key = (static_cast<uint64_t>(c.constraints) << 32) | static_cast<uint32_t>(scope);
    auto& cache = eligibility_[key];
    if (cache.epoch != pool_.epoch()) {
      cache.epoch = pool_.epoch();
      cache.eligible.assign(pool_.slots(), 0);
      PlacementQuery query(*this, cls, now_);
      for (int n = 0; n < pool_.slots(); ++n) {
        if (!pool_.node(n).alive) continue;
        cache.eligible[n] = query.Passes<placement::Scope::kNode>(NodeInfoOf(*this, n));
      }
    }
    c.eligible = &cache.eligible;
    c.eligible_epoch = pool_.epoch();
  }
  return *c.eligible;
}

double Allocator::Impl::DominantShare(const ResourceSum& allocated) const {
  double share = 0;
  const ResourceSum& capacity = pool_.capacity();
  // Kinds past the catalog's are zero everywhere: skip them (this runs for every framework
  // and group at each stage of a cycle).
  for (int r = 0; r < catalog_.size(); ++r) {
    if (capacity[r] > 0 && allocated[r] > 0)
      share = std::max(share, ToDouble(allocated[r]) / ToDouble(capacity[r]));
  }
  return share;
}

}  // namespace kubemesos
