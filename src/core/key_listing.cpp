#include "core/key_listing.h"

#include <algorithm>

#include "core/field_reader.h"

namespace ink::core {
namespace {

Json binary(ByteView b) { return Json::binary(std::vector<uint8_t>(b.begin(), b.end())); }

Json optional_uint(const std::optional<uint64_t>& v) { return v ? Json(*v) : Json(nullptr); }

// A member that may be absent or null (then nullptr) or an object.
const Json* optional_object(FieldReader& r, const char* name) {
  const Json* v = r.get(name, /*optional=*/true);
  if (!v || v->is_null()) return nullptr;
  if (!v->is_object()) {
    r.fail(name, "expected an object or null");
    return nullptr;
  }
  return v;
}

std::optional<uint64_t> optional_index(FieldReader& r, const char* name) {
  const Json* v = r.get(name, /*optional=*/true);
  if (!v || v->is_null()) return std::nullopt;
  return r.uint(name);
}

}  // namespace

std::vector<ListedKey> list_keys(const std::vector<PublicKey>& keys,
                                 const std::vector<KeyTransition>& transitions,
                                 const std::vector<KeyRevocation>& revocations,
                                 const std::optional<PublicKey>& active_key,
                                 const std::optional<PublicKey>& head0_key) {
  std::vector<PublicKey> chain;
  if (!transitions.empty()) {
    chain.push_back(transitions.front().old_key);
    for (const KeyTransition& t : transitions) chain.push_back(t.new_key);
  } else if (active_key) {
    chain.push_back(*active_key);
  }
  std::vector<ListedKey> out;
  for (const PublicKey& k : keys)
    if (std::find(chain.begin(), chain.end(), k) == chain.end()) {
      ListedKey listed;
      listed.public_key = k;
      out.push_back(std::move(listed));
    }
  for (size_t i = 0; i < chain.size(); ++i) {
    ListedKey listed;
    listed.public_key = chain[i];
    if (i == 0) {
      if (head0_key && *head0_key == chain[i]) listed.first_interval = 0;
    } else {
      listed.transition = transitions[i - 1];
      listed.first_interval = transitions[i - 1].interval;
    }
    if (i < transitions.size()) listed.last_interval = transitions[i].interval - 1;
    out.push_back(std::move(listed));
  }
  for (const KeyRevocation& r : revocations) {
    for (ListedKey& listed : out) {
      if (listed.public_key == r.key && (!listed.revocation || r.after < listed.revocation->after))
        listed.revocation = r;
    }
  }
  return out;
}

Json key_listing_json(const std::vector<ListedKey>& keys) {
  Json out = Json::array();
  for (const ListedKey& k : keys) {
    Json transition = nullptr, revocation = nullptr;
    if (k.transition)
      transition = Json{{"interval", k.transition->interval},
                        {"from", key_id(k.transition->old_key)},
                        {"signature", binary(k.transition->signature)},
                        {"countersignature", binary(k.transition->countersignature)}};
    if (k.revocation)
      revocation = Json{{"after", k.revocation->after},
                        {"by", key_id(k.revocation->signer)},
                        {"signature", binary(k.revocation->signature)}};
    out.push_back(Json{{"key", key_id(k.public_key)},
                       {"public_key", binary(k.public_key)},
                       {"algorithm", "ed25519"},
                       {"first_interval", optional_uint(k.first_interval)},
                       {"last_interval", optional_uint(k.last_interval)},
                       {"transition", transition},
                       {"revocation", revocation}});
  }
  return out;
}

Result<std::vector<ListedKey>> key_listing_from_json(const Json& j) {
  if (!j.is_array()) return make_error(ErrorCode::kInvalidArgument, "keys: expected an array");
  std::vector<ListedKey> out;
  std::vector<std::string> revoked_by(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string where = "keys[" + std::to_string(i) + "]";
    FieldReader r(j[i], where);
    r.constant("algorithm", "ed25519");
    ListedKey k;
    k.public_key = r.fixed_bytes<32>("public_key");
    const std::string id = r.key_id_hex("key");
    if (r.ok() && id != key_id(k.public_key)) r.fail("key", "is not the key id of public_key");
    k.first_interval = optional_index(r, "first_interval");
    k.last_interval = optional_index(r, "last_interval");
    if (const Json* t = optional_object(r, "transition")) {
      FieldReader tr(*t, where + ".transition");
      KeyTransition transition;
      transition.interval = tr.uint("interval");
      const std::string from = tr.key_id_hex("from");
      transition.signature = tr.fixed_bytes<64>("signature");
      transition.countersignature = tr.fixed_bytes<64>("countersignature");
      if (tr.ok() && (out.empty() || key_id(out.back().public_key) != from))
        tr.fail("from", "does not name the key listed before this one");
      if (!tr.ok()) return tr.error();
      transition.old_key = out.back().public_key;
      transition.new_key = k.public_key;
      k.transition = transition;
    }
    if (const Json* v = optional_object(r, "revocation")) {
      FieldReader rr(*v, where + ".revocation");
      KeyRevocation revocation;
      revocation.key = k.public_key;
      revocation.after = rr.uint("after");
      revoked_by[i] = rr.key_id_hex("by");
      revocation.signature = rr.fixed_bytes<64>("signature");
      if (!rr.ok()) return rr.error();
      k.revocation = revocation;
    }
    if (!r.ok()) return r.error();
    out.push_back(std::move(k));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (!out[i].revocation) continue;
    auto signer = std::find_if(out.begin(), out.end(), [&](const ListedKey& k) {
      return key_id(k.public_key) == revoked_by[i];
    });
    if (signer == out.end())
      return make_error(ErrorCode::kInvalidArgument,
                        "keys[" + std::to_string(i) + "].revocation.by: names no listed key");
    out[i].revocation->signer = signer->public_key;
  }
  return out;
}

Result<std::vector<KeyChain>> key_chains(const std::vector<ListedKey>& keys,
                                         const std::string& authority) {
  std::vector<KeyChain> out;
  for (size_t start = 0; start < keys.size();) {
    size_t end = start + 1;
    while (end < keys.size() && keys[end].transition) ++end;
    std::vector<KeyTransition> transitions;
    std::vector<KeyRevocation> revocations;
    for (size_t i = start; i < end; ++i) {
      if (i > start) transitions.push_back(*keys[i].transition);
      if (keys[i].revocation) revocations.push_back(*keys[i].revocation);
    }
    auto chain = KeyChain::make(authority, keys[start].public_key,
                                keys[start].first_interval.value_or(0), transitions, revocations);
    if (!chain) return chain.error();
    out.push_back(std::move(*chain));
    start = end;
  }
  return out;
}

}  // namespace ink::core
