// libFuzzer target for the strict decoders: whatever bytes arrive, decoding
// must not crash, what it accepts must survive the canonical encoder, and
// what it rejects must be explained in valid UTF-8.
#include <cmath>
#include <cstdlib>

#include "core/decode.h"
#include "core/encoding.h"

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

// Limits that only a re-encoding's size can reach: printing can make a
// document longer than its input ("1e5" prints as "100000.0").
ink::core::DecodeLimits generous_for(size_t size) {
  ink::core::DecodeLimits generous;
  generous.max_bytes = size + 1;
  generous.max_string_bytes = generous.max_bytes;
  generous.max_items = generous.max_bytes;
  return generous;
}

// Re-encoding an accepted document must give CBOR that decodes to the same
// document and re-encodes to the same bytes (canonical form is a fixed point).
void check_round_trip(const Json& doc) {
  const Bytes encoded = ink::core::cbor_encode(doc);
  auto again = ink::core::decode_cbor_strict(encoded, generous_for(encoded.size()));
  if (!again) std::abort();
  if (!has_nan(doc) && *again != doc) std::abort();
  if (ink::core::cbor_encode(*again) != encoded) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView bytes(data, size);
  // Rejections carry a message for the client, sent inside a JSON body.
  auto message_is_text = [](const auto& rejected) {
    if (!ink::core::is_valid_utf8(rejected.error().message)) std::abort();
  };
  if (auto doc = ink::core::decode_cbor_strict(bytes)) {
    check_round_trip(*doc);
  } else {
    message_is_text(doc);
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto doc = ink::core::decode_json_strict(text)) {
    check_round_trip(*doc);
    // JSON has no byte strings; the decoded document must print as JSON again.
    const std::string printed = doc->dump();
    auto reparsed = ink::core::decode_json_strict(printed, generous_for(printed.size()));
    if (!reparsed) std::abort();
    if (!has_nan(*doc) && *reparsed != *doc) std::abort();
  } else {
    message_is_text(doc);
  }
  return 0;
}
