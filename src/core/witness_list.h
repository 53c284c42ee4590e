#pragma once
// A list of witnesses (docs/witness.md): what a log accepts (INK_WITNESSES)
// and what a verifier trusts (`ink verify --witnesses`), one format:
//   [{"name": "witness.example.org", "public_key": "<base64 of 32 bytes>"}, ...]

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/sign.h"

namespace ink::core {

struct Witness {
  std::string name;
  PublicKey public_key{};
  std::string key_id;  // key_id(public_key)
};

// Names non-empty, at most kMaxWitnessNameBytes, unique; keys 32 bytes and
// unique. The error names the entry that is wrong.
Result<std::vector<Witness>> parse_witness_list(std::string_view json_text);

}  // namespace ink::core
