#include "core/key_chain.h"

#include <algorithm>

namespace ink::core {
namespace {

// Keys in canonical order (length, then bytewise): key, typ, version,
// interval, authority.
Bytes key_statement(std::string_view authority, uint64_t interval, const PublicKey& key,
                    std::string_view typ) {
  Bytes out;
  out.reserve(96 + authority.size());
  CborWriter w(out);
  w.map(5);
  w.text("key");
  w.bytes(key);
  w.text("typ");
  w.text(typ);
  w.text("version");
  w.text("1");
  w.text("interval");
  w.uint(interval);
  w.text("authority");
  w.text(authority);
  return out;
}

Error broken(std::string message) {
  return make_error(ErrorCode::kVerifyFailed, std::move(message));
}

}  // namespace

Bytes key_transition_statement(std::string_view authority, uint64_t interval,
                               const PublicKey& new_key) {
  return key_statement(authority, interval, new_key, "key");
}

Bytes key_revocation_statement(std::string_view authority, uint64_t after, const PublicKey& key) {
  return key_statement(authority, after, key, "revoke");
}

KeyChain::KeyChain(std::string authority, const PublicKey& origin, uint64_t origin_first_interval)
    : authority_(std::move(authority)) {
  keys_.push_back(
      ChainKey{origin, key_id(origin), origin_first_interval, std::nullopt, std::nullopt});
}

Result<KeyChain> KeyChain::make(std::string authority, const PublicKey& origin,
                                uint64_t origin_first_interval,
                                const std::vector<KeyTransition>& transitions,
                                const std::vector<KeyRevocation>& revocations) {
  KeyChain chain(std::move(authority), origin, origin_first_interval);
  for (const KeyTransition& t : transitions) {
    ChainKey& previous = chain.keys_.back();
    const std::string what = "the key transition to key " + key_id(t.new_key) + " at interval " +
                             std::to_string(t.interval);
    if (t.old_key != previous.public_key)
      return broken(what + " is signed by key " + key_id(t.old_key) +
                    ", not by the key before it (" + previous.key_id + ")");
    if (chain.contains(t.new_key))
      return broken(what + " names a key that is already in the chain");
    if (t.interval <= previous.first_interval)
      return broken(what + " is not after the first interval of key " + previous.key_id + " (" +
                    std::to_string(previous.first_interval) + ")");
    const Bytes statement = key_transition_statement(chain.authority_, t.interval, t.new_key);
    if (!verify_signature(t.old_key, statement, t.signature))
      return broken(what + ": the signature by the old key " + previous.key_id +
                    " does not hold (another authority, interval or key, or forged)");
    if (!verify_signature(t.new_key, statement, t.countersignature))
      return broken(what + ": the countersignature by the new key does not hold");
    previous.last_interval = t.interval - 1;
    chain.keys_.push_back(
        ChainKey{t.new_key, key_id(t.new_key), t.interval, std::nullopt, std::nullopt});
    chain.transitions_.push_back(t);
  }
  for (const KeyRevocation& r : revocations) {
    const std::string what =
        "the revocation of key " + key_id(r.key) + " after interval " + std::to_string(r.after);
    auto position = [&chain](const PublicKey& k) {
      return std::find_if(chain.keys_.begin(), chain.keys_.end(),
                          [&k](const ChainKey& c) { return c.public_key == k; });
    };
    auto revoked = position(r.key);
    auto signer = position(r.signer);
    if (revoked == chain.keys_.end()) return broken(what + " names a key that is not in the chain");
    if (signer == chain.keys_.end() || signer <= revoked)
      return broken(what + " is signed by key " + key_id(r.signer) +
                    ", which is not a later key of the chain");
    if (!verify_signature(r.signer, key_revocation_statement(chain.authority_, r.after, r.key),
                          r.signature))
      return broken(what + ": the signature by key " + signer->key_id + " does not hold");
    if (!revoked->revoked_after || r.after < *revoked->revoked_after)
      revoked->revoked_after = r.after;
    chain.revocations_.push_back(r);
  }
  return chain;
}

const ChainKey* KeyChain::find(std::string_view id) const {
  for (const ChainKey& k : keys_)
    if (k.key_id == id) return &k;
  return nullptr;
}

bool KeyChain::contains(const PublicKey& key) const {
  return std::any_of(keys_.begin(), keys_.end(),
                     [&key](const ChainKey& k) { return k.public_key == key; });
}

HeadKeyCheck KeyChain::check_head_key(uint64_t interval, std::string_view id) const {
  HeadKeyCheck out;
  const ChainKey* k = find(id);
  const std::string head = "head " + authority_ + "/" + std::to_string(interval);
  if (!k) {
    out.verdict = KeyVerdict::kUnknownKey;
    out.message = head + " names key " + std::string(id) + ", which is not in the key chain";
    return out;
  }
  out.key = &k->public_key;
  if (k->revoked_after && interval > *k->revoked_after) {
    out.verdict = KeyVerdict::kRevoked;
    out.message = head + " is signed by key " + k->key_id + ", which was revoked after interval " +
                  std::to_string(*k->revoked_after) +
                  " (compromised): no head after that signed by it is valid";
  } else if (k->last_interval && interval > *k->last_interval) {
    out.verdict = KeyVerdict::kRetired;
    out.message = head + " is signed by key " + k->key_id + ", which was retired after interval " +
                  std::to_string(*k->last_interval) + " (a later key signs from " +
                  std::to_string(*k->last_interval + 1) +
                  "): a head signed by a key outside its range is invalid";
  } else if (interval < k->first_interval) {
    out.verdict = KeyVerdict::kNotYetActive;
    out.message = head + " is signed by key " + k->key_id + ", which signs only from interval " +
                  std::to_string(k->first_interval) +
                  ": a head signed by a key outside its range is invalid";
  } else {
    out.verdict = KeyVerdict::kValid;
    out.message = "key " + k->key_id + " signs intervals " + std::to_string(k->first_interval) +
                  " to " + (k->last_interval ? std::to_string(*k->last_interval) : "now");
  }
  return out;
}

}  // namespace ink::core
