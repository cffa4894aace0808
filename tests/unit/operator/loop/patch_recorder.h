// Test helper: a FakeKubeClient handler that records the status PATCHes a writer sends (and
// fails the first `fail` of them), and WaitFor, a deadline-bounded wait on a condition, for the
// status writer tests.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/fakes/client/fake_client.h"

namespace kubemesos::loop::test_support {

struct PatchRecorder {
  std::mutex mu;
  std::vector<std::pair<std::string, nlohmann::json>> patches;
  int fail = 0;
  client::FakeKubeClient::Handler Handler() {
    return [this](std::string_view method, const std::string& path,
                  const std::string& body) -> std::optional<client::HttpResponse> {
      std::lock_guard<std::mutex> lock(mu);
      if (method != "PATCH") return std::nullopt;
      if (fail > 0) {
        --fail;
        return client::HttpResponse{500, "boom", "", "boom"};
      }
      patches.emplace_back(path, nlohmann::json::parse(body));
      return client::HttpResponse{200, "{}", "", ""};
    };
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return patches.size();
  }
};

// True once `done()` holds; false after 5 s.
inline bool WaitFor(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace kubemesos::loop::test_support
