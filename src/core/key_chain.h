#pragma once
// The log's key lifecycle (docs/keys.md): the keys that sign heads, one after
// another, linked by key transition statements, and revocations of keys that
// were compromised. Pure: no I/O.
//
// A key transition to NEW at interval i (the first interval NEW signs):
//   statement = cbor({"authority", "interval": i, "key": NEW_PUBLIC_KEY, "typ": "key", "version":
//   "1"})
// signed by the old key and countersigned by the new key (the same bytes).
// A revocation of KEY after interval r, signed by a later key of the chain:
//   statement = cbor({"authority", "interval": r, "key": KEY_PUBLIC_KEY, "typ": "revoke",
//   "version": "1"})
// The typ values keep these statements apart from heads ("mth") and
// cosignatures ("cosig").
//
// A chain's keys have interval ranges: the first key signs from its
// first_interval (0 for a log's first key), each later key from its
// transition's interval; a key's last_interval is the interval before its
// successor's transition. A head i signed by key K is valid under the chain
// only if K is in the chain, i is in K's range, and K is not revoked after an
// index below i. Every transition is signed by both keys, so trust in any one
// key of a chain extends to all of them, in both directions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cbor.h"
#include "core/hash.h"
#include "core/result.h"
#include "core/sign.h"

namespace ink::core {

// The statement of a transition to `new_key`, whose first head is `interval`.
Bytes key_transition_statement(std::string_view authority, uint64_t interval,
                               const PublicKey& new_key);
// The statement revoking `key` for every head after `after`.
Bytes key_revocation_statement(std::string_view authority, uint64_t after, const PublicKey& key);

struct KeyTransition {
  uint64_t interval = 0;  // the first interval new_key signs
  PublicKey old_key{};
  PublicKey new_key{};
  Signature signature{};         // by old_key over the statement
  Signature countersignature{};  // by new_key over the same statement
};

struct KeyRevocation {
  PublicKey key{};     // the revoked key
  uint64_t after = 0;  // heads after this interval signed by `key` are refused
  PublicKey signer{};  // a key later in the chain than `key`
  Signature signature{};
};

// Why a key may or may not sign a given head.
enum class KeyVerdict {
  kValid,
  kUnknownKey,    // the key is not in the chain
  kNotYetActive,  // the head is before the key's first interval
  kRetired,       // the head is after the key's last interval
  kRevoked,       // the head is after the interval the key was revoked after
};

struct HeadKeyCheck {
  KeyVerdict verdict = KeyVerdict::kUnknownKey;
  std::string message;             // for people: which key, which range, why
  const PublicKey* key = nullptr;  // the key, when it is in the chain
  bool valid() const { return verdict == KeyVerdict::kValid; }
};

struct ChainKey {
  PublicKey public_key{};
  std::string key_id;
  uint64_t first_interval = 0;
  std::optional<uint64_t> last_interval;  // empty: the active key
  std::optional<uint64_t> revoked_after;  // the lowest valid revocation's index
};

class KeyChain {
 public:
  // A chain of one key (no transitions): what a plain pinned key is.
  explicit KeyChain(std::string authority, const PublicKey& origin,
                    uint64_t origin_first_interval = 0);

  // Checks and builds a chain: transitions in order, each from the previous
  // key (the first from `origin`) to a key not yet in the chain, at an
  // interval after the previous key's first interval, with both signatures
  // holding for `authority`; each revocation of a key of the chain signed by
  // a later key of the chain. kVerifyFailed (the message names the
  // transition or revocation and what is wrong) otherwise.
  static Result<KeyChain> make(std::string authority, const PublicKey& origin,
                               uint64_t origin_first_interval,
                               const std::vector<KeyTransition>& transitions,
                               const std::vector<KeyRevocation>& revocations);

  const std::string& authority() const { return authority_; }
  const std::vector<ChainKey>& keys() const { return keys_; }  // oldest first
  const std::vector<KeyTransition>& transitions() const { return transitions_; }
  const std::vector<KeyRevocation>& revocations() const { return revocations_; }
  const ChainKey* find(std::string_view key_id) const;
  bool contains(const PublicKey& key) const;

  // Whether the key named `key_id` may sign head `interval` (the signature
  // itself is the caller's to check, with *key).
  HeadKeyCheck check_head_key(uint64_t interval, std::string_view key_id) const;

 private:
  std::string authority_;
  std::vector<ChainKey> keys_;
  std::vector<KeyTransition> transitions_;
  std::vector<KeyRevocation> revocations_;
};

}  // namespace ink::core
