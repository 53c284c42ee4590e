#pragma once
// Strict decoders for untrusted request bodies, CBOR and JSON alike, built on
// nlohmann's SAX parser. They reject: bodies over max_bytes, nesting deeper
// than max_depth, arrays/maps/strings over their limits, indefinite-length
// CBOR items, duplicate map keys, non-text map keys, CBOR tags, trailing bytes,
// invalid UTF-8 in text. CBOR byte strings become json::binary_t.

#include <cstddef>
#include <string_view>

#include "core/cbor.h"
#include "core/result.h"

namespace ink::core {

struct DecodeLimits {
  size_t max_bytes = 64 * 1024;
  size_t max_depth = 8;
  size_t max_items = 1024;  // per array or map
  size_t max_string_bytes = 16 * 1024;
};

// Errors: kLimitExceeded when a limit is hit, kInvalidArgument otherwise; the
// message says what was wrong (it is safe to show to the client).
Result<Json> decode_cbor_strict(ByteView body, const DecodeLimits& limits = {});
Result<Json> decode_json_strict(std::string_view body, const DecodeLimits& limits = {});

}  // namespace ink::core
