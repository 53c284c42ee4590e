#pragma once
// Test-only helpers shared by the core's unit tests: the protocol vectors
// (../shared/protocol/vectors.json, path compiled in as INK_VECTORS_PATH) and
// hex parsing that reports failures through GoogleTest.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/encoding.h"

namespace ink::core::test_vectors {

inline nlohmann::json load_vectors() {
  std::ifstream in(INK_VECTORS_PATH);
  return nlohmann::json::parse(in);
}

inline Hash hex_hash(const std::string& hex) {
  auto parsed = hash_from_hex(hex);
  EXPECT_TRUE(parsed.ok()) << hex;
  return parsed.ok() ? *parsed : Hash{};
}

inline std::vector<Hash> hex_hashes(const nlohmann::json& list) {
  std::vector<Hash> out;
  for (const auto& item : list) out.push_back(hex_hash(item));
  return out;
}

}  // namespace ink::core::test_vectors
