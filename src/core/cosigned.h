#pragma once
// A head with its witnesses' cosignatures, as a verifier holds it
// (docs/witness.md): from GET /api/v1/mth/cosigned, or carried in a proof
// file ("witnessed", written by `ink upgrade`) for checks without the
// network; and the check that a proof's head is witnessed. Pure.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/check.h"
#include "core/protocol.h"
#include "core/witness_list.h"

namespace ink::core {

struct Cosignature {
  std::string witness;  // key id
  std::string name;
  Signature signature{};
};

struct WitnessedHead {
  SignedHead head;  // at or after the proof's head
  std::vector<Cosignature> cosignatures;
  // From the proof's head to `head`; absent when they are the same head.
  std::optional<ConsistencyProof> consistency;
};

// {"head": HEAD + "cosignatures", "consistency": PROOF | null}: the shape of
// GET /api/v1/mth/cosigned and of a proof file's "witnessed".
Json to_json(const WitnessedHead& v);
Result<WitnessedHead> witnessed_head_from_json(const Json& j, const std::string& where = "");

// The step "witnesses": `w.head` is signed by a trusted key for the proof's
// authority, is the proof's head or reached from it by w.consistency, and
// carries valid cosignatures of at least `quorum` of `witnesses` (each
// counted once; names and keys as the verifier lists them). The message
// names the witnesses that count, or says what falls short.
CheckStep check_witnessed(const SignedHead& proof_head, const WitnessedHead& w,
                          std::span<const PublicKey> keys, std::span<const Witness> witnesses,
                          size_t quorum);

}  // namespace ink::core
