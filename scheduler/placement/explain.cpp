// The text of a pending Reason from a placement Diagnosis.
#include <string>
#include <vector>

#include "scheduler/placement/plugins.h"

namespace kubemesos::placement {
namespace {

std::string Plural(int n, std::string_view what) {
  return std::to_string(n) + " " + std::string(what);
}

}  // namespace

Reason Explain(const Diagnosis& d, const ResourceCatalog& catalog) {
  Reason reason;
  reason.code =
      ToReasonCode(d.eligible > 0 ? Code::kUnschedulable : Code::kUnschedulableAndUnresolvable);
  std::string message = "0/" + Plural(d.total, "nodes are available");
  std::vector<std::string> parts;
  int not_eligible = 0;
  for (const auto& [what, count] : d.unresolvable) not_eligible += count;
  if (d.eligible == 0) {
    for (const auto& [what, count] : d.unresolvable) parts.push_back(Plural(count, what));
  } else {
    int worst = 0;
    for (int r = 0; r < kMaxResourceKinds; ++r)
      if (d.short_of[r] > d.short_of[worst]) worst = r;
    reason.subject = catalog.Name(worst);
    for (int r = 0; r < kMaxResourceKinds; ++r)
      if (d.short_of[r])
        parts.push_back(std::to_string(d.short_of[r]) + " Insufficient " + catalog.Name(r));
    if (not_eligible > 0) parts.push_back(Plural(not_eligible, "not eligible"));
    if (d.beyond_allocatable == d.eligible)
      parts.push_back("the request exceeds the allocatable of every eligible node");
  }
  if (d.total == 0) parts.push_back("the cluster has no nodes");
  for (size_t i = 0; i < parts.size(); ++i) message += (i ? ", " : ": ") + parts[i];
  reason.message = message + ".";
  return reason;
}

}  // namespace kubemesos::placement
