#pragma once
// Ids of ts: UUIDv7 (RFC 9562), 48 bits of Unix milliseconds then random
// bits, so ids sort by creation time and carry it. One place for making,
// writing and reading them.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ink::core {

using Uuid = std::array<uint8_t, 16>;

// The canonical 8-4-4-4-12 lower-case text.
std::string format_uuid(const Uuid& id);
// Accepts upper- or lower-case hex in the 8-4-4-4-12 form only.
Result<Uuid> parse_uuid(std::string_view text);

// A UUIDv7 from its parts (pure): version and variant bits set, the rest of
// `random` (10 bytes) in the remaining 74 bits.
Uuid uuid_v7(uint64_t unix_ms, std::span<const uint8_t, 10> random);
// The creation time of a UUIDv7; nullopt for any other version.
std::optional<int64_t> uuid_v7_unix_ms(const Uuid& id);
// A new UUIDv7 from the system clock and OpenSSL's random generator.
Uuid new_uuid_v7();

}  // namespace ink::core
