#include "ops/logging.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace ink::ops {
namespace {

class JsonFormatter final : public spdlog::formatter {
 public:
  explicit JsonFormatter(std::string program) : program_(std::move(program)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    auto since_epoch = msg.time.time_since_epoch();
    auto secs = duration_cast<seconds>(since_epoch);
    auto micros = duration_cast<microseconds>(since_epoch - secs).count();
    std::time_t t = secs.count();
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[96];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(micros));
    auto level = spdlog::level::to_string_view(msg.level);
    nlohmann::json line = {
        {"time", stamp},
        {"level", std::string(level.data(), level.size())},
        {"program", program_},
        {"thread", msg.thread_id},
        {"message", std::string(msg.payload.data(), msg.payload.size())},
    };
    // Bytes that are not UTF-8 (a client's input quoted in a message) become U+FFFD.
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>(program_);
  }

 private:
  std::string program_;
};

}  // namespace

std::unique_ptr<spdlog::formatter> json_log_formatter(std::string program) {
  return std::make_unique<JsonFormatter>(std::move(program));
}

void configure_logging(const std::string& program, const std::string& level,
                       const std::string& format) {
  auto lvl = spdlog::level::from_str(level);
  // from_str answers "off" for anything it does not know.
  if (lvl == spdlog::level::off && level != "off")
    throw std::invalid_argument(
        "INK_LOG_LEVEL must be trace, debug, info, warn, error, "
        "critical or off, not '" +
        level + "'");
  spdlog::set_level(lvl);
  if (format == "json") {
    spdlog::set_formatter(json_log_formatter(program));
  } else if (format == "text") {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ " + program + " %v",
                        spdlog::pattern_time_type::utc);
  } else {
    throw std::invalid_argument("INK_LOG_FORMAT must be text or json, not '" + format + "'");
  }
}

}  // namespace ink::ops
