#pragma once
// Witness cosignatures (docs/witness.md): an independent witness, having
// checked that head i is consistent with every head it cosigned before,
// signs with its own Ed25519 key
//   cbor({"authority", "interval", "mth", "typ": "cosig", "version": "1", "witness": NAME})
// The witness's key id is key_id(public key), as for the log's keys.

#include <string>
#include <string_view>

#include "core/hash.h"
#include "core/sign.h"

namespace ink::core {

// The statement a witness signs, canonical CBOR.
Bytes cosignature_statement(std::string_view authority, uint64_t interval, const Hash& mth,
                            std::string_view witness_name);

// Whether `signature` is `witness_key`'s over the statement for these fields.
bool verify_cosignature(const PublicKey& witness_key, std::string_view witness_name,
                        std::string_view authority, uint64_t interval, const Hash& mth,
                        const Signature& signature);

// The longest witness name accepted (bytes of UTF-8 text).
inline constexpr size_t kMaxWitnessNameBytes = 128;

}  // namespace ink::core
