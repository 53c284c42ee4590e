#include "server/submission.h"

#include <gtest/gtest.h>

#include "core/cbor.h"

namespace ink::server {
namespace {

int status_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e.status;
  }
  return 200;
}

Submission json(std::string_view body, std::string_view query = "",
                std::optional<std::string> accept = std::nullopt) {
  return parse_submission("application/json", accept, body, query, 16384);
}

TEST(Submission, JsonCborAndCompact) {
  auto s = json(R"({"data": "sha512:ab"})", "wait&tag=t1");
  EXPECT_EQ(s.data, "sha512:ab");
  EXPECT_EQ(s.tag, "t1");
  EXPECT_TRUE(s.wait);
  EXPECT_FALSE(s.compact);
  EXPECT_EQ(s.answer, Format::kJson);
  auto cbor = core::cbor_encode(core::Json{{"data", "x"}});
  auto c = parse_submission(
      "application/cbor", std::nullopt,
      std::string_view(reinterpret_cast<const char*>(cbor.data()), cbor.size()), "", 16384);
  EXPECT_EQ(c.data, "x");
  EXPECT_EQ(c.answer, Format::kCbor);
  auto t = parse_submission("text/plain", std::nullopt, "raw text", "compact", 16384);
  EXPECT_EQ(t.data, "raw text");
  EXPECT_TRUE(t.compact && t.wait);
  EXPECT_EQ(t.answer, Format::kText);
  EXPECT_EQ(json(R"({"data": "x"})", "", "application/cbor").answer, Format::kCbor);
}

TEST(Submission, EachProblemHasItsStatus) {
  EXPECT_EQ(status_of([] { json(R"({"data": )"); }), 400);
  EXPECT_EQ(status_of([] { json(R"([1])"); }), 400);
  EXPECT_EQ(status_of([] { json(R"({"data": 5})"); }), 400);
  EXPECT_EQ(status_of([] { json(R"({"other": "x"})"); }), 400);
  EXPECT_EQ(status_of([] { json(R"({"data": "a\u0000b"})"); }), 400);
  EXPECT_EQ(status_of([] { json(R"({"data": "x"})", "tag=a%00b"); }), 400);
  EXPECT_EQ(status_of([] { json(R"({"data": "x"})", "tag=%ff"); }), 400);
  EXPECT_EQ(status_of([] { json(R"({"data": "x"})", "tag=" + std::string(37, 'a')); }), 400);
  EXPECT_EQ(status_of([] { json(R"({"data": "x"})", "tag=" + std::string(36, 'a')); }), 200);
  EXPECT_EQ(status_of([] { json(R"({"data": "x"})", "tag=%zz"); }), 400);
  EXPECT_EQ(status_of([] { json("{\"data\": \"" + std::string(257, 'a') + "\"}"); }), 413);
  EXPECT_EQ(status_of([] { json("{\"data\": \"" + std::string(256, 'a') + "\"}"); }), 200);
  EXPECT_EQ(status_of([] {
              parse_submission("application/json", std::nullopt, std::string(20000, ' '), "",
                               16384);
            }),
            413);
  EXPECT_EQ(status_of([] { parse_submission("application/xml", std::nullopt, "<x/>", "", 16384); }),
            415);
  EXPECT_EQ(status_of([] { json(R"({"data": "x"})", "", "image/png"); }), 406);
  EXPECT_EQ(
      status_of([] { parse_submission("text/plain", std::nullopt, "\xff", "compact", 16384); }),
      400);
  EXPECT_EQ(
      status_of([] { parse_submission("application/json", std::nullopt, "x", "compact", 16384); }),
      415);
}

}  // namespace
}  // namespace ink::server
