// How the Informer gets a whole collection (see informer.h): LIST pages, or a watch-list
// stream (sendInitialEvents) where the server serves it, each object compared with what the
// consumer already has so that a relist delivers only the difference.
#include <unordered_set>

#include "operator/client/informer.h"
#include "operator/client/informer_objects.h"
#include "operator/proto/codec.h"

namespace kubemesos::client {
namespace {

using informer_objects::Describe;
using informer_objects::Field;
using informer_objects::KeyOf;
using informer_objects::Stub;
using nlohmann::json;

// One LIST page, whatever its encoding.
struct Page {
  std::vector<json> items;
  std::string api_version, kind;  // of the items; "" when the page does not say
  std::string continue_token, resource_version;
};

// Decodes a LIST answer by its Content-Type; false with `error` when it is not a list.
bool DecodePage(const HttpResponse& r, Page& page, std::string& error) {
  if (proto::IsProtobuf(r.content_type)) {
    proto::ListPage list;
    if (!proto::DecodeList(r.body, list, error)) return false;
    page.items = std::move(list.items);
    page.api_version = std::move(list.api_version);
    page.kind = std::move(list.kind);
    page.continue_token = std::move(list.continue_token);
    page.resource_version = std::move(list.resource_version);
    return true;
  }
  json list = json::parse(r.body, nullptr, false);
  if (!list.is_object() || !list.contains("items") || !list["items"].is_array()) {
    error = "response is not a list object";
    return false;
  }
  std::string list_kind = list.value("kind", "");
  if (list_kind.size() > 4 && list_kind.ends_with("List")) {
    page.kind = list_kind.substr(0, list_kind.size() - 4);
    page.api_version = list.value("apiVersion", "");
  }
  page.items = std::move(list["items"].get_ref<json::array_t&>());
  const json& md = list.contains("metadata") ? list["metadata"] : json::object();
  page.continue_token = md.value("continue", "");
  page.resource_version = md.value("resourceVersion", "");
  return true;
}

}  // namespace

bool Informer::ListAll() {
  list_refused_ = 0;
  std::unordered_set<std::string> seen;
  std::string cont, rv;
  do {
    std::string query = Query(false);
    if (!cont.empty()) query += "&continue=" + QueryEscape(cont);
    HttpResponse r = client_.Request("GET", options_.path + query, "", kJsonMediaType, accept_);
    if (stopping_) return false;
    if (!r.ok()) {
      if (cont.empty() && (r.status == 404 || r.status == 403)) list_refused_ = r.status;
      if (list_refused_ && options_.absent_ok) return false;  // see absent_ok: not an error
      Fail(Describe(cont.empty() ? "list" : "list (next page)", r));
      return false;  // an expired continue token (410) restarts the list after a backoff
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.content_type = r.content_type;
    }
    Page page;
    std::string error;
    if (!DecodePage(r, page, error)) {
      Fail("list: " + error);
      return false;
    }
    if (!page.kind.empty()) {
      kind_ = page.kind;
      api_version_ = page.api_version;
    }
    // Each page is delivered as it arrives (the first one is in the consumer's hands while
    // the next is on the wire); deletions wait for the last page.
    for (json& item : page.items) ListItem(item, seen);
    cont = page.continue_token;
    rv = page.resource_version;
  } while (!cont.empty() && !stopping_);
  if (stopping_) return false;
  FinishList(seen, rv);
  return true;
}

void Informer::ListItem(json& item, std::unordered_set<std::string>& seen) {
  if (!item.is_object() || !item.contains("metadata") || !item["metadata"].is_object()) return;
  if (kind_.empty() && item.contains("kind")) {
    kind_ = item.value("kind", "");
    api_version_ = item.value("apiVersion", "");
  }
  std::string key = KeyOf(item);
  seen.insert(key);
  Known now{Field(item, "uid"), Field(item, "resourceVersion")};
  auto it = known_.find(key);
  if (it == known_.end()) {
    known_.emplace(key, now);
    Emit(EventType::kAdded, std::move(item));
  } else if (it->second.uid != now.uid) {
    json gone = Stub(api_version_, kind_, key, it->second.uid, it->second.resource_version);
    it->second = now;
    Emit(EventType::kDeleted, std::move(gone));
    Emit(EventType::kAdded, std::move(item));
  } else if (it->second.resource_version != now.resource_version) {
    it->second = now;
    Emit(EventType::kModified, std::move(item));
  }
}

void Informer::FinishList(const std::unordered_set<std::string>& seen, const std::string& rv) {
  for (auto it = known_.begin(); it != known_.end();) {
    if (seen.count(it->first) > 0) {
      ++it;
      continue;
    }
    json gone = Stub(api_version_, kind_, it->first, it->second.uid, it->second.resource_version);
    it = known_.erase(it);
    Emit(EventType::kDeleted, std::move(gone));
  }
  resource_version_ = rv;
  std::lock_guard<std::mutex> lock(mu_);
  if (++stats_.lists > 1) ++stats_.relists;
}

Informer::WatchListResult Informer::WatchListAll() {
  list_refused_ = 0;
  // From the newest state (resourceVersion unset): the stream starts with an ADDED event per
  // object, then a bookmark annotated k8s.io/initial-events-end; after it the informer resumes
  // with an ordinary watch from the bookmark's version.
  std::string query = Query(true, /*watch_list=*/true);
  std::unique_ptr<WatchStream> owned = client_.Watch(options_.path + query, accept_);
  WatchStream* stream = owned.get();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stream_ = std::move(owned);
    if (stopping_) stream_->Cancel();
  }
  WatchListResult result = WatchListResult::kFailed;
  int status = stream->Status();
  if (status == 404 || status == 403) {
    list_refused_ = status;
    if (!options_.absent_ok) Fail("watch-list: " + stream->Error());
  } else if (status >= 400 && status < 500 && status != 410 && status != 429) {
    // Not served (the WatchList feature is off: 422, or an older server): LIST from now on.
    result = WatchListResult::kRefused;
  } else if (status != 200) {
    Fail("watch-list: " + stream->Error());
  } else {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.content_type = stream->ContentType();
    }
    const bool protobuf = proto::IsProtobuf(stream->ContentType());
    std::unordered_set<std::string> seen;
    std::string line, type, error;
    bool failed = false;
    while (!failed && result == WatchListResult::kFailed && stream->Next(line)) {
      json object;
      if (!DecodeEvent(line, protobuf, type, object, error)) {
        Fail("watch-list: " + error);
        failed = true;
        continue;
      }
      if (type == "ADDED") {
        ListItem(object, seen);
      } else if (type == "BOOKMARK") {
        const json& md = kube::lenient::Field(object, "metadata");
        if (kube::lenient::Str(kube::lenient::Field(md, "annotations"),
                               "k8s.io/initial-events-end") == "true") {
          FinishList(seen, Field(object, "resourceVersion"));
          result = WatchListResult::kListed;
        }
      } else {
        Fail("watch-list: " + type + " event before the initial events ended: " +
             util::SanitizeUtf8(util::SafeDump(object), 200));
        failed = true;
      }
    }
    if (result != WatchListResult::kListed && !stopping_ && !failed) {
      std::string why = stream->Error();
      Fail("watch-list: the stream ended before its initial-events-end bookmark" +
           (why.empty() ? std::string() : ": " + why));
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  stream_.reset();
  return result;
}

}  // namespace kubemesos::client
