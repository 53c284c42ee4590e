#pragma once
// `ink verify` without the network: a proof file, the data recomputed from
// the user's files or text, and trusted keys, checked step by step; and the
// optional last step against a newer head. Pure: no I/O.

#include <optional>
#include <span>
#include <string_view>

#include "core/check.h"
#include "core/proof_file.h"
#include "core/protocol.h"

namespace ink::cli {

// Steps: "proof-file" (parses and is complete), "data" (the recomputed data
// equals what was stamped; `what` names the inputs in the message), then the
// core's steps: ts-hash, interval-path, ihash, inclusion, signature.
// Stops at the first failure. On success *parsed receives the proof file.
core::CheckReport check_proof_file(std::string_view proof_text, std::string_view data,
                                   std::string_view what, std::span<const core::PublicKey> keys,
                                   core::ProofFile* parsed = nullptr);

// Appends "current-head" (the newer head's own inclusion and signature, same
// authority) and "consistency" (mth_i of the proof with mth_c of `current`,
// by the server's consistency proof; nullptr when c == i).
void check_against_head(core::CheckReport& report, const core::SignedHead& proof_head,
                        const core::SignedHead& current, const core::ConsistencyProof* proof,
                        std::span<const core::PublicKey> keys);

}  // namespace ink::cli
