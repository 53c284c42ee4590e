#pragma once
// Text encodings of bytes: lower-case hex, standard base64 with padding (JSON
// byte strings), base64url without padding (compact strings). Decoders are
// strict: they reject wrong alphabets, wrong padding and non-canonical trailing bits.

#include <optional>
#include <string>
#include <string_view>

#include "core/hash.h"
#include "core/result.h"

namespace ink::core {

std::string to_hex(ByteView bytes);
Result<Bytes> from_hex(std::string_view hex);
Result<Hash> hash_from_hex(std::string_view hex);  // exactly 64 hex digits

std::string to_base64(ByteView bytes);
void append_base64(std::string& out, ByteView bytes);  // to_base64 without a new string
Result<Bytes> from_base64(std::string_view text);
Result<Hash> hash_from_base64(std::string_view text);  // exactly 32 bytes

std::string to_base64url(ByteView bytes);  // no padding
Result<Bytes> from_base64url(std::string_view text);

bool is_valid_utf8(std::string_view text);

}  // namespace ink::core
