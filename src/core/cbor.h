#pragma once
// Canonical CBOR encoding (RFC 7049 section 3.9): definite lengths, shortest
// heads, map keys sorted by encoded length, then bytewise.
//
// Values are nlohmann::json documents, with byte strings as json::binary_t.
// Supported: unsigned and negative integers, text, bytes, arrays, maps with
// any keys nlohmann allows (text), booleans and null. Floating-point numbers
// are encoded as float64 (the protocol has none).

#include <nlohmann/json.hpp>

#include "core/hash.h"

namespace ink::core {

using Json = nlohmann::json;

// Writes CBOR heads and items into a byte buffer; the caller is responsible
// for emitting map keys in canonical order when using it directly.
class CborWriter {
 public:
  explicit CborWriter(Bytes& out) : out_(out) {}
  void head(uint8_t major, uint64_t value);  // shortest form
  void uint(uint64_t v) { head(0, v); }
  void text(std::string_view s);
  void bytes(ByteView b);
  void array(uint64_t n) { head(4, n); }
  void map(uint64_t n) { head(5, n); }

 private:
  Bytes& out_;
};

Bytes cbor_encode(const Json& value);

// Converts a document with binary byte strings into plain JSON for the wire:
// every binary value becomes standard base64 text with padding.
Json to_wire_json(const Json& value);

}  // namespace ink::core
