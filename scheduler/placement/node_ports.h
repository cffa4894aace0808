// Placement plugin NodePorts: a pod's host ports must be free on the node (kube-scheduler:
// NodePorts). Two uses conflict when protocol and port are equal and either host IP is 0.0.0.0
// (or empty) or both IPs are equal. The ports in use come from the pods on the node, placed
// earlier in this cycle included (PodIndex::HostPortsOn).
#pragma once

#include "scheduler/placement/plugin.h"

namespace kubemesos::placement {

struct NodePorts {
  static constexpr std::string_view kName = "NodePorts";
  static constexpr Scope kScope = Scope::kLive;
  static constexpr std::string_view kReason = "didn't have free ports for the requested pod ports";
  struct State {
    const std::vector<HostPort>* wanted = nullptr;
    const PodIndex* pods = nullptr;
  };

  static State PreFilter(const ClassInfo& c) { return {&c.constraints.host_ports, &c.pods}; }
  static Status Filter(const State& s, const NodeInfo& node) {
    if (s.wanted->empty()) return {};  // the hot path: most pods ask for no host port
    for (const HostPort& used : s.pods->HostPortsOn(node.index)) {
      for (const HostPort& want : *s.wanted) {
        if (Conflict(used, want)) return Status::Unresolvable(kReason);
      }
    }
    return {};
  }
  static bool Conflict(const HostPort& a, const HostPort& b) {
    if (a.port != b.port || a.protocol != b.protocol) return false;
    auto any = [](const std::string& ip) { return ip.empty() || ip == "0.0.0.0" || ip == "::"; };
    return any(a.ip) || any(b.ip) || a.ip == b.ip;
  }
};

}  // namespace kubemesos::placement
