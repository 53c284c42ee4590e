#pragma once
// Test-only helpers shared by the core's unit tests: the protocol vectors
// (../shared/protocol/vectors.json, path compiled in as INK_VECTORS_PATH) and
// the project's own (tests/vectors/*.json), hex and base64 parsing that
// reports failures through GoogleTest.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/encoding.h"

namespace ink::core::test_vectors {

inline nlohmann::json read_vectors(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

inline nlohmann::json load_vectors() { return read_vectors(INK_VECTORS_PATH); }

// A base64 field as N bytes (zeros, and a test failure, if it is not that).
template <size_t N>
std::array<uint8_t, N> fixed(const std::string& b64) {
  auto bytes = from_base64(b64);
  EXPECT_TRUE(bytes.ok() && bytes->size() == N) << b64;
  std::array<uint8_t, N> out{};
  if (bytes.ok() && bytes->size() == N) std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
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
