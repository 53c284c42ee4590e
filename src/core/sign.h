#pragma once
// Signed heads: the statement, Ed25519 through OpenSSL, key ids.

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "core/hash.h"
#include "core/result.h"

namespace ink::core {

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;

// cbor({"authority", "interval", "mth", "typ": "mth", "version": "1"}), canonical.
Bytes head_statement(std::string_view authority, uint64_t interval, const Hash& mth);

// First 8 bytes of H(public key), lower-case hex.
std::string key_id(const PublicKey& public_key);

bool verify_signature(const PublicKey& public_key, ByteView message, const Signature& signature);

// An Ed25519 private key. Cheap to copy (shared, immutable). Thread safe.
class SigningKey {
 public:
  static Result<SigningKey> generate();
  static Result<SigningKey> from_seed(ByteView seed);        // the raw 32-byte private key
  static Result<SigningKey> from_pem(std::string_view pem);  // PKCS#8 "PRIVATE KEY" text
  std::string to_pem() const;

  // A default-constructed key holds nothing (it exists so that owners can be
  // filled in later); sign() on it throws rather than write a head that
  // could never verify into the permanent log.
  bool valid() const { return impl_ != nullptr; }
  const PublicKey& public_key() const { return public_key_; }
  std::string key_id() const { return ink::core::key_id(public_key_); }
  Signature sign(ByteView message) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  PublicKey public_key_{};
};

}  // namespace ink::core
