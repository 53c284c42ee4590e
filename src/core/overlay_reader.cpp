#include "core/overlay_reader.h"

#include <string>

namespace ink::core {

OverlayReader::OverlayReader(NodeReader& base, const CompactRange& old_range,
                             std::span<const CompactRange::NewNode> new_nodes)
    : base_(base) {
  // The peaks are the perfect subtrees of the old size's one bits, largest
  // (leftmost) first.
  const uint64_t old_size = old_range.size();
  uint64_t start = 0;
  size_t peak = 0;
  for (int level = 63; level >= 0; --level) {
    if (!((old_size >> level) & 1)) continue;
    known_[key({static_cast<uint8_t>(level), start >> level})] = old_range.peaks().at(peak++);
    start += uint64_t{1} << level;
  }
  for (const auto& n : new_nodes) known_[key(n.id)] = n.hash;
}

Result<std::vector<Hash>> OverlayReader::read_nodes(std::span<const NodeId> ids) {
  std::vector<Hash> out(ids.size());
  std::vector<NodeId> missing;
  std::vector<size_t> where;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = known_.find(key(ids[i]));
    if (it != known_.end()) {
      out[i] = it->second;
    } else {
      missing.push_back(ids[i]);
      where.push_back(i);
    }
  }
  if (!missing.empty()) {
    auto fetched = base_.read_nodes(missing);
    if (!fetched) return fetched.error();
    if (fetched->size() != missing.size()) {
      return make_error(ErrorCode::kInternal, "node reader returned " +
                                                  std::to_string(fetched->size()) + " of " +
                                                  std::to_string(missing.size()) + " nodes");
    }
    for (size_t j = 0; j < missing.size(); ++j) out[where[j]] = (*fetched)[j];
  }
  return out;
}

}  // namespace ink::core
