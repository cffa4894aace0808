// Binding workers.
#include "operator/loop/binder.h"

#include <nlohmann/json.hpp>

namespace kubemesos::loop {

Binder::Binder(client::KubeClient& client, EventQueue<LoopEvent>& results, int concurrency,
               std::function<bool()> may_bind)
    : client_(client), results_(results), may_bind_(std::move(may_bind)) {
  for (int i = 0; i < std::max(1, concurrency); ++i) workers_.emplace_back([this] { Work(); });
}

Binder::~Binder() {
  Stop();
}

void Binder::Bind(const Placement& placement) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(placement);
  }
  cv_.notify_one();
}

void Binder::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

uint64_t Binder::sent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sent_;
}

void Binder::Work() {
  while (true) {
    Placement placement;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      placement = std::move(queue_.front());
      queue_.pop_front();
    }
    BindResult result{placement.pod, placement.node, 0, ""};
    auto slash = placement.pod.find('/');
    std::string ns = placement.pod.substr(0, slash);
    std::string name = placement.pod.substr(slash + 1);
    if (may_bind_ && !may_bind_()) {
      result.message = "not binding: this replica may not bind now (not the leader)";
    } else {
      nlohmann::json binding = {
          {"apiVersion", "v1"},
          {"kind", "Binding"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", placement.node}}}};
      auto response = client_.Request(
          "POST", "/api/v1/namespaces/" + ns + "/pods/" + name + "/binding", binding.dump());
      result.status = response.status;
      result.message = response.message;
      std::lock_guard<std::mutex> lock(mu_);
      ++sent_;
    }
    results_.Push(LoopEvent::Bound(std::move(result)));
  }
}

}  // namespace kubemesos::loop
