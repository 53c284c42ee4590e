// libFuzzer target for what a verifier reads from a user: proof files (JSON)
// and compact timestamp/head strings. Whatever arrives must not crash the
// checker; a compact string that parses must print back to itself (one
// spelling per proof), and a check must name its failing step.
#include <cstdlib>

#include "core/check.h"
#include "core/compact_string.h"
#include "core/decode.h"
#include "core/json_write.h"
#include "core/parse.h"
#include "core/proof_file.h"
#include "core/protocol.h"

namespace {

const std::vector<ink::core::PublicKey>& keys() {
  static const std::vector<ink::core::PublicKey> k = [] {
    std::vector<uint8_t> seed(32, 7);
    return std::vector<ink::core::PublicKey>{
        ink::core::SigningKey::from_seed(seed).value().public_key()};
  }();
  return k;
}

void check_report(const ink::core::CheckReport& report) {
  if (!report.passed() && (!report.first_failure() || report.first_failure()->name.empty()))
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ink::core::DecodeLimits limits;
  limits.max_depth = 16;
  if (auto doc = ink::core::decode_json_strict(text, limits)) {
    if (auto file = ink::core::proof_file_from_json(*doc)) {
      check_report(ink::core::check_ts_proof(file->timestamp, file->data, keys()));
      // Re-serialized, it must read back the same.
      auto again =
          ink::core::proof_file_from_json(ink::core::to_wire_json(ink::core::to_json(*file)));
      if (!again) std::abort();
    }
    if (auto head = ink::core::head_from_json(*doc))
      check_report(ink::core::check_head(*head, keys()));
  }
  if (auto ts = ink::core::parse_compact_ts(text)) {
    if (ink::core::format_compact(*ts) != text) std::abort();
  }
  if (auto head = ink::core::parse_compact_head(text)) {
    if (ink::core::format_compact(*head) != text) std::abort();
  }
  return 0;
}
