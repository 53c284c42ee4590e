// libFuzzer target for the strict decoders: whatever bytes arrive, decoding
// must not crash, and what it accepts must survive the canonical encoder.
#include <cmath>
#include <cstdlib>

#include "core/decode.h"

namespace {

using ink::core::Bytes;
using ink::core::ByteView;
using ink::core::Json;

bool has_nan(const Json& j) {
  if (j.is_number_float()) return std::isnan(j.get<double>());
  if (j.is_structured()) {
    for (const auto& item : j) {
      if (has_nan(item)) return true;
    }
  }
  return false;
}

// Re-encoding an accepted document must give CBOR that decodes to the same
// document and re-encodes to the same bytes (canonical form is a fixed point).
void check_round_trip(const Json& doc) {
  const Bytes encoded = ink::core::cbor_encode(doc);
  ink::core::DecodeLimits generous;
  generous.max_bytes = encoded.size() + 1;
  generous.max_string_bytes = generous.max_bytes;
  generous.max_items = generous.max_bytes;
  auto again = ink::core::decode_cbor_strict(encoded, generous);
  if (!again) std::abort();
  if (!has_nan(doc) && *again != doc) std::abort();
  if (ink::core::cbor_encode(*again) != encoded) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView bytes(data, size);
  if (auto doc = ink::core::decode_cbor_strict(bytes)) {
    check_round_trip(*doc);
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto doc = ink::core::decode_json_strict(text)) {
    check_round_trip(*doc);
    // JSON has no byte strings; the decoded document must print as JSON again.
    auto reparsed = ink::core::decode_json_strict(doc->dump());
    if (!reparsed) std::abort();
    if (!has_nan(*doc) && *reparsed != *doc) std::abort();
  }
  return 0;
}
