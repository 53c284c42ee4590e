#pragma once
// The main tree as it will be once appended leaves are stored: a NodeReader
// that answers the old right edge and the nodes the appends created from
// memory and asks its base reader (e.g. PostgreSQL) for anything else. The
// sequencer reads a new interval's proofs through one before committing.
// No I/O of its own.

#include <cstdint>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "core/compact_range.h"
#include "core/hash.h"
#include "core/node_reader.h"
#include "core/proof_plan.h"
#include "core/result.h"

namespace ink::core {

class OverlayReader final : public NodeReader {
 public:
  // old_range: the right edge before the appends (its peaks are nodes of the
  // stored tree); new_nodes: every node the appends to a copy of it returned.
  // Both are copied; `base` must outlive the reader. Reading a node of the
  // grown tree that is neither in memory nor in `base` is base's error.
  OverlayReader(NodeReader& base, const CompactRange& old_range,
                std::span<const CompactRange::NewNode> new_nodes);

  // Answers in the order asked; asks `base` once, for the nodes not in memory
  // only, and not at all when every node is. Concurrent calls are as safe as
  // base's read_nodes().
  Result<std::vector<Hash>> read_nodes(std::span<const NodeId> ids) override;

 private:
  using Key = std::pair<uint8_t, uint64_t>;  // (level, index)
  static Key key(NodeId id) { return {id.level, id.index}; }

  NodeReader& base_;
  std::map<Key, Hash> known_;
};

}  // namespace ink::core
