// Randomized properties of gangs over many generated clusters replayed for many cycles, with
// binds that fail, members that finish or die, nodes that leave and tasks that keep arriving,
// checked by a model that only counts what the engine handed out:
// - no cycle places 0 < k < need members of a gang that was below its minimum (rule G1);
// - a gang placement is marked with its gang and the gang's placements come together;
// - no node is over-committed and no group exceeds its limit (reservations included);
// - a reservation never outlives its deadline, and at most one gang reserves per top group.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "tests/unit/scheduler/test_cluster.h"

namespace kubemesos {
namespace {

using namespace kubemesos::testing;

struct ModelPod {
  std::string framework;
  std::string gang;  // the gang key it belongs to ("" none)
  double cpu = 0;
  std::string node;  // bound or assumed
};

TEST(GangProperty, NoPartialGangEverLeavesTheEngine) {
  int gang_cycles = 0, gang_placements = 0, reservations = 0;
  for (int seed = 0; seed < 150; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    Allocator a;
    std::map<std::string, double> node_cpu;
    int node_count = pick(3, 10);
    for (int n = 0; n < node_count; ++n) {
      node_cpu[Indexed("n", n)] = pick(1, 4);
      a.UpsertNode(Node(Indexed("n", n), node_cpu[Indexed("n", n)], 64));
    }
    // Two top-level groups, one with a child; some with limits.
    std::map<std::string, double> limit;  // group -> cpu limit
    std::map<std::string, std::string> parent;
    for (std::string g : {"a", "b", "a1"}) {
      GroupSpec spec = Group(g, pick(1, 3), g == "a1" ? "a" : "");
      parent[g] = spec.parent;
      if (pick(0, 2) == 0) {
        limit[g] = pick(2, 12);
        spec.limit.Set(kCpu, static_cast<int64_t>(limit[g] * 1000));
      }
      a.UpsertGroup(spec);
    }
    // Frameworks: a gang of its own, members of a PodGroup, or plain.
    std::map<std::string, std::string> fw_group, fw_gang;
    std::map<std::string, int> min_member;
    int frameworks = pick(2, 5);
    for (int f = 0; f < frameworks; ++f) {
      std::string key = Indexed("ns/f", f);
      std::string group = std::vector<std::string>{"a", "b", "a1"}[pick(0, 2)];
      FrameworkSpec spec = Framework(key, group);
      fw_group[key] = group;
      int kind = pick(0, 2);
      if (kind == 0) {
        spec.gang.min_member = pick(1, 6);
        spec.gang.starvation_seconds = pick(0, 1) ? 20 : 0;
        spec.gang.reservation_timeout_seconds = 30;
        fw_gang[key] = key;
        min_member[key] = spec.gang.min_member;
      } else if (kind == 1) {
        std::string pg = Indexed("ns/pg", f);
        GangPolicy policy;
        policy.min_member = pick(1, 5);
        policy.starvation_seconds = pick(0, 1) ? 15 : 0;
        policy.reservation_timeout_seconds = 25;
        if (pick(0, 4) > 0) a.UpsertGang({pg, policy});  // else: a PodGroup never created
        fw_gang[key] = pg;
        min_member[pg] = policy.min_member;
      }
      a.UpsertFramework(spec);
    }
    std::map<std::string, ModelPod> pods;
    int next_pod = 0;
    auto add_pod = [&](const std::string& fw) {
      PodSpec p = Task("ns/p" + std::to_string(next_pod), fw, pick(1, 4) * 0.5, 1, next_pod);
      ++next_pod;
      std::string gang = fw_gang.count(fw) ? fw_gang[fw] : "";
      if (!gang.empty() && gang != fw) p.gang = gang;
      pods[p.key] = {fw, gang, p.request[kCpu] / 1000.0, ""};
      a.UpsertPod(p);
    };
    for (int i = 0; i < pick(5, 25); ++i) add_pod(Indexed("ns/f", pick(0, frameworks - 1)));

    std::map<std::string, double> reserved_until_seen;
    for (int cycle = 0; cycle < 40; ++cycle) {
      const double now = cycle * 5.0;
      // Before the cycle: each gang's members on nodes.
      std::map<std::string, int> active;
      for (const auto& [key, p] : pods)
        if (!p.gang.empty() && !p.node.empty()) ++active[p.gang];
      AllocationResult result = a.Allocate(now);
      std::map<std::string, int> placed;
      std::set<std::string> seen_gang_blocks;
      std::string last_gang;
      for (const auto& pl : result.placements) {
        auto& p = pods.at(pl.pod);
        ASSERT_TRUE(p.node.empty()) << pl.pod << " placed twice";
        p.node = pl.node;
        if (!p.gang.empty()) ++placed[p.gang];
        if (!pl.gang.empty()) {
          EXPECT_EQ(pl.gang, p.gang);
          // One gang's decision is contiguous: a gang key never comes back after another.
          if (pl.gang != last_gang) {
            EXPECT_FALSE(seen_gang_blocks.count(pl.gang)) << "seed " << seed << " " << pl.gang;
            seen_gang_blocks.insert(pl.gang);
          }
        }
        last_gang = pl.gang;
      }
      for (const auto& [gang, k] : placed) {
        const int need = min_member[gang] - active[gang];
        if (need > 0) {
          ++gang_cycles;
          gang_placements += k;
          EXPECT_GE(k, need) << "seed " << seed << " cycle " << cycle << " gang " << gang
                             << ": placed " << k << " of the " << need << " it needed";
        }
      }
      // Capacity and limits, reservations included (they are usage on the node).
      std::map<std::string, double> used, group_used;
      for (const auto& [key, p] : pods) {
        if (p.node.empty()) continue;
        used[p.node] += p.cpu;
        for (std::string g = fw_group[p.framework]; !g.empty(); g = parent[g])
          group_used[g] += p.cpu;
      }
      std::map<std::string, int> reserving_per_top;
      for (const auto& g : a.Gangs()) {
        if (g.phase != GangPhase::kReserving) continue;
        ++reservations;
        EXPECT_LT(now, g.reserved_until) << "a reservation outlived its deadline";
        // Top group of the gang's frameworks.
        for (const auto& [fw, gk] : fw_gang) {
          if (gk != g.key) continue;
          std::string top = fw_group[fw];
          while (!parent[top].empty()) top = parent[top];
          ++reserving_per_top[top];
          break;
        }
      }
      for (const auto& [top, n] : reserving_per_top) EXPECT_LE(n, 1) << "seed " << seed;
      for (const auto& [node, cpu] : used) {
        if (node_cpu.count(node)) {
          EXPECT_LE(cpu, node_cpu[node] + 1e-9) << node;
        }
      }
      for (const auto& [g, cpu] : group_used) {
        if (limit.count(g)) {
          EXPECT_LE(cpu, limit[g] + 1e-9) << "group " << g;
        }
      }

      // The world: most binds succeed, some fail; some running pods finish or die; new tasks
      // arrive; now and then a node leaves and comes back.
      for (const auto& pl : result.placements) {
        auto& p = pods.at(pl.pod);
        if (pick(0, 9) == 0) {
          a.BindFailed(pl.pod, now);
          p.node.clear();
        } else {
          PodSpec bound = Task(pl.pod, p.framework, p.cpu, 1);
          bound.node_name = p.node;
          if (!p.gang.empty() && p.gang != p.framework) bound.gang = p.gang;
          // The order is the creation order, as the operator reports it.
          bound.order = std::stoull(pl.pod.substr(4));
          a.UpsertPod(bound);
        }
      }
      for (auto it = pods.begin(); it != pods.end();) {
        // Running pods finish or die; now and then a pending one is deleted.
        if (pick(0, 7) == 0 && (!it->second.node.empty() || pick(0, 2) == 0)) {
          a.RemovePod(it->first);
          it = pods.erase(it);
        } else {
          ++it;
        }
      }
      for (int i = pick(0, 3); i > 0; --i) add_pod(Indexed("ns/f", pick(0, frameworks - 1)));
      if (pick(0, 12) == 0) {
        std::string n = Indexed("n", pick(0, node_count - 1));
        for (auto it = pods.begin(); it != pods.end();) {
          if (it->second.node == n) {  // the pods of a lost node are gone with it
            a.RemovePod(it->first);
            it = pods.erase(it);
          } else {
            ++it;
          }
        }
        a.RemoveNode(n);
        a.UpsertNode(Node(n, node_cpu[n], 64));
      }
    }
  }
  std::printf("gang decisions checked: %d (%d members placed), cycles with a reservation: %d\n",
              gang_cycles, gang_placements, reservations);
  // The generator must exercise what it claims to.
  EXPECT_GT(gang_cycles, 200);
  EXPECT_GT(gang_placements, 500);
  EXPECT_GT(reservations, 20);
}

}  // namespace
}  // namespace kubemesos
