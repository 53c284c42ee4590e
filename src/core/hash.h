#pragma once
// SHA3-256, the protocol's H, and the RFC 6962 leaf/node hashes built on it.
// Thread safety: every function may be called from any thread; Hasher is
// not shared between threads (one per thread).

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ink::core {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;
using Hash = std::array<uint8_t, 32>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Reusable SHA3-256 context: avoids re-fetching the digest and reallocating
// the EVP context for every hash, which dominates the cost of 64-byte inputs.
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Hash sha3(ByteView data);                        // H(data)
  Hash leaf(ByteView data);                        // H(0x00 || data)
  Hash node(const Hash& left, const Hash& right);  // H(0x01 || left || right)

 private:
  struct Impl;
  Impl* impl_;
};

// Convenience wrappers using a thread-local Hasher.
Hash sha3_256(ByteView data);
Hash leaf_hash(ByteView data);
Hash node_hash(const Hash& left, const Hash& right);
Hash empty_tree_root();  // H(""), the root of a tree with no leaves

// SHA-512 (client convention for hashing files and texts).
std::array<uint8_t, 64> sha512(ByteView data);

}  // namespace ink::core
