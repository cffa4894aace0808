// ObjectServer: single-object CRUD like the API server (GET/POST/PUT by path, one
// resourceVersion counter, 409 on a stale resourceVersion, label-selected lists) behind a
// FakeKubeClient, for the Kubernetes registry backend's tests. Tests may edit `objects`
// directly (Mutate) to plant what a hostile writer would leave.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/fakes/client/fake_client.h"

namespace kubemesos::registry {

using client::HttpResponse;
using nlohmann::json;

// Single-object CRUD like the API server: objects by path, one resourceVersion counter.
class ObjectServer {
 public:
  explicit ObjectServer(client::FakeKubeClient& fake) {
    fake.SetHandler([this](std::string_view method, const std::string& pq,
                           const std::string& body) -> std::optional<HttpResponse> {
      return Handle(std::string(method), pq, body);
    });
  }
  int puts = 0, conflicts = 0;
  std::function<void()> before_put;     // runs before a PUT is applied (to race it)
  std::map<std::string, json> objects;  // path -> object

  json Get(const std::string& path) {
    std::lock_guard<std::mutex> l(mu_);
    return objects.count(path) ? objects[path] : json();
  }
  void Mutate(const std::string& path, const std::function<void(json&)>& f) {
    std::lock_guard<std::mutex> l(mu_);
    f(objects[path]);
    objects[path]["metadata"]["resourceVersion"] = std::to_string(++rv_);
  }

 private:
  static HttpResponse Status(int code) { return {code, R"({"kind":"Status"})", "", "HTTP error"}; }
  std::optional<HttpResponse> Handle(const std::string& method, const std::string& pq,
                                     const std::string& body) {
    if (method == "PUT" && before_put) {
      auto f = std::move(before_put);
      before_put = nullptr;
      f();
    }
    std::lock_guard<std::mutex> l(mu_);
    std::string path = pq.substr(0, pq.find('?'));
    if (method == "GET" && pq.find("?labelSelector=") != std::string::npos) {
      std::string want = pq.substr(pq.find('=') + 1);  // kubemesos.io%2Fregistry%3D<name>
      want = want.substr(want.find("%3D") + 3);
      json list = {{"kind", "ConfigMapList"}, {"items", json::array()}};
      for (auto& [p, o] : objects)
        if (p.rfind(path + "/", 0) == 0 &&
            o["metadata"]["labels"].value("kubemesos.io/registry", "") == want)
          list["items"].push_back(o);
      return HttpResponse{200, list.dump(), "", ""};
    }
    if (method == "GET") {
      if (!objects.count(path)) return Status(404);
      return HttpResponse{200, objects[path].dump(), "", ""};
    }
    json o = json::parse(body);
    if (method == "POST") {
      path += "/" + o["metadata"]["name"].get<std::string>();
      if (objects.count(path)) return Status(409);
    } else if (method == "PUT") {
      ++puts;
      if (!objects.count(path)) return Status(404);
      if (o["metadata"].value("resourceVersion", "") !=
          objects[path]["metadata"].value("resourceVersion", "")) {
        ++conflicts;
        return Status(409);
      }
    }
    o["metadata"]["resourceVersion"] = std::to_string(++rv_);
    objects[path] = o;
    return HttpResponse{method == "POST" ? 201 : 200, o.dump(), "", ""};
  }
  std::mutex mu_;
  int64_t rv_ = 100;
};

}  // namespace kubemesos::registry
