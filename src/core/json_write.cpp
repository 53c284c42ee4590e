#include "core/json_write.h"

#include <string>
#include <vector>

#include "core/compact_string.h"

namespace ink::core {

namespace {

Json binary(ByteView bytes) { return Json::binary(Bytes(bytes.begin(), bytes.end())); }

Json hash_list(const std::vector<Hash>& hashes) {
  Json out = Json::array();
  for (const Hash& h : hashes) out.push_back(binary(h));
  return out;
}

// Head fields that PROOF repeats in its "head" object (no interval record,
// inclusion or consistency: those sit beside it).
Json proof_head_json(const SignedHead& v) {
  return Json{{"authority", v.authority},
              {"interval", v.interval.index},
              {"mth", binary(v.mth)},
              {"signature", binary(v.signature)},
              {"key", v.key}};
}

std::string compact_mth(const SignedHead& v) {
  return format_compact(CompactHead{v.authority, v.interval.index, v.mth});
}

}  // namespace

Json to_json(const IntervalRecord& v) {
  return Json{{"index", v.index},
              {"timestamp", v.timestamp},
              {"ith", binary(v.ith)},
              {"typ", "it"},
              {"version", "1"}};
}

Json to_json(const InclusionProof& v) {
  return Json{{"head", v.head},
              {"leaf", v.leaf},
              {"a", v.a},
              {"nodes", hash_list(v.nodes)},
              {"version", "1"}};
}

Json to_json(const ConsistencyProof& v) {
  return Json{{"old_interval", v.old_interval},
              {"new_interval", v.new_interval},
              {"nodes", hash_list(v.nodes)},
              {"version", "1"}};
}

Json to_json(const SignedHead& v) {
  return Json{{"authority", v.authority},
              {"version", "1"},
              {"mth", binary(v.mth)},
              {"interval", to_json(v.interval)},
              {"inclusion", to_json(v.inclusion)},
              {"consistency", v.consistency ? to_json(*v.consistency) : Json(nullptr)},
              {"signature", binary(v.signature)},
              {"key", v.key}};
}

Json to_json(const TsProof& v) {
  return Json{{"a", v.a},
              {"path", hash_list(v.path)},
              {"ith", binary(v.head.interval.ith)},
              {"mth", compact_mth(v.head)},
              {"interval", to_json(v.head.interval)},
              {"inclusion", to_json(v.head.inclusion)},
              {"head", proof_head_json(v.head)}};
}

Json to_json(const TsAnswer& v) {
  return Json{{"hash", binary(v.hash)},
              {"timestamp", v.timestamp},
              {"typ", "ts"},
              {"version", "1"},
              {"id", v.id},
              {"interval", v.interval ? Json(*v.interval) : Json(nullptr)},
              {"proof", v.proof ? to_json(*v.proof) : Json(nullptr)}};
}

Json keys_json(std::span<const PublicKey> keys) {
  Json out = Json::array();
  for (const PublicKey& k : keys) {
    out.push_back(Json{{"key", key_id(k)}, {"public_key", binary(k)}, {"algorithm", "ed25519"}});
  }
  return out;
}

}  // namespace ink::core
