#include "cli/tsr_check.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/ts.h>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/record_hash.h"
#include "core/sign.h"
#include "core/uuid.h"
#include "rfc3161/openssl_util.h"
#include "rfc3161/test_pki.h"
#include "rfc3161/tsa.h"

namespace ink::cli {
namespace {

using rfc3161::test::digest;
using rfc3161::test::Pki;
using rfc3161::test::pki;

const std::array<uint8_t, 16> kSerial = {0x01, 0x9a, 0xd4, 0x10, 0x22, 0x33, 0x74, 0x44,
                                         0x85, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
const int64_t kMicros = 1796232965123450;  // 2026-12-02T17:36:05.123450Z

std::string data_of(std::string_view text) {
  const auto d = digest(EVP_sha512(), text);
  return "sha512:" +
         core::to_hex(core::ByteView(reinterpret_cast<const uint8_t*>(d.data()), d.size()));
}

// The log: one interval holding one ts (for `text`, at kMicros, id kSerial),
// one head over it, signed.
struct Log {
  core::SigningKey key = *core::SigningKey::from_seed(
      *core::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
  std::vector<core::PublicKey> keys{key.public_key()};
  core::TsAnswer answer;

  explicit Log(std::string_view text) {
    answer.id = core::format_uuid(kSerial);
    answer.timestamp = core::format_clock(kMicros);
    answer.hash = core::ts_hash(data_of(text), answer.timestamp);
    answer.interval = 0;
    core::TsProof proof;
    core::IntervalRecord record{0, core::format_clock(kMicros + 400000),
                                core::leaf_hash(answer.hash)};
    proof.head.interval = record;
    proof.head.authority = "example.org";
    proof.head.mth = core::leaf_hash(core::ihash(record));
    proof.head.inclusion.head = 0;
    proof.head.inclusion.leaf = 0;
    proof.head.signature = key.sign(core::head_statement("example.org", 0, proof.head.mth));
    proof.head.key = key.key_id();
    answer.proof = proof;
  }
};

std::string token_for(const Pki& tsa_pki, std::string_view text, int64_t micros = kMicros,
                      std::array<uint8_t, 16> serial = kSerial) {
  auto tsa = rfc3161::Tsa::from_pem(tsa_pki.chain(), tsa_pki.tsa_key.pem());
  return tsa.grant(rfc3161::make_request(NID_sha512, digest(EVP_sha512(), text), "\x11"), serial,
                   micros);
}

struct Run {
  std::string token;
  std::string input = "hello";
  std::string certificates = pki().root.pem();
  std::optional<core::TsAnswer> entry;
  std::vector<core::PublicKey> keys;

  core::CheckReport check() const {
    TokenCheckInputs in;
    in.token_der = token;
    in.tsa_certificates_pem = certificates;
    in.what = "The file F";
    in.input_digest = [this](int nid) { return digest(EVP_get_digestbynid(nid), input); };
    in.find_ts = [this](const std::string&) { return entry; };
    in.keys = keys;
    return check_token(in);
  }
};

Run valid_run() {
  Log log("hello");
  return Run{token_for(pki(), "hello"), "hello", pki().root.pem(), log.answer, log.keys};
}

std::string failed(const core::CheckReport& r) {
  return r.first_failure() ? r.first_failure()->name : "none";
}

TEST(TokenCheck, ATokenOfTheLogPassesEveryStep) {
  auto report = valid_run().check();
  EXPECT_TRUE(report.passed()) << failed(report) << ": "
                               << (report.first_failure() ? report.first_failure()->message : "");
  std::vector<std::string> names;
  for (auto& s : report.steps) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"token", "tsa-signature", "imprint", "log-entry",
                                             "data", "ts-hash", "interval-path", "ihash",
                                             "inclusion", "signature"}));
}

TEST(TokenCheck, AChangedInputFailsAtTheImprint) {
  auto run = valid_run();
  run.input = "hellO";
  EXPECT_EQ(failed(run.check()), "imprint");
}

// The DER of the TSTInfo the TSA signed, as it sits inside the reply.
std::string signed_info_of(const std::string& reply) {
  const auto* p = reinterpret_cast<const unsigned char*>(reply.data());
  TS_RESP* resp = d2i_TS_RESP(nullptr, &p, long(reply.size()));
  TS_TST_INFO* info = TS_RESP_get_tst_info(resp);
  std::string out(size_t(i2d_TS_TST_INFO(info, nullptr)), '\0');
  auto* q = reinterpret_cast<unsigned char*>(out.data());
  i2d_TS_TST_INFO(info, &q);
  TS_RESP_free(resp);
  return out;
}

TEST(TokenCheck, EveryChangedByteOfTheSignedInfoFails) {
  const auto good = valid_run();
  const auto info = signed_info_of(good.token);
  const size_t at = good.token.find(info);
  ASSERT_NE(at, std::string::npos);
  for (size_t i = at; i < at + info.size(); ++i) {
    auto run = good;
    run.token[i] = char(run.token[i] ^ 0x20);
    EXPECT_FALSE(run.check().passed()) << "byte " << i - at << " of the TSTInfo changed";
  }
}

TEST(TokenCheck, ATokenOfAnotherTsaKeyFailsAtTheSignature) {
  Pki other;
  auto run = valid_run();
  run.token = token_for(other, "hello");
  EXPECT_EQ(failed(run.check()), "tsa-signature");
  run.certificates = other.root.pem();  // trusting that TSA instead
  EXPECT_EQ(failed(run.check()), "none");
}

TEST(TokenCheck, ATokenTheLogDoesNotHoldFailsAtTheLogEntry) {
  auto run = valid_run();
  run.entry.reset();
  auto report = run.check();
  EXPECT_EQ(failed(report), "log-entry");
  EXPECT_NE(report.first_failure()->message.find("misused"), std::string::npos);
  // The token's time is not its ts's time.
  run = valid_run();
  run.token = token_for(pki(), "hello", kMicros + 1);
  EXPECT_EQ(failed(run.check()), "log-entry");
  // A proof of another ts.
  run = valid_run();
  run.entry->id = "019ad410-2233-7444-8555-000000000000";
  EXPECT_EQ(failed(run.check()), "log-entry");
}

TEST(TokenCheck, ATokenWhoseSerialNamesATsOfOtherDataFailsAtTheTsHash) {
  // Signed with the TSA key for "forged", naming the ts of "hello" and its time.
  auto run = valid_run();
  run.token = token_for(pki(), "forged");
  run.input = "forged";
  EXPECT_EQ(failed(run.check()), "ts-hash");
}

TEST(TokenCheck, WhatIsNoTokenFailsAtTheFirstStep) {
  auto run = valid_run();
  run.token = "not a token";
  EXPECT_EQ(failed(run.check()), "token");
  // A serial number longer than a ts id.
  auto tsa = rfc3161::Tsa::from_pem(pki().chain(), pki().tsa_key.pem());
  run = valid_run();
  run.token = tsa.reject({rfc3161::FailInfo::kBadAlg, "no"});
  EXPECT_EQ(failed(run.check()), "token");
}

}  // namespace
}  // namespace ink::cli
