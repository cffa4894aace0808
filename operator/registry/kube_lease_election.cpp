// Leader election on a coordination.k8s.io/v1 Lease (see kube_lease_election.h).
#include "operator/registry/kube_lease_election.h"

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>

#include <nlohmann/json.hpp>

#include "operator/kube/lenient.h"
#include "operator/registry/kv_store.h"
#include "operator/util/guard.h"
#include "operator/util/text.h"

namespace kubemesos::registry {

using nlohmann::json;
namespace lenient = kube::lenient;

namespace {

// Kubernetes MicroTime: "2026-11-27T04:03:18.123456Z".
std::string NowMicroTime() {
  auto now = std::chrono::system_clock::now();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t secs = us / 1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(us % 1000000));
  return buf;
}

// spec[key] when it is an integer in [0, INT32_MAX] (what the API server allows), else nullopt.
std::optional<int64_t> NonNegativeInt32(const json& spec, const char* key) {
  const json& v = lenient::Field(spec, key);
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u <= uint64_t(INT32_MAX)) return static_cast<int64_t>(u);
  } else if (v.is_number_integer()) {
    int64_t i = v.get<int64_t>();
    if (i >= 0 && i <= INT32_MAX) return i;
  }
  return std::nullopt;
}

std::string Describe(const std::string& what, const client::HttpResponse& r) {
  return "lease: " + what + ": " +
         (r.message.empty() ? "HTTP " + std::to_string(r.status) : r.message);
}

}  // namespace

KubeLeaseElection::KubeLeaseElection(client::KubeClient& client, const util::Clock& clock,
                                     KubeLeaseOptions options)
    : ElectionBase(clock), client_(client), o_(std::move(options)) {}

KubeLeaseElection::~KubeLeaseElection() {
  Stop();
}

void KubeLeaseElection::Step() {
  const std::string collection = "/apis/coordination.k8s.io/v1/namespaces/" + o_.ns + "/leases";
  const std::string path = collection + "/" + o_.name;
  TimePoint sent = clock_.Now();
  auto got = Call("GET", path);
  if (got.status == 404) {  // nobody ever led: create it, holding it
    json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", o_.name}, {"namespace", o_.ns}}},
                  {"spec",
                   {{"holderIdentity", o_.identity},
                    {"leaseDurationSeconds", o_.lease_seconds},
                    {"acquireTime", NowMicroTime()},
                    {"renewTime", NowMicroTime()},
                    {"leaseTransitions", 0}}}};
    auto created = Call("POST", collection, util::SafeDump(lease));
    if (created.ok()) {
      SetHolder(o_.identity);
      SetLeader(true, sent + std::chrono::seconds(o_.lease_seconds) - o_.safety_margin);
    } else if (created.status != 409) {
      Fail(Describe("create", created));
    }
    return;
  }
  if (!got.ok()) return Fail(Describe("get", got));
  json lease = json::parse(got.body, nullptr, false);
  if (!lease.is_object() || !lenient::Field(lease, "metadata").is_object())
    return Fail("lease: get: " + std::string(kMalformedReply) + ": not a Lease");
  json& spec = lease["spec"];
  if (!spec.is_object()) spec = json::object();
  std::string holder = lenient::Str(spec, "holderIdentity");
  // A garbled duration (only a fake server sends one) counts as ours; it bounds the expiry
  // arithmetic either way.
  int64_t duration = NonNegativeInt32(spec, "leaseDurationSeconds").value_or(0);
  if (duration < 1) duration = o_.lease_seconds;
  std::string version = lenient::Str(lease["metadata"], "resourceVersion");
  SetHolder(util::SanitizeUtf8(holder, 256));  // for Holder(): printable and short
  bool leading = Leading();
  TimePoint seen_at;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (version != seen_version_) {  // it changed: someone is alive (or released it)
      seen_version_ = version;
      seen_at_ = sent;  // the change happened no later than our request was sent
    }
    seen_at = seen_at_;
  }
  bool ours = holder == o_.identity;
  if (!ours && leading) SetLeader(false, TimePoint::min());  // someone took it: step down
  bool expired = holder.empty() || sent >= seen_at + std::chrono::seconds(duration);
  if (!ours && !expired) return;  // another replica leads: stay standby
  if (!ours) {
    spec["holderIdentity"] = o_.identity;
    spec["acquireTime"] = NowMicroTime();
    int64_t transitions = NonNegativeInt32(spec, "leaseTransitions").value_or(0);
    spec["leaseTransitions"] = transitions < INT32_MAX ? transitions + 1 : 0;
  }
  spec["leaseDurationSeconds"] = o_.lease_seconds;
  spec["renewTime"] = NowMicroTime();
  auto put = Call("PUT", path, util::SafeDump(lease));
  if (!put.ok()) {
    // 409: someone wrote it first (renewed, or took it): step down; the next round decides.
    return Fail(Describe(ours ? "renew" : "acquire", put));
  }
  json stored = json::parse(put.body, nullptr, false);
  SetHolder(o_.identity);
  {
    std::lock_guard<std::mutex> l(mu_);
    seen_version_ = lenient::Str(lenient::Field(stored, "metadata"), "resourceVersion");
    seen_at_ = sent;
  }
  SetLeader(true, sent + std::chrono::seconds(o_.lease_seconds) - o_.safety_margin);
}

client::HttpResponse KubeLeaseElection::Call(std::string_view method, const std::string& path,
                                             const std::string& body) {
  auto r = client_.Request(method, path, body);
  // A missing Lease (404) and a lost race (409) are answers, not failures of the registry.
  if (o_.report) o_.report("lease", r.ok() || r.status == 404 || r.status == 409);
  return r;
}

void KubeLeaseElection::Start() {
  rounds_.Start([this]() -> util::RoundThread::Wait {
    return Round(
        "Lease election round", "a Lease election round failed (see the log)", [this] { Step(); },
        o_.standby_poll, o_.renew_interval);
  });
}

void KubeLeaseElection::Stop() {
  if (rounds_.Stop()) Resign();
}

void KubeLeaseElection::Resign() {
  bool was = Leading();
  SetLeader(false, TimePoint::min());  // stop acting first, then release
  if (!was) return;
  const std::string path =
      "/apis/coordination.k8s.io/v1/namespaces/" + o_.ns + "/leases/" + o_.name;
  auto got = Call("GET", path);
  if (!got.ok()) return;
  json lease = json::parse(got.body, nullptr, false);
  if (!lease.is_object() || !lenient::Field(lease, "spec").is_object() ||
      lenient::Str(lease["spec"], "holderIdentity") != o_.identity)
    return;
  lease["spec"]["holderIdentity"] = "";  // released: a standby takes it at its next round
  lease["spec"]["renewTime"] = NowMicroTime();
  Call("PUT", path, util::SafeDump(lease));
}

}  // namespace kubemesos::registry
