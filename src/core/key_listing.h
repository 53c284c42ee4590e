#pragma once
// The log's keys as GET /api/v1/keys lists them (docs/keys.md), oldest first,
// and the key chains a verifier makes of such a list. Pure.
//
//   [{"key": hex, "public_key": b64, "algorithm": "ed25519",
//     "first_interval": i | null, "last_interval": i | null,
//     "transition": null | {"interval": i, "from": hex, "signature": b64, "countersignature": b64},
//     "revocation": null | {"after": i, "by": hex, "signature": b64}}, ...]
//
// The first three members are those of protocol version 1; a list with only
// them (an old key file) is still read: each key is then a chain of its own.
// An entry whose "transition" is not null continues the chain of the entry
// before it ("from" names that entry's key); any other starts a new chain.

#include <optional>
#include <string>
#include <vector>

#include "core/cbor.h"
#include "core/key_chain.h"

namespace ink::core {

struct ListedKey {
  PublicKey public_key{};
  std::optional<uint64_t> first_interval;   // empty: not known (a key from before transitions)
  std::optional<uint64_t> last_interval;    // empty: the active key, or not known
  std::optional<KeyTransition> transition;  // the transition to this key
  std::optional<KeyRevocation> revocation;  // this key's revocation
};

// Orders a log's keys: keys outside the chain of transitions first (in the
// order given, their creation), then the chain from its first key. The
// chain's first key is the old key of the first transition or, without
// transitions, `active_key` (the newest head's); its first interval is 0
// when `head0_key` names it. Transitions must link (as the database keeps
// them), revocations name keys among `keys`.
std::vector<ListedKey> list_keys(const std::vector<PublicKey>& keys,
                                 const std::vector<KeyTransition>& transitions,
                                 const std::vector<KeyRevocation>& revocations,
                                 const std::optional<PublicKey>& active_key,
                                 const std::optional<PublicKey>& head0_key);

// JSON with byte strings as binary (to_wire_json() makes base64 of them).
Json key_listing_json(const std::vector<ListedKey>& keys);

// Reads a list (wire JSON, base64 byte strings). kInvalidArgument naming the
// entry and field when malformed; an empty list is allowed.
Result<std::vector<ListedKey>> key_listing_from_json(const Json& j);

// The chains of a list, each checked (KeyChain::make) for `authority`.
// kVerifyFailed when a transition or revocation does not hold.
Result<std::vector<KeyChain>> key_chains(const std::vector<ListedKey>& keys,
                                         const std::string& authority);

}  // namespace ink::core
