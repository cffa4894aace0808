// The in-memory KubeClient for unit tests. See fake_client.h for what it emulates.
#include "tests/fakes/client/fake_client.h"

#include <condition_variable>
#include <deque>
#include <mutex>

#include "operator/proto/codec.h"

namespace kubemesos::client {

using nlohmann::json;

namespace {

// The shared state of one watch stream: events (lines or frames) queued by the fake, read by
// the consumer.
struct StreamState {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> lines;
  bool ended = false;
  bool cancelled = false;
  int status = 200;
  bool protobuf = false;  // frames, not lines

  void Push(std::string line) {
    std::lock_guard<std::mutex> lock(mu);
    if (ended) return;
    lines.push_back(std::move(line));
    cv.notify_all();
  }
  void End() {
    std::lock_guard<std::mutex> lock(mu);
    ended = true;
    cv.notify_all();
  }
};

class FakeStream : public WatchStream {
 public:
  explicit FakeStream(std::shared_ptr<StreamState> s) : s_(std::move(s)) {}
  ~FakeStream() override { Cancel(); }

  bool Next(std::string& line) override {
    std::unique_lock<std::mutex> lock(s_->mu);
    s_->cv.wait(lock, [&] { return s_->cancelled || !s_->lines.empty() || s_->ended; });
    if (s_->cancelled || s_->lines.empty()) return false;
    line = std::move(s_->lines.front());
    s_->lines.pop_front();
    return true;
  }
  void Cancel() override {
    std::lock_guard<std::mutex> lock(s_->mu);
    s_->cancelled = true;
    s_->ended = true;
    s_->cv.notify_all();
  }
  int Status() const override { return s_->status; }
  std::string Error() const override {
    return s_->status == 200 ? "" : "fake watch failed with status " + std::to_string(s_->status);
  }
  std::string ContentType() const override {
    return std::string(s_->protobuf ? proto::kProtobufContentType : kJsonMediaType);
  }

 private:
  std::shared_ptr<StreamState> s_;
};

struct HistoryEvent {
  uint64_t rv;
  std::string type;
  json object;
};

struct Collection {
  std::map<std::string, json> objects;  // key -> object
  std::vector<HistoryEvent> history;    // rv ascending
  uint64_t compacted = 0;               // watches from a resourceVersion below this get 410
  std::vector<std::shared_ptr<StreamState>> streams;
  std::string api_version, kind;  // of the objects stored so far (the last one's)
};

std::string Key(const json& object) {
  const json& md = object.at("metadata");
  std::string name = md.value("name", "");
  std::string ns = md.value("namespace", "");
  return ns.empty() ? name : ns + "/" + name;
}

std::string Decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

json StatusObject(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
          {"code", code},     {"reason", reason},   {"message", message}};
}

HttpResponse StatusResponse(int code, const std::string& reason, const std::string& message) {
  return HttpResponse{code, StatusObject(code, reason, message).dump(), "", message};
}

std::string EventLine(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump();
}

// One watch event as a stream of `protobuf` carries it: a line, or a frame without its prefix
// (an object the codec cannot encode gives a frame that does not decode: the test sees it).
std::string Render(bool protobuf, const std::string& type, const json& object) {
  if (!protobuf) return EventLine(type, object);
  std::string frame, error;
  if (!proto::EncodeWatchEvent(type, object, frame, error)) return "fake: " + error;
  return frame.substr(4);
}

// Whether an answer to `accept` about objects of `c` is protobuf: asked, and a kind the codec
// knows (as the API server answers JSON for custom resources).
bool WantsProtobuf(std::string_view accept, const Collection& c) {
  return accept.find(proto::kProtobufContentType) != std::string_view::npos &&
         proto::Knows(c.api_version, c.kind);
}

void NoteKind(Collection& c, const json& object) {
  if (object.contains("kind") && object["kind"].is_string()) {
    c.kind = object["kind"];
    c.api_version = object.value("apiVersion", "v1");
  }
}

}  // namespace

struct FakeKubeClient::State {
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  uint64_t version = 1;
  uint64_t uids = 0;
  uint64_t snapshots_made = 0;
  std::map<std::string, Collection> collections;
  // continue-token id -> (resourceVersion, items)
  std::map<uint64_t, std::pair<std::string, std::vector<json>>> snapshots;
  std::vector<std::string> log;
  std::vector<std::string> accepts;     // the Accept of each logged request
  std::vector<std::string> body_types;  // and its body's Content-Type
  std::map<std::string, int> watch_calls;
  bool refuse_watch_list = false;
  int fail_requests = 0, fail_request_status = 500, fail_watches = 0, fail_watch_status = 500;
  std::string fail_retry_after;
  Handler handler;

  uint64_t NextVersion() { return ++version; }

  // Records an event in the history of `c` and sends it to its open streams.
  void Emit(Collection& c, uint64_t rv, const std::string& type, const json& object) {
    c.history.push_back({rv, type, object});
    std::erase_if(c.streams, [](const std::shared_ptr<StreamState>& s) {
      std::lock_guard<std::mutex> lock(s->mu);
      return s->ended;
    });
    for (auto& s : c.streams) s->Push(Render(s->protobuf, type, object));
  }
};

std::string SplitPathQuery(const std::string& pq, std::map<std::string, std::string>* query) {
  auto q = pq.find('?');
  if (q == std::string::npos) return pq;
  size_t pos = q + 1;
  while (query != nullptr && pos <= pq.size()) {
    size_t amp = pq.find('&', pos);
    if (amp == std::string::npos) amp = pq.size();
    std::string kv = pq.substr(pos, amp - pos);
    if (!kv.empty()) {
      auto eq = kv.find('=');
      if (eq == std::string::npos) {
        (*query)[Decode(kv)] = "";
      } else {
        (*query)[Decode(kv.substr(0, eq))] = Decode(kv.substr(eq + 1));
      }
    }
    pos = amp + 1;
  }
  return pq.substr(0, q);
}

FakeKubeClient::FakeKubeClient() : s_(std::make_unique<State>()) {}

FakeKubeClient::~FakeKubeClient() {
  std::lock_guard<std::mutex> lock(s_->mu);
  for (auto& [path, c] : s_->collections)
    for (auto& st : c.streams) st->End();
}

HttpResponse FakeKubeClient::Request(std::string_view method, const std::string& pq,
                                     const std::string& body, std::string_view content_type,
                                     std::string_view accept) {
  Handler handler;
  {
    std::lock_guard<std::mutex> lock(s_->mu);
    s_->log.push_back(std::string(method) + " " + pq);
    s_->accepts.emplace_back(accept);
    s_->body_types.emplace_back(content_type);
    if (s_->fail_requests > 0) {
      --s_->fail_requests;
      if (s_->fail_request_status == 0)
        return HttpResponse{0, "fake transport failure", "", "fake transport failure"};
      HttpResponse r = StatusResponse(s_->fail_request_status, "InternalError", "injected failure");
      r.retry_after = s_->fail_retry_after;
      return r;
    }
    std::map<std::string, std::string> query;
    std::string path = SplitPathQuery(pq, &query);
    // Every GET with a limit is a list, also of a path nothing was stored under yet.
    if (method == "GET" && (s_->collections.count(path) > 0 || query.count("limit") > 0)) {
      int64_t limit = query.count("limit") ? std::stoll(query["limit"]) : 0;
      std::string cont = query.count("continue") ? query["continue"] : "";
      std::string rv;
      std::vector<json> items;
      size_t offset = 0;
      uint64_t id = 0;
      if (cont.empty()) {
        rv = std::to_string(s_->version);
        for (auto& [k, obj] : s_->collections[path].objects) items.push_back(obj);
        id = ++s_->snapshots_made;
      } else {
        auto colon = cont.find(':');
        id = std::stoull(cont.substr(0, colon));
        offset = std::stoull(cont.substr(colon + 1));
        auto it = s_->snapshots.find(id);
        if (it == s_->snapshots.end())
          return StatusResponse(410, "Expired", "The provided continue parameter is too old");
        rv = it->second.first;
        items = it->second.second;
      }
      size_t end =
          limit > 0 ? std::min(items.size(), offset + static_cast<size_t>(limit)) : items.size();
      // Named like the server names it: "PodList" for Pods (taken from the stored objects).
      const Collection& c = s_->collections[path];
      std::string kind = "List", api_version = "v1";
      if (!items.empty() && items[0].contains("kind")) {
        kind = items[0].value("kind", "") + "List";
        api_version = items[0].value("apiVersion", "v1");
      } else if (!c.kind.empty()) {
        kind = c.kind + "List";
        api_version = c.api_version;
      }
      json list = {
          {"kind", kind}, {"apiVersion", api_version}, {"metadata", {{"resourceVersion", rv}}}};
      list["items"] = json::array();
      for (size_t i = offset; i < end; ++i) list["items"].push_back(items[i]);
      if (end < items.size()) {
        list["metadata"]["continue"] = std::to_string(id) + ":" + std::to_string(end);
        list["metadata"]["remainingItemCount"] = items.size() - end;
        s_->snapshots[id] = {rv, std::move(items)};
      } else {
        s_->snapshots.erase(id);
      }
      if (!WantsProtobuf(accept, c)) {
        HttpResponse r{200, list.dump(), "", ""};
        r.content_type = std::string(kJsonMediaType);
        return r;
      }
      proto::ListPage page;
      page.api_version = c.api_version;
      page.kind = c.kind;
      page.resource_version = rv;
      page.continue_token = list["metadata"].value("continue", "");
      if (list["metadata"].contains("remainingItemCount"))
        page.remaining_item_count = list["metadata"]["remainingItemCount"];
      page.items = std::move(list["items"].get_ref<json::array_t&>());
      HttpResponse r{200, "", "", ""};
      std::string error;
      if (!proto::EncodeList(page, r.body, error))
        return StatusResponse(500, "InternalError", "the fake cannot encode the list: " + error);
      r.content_type = std::string(proto::kProtobufContentType);
      return r;
    }
    handler = s_->handler;
  }
  if (handler) {
    if (!proto::IsProtobuf(content_type)) {
      if (auto r = handler(method, pq, body)) return *r;
    } else {
      json decoded;
      std::string error;
      if (!proto::DecodeObject(body, decoded, error))
        return StatusResponse(400, "BadRequest", "the fake cannot decode the body: " + error);
      if (auto r = handler(method, pq, decoded.dump())) return *r;
    }
  }
  return StatusResponse(404, "NotFound", "the fake has no " + pq);
}

std::unique_ptr<WatchStream> FakeKubeClient::Watch(const std::string& pq, std::string_view accept) {
  auto st = std::make_shared<StreamState>();
  std::lock_guard<std::mutex> lock(s_->mu);
  s_->log.push_back("WATCH " + pq);
  s_->accepts.emplace_back(accept);
  s_->body_types.emplace_back();
  std::map<std::string, std::string> query;
  std::string path = SplitPathQuery(pq, &query);
  ++s_->watch_calls[path];
  s_->cv.notify_all();
  if (s_->fail_watches > 0) {
    --s_->fail_watches;
    st->status = s_->fail_watch_status;
    st->ended = true;
    return std::make_unique<FakeStream>(st);
  }
  Collection& c = s_->collections[path];
  st->protobuf = WantsProtobuf(accept, c);
  if (query["sendInitialEvents"] == "true") {  // watch-list: the state, a bookmark, then live
    if (s_->refuse_watch_list) {
      st->status = 422;
      st->ended = true;
      return std::make_unique<FakeStream>(st);
    }
    for (const auto& [key, object] : c.objects)
      st->lines.push_back(Render(st->protobuf, "ADDED", object));
    json end = {{"metadata",
                 {{"resourceVersion", std::to_string(s_->version)},
                  {"annotations", {{"k8s.io/initial-events-end", "true"}}}}}};
    if (!c.kind.empty()) {
      end["apiVersion"] = c.api_version;
      end["kind"] = c.kind;
    }
    st->lines.push_back(Render(st->protobuf, "BOOKMARK", end));
    c.streams.push_back(st);
    return std::make_unique<FakeStream>(st);
  }
  uint64_t from = query.count("resourceVersion") && !query["resourceVersion"].empty()
                      ? std::stoull(query["resourceVersion"])
                      : s_->version;
  if (from < c.compacted) {
    st->lines.push_back(
        Render(st->protobuf, "ERROR", StatusObject(410, "Expired", "too old resource version")));
    st->ended = true;
    return std::make_unique<FakeStream>(st);
  }
  for (const HistoryEvent& e : c.history)
    if (e.rv > from) st->lines.push_back(Render(st->protobuf, e.type, e.object));
  c.streams.push_back(st);
  return std::make_unique<FakeStream>(st);
}

json FakeKubeClient::Create(const std::string& path, json object, bool silent) {
  std::lock_guard<std::mutex> lock(s_->mu);
  uint64_t rv = s_->NextVersion();
  object["metadata"]["resourceVersion"] = std::to_string(rv);
  if (!object["metadata"].contains("uid"))
    object["metadata"]["uid"] = "uid-" + std::to_string(++s_->uids);
  Collection& c = s_->collections[path];
  NoteKind(c, object);
  c.objects[Key(object)] = object;
  if (!silent) s_->Emit(c, rv, "ADDED", object);
  return object;
}

json FakeKubeClient::Update(const std::string& path, json object, bool silent) {
  std::lock_guard<std::mutex> lock(s_->mu);
  uint64_t rv = s_->NextVersion();
  Collection& c = s_->collections[path];
  NoteKind(c, object);
  auto it = c.objects.find(Key(object));
  if (it != c.objects.end() && !object["metadata"].contains("uid"))
    object["metadata"]["uid"] = it->second["metadata"]["uid"];
  object["metadata"]["resourceVersion"] = std::to_string(rv);
  c.objects[Key(object)] = object;
  if (!silent) s_->Emit(c, rv, it == c.objects.end() ? "ADDED" : "MODIFIED", object);
  return object;
}

bool FakeKubeClient::Delete(const std::string& path, const std::string& key, bool silent) {
  std::lock_guard<std::mutex> lock(s_->mu);
  Collection& c = s_->collections[path];
  auto it = c.objects.find(key);
  if (it == c.objects.end()) return false;
  uint64_t rv = s_->NextVersion();
  json object = std::move(it->second);
  c.objects.erase(it);
  object["metadata"]["resourceVersion"] = std::to_string(rv);
  if (!silent) s_->Emit(c, rv, "DELETED", object);
  return true;
}

std::string FakeKubeClient::Bookmark(const std::string& path) {
  std::lock_guard<std::mutex> lock(s_->mu);
  uint64_t rv = s_->NextVersion();
  Collection& c = s_->collections[path];
  json object = {{"metadata", {{"resourceVersion", std::to_string(rv)}}}};
  if (!c.kind.empty()) {  // as the server sends it: an object of the kind with only its version
    object["apiVersion"] = c.api_version;
    object["kind"] = c.kind;
  }
  for (auto& st : c.streams) st->Push(Render(st->protobuf, "BOOKMARK", object));
  return std::to_string(rv);
}

void FakeKubeClient::Compact(const std::string& path) {
  std::lock_guard<std::mutex> lock(s_->mu);
  Collection& c = s_->collections[path];
  c.history.clear();
  c.compacted = s_->version;
}

std::string FakeKubeClient::ResourceVersion() const {
  std::lock_guard<std::mutex> lock(s_->mu);
  return std::to_string(s_->version);
}

size_t FakeKubeClient::Size(const std::string& path) const {
  std::lock_guard<std::mutex> lock(s_->mu);
  auto it = s_->collections.find(path);
  return it == s_->collections.end() ? 0 : it->second.objects.size();
}

void FakeKubeClient::EndWatches(const std::string& path) {
  std::lock_guard<std::mutex> lock(s_->mu);
  Collection& c = s_->collections[path];
  for (auto& st : c.streams) st->End();
  c.streams.clear();
}

void FakeKubeClient::ExpireWatches(const std::string& path) {
  std::lock_guard<std::mutex> lock(s_->mu);
  Collection& c = s_->collections[path];
  json status = StatusObject(410, "Expired", "too old resource version");
  for (auto& st : c.streams) {
    st->Push(Render(st->protobuf, "ERROR", status));
    st->End();
  }
  c.streams.clear();
  c.history.clear();
  c.compacted = s_->version;
}

void FakeKubeClient::InjectLine(const std::string& path, const std::string& line) {
  std::lock_guard<std::mutex> lock(s_->mu);
  for (auto& st : s_->collections[path].streams) st->Push(line);
}

void FakeKubeClient::FailRequests(int n, int status, std::string retry_after) {
  std::lock_guard<std::mutex> lock(s_->mu);
  s_->fail_requests = n;
  s_->fail_request_status = status;
  s_->fail_retry_after = std::move(retry_after);
}

void FakeKubeClient::FailWatches(int n, int status) {
  std::lock_guard<std::mutex> lock(s_->mu);
  s_->fail_watches = n;
  s_->fail_watch_status = status;
}

void FakeKubeClient::RefuseWatchList() {
  std::lock_guard<std::mutex> lock(s_->mu);
  s_->refuse_watch_list = true;
}

void FakeKubeClient::ExpireContinueTokens() {
  std::lock_guard<std::mutex> lock(s_->mu);
  s_->snapshots.clear();
}

void FakeKubeClient::SetHandler(Handler handler) {
  std::lock_guard<std::mutex> lock(s_->mu);
  s_->handler = std::move(handler);
}

std::vector<std::string> FakeKubeClient::Requests() const {
  std::lock_guard<std::mutex> lock(s_->mu);
  return s_->log;
}

std::vector<std::string> FakeKubeClient::Accepts() const {
  std::lock_guard<std::mutex> lock(s_->mu);
  return s_->accepts;
}

std::vector<std::string> FakeKubeClient::BodyTypes() const {
  std::lock_guard<std::mutex> lock(s_->mu);
  return s_->body_types;
}

void FakeKubeClient::DeclareKind(const std::string& path, const std::string& api_version,
                                 const std::string& kind) {
  std::lock_guard<std::mutex> lock(s_->mu);
  Collection& c = s_->collections[path];
  c.api_version = api_version;
  c.kind = kind;
}

int FakeKubeClient::WatchCalls(const std::string& path) const {
  std::lock_guard<std::mutex> lock(s_->mu);
  auto it = s_->watch_calls.find(path);
  return it == s_->watch_calls.end() ? 0 : it->second;
}

bool FakeKubeClient::WaitForWatchCalls(const std::string& path, int n,
                                       std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(s_->mu);
  return s_->cv.wait_for(lock, timeout, [&] {
    auto it = s_->watch_calls.find(path);
    return it != s_->watch_calls.end() && it->second >= n;
  });
}

}  // namespace kubemesos::client
