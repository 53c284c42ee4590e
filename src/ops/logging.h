#pragma once
// How the long-running programs log (INK_LOG_FORMAT, INK_LOG_LEVEL):
// "text" for people (the default), "json" for log shippers, one object per
// line with stable fields (docs/operations.md):
//   {"time":"2026-12-03T12:00:00.123456Z","level":"info","program":"ink-worker",
//    "thread":1234,"message":"..."}

#include <spdlog/formatter.h>

#include <memory>
#include <string>

namespace ink::ops {

// Throws std::invalid_argument for an unknown level or format.
void configure_logging(const std::string& program, const std::string& level,
                       const std::string& format);

// The JSON line formatter itself (exposed for its tests).
std::unique_ptr<spdlog::formatter> json_log_formatter(std::string program);

}  // namespace ink::ops
