#include "store/key_store.h"

#include <algorithm>

namespace ink::store {
namespace {

template <size_t N>
std::array<uint8_t, N> fixed(const sync::PgResult& r, int row, int col) {
  auto v = r.raw(row, col);
  if (v.size() != N) throw StoreError("expected a " + std::to_string(N) + "-byte column");
  std::array<uint8_t, N> out{};
  std::copy(v.begin(), v.end(), out.begin());
  return out;
}

std::optional<core::PublicKey> head_key(sync::PgConnection& conn, const char* order) {
  sync::PgResult r =
      conn.exec(std::string("SELECT k.public_key FROM interval i JOIN signing_key k USING (key_id) "
                            "ORDER BY i.idx ") +
                    order + " LIMIT 1",
                sync::Params{}, /*binary_result=*/true);
  if (r.rows() == 0) return std::nullopt;
  return fixed<32>(r, 0, 0);
}

}  // namespace

std::vector<core::PublicKey> KeyStore::keys() {
  sync::PgResult r = conn_.exec("SELECT public_key FROM signing_key ORDER BY created_at, key_id",
                                sync::Params{}, /*binary_result=*/true);
  std::vector<core::PublicKey> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(fixed<32>(r, i, 0));
  return out;
}

std::vector<core::KeyTransition> KeyStore::transitions() {
  sync::PgResult r = conn_.exec(
      "SELECT t.idx, o.public_key, n.public_key, t.signature, t.countersignature "
      "FROM key_transition t JOIN signing_key o ON o.key_id = t.old_key_id "
      "JOIN signing_key n ON n.key_id = t.new_key_id ORDER BY t.idx",
      sync::Params{}, /*binary_result=*/true);
  std::vector<core::KeyTransition> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({static_cast<uint64_t>(r.binary_int64(i, 0)), fixed<32>(r, i, 1),
                   fixed<32>(r, i, 2), fixed<64>(r, i, 3), fixed<64>(r, i, 4)});
  return out;
}

std::vector<core::KeyRevocation> KeyStore::revocations() {
  sync::PgResult r = conn_.exec(
      "SELECT k.public_key, v.after_idx, s.public_key, v.signature "
      "FROM key_revocation v JOIN signing_key k ON k.key_id = v.key_id "
      "JOIN signing_key s ON s.key_id = v.signer_key_id ORDER BY v.key_id",
      sync::Params{}, /*binary_result=*/true);
  std::vector<core::KeyRevocation> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({fixed<32>(r, i, 0), static_cast<uint64_t>(r.binary_int64(i, 1)),
                   fixed<32>(r, i, 2), fixed<64>(r, i, 3)});
  return out;
}

std::optional<core::PublicKey> KeyStore::newest_head_key() { return head_key(conn_, "DESC"); }
std::optional<core::PublicKey> KeyStore::head0_key() { return head_key(conn_, "ASC"); }

void KeyStore::insert_transition(const core::KeyTransition& t) {
  sync::Params p;
  p.int64(static_cast<int64_t>(t.interval))
      .text(core::key_id(t.old_key))
      .text(core::key_id(t.new_key))
      .bytes(t.signature)
      .bytes(t.countersignature);
  conn_.exec(
      "INSERT INTO key_transition (idx, old_key_id, new_key_id, signature, countersignature) "
      "VALUES ($1, $2, $3, $4, $5)",
      p);
}

void KeyStore::insert_revocation(const core::KeyRevocation& r) {
  sync::Params p;
  p.text(core::key_id(r.key))
      .int64(static_cast<int64_t>(r.after))
      .text(core::key_id(r.signer))
      .bytes(r.signature);
  conn_.exec(
      "INSERT INTO key_revocation (key_id, after_idx, signer_key_id, signature) "
      "VALUES ($1, $2, $3, $4)",
      p);
}

std::vector<core::ListedKey> KeyStore::listing() {
  return core::list_keys(keys(), transitions(), revocations(), newest_head_key(), head0_key());
}

}  // namespace ink::store
