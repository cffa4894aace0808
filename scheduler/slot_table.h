// Slot tables: the engine keeps nodes, frameworks, classes and tasks in vectors indexed by a
// stable slot, with freed slots reused. Header-only; no state of its own.
#pragma once

#include <vector>

namespace kubemesos {

// Takes a free slot of a table (reusing freed ones), reset to a default value.
template <typename T>
int TakeSlot(std::vector<T>& table, std::vector<int>& free_list) {
  if (!free_list.empty()) {
    int slot = free_list.back();
    free_list.pop_back();
    table[slot] = T{};
    return slot;
  }
  table.emplace_back();
  return static_cast<int>(table.size() - 1);
}

}  // namespace kubemesos
