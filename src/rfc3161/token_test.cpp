#include "rfc3161/token.h"

#include <gtest/gtest.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#include "rfc3161/openssl_util.h"
#include "rfc3161/test_pki.h"
#include "rfc3161/tsa.h"

namespace ink::rfc3161 {
namespace {

using namespace test;

Tsa tsa_of(const Pki& p) { return Tsa::from_pem(p.chain(), p.tsa_key.pem()); }

std::array<uint8_t, 16> some_serial() {
  std::array<uint8_t, 16> s{};
  RAND_bytes(s.data(), int(s.size()));
  s[0] = 0x01;  // as a UUIDv7 of these years starts
  return s;
}

// The granted reply for `text`'s SHA-512 digest.
std::string granted(const Tsa& tsa, std::string_view text, const std::array<uint8_t, 16>& serial,
                    int64_t micros, bool cert_req = true) {
  auto request = cert_req ? make_request(NID_sha512, digest(EVP_sha512(), text), "\x2a\x01")
                          : detail::request_der(NID_sha512, digest(EVP_sha512(), text), false, "");
  return tsa.grant(request, serial, micros);
}

std::string token_of(const std::string& reply) {
  const auto* p = reinterpret_cast<const unsigned char*>(reply.data());
  TS_RESP* resp = d2i_TS_RESP(nullptr, &p, long(reply.size()));
  PKCS7* token = TS_RESP_get_token(resp);
  int n = i2d_PKCS7(token, nullptr);
  std::string out(size_t(n), '\0');
  auto* q = reinterpret_cast<unsigned char*>(out.data());
  i2d_PKCS7(token, &q);
  TS_RESP_free(resp);
  return out;
}

std::string error_of(std::string_view der) {
  try {
    read_token(der);
  } catch (const TokenError& e) {
    return e.what();
  }
  return "";
}

TEST(ReadToken, GivesBackWhatTheTsaSigned) {
  auto tsa = tsa_of(pki());
  auto serial = some_serial();
  const int64_t micros = 1796232965123450;  // 2026-12-02T17:36:05.123450Z
  auto reply = granted(tsa, "hello", serial, micros);
  for (const auto& der : {reply, token_of(reply)}) {
    Token t = read_token(der);
    ASSERT_TRUE(t.serial_bytes.has_value());
    EXPECT_EQ(*t.serial_bytes, serial);
    EXPECT_EQ(t.serial_hex, detail::hex(serial.data(), serial.size()));
    EXPECT_EQ(t.gen_time, "20261202173605.12345Z");
    EXPECT_EQ(t.gen_time_micros, micros);
    EXPECT_EQ(t.imprint_nid, NID_sha512);
    EXPECT_EQ(t.imprint, digest(EVP_sha512(), "hello"));
    EXPECT_EQ(t.imprint_name, "sha512");
    EXPECT_EQ(t.policy, kDefaultPolicy);
    EXPECT_EQ(t.nonce, "\x2a\x01");
    EXPECT_EQ(t.certificates, 2);
  }
}

TEST(ReadToken, WholeSecondsAndNoCertificates) {
  auto tsa = tsa_of(pki());
  Token t = read_token(granted(tsa, "x", some_serial(), 1'700'000'000'000'000, false));
  EXPECT_EQ(t.gen_time, "20231114221320Z");
  EXPECT_EQ(t.gen_time_micros, 1'700'000'000'000'000);
  EXPECT_EQ(t.certificates, 0);
  EXPECT_TRUE(t.nonce.empty());
}

TEST(ReadToken, ARefusalSaysWhyAndIsNoToken) {
  auto tsa = tsa_of(pki());
  auto message = error_of(tsa.reject({FailInfo::kBadAlg, "MD5 is refused"}));
  EXPECT_NE(message.find("refusal"), std::string::npos) << message;
  EXPECT_NE(message.find("badAlg"), std::string::npos) << message;
  EXPECT_NE(message.find("MD5 is refused"), std::string::npos) << message;
}

TEST(ReadToken, RefusesWhatIsNotOneTokenOrReply) {
  auto reply = granted(tsa_of(pki()), "x", some_serial(), 1'700'000'000'000'000);
  EXPECT_NE(error_of(""), "");
  EXPECT_NE(error_of("not DER at all"), "");
  EXPECT_NE(error_of(reply + std::string(1, '\0')), "") << "trailing bytes";
  EXPECT_NE(error_of(reply.substr(0, reply.size() - 1)), "") << "truncated";
  EXPECT_NE(error_of(make_request(NID_sha256, std::string(32, 'a'), "")), "") << "a request";
}

TEST(TokenSignature, HoldsForTheTsaRootAndFailsForAnother) {
  auto tsa = tsa_of(pki());
  auto reply = granted(tsa, "signed", some_serial(), 1'800'000'000'000'000);
  EXPECT_EQ(check_token_signature(reply, pki().root.pem()), std::nullopt);
  EXPECT_EQ(check_token_signature(token_of(reply), pki().chain()), std::nullopt);
  Pki other;
  EXPECT_NE(check_token_signature(reply, other.root.pem()), std::nullopt);
  EXPECT_NE(check_token_signature(reply, ""), std::nullopt) << "no root at all";
  EXPECT_NE(check_token_signature(reply, pki().tsa.pem()), std::nullopt)
      << "the signing certificate alone is no root";
  // A token from another TSA key does not verify against ours.
  auto foreign = granted(tsa_of(other), "signed", some_serial(), 1'800'000'000'000'000);
  EXPECT_NE(check_token_signature(foreign, pki().root.pem()), std::nullopt);
}

TEST(TokenSignature, ATokenWithoutCertificatesNeedsTheChain) {
  auto reply = granted(tsa_of(pki()), "bare", some_serial(), 1'800'000'000'000'000, false);
  EXPECT_NE(check_token_signature(reply, pki().root.pem()), std::nullopt);
  EXPECT_EQ(check_token_signature(reply, pki().chain()), std::nullopt);
}

TEST(TokenSignature, EveryFlippedByteOfTheSignedInfoFails) {
  auto reply = granted(tsa_of(pki()), "tamper", some_serial(), 1'800'000'000'000'000);
  const auto imprint = digest(EVP_sha512(), "tamper");
  const size_t at = reply.find(imprint);
  ASSERT_NE(at, std::string::npos);
  for (size_t i : {at, at + 17, at + imprint.size() - 1}) {
    auto changed = reply;
    changed[i] = char(changed[i] ^ 0x01);
    EXPECT_NE(check_token_signature(changed, pki().chain()), std::nullopt) << "byte " << i;
  }
}

TEST(MakeRequest, TheTsaAcceptsItAndItRefusesWeakDigests) {
  auto tsa = tsa_of(pki());
  auto checked = tsa.check(make_request(NID_sha256, digest(EVP_sha256(), "abc"), "\x07"));
  ASSERT_TRUE(std::holds_alternative<Accepted>(checked));
  EXPECT_EQ(std::get<Accepted>(checked).data,
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_THROW(make_request(NID_md5, digest(EVP_md5(), "abc"), ""), std::invalid_argument);
  EXPECT_THROW(make_request(NID_sha256, std::string(31, 'a'), ""), std::invalid_argument);
}

TEST(ImprintHasher, ChunksGiveTheOneShotDigest) {
  const std::string text(100'000, 'q');
  ImprintHasher h(NID_sha3_256);
  for (size_t at = 0; at < text.size(); at += 4093)
    h.update(std::string_view(text).substr(at, 4093));
  EXPECT_EQ(h.finish(), digest(EVP_sha3_256(), text));
  EXPECT_THROW(ImprintHasher(NID_undef), std::invalid_argument);
}

}  // namespace
}  // namespace ink::rfc3161
