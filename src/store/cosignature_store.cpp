#include "store/cosignature_store.h"

#include <cstring>

#include "core/encoding.h"

namespace ink::store {
namespace {

// {"a","b"} as a PostgreSQL text[] literal; key ids are 16 hex digits.
std::string text_array(const std::vector<std::string>& keys) {
  std::string out = "{";
  for (size_t i = 0; i < keys.size(); ++i) out += (i ? "," : "") + keys[i];
  return out + "}";
}

}  // namespace

asio::awaitable<bool> CosignatureStore::insert(uint64_t idx, const std::string& witness_key,
                                               const core::Signature& signature) {
  PgParams params{std::to_string(idx), witness_key, "\\x" + core::to_hex(signature)};
  auto r = co_await pool_->query(
      "INSERT INTO cosignature (idx, witness_key, signature) VALUES ($1::bigint, $2, $3::bytea) "
      "ON CONFLICT (idx, witness_key) DO NOTHING RETURNING idx",
      params);
  co_return r.rows() == 1;
}

asio::awaitable<std::vector<StoredCosignature>> CosignatureStore::of_head(
    uint64_t idx, const std::vector<std::string>& keys) {
  PgParams params{std::to_string(idx), text_array(keys)};
  auto r = co_await pool_->query(
      "SELECT witness_key, signature FROM cosignature WHERE idx = $1::bigint "
      "AND witness_key = ANY($2::text[]) ORDER BY witness_key",
      params);
  std::vector<StoredCosignature> out;
  for (int i = 0; i < r.rows(); ++i) {
    StoredCosignature c;
    c.witness_key = std::string(r.bytes(i, 0));
    auto sig = r.bytes(i, 1);
    if (sig.size() != c.signature.size()) continue;
    std::memcpy(c.signature.data(), sig.data(), sig.size());
    out.push_back(std::move(c));
  }
  co_return out;
}

asio::awaitable<std::optional<uint64_t>> CosignatureStore::newest_with_quorum(
    const std::vector<std::string>& keys, size_t quorum) {
  PgParams params{text_array(keys), std::to_string(quorum)};
  auto r = co_await pool_->query(
      "SELECT idx FROM cosignature WHERE witness_key = ANY($1::text[]) GROUP BY idx "
      "HAVING count(*) >= $2::bigint ORDER BY idx DESC LIMIT 1",
      params);
  if (r.rows() == 0) co_return std::nullopt;
  co_return static_cast<uint64_t>(r.int64(0, 0));
}

asio::awaitable<std::vector<std::pair<std::string, uint64_t>>> CosignatureStore::newest_by_witness(
    const std::vector<std::string>& keys) {
  PgParams params{text_array(keys)};
  // One index probe per key (cosignature_by_witness), not a scan of the table.
  auto r = co_await pool_->query(
      "SELECT k, (SELECT max(idx) FROM cosignature WHERE witness_key = k) FROM "
      "unnest($1::text[]) AS k",
      params);
  std::vector<std::pair<std::string, uint64_t>> out;
  for (int i = 0; i < r.rows(); ++i)
    if (!r.is_null(i, 1)) out.emplace_back(std::string(r.bytes(i, 0)), uint64_t(r.int64(i, 1)));
  co_return out;
}

}  // namespace ink::store
