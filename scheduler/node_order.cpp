// Incremental maintenance of the per-cycle node ranking.
#include "scheduler/node_order.h"

#include <algorithm>

namespace kubemesos {

bool NodeOrder::Before(int a, int b) const {
  if (score_[a] != score_[b]) {
    return policy_ == Policy::kBinpack ? score_[a] > score_[b] : score_[a] < score_[b];
  }
  return name_[a] < name_[b];
}

void NodeOrder::Add(int node, const std::string& name, double score) {
  size_t need = static_cast<size_t>(node) + 1;
  if (score_.size() < need) {
    score_.resize(need);
    name_.resize(need);
    present_.resize(need);
    dirty_.resize(need);
  }
  score_[node] = score;
  name_[node] = name;
  present_[node] = 1;
  full_sort_ = true;
}

void NodeOrder::Remove(int node) {
  present_[node] = 0;
  full_sort_ = true;
}

void NodeOrder::Update(int node, double score) {
  if (score_[node] == score) return;
  score_[node] = score;
  if (!dirty_[node] && !full_sort_) {
    dirty_[node] = 1;
    dirty_list_.push_back(node);
  }
}

void NodeOrder::Refresh() {
  auto before = [this](int a, int b) { return Before(a, b); };
  if (full_sort_) {
    order_.clear();
    for (size_t i = 0; i < present_.size(); ++i)
      if (present_[i]) order_.push_back(static_cast<int>(i));
    std::sort(order_.begin(), order_.end(), before);
  } else if (!dirty_list_.empty()) {
    // Take the changed nodes out, sort them, and merge them back in.
    std::vector<int> kept;
    kept.reserve(order_.size());
    for (int node : order_)
      if (!dirty_[node]) kept.push_back(node);
    std::sort(dirty_list_.begin(), dirty_list_.end(), before);
    order_.resize(kept.size() + dirty_list_.size());
    std::merge(kept.begin(), kept.end(), dirty_list_.begin(), dirty_list_.end(), order_.begin(),
               before);
  }
  for (int node : dirty_list_) dirty_[node] = 0;
  dirty_list_.clear();
  full_sort_ = false;
  position_.resize(score_.size());
  for (size_t i = 0; i < order_.size(); ++i) position_[order_[i]] = i;
  skip_.resize(order_.size() + 1);
  for (size_t i = 0; i <= order_.size(); ++i) skip_[i] = i;
}

void NodeOrder::MarkExhausted(int node) {
  size_t pos = position_[node];
  if (pos < order_.size() && order_[pos] == node) skip_[pos] = pos + 1;
}

size_t NodeOrder::Skip(size_t pos) const {
  size_t root = pos;
  while (skip_[root] != root) root = skip_[root];
  while (skip_[pos] != root) {
    size_t next = skip_[pos];
    skip_[pos] = root;
    pos = next;
  }
  return root;
}

}  // namespace kubemesos
