#pragma once
// Compact strings (PROTOCOL.md), not to be confused with CompactRange:
//   head: <authority>/<i>#v1:<base64url(mth_i)>
//   ts:   <authority>/<i>#v1,<timestamp>,<base64url(cbor([a, path]))>

#include <string>
#include <string_view>
#include <vector>

#include "core/hash.h"
#include "core/result.h"

namespace ink::core {

struct CompactHead {
  std::string authority;
  uint64_t interval = 0;
  Hash mth{};
};

struct CompactTs {
  std::string authority;
  uint64_t interval = 0;
  std::string timestamp;
  uint64_t a = 0;
  std::vector<Hash> path;
};

std::string format_compact(const CompactHead& head);
std::string format_compact(const CompactTs& ts);
// Strict: authority non-empty without '/' or '#', decimal index without
// leading zeros, valid clock reading, 32-byte hashes, canonical CBOR.
Result<CompactHead> parse_compact_head(std::string_view text);
Result<CompactTs> parse_compact_ts(std::string_view text);

}  // namespace ink::core
