#include "store/node_reader.h"

namespace ink::store {

const char* const kReadNodesQuery =
    "SELECT n.hash FROM unnest($1::smallint[], $2::bigint[]) WITH ORDINALITY AS q(level, k, ord) "
    "LEFT JOIN mth_node n ON n.level = q.level AND n.k = q.k ORDER BY q.ord";

std::pair<std::string, std::string> node_query_params(std::span<const core::NodeId> ids) {
  std::string levels = "{", indexes = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) {
      levels += ',';
      indexes += ',';
    }
    levels += std::to_string(ids[i].level);
    indexes += std::to_string(ids[i].index);
  }
  return {levels + "}", indexes + "}"};
}

core::Result<std::vector<core::Hash>> decode_nodes(const sync::PgResult& result,
                                                   std::span<const core::NodeId> ids) {
  if (result.rows() != static_cast<int>(ids.size()))
    return core::make_error(core::ErrorCode::kInternal, "node query returned a wrong row count");
  std::vector<core::Hash> out;
  out.reserve(ids.size());
  for (int i = 0; i < result.rows(); ++i) {
    if (result.is_null(i, 0))
      return core::make_error(core::ErrorCode::kNotFound,
                              "main tree node level " + std::to_string(ids[i].level) + " index " +
                                  std::to_string(ids[i].index) + " is not stored");
    out.push_back(result.binary_hash(i, 0));
  }
  return out;
}

core::Result<std::vector<core::Hash>> PgNodeReader::read_nodes(std::span<const core::NodeId> ids) {
  if (ids.empty()) return std::vector<core::Hash>{};
  auto [levels, indexes] = node_query_params(ids);
  sync::Params params;
  params.text(std::move(levels)).text(std::move(indexes));
  sync::PgResult res = conn_.exec(kReadNodesQuery, params, /*binary_result=*/true);
  return decode_nodes(res, ids);
}

}  // namespace ink::store
