// The allocator's mirror of nodes (kept by NodePool), groups (GroupTree) and frameworks, its
// read-only views and the public facade. Tasks and their queues are in tasks.cpp; the cycle itself
// in allocation_cycle.cpp.
#include "scheduler/allocator.h"

#include <algorithm>

#include "scheduler/allocator_impl.h"

namespace kubemesos {

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
    case ReasonCode::kWaitingForGang:
      return "WaitingForPodGroup " + subject;
    case ReasonCode::kWaitingForMembers:
      return "WaitingForMembers " + subject;
  }
  return "Unknown";
}

bool Reason::BlockedByPolicy() const {
  return code != ReasonCode::kInsufficient && code != ReasonCode::kNoEligibleNode;
}

// ---------------------------------------------------------------- nodes

void Allocator::Impl::UpsertNode(const NodeSpec& spec) {
  const auto [node, change] = pool_.Upsert(spec);
  if (change == NodePool::Change::kUnchanged) return;  // heartbeats, status noise
  if (change == NodePool::Change::kAdded) {
    // Pods that were reported on this node before the node itself.
    if (auto missing = on_missing_node_.find(spec.name); missing != on_missing_node_.end()) {
      auto waiting = std::move(missing->second);
      on_missing_node_.erase(missing);
      for (int task : waiting) {
        auto& t = tasks_[task];
        t.node = node;
        pool_.AddUsage(node, t.request);
        pods_.Add(task, node, t.identity, t.constraints);
      }
    }
  }
  // A new or changed node may fit anything that was waiting for capacity or eligibility.
  for (size_t i = blocked_classes_.size(); i-- > 0;) {
    int cls = blocked_classes_[i];
    Block b = classes_[cls].block;
    if (b == Block::kCapacity || b == Block::kNoEligible || b == Block::kHeadroom)
      UnblockClass(cls);
  }
}

void Allocator::Impl::RemoveNode(const std::string& name) {
  int node = pool_.Find(name);
  if (node == kNone) return;
  // Pods still on the node keep their claim (on their framework) until they are removed; they
  // wait for a node of that name to come back.
  for (size_t t = 0; t < tasks_.size(); ++t) {
    auto& task = tasks_[t];
    if (task.node == node) {
      task.node = kNone;
      pods_.Remove(static_cast<int>(t));
      on_missing_node_[name].insert(static_cast<int>(t));
    }
  }
  // Capacity reserved there for a gang leaves with the node.
  for (auto& gang : gangs_) {
    std::erase_if(gang.reserved, [&](const GangReservation& r) { return r.node == node; });
  }
  pool_.Remove(name);
  for (auto& fw : frameworks_) fw.filters.erase(node);
}

// ---------------------------------------------------------------- groups

void Allocator::Impl::UpsertGroup(const GroupSpec& group) {
  groups_.Upsert(group);  // rebuilt once before the next cycle, not once per group
}

void Allocator::Impl::RemoveGroup(const std::string& name) {
  groups_.Remove(name);
}

void Allocator::Impl::EnsureGroups() {
  if (groups_.dirty()) RebuildGroups();
}

void Allocator::Impl::RebuildGroups() {
  groups_.Rebuild();
  // Re-resolve frameworks; the groups' allocations follow from the frameworks'.
  for (auto& fw : frameworks_) {
    if (!fw.alive) continue;
    fw.group = groups_.Resolve(fw.spec.group);
    groups_.Attach(fw.group, fw.allocated);
  }
  pool_.RefreshReservations();
  eligibility_.clear();
  UnblockAll();
}

// ---------------------------------------------------------------- frameworks

void Allocator::Impl::UpsertFramework(const FrameworkSpec& spec) {
  auto it = framework_index_.find(spec.key);
  if (it != framework_index_.end()) {
    auto& fw = frameworks_[it->second];
    if (fw.spec.group == spec.group && fw.spec.suspended == spec.suspended &&
        fw.spec.refuse_seconds == spec.refuse_seconds && fw.spec.gang == spec.gang)
      return;
    if (fw.spec.gang != spec.gang) {
      const int f = it->second;
      const bool had = fw.spec.gang.min_member > 0, has = spec.gang.min_member > 0;
      fw.spec.gang = spec.gang;
      if (has && fw.gang != kNone) {
        gangs_[fw.gang].policy = spec.gang;
        WakeGang(fw.gang);
      } else if (had != has) {
        ReattachMembers(f);  // joins or leaves the gang that fw.spec.gang now says
      }
    }
    if (fw.spec.group != spec.group) {
      // Moving to another group: take the allocation out of the old path, into the new one.
      groups_.Detach(fw.group, fw.allocated);
      fw.spec = spec;
      fw.group = groups_.Resolve(spec.group);
      groups_.Attach(fw.group, fw.allocated);
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
  fw.group = groups_.Resolve(spec.group);
  groups_.Attach(fw.group, fw.allocated);
  if (spec.gang.min_member > 0) fw.gang = NewFrameworkGang(f);
  // Adopt the tasks that were waiting for this framework.
  if (auto orphans = orphans_.find(spec.key); orphans != orphans_.end()) {
    auto waiting = std::move(orphans->second);
    orphans_.erase(orphans);
    for (int task : waiting) {
      tasks_[task].framework = f;
      fw.members.insert(task);
      JoinGang(task);
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
  if (fw.gang != kNone) {
    gangs_[fw.gang].has_spec = false;  // freed now that it has no members
    MaybeFreeGang(fw.gang);
  }
  groups_.Detach(fw.group, fw.allocated);  // nothing allocated is left: its tasks are orphans
  runnable_.erase(f);
  fw = FrameworkState{};
  framework_index_.erase(it);
  free_frameworks_.push_back(f);
}

// ---------------------------------------------------------------- views

std::vector<GroupStatus> Allocator::Impl::Groups() const {
  std::vector<GroupStatus> out;
  // What frameworks that may be victims hold, by subtree: the most reclaim could take.
  std::vector<ResourceSum> preemptable(groups_.size());
  for (const auto& fw : frameworks_) {
    if (!fw.alive || fw.group == kNone || !fw.spec.preemptable) continue;
    for (int g = fw.group; g != kNone; g = groups_.parent(g)) preemptable[g] += fw.allocated;
  }
  for (int g = 1; g < groups_.size(); ++g) {
    GroupStatus status;
    status.name = groups_.name(g);
    status.valid = groups_.valid(g);
    status.invalid_message = groups_.invalid_message(g);
    status.allocated = Narrow(groups_.allocated(g));
    status.dominant_share = DominantShare(groups_.allocated(g));
    status.frameworks = groups_.direct_frameworks(g);
    status.guarantee = groups_.spec(g).guarantee;
    status.limit = groups_.spec(g).limit;
    status.guarantee_policy = groups_.spec(g).guarantee_policy;
    const ResourceSum& allocated = groups_.allocated(g);
    ResourceSum borrowed, lent, reclaimable;
    for (int r = 0; r < catalog_.size(); ++r) {
      const WideAmount guarantee = status.guarantee.Has(r) ? status.guarantee.amount[r] : 0;
      borrowed[r] = std::max<WideAmount>(0, allocated[r] - guarantee);
      lent[r] = std::max<WideAmount>(0, guarantee - allocated[r]);
      reclaimable[r] = std::min(borrowed[r], preemptable[g][r]);
    }
    status.borrowed = Narrow(borrowed);
    status.lent = Narrow(lent);
    status.reclaimable = Narrow(reclaimable);
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
    status.group_valid = fw.group != kNone;
    status.suspended = fw.spec.suspended;
    status.allocated = Narrow(fw.allocated);
    status.dominant_share = DominantShare(fw.allocated);
    status.running = fw.running;
    status.pending = fw.pending;
    status.offers_accepted = fw.offers_accepted;
    status.offers_declined = fw.offers_declined;
    status.revocable = fw.revocable;
    status.preempted = fw.preempted;
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

Allocator::Allocator(AllocatorOptions options) : impl_(std::make_unique<Impl>(options)) {}
Allocator::~Allocator() = default;
ResourceCatalog& Allocator::catalog() {
  return impl_->catalog_;
}
const ResourceCatalog& Allocator::catalog() const {
  return impl_->catalog_;
}
void Allocator::UpsertNode(const NodeSpec& node) {
  impl_->UpsertNode(node);
}
void Allocator::UpsertNamespace(const std::string& name, const Labels& labels) {
  impl_->pods_.UpsertNamespace(name, labels);
}

const Labels& Allocator::NamespaceLabels(const std::string& name) const {
  return impl_->pods_.NamespaceLabels(name);
}

void Allocator::RemoveNamespace(const std::string& name) {
  impl_->pods_.RemoveNamespace(name);
}

const NodeSpec* Allocator::FindNode(const std::string& name) const {
  int node = impl_->pool_.Find(name);
  return node == NodePool::kNone ? nullptr : &impl_->pool_.node(node).spec;
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
void Allocator::EvictionFailed(const std::string& key, double now) {
  impl_->EvictionFailed(key, now);
}
void Allocator::RestorePreemption(const Preemption& plan) {
  impl_->RestorePreemption(plan);
}
std::vector<Preemption> Allocator::Preemptions() const {
  return impl_->Preemptions();
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
void Allocator::UpsertGang(const GangSpec& gang) {
  impl_->UpsertGang(gang);
}
void Allocator::RemoveGang(const std::string& key) {
  impl_->RemoveGang(key);
}
std::vector<GangStatus> Allocator::Gangs() const {
  return impl_->Gangs();
}
std::optional<Reason> Allocator::PendingReason(const std::string& key) const {
  return impl_->PendingReason(key);
}
Resources Allocator::TotalCapacity() const {
  return Narrow(impl_->pool_.capacity());
}
Resources Allocator::TotalAllocated() const {
  return Narrow(impl_->pool_.used_total());
}
size_t Allocator::node_count() const {
  return impl_->pool_.count();
}
size_t Allocator::pending_task_count() const {
  return static_cast<size_t>(impl_->pending_tasks_);
}

}  // namespace kubemesos
