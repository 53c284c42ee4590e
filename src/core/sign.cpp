#include "core/sign.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>

#include "core/cbor.h"
#include "core/encoding.h"

namespace ink::core {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

// Refuses to prompt for a passphrase: an encrypted key file is an error.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

}  // namespace

struct SigningKey::Impl {
  PkeyPtr pkey;
};

Bytes head_statement(std::string_view authority, uint64_t interval, const Hash& mth) {
  // Keys in canonical order: mth, typ, version, interval, authority.
  Bytes out;
  out.reserve(96 + authority.size());
  CborWriter w(out);
  w.map(5);
  w.text("mth");
  w.bytes(mth);
  w.text("typ");
  w.text("mth");
  w.text("version");
  w.text("1");
  w.text("interval");
  w.uint(interval);
  w.text("authority");
  w.text(authority);
  return out;
}

std::string key_id(const PublicKey& public_key) {
  const Hash h = sha3_256(public_key);
  return to_hex(ByteView(h.data(), 8));
}

bool verify_signature(const PublicKey& public_key, ByteView message, const Signature& signature) {
  PkeyPtr pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  if (!pkey) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                          message.size()) == 1;
}

namespace {

bool read_public_key(EVP_PKEY* pkey, PublicKey& public_key) {
  size_t len = public_key.size();
  return EVP_PKEY_get_raw_public_key(pkey, public_key.data(), &len) == 1 && len == 32;
}

Error public_key_error() {
  return make_error(ErrorCode::kInternal, "ed25519: cannot read the public key");
}

}  // namespace

Result<SigningKey> SigningKey::generate() {
  PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!pkey) return make_error(ErrorCode::kInternal, "ed25519: key generation failed");
  SigningKey key;
  key.impl_ = std::make_shared<Impl>(Impl{std::move(pkey)});
  if (!read_public_key(key.impl_->pkey.get(), key.public_key_)) return public_key_error();
  return key;
}

Result<SigningKey> SigningKey::from_seed(ByteView seed) {
  if (seed.size() != 32) {
    return make_error(ErrorCode::kInvalidArgument, "ed25519: the private key must be 32 bytes");
  }
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!pkey) return make_error(ErrorCode::kInternal, "ed25519: cannot load the private key");
  SigningKey key;
  key.impl_ = std::make_shared<Impl>(Impl{std::move(pkey)});
  if (!read_public_key(key.impl_->pkey.get(), key.public_key_)) return public_key_error();
  return key;
}

Result<SigningKey> SigningKey::from_pem(std::string_view pem) {
  // BIO_new_mem_buf takes an int length and reads a negative one as "up to
  // the NUL": a length past INT_MAX would read beyond the view. A key file
  // is a few hundred bytes.
  constexpr size_t kMaxPemBytes = 64 * 1024;
  if (pem.size() > kMaxPemBytes) {
    return make_error(ErrorCode::kInvalidArgument, "ed25519: the PEM text is over 64 KiB");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return make_error(ErrorCode::kInternal, "ed25519: out of memory");
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!pkey) {
    return make_error(ErrorCode::kInvalidArgument,
                      "ed25519: not an unencrypted PKCS#8 PEM private key");
  }
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return make_error(ErrorCode::kInvalidArgument, "ed25519: the PEM key is not an Ed25519 key");
  }
  SigningKey key;
  key.impl_ = std::make_shared<Impl>(Impl{std::move(pkey)});
  if (!read_public_key(key.impl_->pkey.get(), key.public_key_)) return public_key_error();
  return key;
}

std::string SigningKey::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !impl_ ||
      PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    return {};
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Signature SigningKey::sign(ByteView message) const {
  // Ed25519 is deterministic and OpenSSL fails here only when out of memory;
  // an all-zero signature then fails verification instead of crashing.
  if (!impl_) throw std::logic_error("signing with an empty SigningKey");
  Signature signature{};
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, impl_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature.data(), &len, message.data(), message.size()) != 1) {
    signature.fill(0);
  }
  return signature;
}

}  // namespace ink::core
