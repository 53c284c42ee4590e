#pragma once
// The checks a witness makes before it cosigns a head (docs/witness.md). Pure.
//
// A head is cosigned only if it is signed by the pinned log key (and its own
// inclusion proof holds), is for the pinned authority, and, when the witness
// has cosigned a head before, is that very head or a later one reached by a
// consistency proof from it. An older head is left alone: witnesses only move
// forward. Anything else is misbehaviour, with the evidence to show for it.

#include <optional>
#include <string>

#include "core/protocol.h"
#include "witness/witness_state.h"

namespace ink::witness {

struct Finding {
  std::string kind;  // "wrong-authority", "wrong-key", "bad-signature", "fork", "bad-consistency"
  std::string message;
  core::Json evidence;
};

struct Verdict {
  enum class Kind {
    kCosign,          // a new head to cosign
    kCosignedBefore,  // the head cosigned last, again
    kOlder,           // before the head cosigned last: nothing to do
    kMisbehaviour,    // see finding
  };
  Kind kind = Kind::kMisbehaviour;
  Finding finding;
};

// `raw`: the head as received (evidence). `proof`: the log's consistency
// proof from state.cosigned to this head, needed when the head is newer.
Verdict check_head_to_cosign(const WitnessState& state, const core::SignedHead& head,
                             const core::Json& raw,
                             const std::optional<core::ConsistencyProof>& proof);

}  // namespace ink::witness
