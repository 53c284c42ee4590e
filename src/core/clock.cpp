#include "core/clock.h"

#include <chrono>
#include <cstdio>

namespace ink::core {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

// Reads `width` decimal digits at text[pos]; -1 if any is not a digit.
int64_t digits(std::string_view text, size_t pos, size_t width) {
  int64_t v = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

Error bad(std::string what) {
  return make_error(ErrorCode::kInvalidArgument,
                    "clock reading: " + what + " (expected YYYY-MM-DDTHH:MM:SS.ffffffZ)");
}

}  // namespace

std::string format_clock(UnixMicros micros) {
  // Floor division, so readings before 1970 land on the right day.
  int64_t day = micros / kMicrosPerDay;
  int64_t rest = micros % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --day;
  }
  const std::chrono::year_month_day ymd{sys_days{days{day}}};
  const int64_t seconds = rest / kMicrosPerSecond;
  const int64_t fraction = rest % kMicrosPerSecond;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(seconds / 3600),
                static_cast<int>(seconds / 60 % 60), static_cast<int>(seconds % 60),
                static_cast<int>(fraction));
  return buf;
}

Result<UnixMicros> parse_clock(std::string_view text) {
  // 0123456789012345678901234567
  // YYYY-MM-DDTHH:MM:SS.ffffffZ
  if (text.size() != 27) return bad("wrong length");
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
      text[19] != '.' || text[26] != 'Z') {
    return bad("wrong separators");
  }
  const int64_t year = digits(text, 0, 4);
  const int64_t month = digits(text, 5, 2);
  const int64_t day = digits(text, 8, 2);
  const int64_t hour = digits(text, 11, 2);
  const int64_t minute = digits(text, 14, 2);
  const int64_t second = digits(text, 17, 2);
  const int64_t fraction = digits(text, 20, 6);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || fraction < 0) {
    return bad("not a digit where one is expected");
  }
  if (year < 1) return bad("year 0000");
  const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(year)},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return bad("no such calendar date");
  if (hour > 23 || minute > 59 || second > 59) return bad("no such time of day");
  const int64_t day_number = sys_days{ymd}.time_since_epoch().count();
  return day_number * kMicrosPerDay + ((hour * 60 + minute) * 60 + second) * kMicrosPerSecond +
         fraction;
}

}  // namespace ink::core
