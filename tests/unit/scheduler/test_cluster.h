// Test helpers: terse builders for nodes, groups, frameworks and tasks, and a harness that
// remembers where every pod runs so tests can check capacity independently of the engine.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "scheduler/allocator.h"

namespace kubemesos::testing {

inline constexpr int64_t kGi = 1024LL * 1024 * 1024;

// cpu in cores (fractions allowed), memory in GiB.
inline Resources Res(double cpu, double mem_gib, int64_t pods = 0) {
  Resources r;
  r[kCpu] = static_cast<int64_t>(cpu * 1000 + 0.5);
  r[kMemory] = static_cast<int64_t>(mem_gib * kGi + 0.5);
  r[kPods] = pods;
  return r;
}

// "n" + 3 -> "n3" (appending, which GCC 12's -Wrestrict does not misread as "n" + to_string does).
inline std::string Indexed(const char* prefix, int index) {
  std::string out(prefix);
  out += std::to_string(index);
  return out;
}

inline NodeSpec Node(const std::string& name, double cpu, double mem_gib, Labels labels = {},
                     int64_t pods = 110) {
  NodeSpec n;
  n.name = name;
  n.allocatable = Res(cpu, mem_gib, pods);
  n.labels = std::move(labels);
  return n;
}

inline GroupSpec Group(const std::string& name, double weight = 1, const std::string& parent = "") {
  GroupSpec g;
  g.name = name;
  g.weight = weight;
  g.parent = parent;
  return g;
}

inline FrameworkSpec Framework(const std::string& key, const std::string& group) {
  FrameworkSpec f;
  f.key = key;
  f.group = group;
  return f;
}

inline PodSpec Task(const std::string& key, const std::string& framework, double cpu,
                    double mem_gib, uint64_t order = 0) {
  PodSpec p;
  p.key = key;
  p.framework = framework;
  p.request = Res(cpu, mem_gib, 1);
  p.order = order;
  return p;
}

inline PodSpec BoundPod(const std::string& key, const std::string& node, double cpu, double mem_gib,
                        const std::string& framework = "") {
  PodSpec p = Task(key, framework, cpu, mem_gib);
  p.node_name = node;
  return p;
}

// Adds `count` tasks named "<fw>-<i>" to framework `fw`.
inline void AddTasks(Allocator& a, const std::string& fw, int count, double cpu, double mem_gib,
                     uint64_t first_order = 0) {
  for (int i = 0; i < count; ++i) {
    a.UpsertPod(Task(fw + "-" + std::to_string(i), fw, cpu, mem_gib, first_order + i));
  }
}

// Placements per framework in one result.
inline std::map<std::string, int> PlacedPerFramework(const AllocationResult& result) {
  std::map<std::string, int> placed;
  for (const auto& p : result.placements) ++placed[p.framework];
  return placed;
}

inline std::map<std::string, int> PlacedPerNode(const AllocationResult& result) {
  std::map<std::string, int> placed;
  for (const auto& p : result.placements) ++placed[p.node];
  return placed;
}

inline const Unplaced* FindUnplaced(const AllocationResult& result, const std::string& pod) {
  for (const auto& u : result.unplaced)
    if (u.pod == pod) return &u;
  return nullptr;
}

}  // namespace kubemesos::testing
