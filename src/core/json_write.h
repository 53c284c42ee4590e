#pragma once
// The protocol's objects as JSON documents (PROTOCOL.md), with byte strings as
// json::binary_t: cbor_encode() writes a document as CBOR, to_wire_json() as
// JSON with base64 (core/cbor.h). Pure.

#include <span>

#include "core/cbor.h"
#include "core/protocol.h"
#include "core/sign.h"

namespace ink::core {

Json to_json(const IntervalRecord& v);
Json to_json(const InclusionProof& v);
Json to_json(const ConsistencyProof& v);
Json to_json(const SignedHead& v);  // the head object of PROTOCOL.md
Json to_json(const TsProof& v);     // PROOF
Json to_json(const TsAnswer& v);
Json keys_json(std::span<const PublicKey> keys);  // [{"key","public_key","algorithm"}]

}  // namespace ink::core
