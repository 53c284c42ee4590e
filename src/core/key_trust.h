#pragma once
// What a verifier trusts when heads are signed by more than one key
// (docs/keys.md): the keys it pinned, and key chains (from its key file, a
// proof file or the server) that are trusted because they hold a pinned key.
// Every key of such a chain may sign, but only heads in its range. Pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/check.h"
#include "core/key_chain.h"
#include "core/key_listing.h"
#include "core/protocol.h"

namespace ink::core {

struct KeyTrust {
  std::vector<PublicKey> pinned;
  std::vector<KeyChain> chains;  // only those holding a pinned key count

  // The pinned keys and every key of a trusted chain: the keys the proof
  // checks may accept signatures from.
  std::vector<PublicKey> keys() const;

  // Why head `interval` signed by `key_id` must be refused although its key
  // is trusted: a trusted chain holding that key puts the head outside the
  // key's range, or revoked it. Empty: nothing against it.
  std::optional<std::string> refusal(uint64_t interval, std::string_view key_id) const;

  // The trusted chain holding `key_id`, if any.
  const KeyChain* chain_of(std::string_view key_id) const;
};

// A trust from pinned keys and key lists, each list's chains checked for
// `authority`; a list whose chains do not hold is kVerifyFailed.
Result<KeyTrust> make_key_trust(std::vector<PublicKey> pinned,
                                const std::vector<std::vector<ListedKey>>& lists,
                                const std::string& authority);

// Turns the passed step named `step` ("signature", "current-head") into a
// failure when trust.refusal() refuses `head`, and drops the steps after it.
void enforce_key_range(CheckReport& report, const KeyTrust& trust, const SignedHead& head,
                       std::string_view step);

}  // namespace ink::core
