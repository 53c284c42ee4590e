#include "core/client_conventions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/cbor.h"
#include "core/encoding.h"
#include "core/test_vectors.h"

namespace ink::core {
namespace {

using test_vectors::load_vectors;

Bytes hex(const nlohmann::json& text) {
  auto bytes = from_hex(text.get<std::string>());
  EXPECT_TRUE(bytes.ok()) << text;
  return bytes.ok() ? *bytes : Bytes{};
}

TEST(ClientConventions, TextVector) {
  const Json doc = load_vectors();
  const Json& v = doc.at("client_conventions").at("text");
  EXPECT_EQ(data_for_bytes(as_bytes(v.at("text").get<std::string>())),
            v.at("data").get<std::string>());
}

TEST(ClientConventions, OneFileVector) {
  const Json doc = load_vectors();
  const Json& v = doc.at("client_conventions").at("one_file");
  const std::string data = v.at("data");
  EXPECT_EQ(data_for_bytes(hex(v.at("content_hex"))), data);
  // One file is stamped as its own data.
  EXPECT_EQ(data_for_files({data}), data);
}

TEST(ClientConventions, SeveralFilesVector) {
  const Json doc = load_vectors();
  const Json& v = doc.at("client_conventions").at("several_files");
  const Json& contents = v.at("contents_hex");
  ASSERT_GE(contents.size(), 2u);
  ASSERT_EQ(v.at("per_file").size(), contents.size());
  std::vector<std::string> per_file;
  for (size_t i = 0; i < contents.size(); ++i) {
    per_file.push_back(data_for_bytes(hex(contents[i])));
    EXPECT_EQ(per_file.back(), v.at("per_file")[i].get<std::string>()) << i;
  }
  const std::string data = v.at("data");
  EXPECT_EQ(data_for_bytes(as_bytes(v.at("combined_text").get<std::string>())), data);
  EXPECT_EQ(data_for_files(per_file), data);
  std::reverse(per_file.begin(), per_file.end());  // order of the files does not matter
  EXPECT_EQ(data_for_files(per_file), data);
}

}  // namespace
}  // namespace ink::core
