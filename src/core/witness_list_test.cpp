#include "core/witness_list.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/encoding.h"

namespace ink::core {
namespace {

std::string key_b64(uint8_t fill) {
  Bytes k(32, fill);
  return to_base64(k);
}

TEST(WitnessList, ParsesNamesAndKeysWithTheirIds) {
  auto list =
      parse_witness_list(R"([{"name": "a.example", "public_key": ")" + key_b64(1) +
                         R"("}, {"name": "Zeugin", "public_key": ")" + key_b64(2) + R"("}])");
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "a.example");
  EXPECT_EQ((*list)[0].key_id, key_id((*list)[0].public_key));
  EXPECT_EQ((*list)[1].public_key[0], 2);
  EXPECT_TRUE(parse_witness_list("[]").ok());
}

TEST(WitnessList, EachMistakeIsNamed) {
  auto error_of = [](const std::string& text) {
    auto r = parse_witness_list(text);
    return r.ok() ? std::string("accepted") : r.error().message;
  };
  EXPECT_NE(error_of("{}").find("array"), std::string::npos);
  EXPECT_NE(error_of("[1]").find("witness 0"), std::string::npos);
  EXPECT_NE(error_of(R"([{"name": "", "public_key": ")" + key_b64(1) + "\"}]").find("name"),
            std::string::npos);
  EXPECT_NE(error_of(R"([{"name": ")" + std::string(129, 'x') + R"(", "public_key": ")" +
                     key_b64(1) + "\"}]")
                .find("128"),
            std::string::npos);
  EXPECT_NE(error_of(R"([{"name": "w", "public_key": "AAAA"}])").find("32 bytes"),
            std::string::npos);
  std::string twice_name = R"([{"name": "w", "public_key": ")" + key_b64(1) +
                           R"("}, {"name": "w", "public_key": ")" + key_b64(2) + "\"}]";
  EXPECT_NE(error_of(twice_name).find("listed twice"), std::string::npos);
  std::string twice_key = R"([{"name": "v", "public_key": ")" + key_b64(1) +
                          R"("}, {"name": "w", "public_key": ")" + key_b64(1) + "\"}]";
  EXPECT_NE(error_of(twice_key).find("witness 1 (w): its key is listed twice"), std::string::npos);
  EXPECT_NE(error_of("[{\"name\": \"\xff\", \"public_key\": \"x\"}]"), "accepted");
}

}  // namespace
}  // namespace ink::core
