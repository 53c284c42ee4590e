#include "core/cosigned.h"

#include <algorithm>

#include "core/cosignature.h"
#include "core/encoding.h"
#include "core/field_reader.h"
#include "core/json_write.h"
#include "core/parse.h"
#include "core/verify.h"

namespace ink::core {

Json to_json(const WitnessedHead& v) {
  Json head = to_json(v.head);
  Json list = Json::array();
  for (const auto& c : v.cosignatures)
    list.push_back({{"witness", c.witness},
                    {"name", c.name},
                    {"signature", Json::binary(Bytes(c.signature.begin(), c.signature.end()))}});
  head["cosignatures"] = std::move(list);
  return Json{{"head", std::move(head)},
              {"consistency", v.consistency ? to_json(*v.consistency) : Json(nullptr)}};
}

Result<WitnessedHead> witnessed_head_from_json(const Json& j, const std::string& where) {
  FieldReader r(j, where);
  WitnessedHead v;
  const Json* head = r.get("head");
  if (head) {
    auto parsed = head_from_json(*head);
    if (!parsed)
      return make_error(ErrorCode::kInvalidArgument,
                        r.path("head") + ": " + parsed.error().message);
    v.head = std::move(*parsed);
    FieldReader h(*head, r.path("head"));
    if (const Json* list = h.get("cosignatures")) {
      if (!list->is_array() || list->size() > 1000) {
        h.fail("cosignatures", "expected an array (at most 1000)");
      } else {
        for (size_t i = 0; h.ok() && i < list->size(); ++i) {
          FieldReader c((*list)[i], h.path("cosignatures") + "[" + std::to_string(i) + "]");
          Cosignature cs;
          cs.witness = c.key_id_hex("witness");
          cs.name = c.text("name");
          cs.signature = c.fixed_bytes<64>("signature");
          if (!c.ok()) return c.error();
          v.cosignatures.push_back(std::move(cs));
        }
      }
    }
    if (!h.ok()) return h.error();
  }
  if (const Json* proof = r.get("consistency", /*optional=*/true); proof && !proof->is_null()) {
    auto parsed = consistency_from_json(*proof);
    if (!parsed)
      return make_error(ErrorCode::kInvalidArgument,
                        r.path("consistency") + ": " + parsed.error().message);
    v.consistency = std::move(*parsed);
  }
  if (!r.ok()) return r.error();
  return v;
}

CheckStep check_witnessed(const SignedHead& proof_head, const WitnessedHead& w,
                          std::span<const PublicKey> keys, std::span<const Witness> witnesses,
                          size_t quorum) {
  CheckStep step{"witnesses", false, ""};
  const uint64_t i = proof_head.interval.index, c = w.head.interval.index;
  const std::string head_c = "head " + std::to_string(c);
  if (w.head.authority != proof_head.authority) {
    step.message = "The cosigned " + head_c + " is of \"" + w.head.authority +
                   "\", not of this proof's log \"" + proof_head.authority + "\".";
    return step;
  }
  if (c < i) {
    step.message = "The cosigned " + head_c + " is older than this proof's head " +
                   std::to_string(i) + ": it cannot vouch for it.";
    return step;
  }
  auto own = check_head(w.head, keys);
  if (const auto* failed = own.first_failure()) {
    step.message = "The cosigned " + head_c + " does not check out: " + failed->message;
    return step;
  }
  if (c == i && w.head.mth != proof_head.mth) {
    step.message = "The cosigned " + head_c + " has another root than this proof's head " +
                   std::to_string(i) + ": two histories were shown (a split view).";
    return step;
  }
  if (c > i) {
    if (!w.consistency || w.consistency->old_interval != i || w.consistency->new_interval != c) {
      step.message = "No consistency proof from this proof's head " + std::to_string(i) +
                     " to the cosigned " + head_c + ".";
      return step;
    }
    auto result =
        verify_consistency(i + 1, c + 1, proof_head.mth, w.head.mth, w.consistency->nodes);
    if (result != ProofError::kOk) {
      step.message = "The cosigned " + head_c +
                     " is not an append-only extension of this "
                     "proof's head " +
                     std::to_string(i) + " (" + describe(result) +
                     "): the proof is on a branch the witnesses did not see.";
      return step;
    }
  }
  std::vector<std::string> counted;
  for (const auto& witness : witnesses) {
    bool valid = std::any_of(w.cosignatures.begin(), w.cosignatures.end(), [&](const auto& cs) {
      return cs.witness == witness.key_id &&
             verify_cosignature(witness.public_key, witness.name, w.head.authority, c, w.head.mth,
                                cs.signature);
    });
    if (valid) counted.push_back(witness.name);
  }
  std::string names;
  for (const auto& n : counted) names += (names.empty() ? "" : ", ") + n;
  const std::string tally = std::to_string(counted.size()) + " of the " +
                            std::to_string(witnesses.size()) + " witnesses you listed";
  if (counted.size() < quorum) {
    step.message = "Only " + tally + " cosigned " + head_c +
                   (names.empty() ? "" : " (" + names + ")") + "; " + std::to_string(quorum) +
                   " are needed. Try again later (ink upgrade), "
                   "or the log was not shown to enough of them.";
    return step;
  }
  step.passed = true;
  step.message = tally + " cosigned " + head_c + " (" + names + ")" +
                 (c > i ? ", which extends this proof's head " + std::to_string(i) : "") +
                 ": the log showed them the same history as you.";
  return step;
}

}  // namespace ink::core
