#pragma once
// Clock readings: microseconds since the Unix epoch (UTC), shown in the
// protocol's fixed form YYYY-MM-DDTHH:MM:SS.ffffffZ (exactly six digits).

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ink::core {

using UnixMicros = int64_t;

// Precondition: years 0001..9999 (other values give an unspecified string).
std::string format_clock(UnixMicros micros);

// Strict: the exact form above, a real calendar date, no leap second, years 0001..9999.
Result<UnixMicros> parse_clock(std::string_view text);

}  // namespace ink::core
