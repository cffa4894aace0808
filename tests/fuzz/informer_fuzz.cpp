// Fuzzes the Informer (operator/client/informer.h) with what an API server could answer: the
// input is a script of lines, played by a KubeClient that answers each LIST request with the
// next line (one page) and each WATCH with the following lines up to a blank line (the
// stream); a line "!NNN" instead answers that request with HTTP status NNN. The Informer must
// survive any script (no exception, no crash) and keep the consumer's cache exact: ADDED only
// for an object the consumer does not have, MODIFIED and DELETED only for one it has.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "operator/client/informer.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace kubemesos;
using namespace kubemesos::client;

// A status line "!NNN" -> NNN, else 0.
int StatusOf(const std::string& line) {
  if (line.size() != 4 || line[0] != '!') return 0;
  int status = 0;
  for (char c : line.substr(1)) {
    if (c < '0' || c > '9') return 0;
    status = status * 10 + (c - '0');
  }
  return status;
}

class ScriptedStream : public WatchStream {
 public:
  ScriptedStream(int status, std::vector<std::string> lines)
      : status_(status), lines_(std::move(lines)) {}
  bool Next(std::string& line) override {
    if (cancelled_ || next_ >= lines_.size()) return false;
    line = lines_[next_++];
    return true;
  }
  void Cancel() override { cancelled_ = true; }
  int Status() const override { return status_; }
  std::string Error() const override { return status_ == 200 ? "" : "scripted failure"; }

 private:
  int status_;
  std::vector<std::string> lines_;
  size_t next_ = 0;
  std::atomic<bool> cancelled_{false};
};

class ScriptedClient : public KubeClient {
 public:
  explicit ScriptedClient(std::vector<std::string> lines) : script_(lines.begin(), lines.end()) {}

  HttpResponse Request(std::string_view, const std::string&, const std::string& = "",
                       std::string_view = "", std::string_view = "") override {
    std::lock_guard<std::mutex> lock(mu_);
    if (script_.empty()) return Exhausted();
    std::string line = std::move(script_.front());
    script_.pop_front();
    if (int status = StatusOf(line)) return {status, "", "", "scripted status"};
    return {200, std::move(line), "", ""};
  }

  std::unique_ptr<WatchStream> Watch(const std::string&, std::string_view) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (script_.empty()) {
      Exhausted();
      return std::make_unique<ScriptedStream>(500, std::vector<std::string>{});
    }
    if (int status = StatusOf(script_.front())) {
      script_.pop_front();
      return std::make_unique<ScriptedStream>(status, std::vector<std::string>{});
    }
    std::vector<std::string> lines;
    while (!script_.empty()) {
      std::string line = std::move(script_.front());
      script_.pop_front();
      if (line.empty()) break;  // the end of this stream
      lines.push_back(std::move(line));
    }
    return std::make_unique<ScriptedStream>(200, std::move(lines));
  }

  // Blocks until the Informer asked for more than the script holds.
  void WaitExhausted() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return exhausted_; });
  }

 private:
  HttpResponse Exhausted() {
    exhausted_ = true;
    cv_.notify_all();
    return {500, "", "", "script exhausted"};
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> script_;
  bool exhausted_ = false;
};

// The consumer's cache, as the Informer's contract promises to keep it exact.
std::string KeyOf(const nlohmann::json& object) {
  const nlohmann::json& md = object.at("metadata");
  std::string ns = md.value("namespace", "");
  std::string name = md.value("name", "");
  return ns.empty() ? name : ns + "/" + name;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ScriptedClient client(fuzz::Lines(fuzz::AsText(data, size)));
  std::set<std::string> cache;  // touched by the informer thread only
  InformerOptions options;
  options.path = "/api/v1/pods";
  options.min_backoff = std::chrono::milliseconds(0);
  options.max_backoff = std::chrono::milliseconds(0);
  Informer informer(client, options,
                    {[&](InformerEvent e) {
                       FUZZ_CHECK(e.object.is_object() && e.object.contains("metadata") &&
                                      e.object["metadata"].is_object(),
                                  "an event carries an object with metadata");
                       std::string key = KeyOf(e.object);
                       switch (e.type) {
                         case EventType::kAdded:
                           FUZZ_CHECK(cache.insert(key).second, "ADDED twice: " + key);
                           break;
                         case EventType::kModified:
                           FUZZ_CHECK(cache.count(key) == 1, "MODIFIED unknown: " + key);
                           break;
                         case EventType::kDeleted:
                           FUZZ_CHECK(cache.erase(key) == 1, "DELETED unknown: " + key);
                           break;
                       }
                     },
                     nullptr});
  informer.Start();
  client.WaitExhausted();
  informer.Stop();
  return 0;
}
