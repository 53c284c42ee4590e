#pragma once
// The main tree's perfect-subtree nodes in PostgreSQL (table mth_node), as a
// core::NodeReader: one query per read_nodes() call, whatever the count.
//
// The query and its decoding are public so the backend's async reader
// (read_store.cpp) runs the very same: kReadNodesQuery with the two text
// parameters of node_query_params() and binary results, then decode_nodes().
// Thread safety: like the connection it reads through.

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/node_reader.h"
#include "store/pg.h"

namespace ink::store {

// $1 smallint[] levels, $2 bigint[] indexes (text array literals). One row per
// requested node, in request order; column 0 is the hash or NULL if absent.
extern const char* const kReadNodesQuery;
std::pair<std::string, std::string> node_query_params(std::span<const core::NodeId> ids);
// The query's column 0, one value per row (nullopt for NULL), binary format.
// kNotFound naming the first missing node; kInternal for a malformed answer.
core::Result<std::vector<core::Hash>> decode_nodes(
    std::span<const std::optional<std::string_view>> hashes, std::span<const core::NodeId> ids);

class PgNodeReader final : public core::NodeReader {
 public:
  explicit PgNodeReader(sync::PgConnection& conn) : conn_(conn) {}
  // Throws StoreError when the database fails; kNotFound when a node is missing.
  core::Result<std::vector<core::Hash>> read_nodes(std::span<const core::NodeId> ids) override;

 private:
  sync::PgConnection& conn_;
};

}  // namespace ink::store
