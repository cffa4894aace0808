// The allocator's bookkeeping: mirroring nodes, groups, frameworks and pods, and parking and
// waking task classes as the cluster changes. The cycle itself is in allocation_cycle.cpp.
#include "scheduler/allocator.h"

#include <algorithm>

#include "scheduler/allocator_impl.h"

namespace kubemesos {
namespace {

double AllocationScore(const NodeState& node) {
  double sum = 0;
  int kinds = 0;
  for (ResourceId r : {kCpu, kMemory}) {
    if (node.spec.allocatable[r] > 0) {
      sum += static_cast<double>(node.used[r]) / static_cast<double>(node.spec.allocatable[r]);
      ++kinds;
    }
  }
  return kinds ? sum / kinds : 0.0;
}

Resources ClippedFree(const NodeState& node) {
  Resources free;
  if (!node.alive || !node.healthy) return free;
  for (int r = 0; r < kMaxResourceKinds; ++r)
    free[r] = std::max<int64_t>(0, node.spec.allocatable[r] - node.used[r]);
  return free;
}

template <typename T>
int TakeSlot(std::vector<T>& table, std::vector<int>& free_list) {
  if (!free_list.empty()) {
    int slot = free_list.back();
    free_list.pop_back();
    table[slot] = T{};
    return slot;
  }
  table.emplace_back();
  return static_cast<int>(table.size() - 1);
}

}  // namespace

// ---------------------------------------------------------------- Reason

std::string Reason::Short() const {
  switch (code) {
    case ReasonCode::kInsufficient:
      return "Insufficient " + subject;
    case ReasonCode::kQuotaLimit:
      return "QuotaLimit " + subject;
    case ReasonCode::kNoEligibleNode:
      return "NoEligibleNode";
    case ReasonCode::kUnknownGroup:
      return "UnknownGroup " + subject;
    case ReasonCode::kUnknownFramework:
      return "UnknownFramework " + subject;
    case ReasonCode::kSuspended:
      return "Suspended";
  }
  return "Unknown";
}

bool Reason::BlockedByPolicy() const {
  return code != ReasonCode::kInsufficient && code != ReasonCode::kNoEligibleNode;
}

// ---------------------------------------------------------------- nodes

int Allocator::Impl::ReservationFor(const NodeSpec& node) const {
  int best = kNone;
  for (int g : reserving_groups_) {
    const auto& group = groups_[g];
    if (!SelectorMatches(group.spec.node_selector, node.labels)) continue;
    // The most specific (deepest) group wins; groups_ is in name order, so ties go by name.
    if (best == kNone || group.depth > groups_[best].depth) best = g;
  }
  return best;
}

bool Allocator::Impl::InSubtree(int group, int ancestor) const {
  for (int g = group; g != kNone; g = groups_[g].parent)
    if (g == ancestor) return true;
  return false;
}

void Allocator::Impl::AddNodeUsage(int node, const Resources& delta) {
  auto& state = nodes_[node];
  free_total_ -= ClippedFree(state);
  state.used += delta;
  free_total_ += ClippedFree(state);
  used_total_ += delta;
  order_.Update(node, AllocationScore(state));
}

void Allocator::Impl::RefreshNodeHealth(int node) {
  auto& state = nodes_[node];
  state.healthy = state.spec.ready && !state.spec.unschedulable;
  state.reserved_for = ReservationFor(state.spec);
}

void Allocator::Impl::UpsertNode(const NodeSpec& spec) {
  auto it = node_index_.find(spec.name);
  int node;
  if (it == node_index_.end()) {
    node = TakeSlot(nodes_, free_nodes_);
    node_index_[spec.name] = node;
    nodes_[node].alive = true;
    nodes_[node].spec = spec;
    RefreshNodeHealth(node);
    capacity_ += spec.allocatable;
    free_total_ += ClippedFree(nodes_[node]);
    order_.Add(node, spec.name, 0.0);
    // Pods that were reported on this node before the node itself.
    if (auto missing = on_missing_node_.find(spec.name); missing != on_missing_node_.end()) {
      auto waiting = std::move(missing->second);
      on_missing_node_.erase(missing);
      for (int task : waiting) {
        tasks_[task].node = node;
        AddNodeUsage(node, tasks_[task].request);
      }
    }
  } else {
    node = it->second;
    auto& state = nodes_[node];
    const NodeSpec& old = state.spec;
    if (old.labels == spec.labels && old.ready == spec.ready &&
        old.unschedulable == spec.unschedulable && old.allocatable == spec.allocatable &&
        old.taints.size() == spec.taints.size() &&
        std::equal(old.taints.begin(), old.taints.end(), spec.taints.begin(),
                   [](const Taint& a, const Taint& b) {
                     return a.key == b.key && a.value == b.value && a.effect == b.effect;
                   })) {
      return;  // nothing the engine uses changed (heartbeats, status noise)
    }
    free_total_ -= ClippedFree(state);
    capacity_ -= state.spec.allocatable;
    state.spec = spec;
    RefreshNodeHealth(node);
    capacity_ += spec.allocatable;
    free_total_ += ClippedFree(state);
    order_.Update(node, AllocationScore(state));
  }
  ++node_epoch_;
  // A new or changed node may fit anything that was waiting for capacity or eligibility.
  for (size_t i = blocked_classes_.size(); i-- > 0;) {
    int cls = blocked_classes_[i];
    Block b = classes_[cls].block;
    if (b == Block::kCapacity || b == Block::kNoEligible || b == Block::kHeadroom)
      UnblockClass(cls);
  }
}

void Allocator::Impl::RemoveNode(const std::string& name) {
  auto it = node_index_.find(name);
  if (it == node_index_.end()) return;
  int node = it->second;
  auto& state = nodes_[node];
  // Pods still on the node keep their claim (on their framework) until they are removed; they
  // wait for a node of that name to come back.
  for (size_t t = 0; t < tasks_.size(); ++t) {
    auto& task = tasks_[t];
    if (task.node == node) {
      task.node = kNone;
      on_missing_node_[name].insert(static_cast<int>(t));
    }
  }
  free_total_ -= ClippedFree(state);
  capacity_ -= state.spec.allocatable;
  used_total_ -= state.used;
  state = NodeState{};
  order_.Remove(node);
  node_index_.erase(it);
  free_nodes_.push_back(node);
  for (auto& fw : frameworks_) fw.filters.erase(node);
  ++node_epoch_;
}

// ---------------------------------------------------------------- groups

void Allocator::Impl::UpsertGroup(const GroupSpec& group) {
  auto it = group_specs_.find(group.name);
  if (it != group_specs_.end() && it->second.parent == group.parent &&
      it->second.weight == group.weight && it->second.guarantee.amount == group.guarantee.amount &&
      it->second.guarantee.set_mask == group.guarantee.set_mask &&
      it->second.limit.amount == group.limit.amount &&
      it->second.limit.set_mask == group.limit.set_mask &&
      it->second.node_selector == group.node_selector)
    return;
  group_specs_[group.name] = group;
  groups_dirty_ = true;  // rebuilt once before the next cycle, not once per group
}

void Allocator::Impl::RemoveGroup(const std::string& name) {
  if (group_specs_.erase(name)) groups_dirty_ = true;
}

void Allocator::Impl::EnsureGroups() {
  if (groups_dirty_) RebuildGroups();
}

int Allocator::Impl::ResolveGroup(const std::string& name) const {
  if (groups_dirty_) return kNone;  // the rebuild resolves every framework
  auto g = group_index_.find(name);
  return (g != group_index_.end() && groups_[g->second].valid) ? g->second : kNone;
}

void Allocator::Impl::RebuildGroups() {
  groups_dirty_ = false;
  groups_.assign(1, GroupState{});
  groups_[kRootGroup].spec.name = "";
  group_index_.clear();
  for (const auto& [name, spec] : group_specs_) {
    group_index_[name] = static_cast<int>(groups_.size());
    groups_.emplace_back().spec = spec;
  }
  // Resolve parents, then find loops and invalid ancestors.
  for (size_t g = 1; g < groups_.size(); ++g) {
    auto& group = groups_[g];
    if (group.spec.weight <= 0) {
      group.valid = false;
      group.invalid_message = "weight must be greater than 0";
    }
    if (group.spec.parent.empty()) {
      group.parent = kRootGroup;
    } else if (auto p = group_index_.find(group.spec.parent); p != group_index_.end()) {
      group.parent = p->second;
    } else {
      group.parent = kNone;
      group.valid = false;
      group.invalid_message = "parent group \"" + group.spec.parent + "\" does not exist";
    }
  }
  // Loops first: a group that reaches itself walking up is in a loop.
  const int limit = static_cast<int>(groups_.size());
  for (size_t g = 1; g < groups_.size(); ++g) {
    int at = groups_[g].parent;
    for (int steps = 0; at != kNone && at != kRootGroup && steps < limit; ++steps) {
      if (at == static_cast<int>(g)) {
        groups_[g].valid = false;
        groups_[g].invalid_message = "parent chain forms a loop";
        break;
      }
      at = groups_[at].parent;
    }
  }
  // Then groups below an invalid ancestor; and depths.
  for (size_t g = 1; g < groups_.size(); ++g) {
    int depth = 0;
    int at = static_cast<int>(g);
    while (groups_[g].valid && at != kRootGroup && depth <= limit) {
      if (at == kNone || !groups_[at].valid) {
        groups_[g].valid = false;
        groups_[g].invalid_message =
            "ancestor group \"" + groups_[at == kNone ? g : at].spec.name + "\" is invalid";
        break;
      }
      at = groups_[at].parent;
      ++depth;
    }
    groups_[g].depth = depth;
  }
  reserving_groups_.clear();
  for (size_t g = 1; g < groups_.size(); ++g) {
    auto& group = groups_[g];
    if (!group.valid) {
      group.parent = kNone;
      continue;
    }
    groups_[group.parent].children.push_back(static_cast<int>(g));
    if (!group.spec.node_selector.empty()) reserving_groups_.push_back(static_cast<int>(g));
  }
  for (size_t g = 1; g < groups_.size(); ++g) {
    auto& group = groups_[g];
    for (int a = static_cast<int>(g); group.valid && a != kNone && a != kRootGroup;
         a = groups_[a].parent) {
      if (!groups_[a].spec.node_selector.empty()) {
        group.reservation_scope = a;
        break;
      }
    }
  }
  // Re-resolve frameworks and recompute every group's allocation from the frameworks'.
  for (size_t f = 0; f < frameworks_.size(); ++f) {
    auto& fw = frameworks_[f];
    if (!fw.alive) continue;
    auto g = group_index_.find(fw.spec.group);
    fw.group = (g != group_index_.end() && groups_[g->second].valid) ? g->second : kNone;
    if (fw.group != kNone) {
      ++groups_[fw.group].direct_frameworks;
      for (int a = fw.group; a != kNone; a = groups_[a].parent)
        groups_[a].allocated += fw.allocated;
    }
  }
  RecomputeAllNeeds();
  for (size_t n = 0; n < nodes_.size(); ++n)
    if (nodes_[n].alive) RefreshNodeHealth(static_cast<int>(n));
  ++node_epoch_;
  eligibility_.clear();
  UnblockAll();
}

void Allocator::Impl::AddToGroupPath(int framework, const Resources& delta) {
  int group = frameworks_[framework].group;
  if (group == kNone || groups_dirty_) return;
  for (int g = group; g != kNone; g = groups_[g].parent) groups_[g].allocated += delta;
  RecomputeNeed(group);
}

// ---------------------------------------------------------------- frameworks

void Allocator::Impl::UpsertFramework(const FrameworkSpec& spec) {
  auto it = framework_index_.find(spec.key);
  if (it != framework_index_.end()) {
    auto& fw = frameworks_[it->second];
    if (fw.spec.group == spec.group && fw.spec.suspended == spec.suspended &&
        fw.spec.refuse_seconds == spec.refuse_seconds)
      return;
    if (fw.spec.group != spec.group) {
      // Moving to another group: take the allocation out of the old path, into the new one.
      if (fw.group != kNone && !groups_dirty_) {
        --groups_[fw.group].direct_frameworks;
        Resources minus = Resources{} - fw.allocated;
        AddToGroupPath(it->second, minus);
      }
      fw.spec = spec;
      fw.group = ResolveGroup(spec.group);
      if (fw.group != kNone) {
        ++groups_[fw.group].direct_frameworks;
        AddToGroupPath(it->second, fw.allocated);
      }
      for (auto& cls : classes_) cls.cursor.cycle = 0;
    }
    fw.spec = spec;
    UnblockFramework(it->second);
    return;
  }
  int f = TakeSlot(frameworks_, free_frameworks_);
  framework_index_[spec.key] = f;
  fw_rank_dirty_ = true;
  auto& fw = frameworks_[f];
  fw.alive = true;
  fw.spec = spec;
  fw.group = ResolveGroup(spec.group);
  if (fw.group != kNone) ++groups_[fw.group].direct_frameworks;
  // Adopt the tasks that were waiting for this framework.
  if (auto orphans = orphans_.find(spec.key); orphans != orphans_.end()) {
    auto waiting = std::move(orphans->second);
    orphans_.erase(orphans);
    for (int task : waiting) {
      tasks_[task].framework = f;
      fw.members.insert(task);
      if (tasks_[task].node_name.empty()) {
        Enqueue(task);
      } else {
        frameworks_[f].allocated += tasks_[task].request;
        ++frameworks_[f].running;
        AddToGroupPath(f, tasks_[task].request);
      }
    }
  }
}

void Allocator::Impl::RemoveFramework(const std::string& key) {
  auto it = framework_index_.find(key);
  if (it == framework_index_.end()) return;
  int f = it->second;
  std::vector<int> members(frameworks_[f].members.begin(), frameworks_[f].members.end());
  std::sort(members.begin(), members.end());
  for (int task : members) {
    Detach(task);
    tasks_[task].framework = kNone;
    Attach(task);  // as an orphan now
  }
  auto& fw = frameworks_[f];
  if (fw.group != kNone && !groups_dirty_) --groups_[fw.group].direct_frameworks;
  runnable_.erase(f);
  fw = FrameworkState{};
  framework_index_.erase(it);
  free_frameworks_.push_back(f);
}

// ---------------------------------------------------------------- tasks

void Allocator::Impl::Enqueue(int task) {
  auto& t = tasks_[task];
  int f = t.framework;
  ClassKey key{f, t.constraints, t.request};
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
    frameworks_[f].classes.push_back(cls);
    ++frameworks_[f].unblocked_classes;
    runnable_.insert(f);
  }
  auto& c = classes_[cls];
  c.queue.emplace(t.order, t.key, task);
  t.cls = cls;
  ++frameworks_[f].pending;
  ++pending_tasks_;
  if (c.block != Block::kNone) to_report_.push_back(task);
}

void Allocator::Impl::Dequeue(int task) {
  auto& t = tasks_[task];
  int cls = t.cls;
  auto& c = classes_[cls];
  if (std::get<2>(*c.queue.begin()) == task) {
    c.queue.erase(c.queue.begin());
  } else {
    c.queue.erase({t.order, t.key, task});
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
  ClassKey key{c.framework, c.constraints, c.request};
  class_index_.erase(key);
  c = TaskClass{};
  free_classes_.push_back(cls);
}

int Allocator::Impl::PlaceHead(int cls, int node) {
  int task = std::get<2>(*classes_[cls].queue.begin());
  auto& t = tasks_[task];
  int f = t.framework;
  Dequeue(task);  // may drop the class
  t.node_name = nodes_[node].spec.name;
  t.node = node;
  t.assumed = true;
  t.reported.reset();
  AddNodeUsage(node, t.request);
  auto& fw = frameworks_[f];
  fw.allocated += t.request;
  ++fw.running;
  AddToGroupPath(f, t.request);
  return task;
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
      Enqueue(task);
    }
    return;
  }
  if (auto n = node_index_.find(t.node_name); n != node_index_.end()) {
    t.node = n->second;
    AddNodeUsage(t.node, t.request);
  } else {
    on_missing_node_[t.node_name].insert(task);
  }
  if (t.framework != kNone) {
    auto& fw = frameworks_[t.framework];
    fw.members.insert(task);
    fw.allocated += t.request;
    ++fw.running;
    AddToGroupPath(t.framework, t.request);
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
    t.reported.reset();
    return;
  }
  int freed = kNone;
  if (t.node != kNone) {
    AddNodeUsage(t.node, Resources{} - t.request);
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
    AddToGroupPath(t.framework, Resources{} - t.request);
  } else if (!t.framework_key.empty()) {
    if (auto o = orphans_.find(t.framework_key); o != orphans_.end()) {
      o->second.erase(task);
      if (o->second.empty()) orphans_.erase(o);
    }
  }
  if (freed != kNone) OnCapacityFreed(freed, t.framework);
}

int InternConstraints(Allocator::Impl& impl, const PlacementConstraints& constraints) {
  std::string key = constraints.CanonicalKey();
  auto it = impl.constraints_index_.find(key);
  if (it != impl.constraints_index_.end()) return it->second;
  int id = static_cast<int>(impl.constraints_.size());
  impl.constraints_.push_back(constraints);
  impl.constraints_index_.emplace(std::move(key), id);
  return id;
}

void Allocator::Impl::UpsertPod(const PodSpec& pod) {
  auto it = task_index_.find(pod.key);
  if (pod.terminal) {
    if (it != task_index_.end()) RemovePod(pod.key);
    return;
  }
  int task;
  if (it == task_index_.end()) {
    task = TakeSlot(tasks_, free_tasks_);
    task_index_[pod.key] = task;
  } else {
    task = it->second;
    auto& t = tasks_[task];
    // An assumed placement stands until the bind is observed or fails.
    if (t.assumed && pod.node_name.empty()) return;
    if (t.assumed && pod.node_name == t.node_name) {
      t.assumed = false;
      return;
    }
    if (t.node_name == pod.node_name && t.framework_key == pod.framework &&
        t.request == pod.request && !t.assumed && t.order == pod.order &&
        constraints_[t.constraints].CanonicalKey() == pod.constraints.CanonicalKey())
      return;  // nothing the engine uses changed
    Detach(task);
  }
  auto& t = tasks_[task];
  t.key = pod.key;
  t.framework_key = pod.framework;
  auto f = framework_index_.find(pod.framework);
  t.framework = f == framework_index_.end() ? kNone : f->second;
  t.request = pod.request;
  t.constraints = InternConstraints(*this, pod.constraints);
  t.order = pod.order;
  t.node_name = pod.node_name;
  t.assumed = false;
  t.terminal = false;
  Attach(task);
}

void Allocator::Impl::RemovePod(const std::string& key) {
  auto it = task_index_.find(key);
  if (it == task_index_.end()) return;
  int task = it->second;
  Detach(task);
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
  auto& fw = frameworks_[c.framework];
  if (fw.unblocked_classes++ == 0) runnable_.insert(c.framework);
}

void Allocator::Impl::UnblockFramework(int framework) {
  for (int cls : frameworks_[framework].classes) UnblockClass(cls);
}

void Allocator::Impl::UnblockAll() {
  while (!blocked_classes_.empty()) UnblockClass(blocked_classes_.back());
}

void Allocator::Impl::OnCapacityFreed(int node, int framework) {
  const auto& state = nodes_[node];
  Resources free = state.spec.allocatable - state.used;
  for (size_t i = blocked_classes_.size(); i-- > 0;) {
    if (i >= blocked_classes_.size()) continue;
    int cls = blocked_classes_[i];
    const auto& c = classes_[cls];
    switch (c.block) {
      case Block::kCapacity:
        if (state.healthy && free.Contains(c.request) && Eligible(cls, node, now_))
          UnblockClass(cls);
        break;
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

bool Allocator::Impl::Eligible(int cls, int node, double now) {
  auto& c = classes_[cls];
  const auto& fw = frameworks_[c.framework];
  if (c.eligible_epoch != node_epoch_ || c.eligible == nullptr) {
    // Classes with the same constraints in the same group share one eligibility vector.
    int scope = fw.group == kNone ? kNone : groups_[fw.group].reservation_scope;
    uint64_t key = (static_cast<uint64_t>(c.constraints) << 32) | static_cast<uint32_t>(scope);
    auto& cache = eligibility_[key];
    if (cache.epoch != node_epoch_) {
      cache.epoch = node_epoch_;
      cache.eligible.assign(nodes_.size(), 0);
      const auto& constraints = constraints_[c.constraints];
      for (size_t n = 0; n < nodes_.size(); ++n) {
        const auto& state = nodes_[n];
        if (!state.alive || !state.healthy) continue;
        if (state.reserved_for != kNone && !InSubtree(fw.group, state.reserved_for)) continue;
        cache.eligible[n] =
            Admits(constraints, {state.spec.name, state.spec.labels, state.spec.taints});
      }
    }
    c.eligible = &cache.eligible;
    c.eligible_epoch = node_epoch_;
  }
  if (!(*c.eligible)[node]) return false;
  if (!fw.filters.empty()) {
    auto f = fw.filters.find(node);
    if (f != fw.filters.end() && f->second > now) return false;
  }
  return true;
}

double Allocator::Impl::DominantShare(const Resources& allocated) const {
  double share = 0;
  for (int r = 0; r < kMaxResourceKinds; ++r) {
    if (capacity_[r] > 0 && allocated[r] > 0)
      share =
          std::max(share, static_cast<double>(allocated[r]) / static_cast<double>(capacity_[r]));
  }
  return share;
}

// ---------------------------------------------------------------- views

std::vector<GroupStatus> Allocator::Impl::Groups() const {
  std::vector<GroupStatus> out;
  for (size_t g = 1; g < groups_.size(); ++g) {
    const auto& group = groups_[g];
    GroupStatus status;
    status.name = group.spec.name;
    status.valid = group.valid;
    status.invalid_message = group.invalid_message;
    status.allocated = group.allocated;
    status.dominant_share = DominantShare(group.allocated);
    status.frameworks = group.direct_frameworks;
    out.push_back(std::move(status));
  }
  return out;
}

std::vector<FrameworkStatus> Allocator::Impl::Frameworks() const {
  std::vector<FrameworkStatus> out;
  for (const auto& fw : frameworks_) {
    if (!fw.alive) continue;
    FrameworkStatus status;
    status.key = fw.spec.key;
    status.group = fw.spec.group;
    status.allocated = fw.allocated;
    status.dominant_share = DominantShare(fw.allocated);
    status.running = fw.running;
    status.pending = fw.pending;
    status.offers_accepted = fw.offers_accepted;
    status.offers_declined = fw.offers_declined;
    out.push_back(std::move(status));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

std::optional<Reason> Allocator::Impl::PendingReason(const std::string& key) const {
  auto it = task_index_.find(key);
  if (it == task_index_.end()) return std::nullopt;
  return tasks_[it->second].reported;
}

// ---------------------------------------------------------------- facade

Allocator::Allocator(AllocatorOptions options) : impl_(std::make_unique<Impl>(options)) {
  impl_->order_.set_policy(options.policy);
}
Allocator::~Allocator() = default;
ResourceCatalog& Allocator::catalog() {
  return impl_->catalog_;
}
void Allocator::UpsertNode(const NodeSpec& node) {
  impl_->UpsertNode(node);
}
void Allocator::RemoveNode(const std::string& name) {
  impl_->RemoveNode(name);
}
void Allocator::UpsertGroup(const GroupSpec& group) {
  impl_->UpsertGroup(group);
}
void Allocator::RemoveGroup(const std::string& name) {
  impl_->RemoveGroup(name);
}
void Allocator::UpsertFramework(const FrameworkSpec& fw) {
  impl_->UpsertFramework(fw);
}
void Allocator::RemoveFramework(const std::string& key) {
  impl_->RemoveFramework(key);
}
void Allocator::UpsertPod(const PodSpec& pod) {
  impl_->UpsertPod(pod);
}
void Allocator::RemovePod(const std::string& key) {
  impl_->RemovePod(key);
}
void Allocator::BindFailed(const std::string& key, double now) {
  impl_->BindFailed(key, now);
}
AllocationResult Allocator::Allocate(double now) {
  return impl_->Allocate(now);
}
std::vector<GroupStatus> Allocator::Groups() const {
  return impl_->Groups();
}
std::vector<FrameworkStatus> Allocator::Frameworks() const {
  return impl_->Frameworks();
}
std::optional<Reason> Allocator::PendingReason(const std::string& key) const {
  return impl_->PendingReason(key);
}
Resources Allocator::TotalCapacity() const {
  return impl_->capacity_;
}
Resources Allocator::TotalAllocated() const {
  return impl_->used_total_;
}
size_t Allocator::node_count() const {
  return impl_->node_index_.size();
}
size_t Allocator::pending_task_count() const {
  return static_cast<size_t>(impl_->pending_tasks_);
}

}  // namespace kubemesos
