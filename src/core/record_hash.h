#pragma once
// The protocol's record hashes (PROTOCOL.md): a ts is hashed as
// H(cbor({"data", "timestamp", "typ": "ts", "version": "1"})), an interval
// record as H(cbor({"index", "timestamp", "ith", "typ": "it", "version": "1"})),
// the canonical CBOR written directly in canonical key order. Pure.

#include <string_view>

#include "core/cbor.h"
#include "core/hash.h"
#include "core/protocol.h"

namespace ink::core {

// ts hash = H(cbor({"data", "timestamp", "typ": "ts", "version": "1"}))
Bytes ts_cbor(std::string_view data, std::string_view timestamp);
Hash ts_hash(std::string_view data, std::string_view timestamp);

// ihash = H(cbor(interval record))
Bytes interval_cbor(const IntervalRecord& record);
Hash ihash(const IntervalRecord& record);

}  // namespace ink::core
