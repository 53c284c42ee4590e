#include "store/node_reader.h"

#include <cstring>

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

core::Result<std::vector<core::Hash>> decode_nodes(
    std::span<const std::optional<std::string_view>> hashes, std::span<const core::NodeId> ids) {
  if (hashes.size() != ids.size())
    return core::make_error(core::ErrorCode::kInternal, "node query returned a wrong row count");
  std::vector<core::Hash> out(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!hashes[i])
      return core::make_error(core::ErrorCode::kNotFound,
                              "main tree node level " + std::to_string(ids[i].level) + " index " +
                                  std::to_string(ids[i].index) + " is not stored");
    if (hashes[i]->size() != 32)
      return core::make_error(core::ErrorCode::kInternal, "stored main tree node is not 32 bytes");
    std::memcpy(out[i].data(), hashes[i]->data(), 32);
  }
  return out;
}

core::Result<std::vector<core::Hash>> PgNodeReader::read_nodes(std::span<const core::NodeId> ids) {
  if (ids.empty()) return std::vector<core::Hash>{};
  auto [levels, indexes] = node_query_params(ids);
  sync::Params params;
  params.text(std::move(levels)).text(std::move(indexes));
  sync::PgResult res = conn_.exec(kReadNodesQuery, params, /*binary_result=*/true);
  std::vector<std::optional<std::string_view>> hashes(size_t(res.rows()));
  for (int i = 0; i < res.rows(); ++i)
    if (!res.is_null(i, 0)) {
      auto v = res.raw(i, 0);
      hashes[size_t(i)] = std::string_view(reinterpret_cast<const char*>(v.data()), v.size());
    }
  return decode_nodes(hashes, ids);
}

}  // namespace ink::store
