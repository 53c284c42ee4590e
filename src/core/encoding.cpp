#include "core/encoding.h"

#include <array>

namespace ink::core {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reverse lookup table for one alphabet: 0..63, or -1 for characters outside it.
std::array<int8_t, 256> reverse_table(const char* alphabet) {
  std::array<int8_t, 256> table{};
  table.fill(-1);
  for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  return table;
}

void append_encoded_base64(std::string& out, ByteView bytes, const char* alphabet, bool pad) {
  out.reserve(out.size() + (bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t v = uint32_t{bytes[i]} << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
}

std::string encode_base64(ByteView bytes, const char* alphabet, bool pad) {
  std::string out;
  append_encoded_base64(out, bytes, alphabet, pad);
  return out;
}

// Decodes the unpadded characters; `what` names the encoding in messages.
// Rejects a lone trailing character and non-zero unused bits, so every byte
// string has exactly one accepted text form.
Result<Bytes> decode_base64_body(std::string_view text, const std::array<int8_t, 256>& table,
                                 const char* what) {
  if (text.size() % 4 == 1) {
    return make_error(ErrorCode::kInvalidArgument, std::string(what) + ": impossible length");
  }
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = table[static_cast<uint8_t>(c)];
    if (v < 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        std::string(what) + ": character outside the alphabet");
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(what) + ": non-zero trailing bits (not canonical)");
  }
  return out;
}

}  // namespace

std::string to_hex(ByteView bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += kHexDigits[b >> 4];
    out += kHexDigits[b & 15];
  }
  return out;
}

Result<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return make_error(ErrorCode::kInvalidArgument, "hex: odd number of digits");
  }
  Bytes out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_value(hex[i]);
    int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return make_error(ErrorCode::kInvalidArgument, "hex: not a hex digit");
    out.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return out;
}

Result<Hash> hash_from_hex(std::string_view hex) {
  if (hex.size() != 64) {
    return make_error(ErrorCode::kInvalidArgument, "hash: expected 64 hex digits");
  }
  auto bytes = from_hex(hex);
  if (!bytes) return bytes.error();
  Hash h;
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

std::string to_base64(ByteView bytes) { return encode_base64(bytes, kBase64, true); }

void append_base64(std::string& out, ByteView bytes) {
  append_encoded_base64(out, bytes, kBase64, true);
}

Result<Bytes> from_base64(std::string_view text) {
  static const auto table = reverse_table(kBase64);
  if (text.size() % 4 != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "base64: length is not a multiple of 4 (padding missing?)");
  }
  size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  return decode_base64_body(text.substr(0, text.size() - padding), table, "base64");
}

Result<Hash> hash_from_base64(std::string_view text) {
  auto bytes = from_base64(text);
  if (!bytes) return bytes.error();
  if (bytes->size() != 32) {
    return make_error(ErrorCode::kInvalidArgument,
                      "hash: expected 32 bytes, got " + std::to_string(bytes->size()));
  }
  Hash h;
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

std::string to_base64url(ByteView bytes) { return encode_base64(bytes, kBase64Url, false); }

Result<Bytes> from_base64url(std::string_view text) {
  static const auto table = reverse_table(kBase64Url);
  return decode_base64_body(text, table, "base64url");
}

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    uint8_t c = static_cast<uint8_t>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    uint32_t min;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;  // continuation byte without a lead, or 0xF8..0xFF
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      uint8_t cc = static_cast<uint8_t>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min) return false;                      // overlong form
    if (cp > 0x10FFFF) return false;                 // beyond Unicode
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // UTF-16 surrogate
    i += len;
  }
  return true;
}

}  // namespace ink::core
