#include "store/key_listing_store.h"

#include <algorithm>
#include <optional>
#include <string>

namespace ink::store {
namespace {

template <size_t N>
std::array<uint8_t, N> fixed(const PgResult& r, int row, int col) {
  auto v = r.bytes(row, col);
  if (v.size() != N) throw PgQueryError("expected a " + std::to_string(N) + "-byte column", "");
  std::array<uint8_t, N> out{};
  std::copy(v.begin(), v.end(), out.begin());
  return out;
}

}  // namespace

asio::awaitable<std::vector<core::ListedKey>> KeyListingStore::listing() {
  // Four reads in one round trip (libpq pipeline): keys, transitions,
  // revocations, and the newest head's key with head 0's (two index look-ups
  // on interval's primary key).
  std::vector<PgStatement> statements = {
      {"SELECT public_key FROM signing_key ORDER BY created_at, key_id", {}, {}},
      {"SELECT t.idx, o.public_key, n.public_key, t.signature, t.countersignature "
       "FROM key_transition t JOIN signing_key o ON o.key_id = t.old_key_id "
       "JOIN signing_key n ON n.key_id = t.new_key_id ORDER BY t.idx",
       {},
       {}},
      {"SELECT k.public_key, v.after_idx, s.public_key, v.signature "
       "FROM key_revocation v JOIN signing_key k ON k.key_id = v.key_id "
       "JOIN signing_key s ON s.key_id = v.signer_key_id ORDER BY v.key_id",
       {},
       {}},
      {"SELECT (SELECT k.public_key FROM interval i JOIN signing_key k USING (key_id) "
       "        ORDER BY i.idx DESC LIMIT 1), "
       "       (SELECT k.public_key FROM interval i JOIN signing_key k USING (key_id) "
       "        WHERE i.idx = 0)",
       {},
       {}}};
  auto lease = co_await pool_->acquire();
  auto results = co_await lease->pipeline(statements, pool_->options().query_timeout);
  const PgResult &keys_rows = results[0], &t = results[1], &v = results[2], &h = results[3];

  std::vector<core::PublicKey> keys;
  for (int i = 0; i < keys_rows.rows(); ++i) keys.push_back(fixed<32>(keys_rows, i, 0));
  std::vector<core::KeyTransition> transitions;
  for (int i = 0; i < t.rows(); ++i)
    transitions.push_back({static_cast<uint64_t>(t.int64(i, 0)), fixed<32>(t, i, 1),
                           fixed<32>(t, i, 2), fixed<64>(t, i, 3), fixed<64>(t, i, 4)});
  std::vector<core::KeyRevocation> revocations;
  for (int i = 0; i < v.rows(); ++i)
    revocations.push_back({fixed<32>(v, i, 0), static_cast<uint64_t>(v.int64(i, 1)),
                           fixed<32>(v, i, 2), fixed<64>(v, i, 3)});
  std::optional<core::PublicKey> newest, head0;
  if (h.rows() == 1 && !h.is_null(0, 0)) newest = fixed<32>(h, 0, 0);
  if (h.rows() == 1 && !h.is_null(0, 1)) head0 = fixed<32>(h, 0, 1);
  co_return core::list_keys(keys, transitions, revocations, newest, head0);
}

}  // namespace ink::store
