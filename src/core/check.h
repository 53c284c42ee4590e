#pragma once
// End-to-end check of a ts proof, as a verifier (web page, `ink verify`)
// does it: one named step after another, stopping at the first failure.

#include <optional>
#include <string>
#include <vector>

#include "core/protocol.h"

namespace ink::core {

struct CheckStep {
  // "data", "proof" (present), "ts-hash", "interval-path", "ihash", "inclusion", "signature"
  std::string name;
  bool passed = false;
  std::string message;  // what was checked, or what failed and what that means
};

struct CheckReport {
  std::vector<CheckStep> steps;
  bool passed() const;
  const CheckStep* first_failure() const;
};

// data: the data string recomputed from the user's file(s) or text; keys: the
// trusted public keys (the one named by the head must be among them).
CheckReport check_ts_proof(const TsAnswer& answer, std::string_view data,
                           std::span<const PublicKey> keys);

// A head on its own: inclusion of its ihash in its mth, and its signature.
CheckReport check_head(const SignedHead& head, std::span<const PublicKey> keys);

}  // namespace ink::core
