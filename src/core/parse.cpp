#include "core/parse.h"

#include <string>
#include <utility>

#include "core/compact_string.h"
#include "core/field_reader.h"

namespace ink::core {
namespace {

Result<IntervalRecord> parse_interval(const Json& j, const std::string& where) {
  FieldReader r(j, where);
  IntervalRecord v;
  v.index = r.uint("index");
  v.timestamp = r.clock("timestamp");
  v.ith = r.fixed_bytes<32>("ith");
  r.constant("typ", "it");
  r.constant("version", "1");
  if (!r.ok()) return r.error();
  return v;
}

Result<InclusionProof> parse_inclusion(const Json& j, const std::string& where) {
  FieldReader r(j, where);
  InclusionProof v;
  v.head = r.uint("head");
  v.leaf = r.uint("leaf");
  v.a = r.uint("a");
  v.nodes = r.hashes("nodes");
  r.constant("version", "1");
  if (r.ok() && v.leaf > v.head) r.fail("leaf", "is beyond head");
  if (!r.ok()) return r.error();
  return v;
}

Result<ConsistencyProof> parse_consistency(const Json& j, const std::string& where) {
  FieldReader r(j, where);
  ConsistencyProof v;
  v.old_interval = r.uint("old_interval");
  v.new_interval = r.uint("new_interval");
  v.nodes = r.hashes("nodes");
  r.constant("version", "1");
  if (r.ok() && v.old_interval > v.new_interval) r.fail("old_interval", "is beyond new_interval");
  if (!r.ok()) return r.error();
  return v;
}

Result<SignedHead> parse_head(const Json& j, const std::string& where) {
  FieldReader r(j, where);
  SignedHead v;
  v.authority = r.text("authority");
  r.constant("version", "1");
  v.mth = r.fixed_bytes<32>("mth");
  if (const Json* interval = r.get("interval")) {
    auto parsed = parse_interval(*interval, r.path("interval"));
    if (parsed)
      v.interval = std::move(*parsed);
    else
      r.adopt(parsed.error());
  }
  if (const Json* inclusion = r.get("inclusion")) {
    auto parsed = parse_inclusion(*inclusion, r.path("inclusion"));
    if (parsed)
      v.inclusion = std::move(*parsed);
    else
      r.adopt(parsed.error());
  }
  if (const Json* consistency = r.get("consistency", /*optional=*/true);
      consistency && !consistency->is_null()) {
    auto parsed = parse_consistency(*consistency, r.path("consistency"));
    if (parsed)
      v.consistency = std::move(*parsed);
    else
      r.adopt(parsed.error());
  }
  v.signature = r.fixed_bytes<64>("signature");
  v.key = r.key_id_hex("key");
  if (!r.ok()) return r.error();
  return v;
}

Result<TsProof> parse_ts_proof(const Json& j, const std::string& where) {
  FieldReader r(j, where);
  TsProof v;
  v.a = r.uint("a");
  v.path = r.hashes("path");
  const Hash ith = r.fixed_bytes<32>("ith");
  const std::string mth = r.text("mth");
  if (const Json* interval = r.get("interval")) {
    auto parsed = parse_interval(*interval, r.path("interval"));
    if (parsed)
      v.head.interval = std::move(*parsed);
    else
      r.adopt(parsed.error());
  }
  if (const Json* inclusion = r.get("inclusion")) {
    auto parsed = parse_inclusion(*inclusion, r.path("inclusion"));
    if (parsed)
      v.head.inclusion = std::move(*parsed);
    else
      r.adopt(parsed.error());
  }
  uint64_t head_interval = 0;
  if (const Json* head = r.get("head")) {
    FieldReader h(*head, r.path("head"));
    v.head.authority = h.text("authority");
    head_interval = h.uint("interval");
    v.head.mth = h.fixed_bytes<32>("mth");
    v.head.signature = h.fixed_bytes<64>("signature");
    v.head.key = h.key_id_hex("key");
    if (!h.ok()) r.adopt(h.error());
  }
  if (!r.ok()) return r.error();

  // The old-protocol fields repeat what the extensions say; they must agree,
  // or a verifier could be shown one thing and check another.
  if (ith != v.head.interval.ith) {
    r.fail("ith", "differs from interval.ith");
  } else if (head_interval != v.head.interval.index) {
    r.fail("head.interval", "differs from interval.index");
  } else if (auto compact = parse_compact_head(mth); !compact) {
    r.fail("mth", compact.error().message);
  } else if (compact->authority != v.head.authority) {
    r.fail("mth", "authority \"" + compact->authority + "\" differs from head.authority \"" +
                      v.head.authority + "\"");
  } else if (compact->interval != v.head.interval.index) {
    r.fail("mth", "interval " + std::to_string(compact->interval) +
                      " differs from interval.index " + std::to_string(v.head.interval.index));
  } else if (compact->mth != v.head.mth) {
    r.fail("mth", "hash differs from head.mth");
  }
  if (!r.ok()) return r.error();
  return v;
}

Result<TsAnswer> parse_ts_answer(const Json& j, const std::string& where) {
  FieldReader r(j, where);
  TsAnswer v;
  v.hash = r.fixed_bytes<32>("hash");
  v.timestamp = r.clock("timestamp");
  r.constant("typ", "ts");
  r.constant("version", "1");
  v.id = r.text("id");
  if (const Json* interval = r.get("interval", /*optional=*/true);
      interval && !interval->is_null()) {
    v.interval = r.uint("interval");
  }
  if (const Json* proof = r.get("proof", /*optional=*/true); proof && !proof->is_null()) {
    auto parsed = parse_ts_proof(*proof, r.path("proof"));
    if (parsed)
      v.proof = std::move(*parsed);
    else
      r.adopt(parsed.error());
  }
  if (r.ok() && v.proof && v.interval && *v.interval != v.proof->head.interval.index) {
    r.fail("interval", "differs from proof.interval.index");
  }
  if (!r.ok()) return r.error();
  return v;
}

}  // namespace

Result<IntervalRecord> interval_from_json(const Json& j) { return parse_interval(j, ""); }
Result<InclusionProof> inclusion_from_json(const Json& j) { return parse_inclusion(j, ""); }
Result<ConsistencyProof> consistency_from_json(const Json& j) { return parse_consistency(j, ""); }
Result<SignedHead> head_from_json(const Json& j) { return parse_head(j, ""); }
Result<TsProof> ts_proof_from_json(const Json& j) { return parse_ts_proof(j, ""); }
Result<TsAnswer> ts_answer_from_json(const Json& j) { return parse_ts_answer(j, ""); }
Result<TsAnswer> ts_answer_from_json(const Json& j, const std::string& where) {
  return parse_ts_answer(j, where);
}

Result<std::vector<PublicKey>> keys_from_json(const Json& j) {
  if (!j.is_array()) return make_error(ErrorCode::kInvalidArgument, "keys: expected an array");
  std::vector<PublicKey> keys;
  for (size_t i = 0; i < j.size(); ++i) {
    FieldReader r(j[i], "keys[" + std::to_string(i) + "]");
    r.constant("algorithm", "ed25519");
    const PublicKey k = r.fixed_bytes<32>("public_key");
    const std::string id = r.key_id_hex("key");
    if (r.ok() && id != key_id(k)) r.fail("key", "is not the key id of public_key");
    if (!r.ok()) return r.error();
    keys.push_back(k);
  }
  return keys;
}

}  // namespace ink::core
