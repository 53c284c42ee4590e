#include "core/sign.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>

#include "core/cbor.h"
#include "core/encoding.h"

namespace ink::core {
namespace {

Json signed_head_vector() {
  std::ifstream in(INK_VECTORS_PATH);
  return Json::parse(in)["signed_head"];
}

template <size_t N>
std::array<uint8_t, N> fixed(const Json& hex) {
  auto b = from_hex(hex.get<std::string>());
  std::array<uint8_t, N> out{};
  EXPECT_EQ(b->size(), N);
  std::copy(b->begin(), b->end(), out.begin());
  return out;
}

TEST(Sign, ReproducesSignedHeadVector) {
  const Json v = signed_head_vector();
  auto key = SigningKey::from_seed(*from_hex(v["secret_key_seed"].get<std::string>()));
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(to_hex(key->public_key()), v["public_key"].get<std::string>());
  EXPECT_EQ(key->key_id(), v["key_id"].get<std::string>());
  EXPECT_EQ(key_id(key->public_key()), v["key_id"].get<std::string>());

  const Bytes statement = head_statement(v["authority"].get<std::string>(),
                                         v["interval"].get<uint64_t>(), fixed<32>(v["mth"]));
  EXPECT_EQ(to_hex(statement), v["statement_cbor"].get<std::string>());
  const Signature signature = key->sign(statement);
  EXPECT_EQ(to_hex(signature), v["signature"].get<std::string>());
  EXPECT_TRUE(verify_signature(key->public_key(), statement, signature));
}

TEST(Sign, VerifyRejectsAnyChange) {
  const Json v = signed_head_vector();
  const PublicKey pk = fixed<32>(v["public_key"]);
  const Signature sig = fixed<64>(v["signature"]);
  Bytes statement = *from_hex(v["statement_cbor"].get<std::string>());
  ASSERT_TRUE(verify_signature(pk, statement, sig));

  Bytes changed = statement;
  changed.back() ^= 1;
  EXPECT_FALSE(verify_signature(pk, changed, sig));
  Signature bad_sig = sig;
  bad_sig[10] ^= 0x80;
  EXPECT_FALSE(verify_signature(pk, statement, bad_sig));
  PublicKey other = pk;
  other[0] ^= 1;
  EXPECT_FALSE(verify_signature(other, statement, sig));
  EXPECT_FALSE(verify_signature(pk, {}, sig));
}

TEST(Sign, StatementDependsOnEveryField) {
  Hash mth{};
  const Bytes base = head_statement("example.org", 4, mth);
  EXPECT_NE(head_statement("example.com", 4, mth), base);
  EXPECT_NE(head_statement("example.org", 5, mth), base);
  mth[31] = 1;
  EXPECT_NE(head_statement("example.org", 4, mth), base);
}

TEST(Sign, PemRoundTrip) {
  auto key = SigningKey::generate();
  ASSERT_TRUE(key) << key.error().message;
  const std::string pem = key->to_pem();
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u) << pem;
  auto loaded = SigningKey::from_pem(pem);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->public_key(), key->public_key());
  const Bytes message = {1, 2, 3};
  EXPECT_EQ(loaded->sign(message), key->sign(message));
  EXPECT_TRUE(verify_signature(key->public_key(), message, loaded->sign(message)));
}

TEST(Sign, GeneratedKeysDiffer) {
  auto a = SigningKey::generate();
  auto b = SigningKey::generate();
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->public_key(), b->public_key());
  EXPECT_NE(a->key_id(), b->key_id());
  EXPECT_EQ(a->key_id().size(), 16u);
}

TEST(Sign, EmptyKeyRefusesToSign) {
  SigningKey empty;
  EXPECT_FALSE(empty.valid());
  EXPECT_THROW(empty.sign(as_bytes(std::string_view("head"))), std::logic_error);
  auto key = SigningKey::generate();
  ASSERT_TRUE(key);
  EXPECT_TRUE(key->valid());
}

TEST(Sign, RejectsBadKeys) {
  EXPECT_FALSE(SigningKey::from_seed(Bytes(31, 0)));
  EXPECT_FALSE(SigningKey::from_seed(Bytes(33, 0)));
  EXPECT_FALSE(SigningKey::from_pem(""));
  // A valid key followed by junk loads (PEM reads the first block), but not
  // when the text is far larger than any key file.
  const std::string pem = SigningKey::from_seed(Bytes(32, 1))->to_pem();
  EXPECT_TRUE(SigningKey::from_pem(pem + std::string(1000, '\n')));
  auto huge = SigningKey::from_pem(pem + std::string(100 * 1024, '\n'));
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message.find("64 KiB"), std::string::npos) << huge.error().message;
  EXPECT_FALSE(
      SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
  // An EC key is a valid PKCS#8 key, but not Ed25519.
  EVP_PKEY* ec_key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(ec_key, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio, ec_key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  const std::string ec_pem(data, static_cast<size_t>(length));
  BIO_free(bio);
  EVP_PKEY_free(ec_key);
  auto ec = SigningKey::from_pem(ec_pem);
  ASSERT_FALSE(ec);
  EXPECT_NE(ec.error().message.find("not an Ed25519"), std::string::npos) << ec.error().message;
}

}  // namespace
}  // namespace ink::core
