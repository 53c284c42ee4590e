#pragma once
// The key lifecycle's tables (key_transition, key_revocation, db/006) from
// the worker's side: what it reads at start and what it writes. The write of
// a transition happens inside the interval transaction of the new key's first
// head (IntervalTransaction on the same connection), before the interval row.
// Every method throws StoreError on a database failure.
//
// Thread safety: one KeyStore per connection, one thread.

#include <optional>
#include <string>
#include <vector>

#include "core/key_chain.h"
#include "core/key_listing.h"
#include "store/pg.h"

namespace ink::store {

class KeyStore {
 public:
  explicit KeyStore(sync::PgConnection& conn) : conn_(conn) {}

  // Every stored key, oldest first (by when it was registered).
  std::vector<core::PublicKey> keys();
  // Transitions in interval order (they form one chain), revocations by key.
  std::vector<core::KeyTransition> transitions();
  std::vector<core::KeyRevocation> revocations();
  // The key that signed the newest head, and head 0's (empty without heads).
  std::optional<core::PublicKey> newest_head_key();
  std::optional<core::PublicKey> head0_key();

  // Records a transition; call inside the interval transaction, before the
  // interval row of t.interval. The database refuses one that does not
  // follow the newest head or names a key that signed before (db/006).
  void insert_transition(const core::KeyTransition& t);
  // Records a revocation; throws StoreError (unique violation) when that key
  // was revoked already.
  void insert_revocation(const core::KeyRevocation& r);

  // The chain as a verifier sees it (core::key_chains of the listing).
  std::vector<core::ListedKey> listing();

 private:
  sync::PgConnection& conn_;
};

}  // namespace ink::store
