#include "core/compact_string.h"

#include <algorithm>

#include "core/cbor.h"
#include "core/clock.h"
#include "core/decode.h"
#include "core/encoding.h"

namespace ink::core {
namespace {

Error bad(const char* kind, std::string what) {
  return make_error(ErrorCode::kInvalidArgument, std::string("compact ") + kind + ": " + what);
}

// An authority is a host name with an optional port: no separators used by
// the compact form, no spaces or control characters.
bool valid_authority(std::string_view authority) {
  if (authority.empty() || !is_valid_utf8(authority)) return false;
  return std::none_of(authority.begin(), authority.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7F || c == '/' || c == '#' || c == ',';
  });
}

// Decimal without sign or leading zeros, fitting in 64 bits.
bool parse_index(std::string_view text, uint64_t& out) {
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text[0] == '0')) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  out = v;
  return true;
}

// Splits "<authority>/<i>#v1" off the front; `rest` is what follows "#v1".
Result<std::pair<std::string, uint64_t>> parse_prefix(const char* kind, std::string_view text,
                                                      std::string_view& rest) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad(kind, "missing '/' after the authority");
  const std::string_view authority = text.substr(0, slash);
  if (!valid_authority(authority)) return bad(kind, "invalid authority");
  const size_t hash = text.find('#', slash);
  if (hash == std::string_view::npos) return bad(kind, "missing '#v1'");
  uint64_t interval = 0;
  if (!parse_index(text.substr(slash + 1, hash - slash - 1), interval)) {
    return bad(kind, "the interval is not a decimal number without leading zeros");
  }
  rest = text.substr(hash + 1);
  if (rest.substr(0, 2) != "v1") return bad(kind, "unknown version (expected '#v1')");
  rest.remove_prefix(2);
  return std::pair{std::string(authority), interval};
}

}  // namespace

std::string format_compact(const CompactHead& head) {
  return head.authority + "/" + std::to_string(head.interval) + "#v1:" + to_base64url(head.mth);
}

std::string format_compact(const CompactTs& ts) {
  Bytes cbor;
  CborWriter w(cbor);
  w.array(2);
  w.uint(ts.a);
  w.array(ts.path.size());
  for (const Hash& node : ts.path) w.bytes(node);
  return ts.authority + "/" + std::to_string(ts.interval) + "#v1," + ts.timestamp + "," +
         to_base64url(cbor);
}

Result<CompactHead> parse_compact_head(std::string_view text) {
  std::string_view rest;
  auto prefix = parse_prefix("head", text, rest);
  if (!prefix) return prefix.error();
  if (rest.empty() || rest[0] != ':') return bad("head", "expected ':' after '#v1'");
  auto mth = from_base64url(rest.substr(1));
  if (!mth) return bad("head", "mth: " + mth.error().message);
  if (mth->size() != 32) return bad("head", "mth is not 32 bytes");
  CompactHead head;
  head.authority = std::move(prefix->first);
  head.interval = prefix->second;
  std::copy(mth->begin(), mth->end(), head.mth.begin());
  return head;
}

Result<CompactTs> parse_compact_ts(std::string_view text) {
  std::string_view rest;
  auto prefix = parse_prefix("timestamp", text, rest);
  if (!prefix) return prefix.error();
  if (rest.empty() || rest[0] != ',') return bad("timestamp", "expected ',' after '#v1'");
  rest.remove_prefix(1);
  const size_t comma = rest.find(',');
  if (comma == std::string_view::npos) return bad("timestamp", "missing ',' after the timestamp");
  const std::string_view timestamp = rest.substr(0, comma);
  if (auto clock = parse_clock(timestamp); !clock) return bad("timestamp", clock.error().message);
  auto cbor = from_base64url(rest.substr(comma + 1));
  if (!cbor) return bad("timestamp", "proof: " + cbor.error().message);

  DecodeLimits limits;
  limits.max_depth = 2;
  limits.max_items = 64;  // a path has at most 64 nodes
  auto doc = decode_cbor_strict(*cbor, limits);
  if (!doc) return bad("timestamp", "proof: " + doc.error().message);
  const Json& j = *doc;
  if (!j.is_array() || j.size() != 2 || !j[0].is_number_unsigned() || !j[1].is_array()) {
    return bad("timestamp", "proof is not the CBOR array [a, path]");
  }
  CompactTs ts;
  ts.authority = std::move(prefix->first);
  ts.interval = prefix->second;
  ts.timestamp = std::string(timestamp);
  ts.a = j[0].get<uint64_t>();
  for (const Json& node : j[1]) {
    if (!node.is_binary() || node.get_binary().size() != 32) {
      return bad("timestamp", "path element is not a 32-byte byte string");
    }
    Hash h;
    std::copy(node.get_binary().begin(), node.get_binary().end(), h.begin());
    ts.path.push_back(h);
  }
  // One proof, one string: reject other encodings of the same values.
  if (cbor_encode(j) != *cbor) return bad("timestamp", "proof is not canonical CBOR");
  return ts;
}

}  // namespace ink::core
