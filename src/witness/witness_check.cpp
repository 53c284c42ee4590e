#include "witness/witness_check.h"

#include "core/check.h"
#include "core/encoding.h"
#include "core/json_write.h"
#include "core/verify.h"

namespace ink::witness {

using core::Json;

Verdict check_head_to_cosign(const WitnessState& state, const core::SignedHead& head,
                             const Json& raw, const std::optional<core::ConsistencyProof>& proof) {
  const uint64_t i = head.interval.index;
  auto misbehaviour = [&](std::string kind, std::string message, Json more = Json::object()) {
    Json evidence{{"received", raw}};
    if (state.cosigned)
      evidence["cosigned_before"] = {{"index", state.cosigned->index},
                                     {"mth", core::to_base64(state.cosigned->mth)}};
    evidence.update(more);
    return Verdict{Verdict::Kind::kMisbehaviour,
                   Finding{std::move(kind), std::move(message), std::move(evidence)}};
  };
  if (!state.authority.empty() && head.authority != state.authority)
    return misbehaviour("wrong-authority", "head " + std::to_string(i) + " is for \"" +
                                               head.authority + "\", the log followed is \"" +
                                               state.authority + "\"");
  if (head.key != core::key_id(state.log_key))
    return misbehaviour("wrong-key", "head " + std::to_string(i) + " is signed with key " +
                                         head.key + ", not the pinned log key " +
                                         core::key_id(state.log_key));
  const core::PublicKey keys[] = {state.log_key};
  auto report = core::check_head(head, keys);
  if (const auto* failed = report.first_failure())
    return misbehaviour("bad-signature", "head " + std::to_string(i) + ": " + failed->message);
  if (!state.cosigned) return Verdict{Verdict::Kind::kCosign, {}};

  const CosignedHead& c = *state.cosigned;
  if (i < c.index) return Verdict{Verdict::Kind::kOlder, {}};
  if (i == c.index) {
    if (head.mth == c.mth) return Verdict{Verdict::Kind::kCosignedBefore, {}};
    return misbehaviour("fork", "head " + std::to_string(i) + " has another root than the head " +
                                    std::to_string(i) +
                                    " this witness cosigned: two histories (a split view)");
  }
  if (!proof)
    return misbehaviour("bad-consistency", "no consistency proof from head " +
                                               std::to_string(c.index) + " to head " +
                                               std::to_string(i));
  auto result = core::verify_consistency(c.index + 1, i + 1, c.mth, head.mth, proof->nodes);
  if (result != core::ProofError::kOk || proof->old_interval != c.index || proof->new_interval != i)
    return misbehaviour("bad-consistency",
                        "the log's consistency proof from head " + std::to_string(c.index) +
                            " (cosigned) to head " + std::to_string(i) + " does not check out (" +
                            core::describe(result) + "): head " + std::to_string(i) +
                            " is not an append-only extension of what this witness cosigned",
                        Json{{"proof", core::to_wire_json(core::to_json(*proof))}});
  return Verdict{Verdict::Kind::kCosign, {}};
}

}  // namespace ink::witness
