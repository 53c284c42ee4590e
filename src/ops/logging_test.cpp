#include "ops/logging.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "ops/listen.h"

namespace ink::ops {
namespace {

TEST(JsonLogs, OneObjectPerLineWithStableFieldsAndEscapedText) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", sink);
  logger.set_formatter(json_log_formatter("ink-worker"));
  logger.warn("quote \" newline \n tab \t and bad UTF-8 \xff here");
  logger.info("second");
  std::istringstream lines(out.str());
  std::string first, second;
  ASSERT_TRUE(std::getline(lines, first));
  ASSERT_TRUE(std::getline(lines, second));
  auto a = nlohmann::json::parse(first);
  EXPECT_EQ(a["level"], "warning");
  EXPECT_EQ(a["program"], "ink-worker");
  EXPECT_EQ(a["message"], "quote \" newline \n tab \t and bad UTF-8 \xef\xbf\xbd here");
  EXPECT_TRUE(a["thread"].is_number());
  std::string time = a["time"];
  EXPECT_EQ(time.size(), 27u) << time;  // 2026-12-03T12:00:00.123456Z
  EXPECT_EQ(time.back(), 'Z');
  EXPECT_EQ(nlohmann::json::parse(second)["message"], "second");
}

TEST(Logging, UnknownFormatsAndLevelsAreRefused) {
  EXPECT_THROW(configure_logging("x", "info", "xml"), std::invalid_argument);
  EXPECT_THROW(configure_logging("x", "loud", "text"), std::invalid_argument);
  EXPECT_NO_THROW(configure_logging("x", "off", "json"));
  EXPECT_NO_THROW(configure_logging("x", "info", "text"));
}

TEST(ParseListen, AddressesAndTheirErrors) {
  EXPECT_EQ(parse_listen("127.0.0.1:9464").port(), 9464);
  EXPECT_TRUE(parse_listen("[::1]:80").address().is_v6());
  EXPECT_EQ(parse_listen("*:81").address().to_string(), "0.0.0.0");
  EXPECT_THROW(parse_listen("localhost"), std::invalid_argument);
  EXPECT_THROW(parse_listen("127.0.0.1:99999"), std::invalid_argument);
  EXPECT_THROW(parse_listen("127.0.0.1:12x"), std::invalid_argument);
  EXPECT_THROW(parse_listen("not-an-ip:80"), std::invalid_argument);
}

}  // namespace
}  // namespace ink::ops
