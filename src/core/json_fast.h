#pragma once
// The fast JSON path for answers: their text written directly, byte for byte
// what to_wire_json(to_json(answer)).dump() gives (core/json_write.h), so the
// thousands of waiters of one head cost little more than writing their paths.
// Pure.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/hash.h"
#include "core/protocol.h"

namespace ink::core {

// The JSON text of an answer without proof yet (interval and proof null).
std::string pending_answer_json(const Hash& hash, std::string_view timestamp, std::string_view id);

// The JSON text of answers whose proofs share one head. Everything that
// depends only on the head (ith, mth, interval, inclusion, the signed head)
// is serialized once here.
class SharedHeadJson {
 public:
  explicit SharedHeadJson(const SignedHead& head);
  // The answer for a ts with proof (a, path) under this head.
  std::string answer(const Hash& hash, std::string_view timestamp, std::string_view id, uint64_t a,
                     std::span<const Hash> path) const;

 private:
  std::string interval_;    // the head's index, as JSON
  std::string proof_rest_;  // the proof's members from "head" to "mth", between a and path
};

}  // namespace ink::core
