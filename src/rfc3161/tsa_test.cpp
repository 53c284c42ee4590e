#include "rfc3161/tsa.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "rfc3161/test_pki.h"

namespace ink::rfc3161 {
namespace {

using namespace test;

struct RequestSpec {
  int nid = NID_sha256;
  std::string imprint;  // empty: the digest of "hello" with nid
  long version = 1;
  bool cert_req = true;
  long nonce = 0;  // 0: none
  const char* policy = nullptr;
  bool extension = false;
  bool alg_parameter = false;  // a parameter other than NULL
};

std::string make_request(const RequestSpec& spec) {
  TS_REQ* req = TS_REQ_new();
  TS_REQ_set_version(req, spec.version);
  TS_MSG_IMPRINT* imprint = TS_MSG_IMPRINT_new();
  X509_ALGOR* alg = X509_ALGOR_new();
  if (spec.alg_parameter) {
    ASN1_INTEGER* one = ASN1_INTEGER_new();
    ASN1_INTEGER_set(one, 1);
    X509_ALGOR_set0(alg, OBJ_nid2obj(spec.nid), V_ASN1_INTEGER, one);
  } else {
    X509_ALGOR_set0(alg, OBJ_nid2obj(spec.nid), V_ASN1_NULL, nullptr);
  }
  TS_MSG_IMPRINT_set_algo(imprint, alg);
  std::string bytes =
      spec.imprint.empty() ? digest(EVP_get_digestbynid(spec.nid), "hello") : spec.imprint;
  TS_MSG_IMPRINT_set_msg(imprint, reinterpret_cast<unsigned char*>(bytes.data()),
                         int(bytes.size()));
  TS_REQ_set_msg_imprint(req, imprint);
  if (spec.nonce) {
    ASN1_INTEGER* n = ASN1_INTEGER_new();
    ASN1_INTEGER_set(n, spec.nonce);
    TS_REQ_set_nonce(req, n);
    ASN1_INTEGER_free(n);
  }
  TS_REQ_set_cert_req(req, spec.cert_req ? 1 : 0);
  if (spec.policy) {
    ASN1_OBJECT* p = OBJ_txt2obj(spec.policy, 1);
    TS_REQ_set_policy_id(req, p);
    ASN1_OBJECT_free(p);
  }
  if (spec.extension) {
    ASN1_OCTET_STRING* v = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(v, reinterpret_cast<const unsigned char*>("x"), 1);
    ASN1_OBJECT* oid = OBJ_txt2obj("1.2.3.4", 1);
    X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid, 0, v);
    TS_REQ_add_ext(req, ext, -1);
    X509_EXTENSION_free(ext);
    ASN1_OBJECT_free(oid);
    ASN1_OCTET_STRING_free(v);
  }
  int n = i2d_TS_REQ(req, nullptr);
  std::string out(size_t(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_TS_REQ(req, &p);
  X509_ALGOR_free(alg);
  TS_MSG_IMPRINT_free(imprint);
  TS_REQ_free(req);
  return out;
}

Tsa make_tsa(const TsaOptions& options = {}) {
  return Tsa::from_pem(pki().chain(), pki().tsa_key.pem(), options);
}

std::string hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (unsigned char c : bytes) {
    s.push_back(d[c >> 4]);
    s.push_back(d[c & 15]);
  }
  return s;
}

TEST(ImprintData, NamesAndHexInTheClientConvention) {
  auto h = digest(EVP_sha256(), "abc");
  EXPECT_EQ(imprint_data(NID_sha256, h),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(imprint_data(NID_sha3_256, digest(EVP_sha3_256(), "abc")),
            "sha3-256:" + hex(digest(EVP_sha3_256(), "abc")));
  EXPECT_EQ(imprint_data(NID_sha384, digest(EVP_sha384(), "")),
            "sha384:" + hex(digest(EVP_sha384(), "")));
  EXPECT_EQ(imprint_data(NID_sha512, digest(EVP_sha512(), "x"))->size(), 7u + 128u);
}

TEST(ImprintData, RefusesWeakOrUnknownDigestsAndWrongLengths) {
  EXPECT_FALSE(imprint_data(NID_md5, digest(EVP_md5(), "abc")));
  EXPECT_FALSE(imprint_data(NID_sha1, digest(EVP_sha1(), "abc")));
  EXPECT_FALSE(imprint_data(NID_undef, std::string(32, 'a')));
  EXPECT_FALSE(imprint_data(NID_sha256, std::string(31, 'a')));
  EXPECT_FALSE(imprint_data(NID_sha512, std::string(32, 'a')));
}

// ---- keys and certificates ----

std::string load_error(const std::string& chain, const std::string& key,
                       const TsaOptions& options = {}) {
  try {
    Tsa::from_pem(chain, key, options);
  } catch (const TsaConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(TsaLoad, AcceptsTheCriticalTimeStampingCertificateAndItsKey) {
  auto tsa = make_tsa();
  EXPECT_EQ(tsa.policy(), kDefaultPolicy);
  EXPECT_EQ(tsa.fingerprint().size(), 64u);
  EXPECT_NE(tsa.chain_pem().find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_EQ(tsa.chain_pem(), pki().chain());
}

TEST(TsaLoad, RefusesACertificateWithoutTheEku) {
  Cert c;
  make_cert(c, "no eku", pki().tsa_key, &pki().root, pki().root_key, nullptr);
  EXPECT_NE(load_error(c.pem(), pki().tsa_key.pem()).find("extendedKeyUsage"), std::string::npos);
}

TEST(TsaLoad, RefusesANonCriticalEku) {
  Cert c;
  make_cert(c, "not critical", pki().tsa_key, &pki().root, pki().root_key, "timeStamping");
  EXPECT_NE(load_error(c.pem(), pki().tsa_key.pem()).find("not critical"), std::string::npos);
}

TEST(TsaLoad, RefusesAnEkuWithAnotherPurpose) {
  Cert c;
  make_cert(c, "two purposes", pki().tsa_key, &pki().root, pki().root_key,
            "critical,timeStamping,codeSigning");
  EXPECT_NE(load_error(c.pem(), pki().tsa_key.pem()).find("not timeStamping alone"),
            std::string::npos);
}

TEST(TsaLoad, RefusesAKeyThatDoesNotMatch) {
  EXPECT_NE(load_error(pki().chain(), pki().other_key.pem()).find("does not match"),
            std::string::npos);
}

TEST(TsaLoad, RefusesGarbageAndABadPolicy) {
  EXPECT_NE(load_error("not pem", pki().tsa_key.pem()).find("no PEM certificate"),
            std::string::npos);
  EXPECT_NE(load_error(pki().chain(), "not pem").find("no unencrypted PEM private key"),
            std::string::npos);
  TsaOptions bad;
  bad.policy = "not an oid";
  EXPECT_NE(load_error(pki().chain(), pki().tsa_key.pem(), bad).find("not a dotted OID"),
            std::string::npos);
}

TEST(TsaLoad, LoadNamesAMissingFile) {
  try {
    Tsa::load("/nonexistent/tsa.pem", "/nonexistent/tsa.key");
    FAIL() << "loaded a missing file";
  } catch (const TsaConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/tsa.pem"), std::string::npos);
  }
}

// ---- checking requests ----

Rejection rejection_of(const Tsa& tsa, std::string_view der) {
  auto checked = tsa.check(der);
  if (auto* r = std::get_if<Rejection>(&checked)) return *r;
  ADD_FAILURE() << "accepted: " << std::get<Accepted>(checked).data;
  return {};
}

TEST(TsaCheck, AcceptsSha2AndSha3Imprints) {
  auto tsa = make_tsa();
  for (int nid : {NID_sha224, NID_sha256, NID_sha384, NID_sha512, NID_sha3_256, NID_sha3_512}) {
    RequestSpec spec;
    spec.nid = nid;
    auto checked = tsa.check(make_request(spec));
    ASSERT_TRUE(std::holds_alternative<Accepted>(checked)) << OBJ_nid2sn(nid);
    EXPECT_EQ(std::get<Accepted>(checked).data,
              imprint_data(nid, digest(EVP_get_digestbynid(nid), "hello")));
  }
  RequestSpec own;
  own.policy = kDefaultPolicy;
  EXPECT_TRUE(std::holds_alternative<Accepted>(tsa.check(make_request(own))));
}

TEST(TsaCheck, RefusesMd5AndSha1WithBadAlg) {
  auto tsa = make_tsa();
  for (int nid : {NID_md5, NID_sha1}) {
    RequestSpec spec;
    spec.nid = nid;
    EXPECT_EQ(rejection_of(tsa, make_request(spec)).fail, FailInfo::kBadAlg) << OBJ_nid2sn(nid);
  }
  RequestSpec param;
  param.alg_parameter = true;
  EXPECT_EQ(rejection_of(tsa, make_request(param)).fail, FailInfo::kBadAlg);
}

TEST(TsaCheck, RefusesMalformedRequests) {
  auto tsa = make_tsa();
  EXPECT_EQ(rejection_of(tsa, "").fail, FailInfo::kBadDataFormat);
  EXPECT_EQ(rejection_of(tsa, "hello").fail, FailInfo::kBadDataFormat);
  auto good = make_request({});
  EXPECT_EQ(rejection_of(tsa, good + "x").fail, FailInfo::kBadDataFormat);
  EXPECT_EQ(rejection_of(tsa, good.substr(0, good.size() - 1)).fail, FailInfo::kBadDataFormat);
  EXPECT_EQ(rejection_of(tsa, std::string(kMaxRequestBytes + 1, '0')).fail,
            FailInfo::kBadDataFormat);
  RequestSpec v2;
  v2.version = 2;
  EXPECT_EQ(rejection_of(tsa, make_request(v2)).fail, FailInfo::kBadRequest);
  RequestSpec short_imprint;
  short_imprint.imprint = std::string(31, 'x');
  EXPECT_EQ(rejection_of(tsa, make_request(short_imprint)).fail, FailInfo::kBadDataFormat);
}

TEST(TsaCheck, RefusesAnotherPolicyAndExtensions) {
  auto tsa = make_tsa();
  RequestSpec other;
  other.policy = "1.2.3.4.5";
  EXPECT_EQ(rejection_of(tsa, make_request(other)).fail, FailInfo::kUnacceptedPolicy);
  RequestSpec ext;
  ext.extension = true;
  EXPECT_EQ(rejection_of(tsa, make_request(ext)).fail, FailInfo::kUnacceptedExtension);
}

// ---- tokens ----

struct Reply {
  TS_RESP* resp = nullptr;
  explicit Reply(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    resp = d2i_TS_RESP(nullptr, &p, long(der.size()));
  }
  ~Reply() { TS_RESP_free(resp); }
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  long status() const {
    return ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp)));
  }
  TS_TST_INFO* info() const { return TS_RESP_get_tst_info(resp); }
};

std::array<uint8_t, 16> test_serial() {
  std::array<uint8_t, 16> s{};
  RAND_bytes(s.data(), int(s.size()));
  s[0] = 0x80 | s[0];  // the top bit set: the integer must still be positive
  return s;
}

// Verifies the token with the root as the only trust anchor, and the imprint
// and nonce against the request.
bool verifies(const std::string& request, const std::string& reply) {
  const auto* p = reinterpret_cast<const unsigned char*>(request.data());
  TS_REQ* req = d2i_TS_REQ(nullptr, &p, long(request.size()));
  Reply r(reply);
  TS_VERIFY_CTX* ctx = TS_REQ_to_TS_VERIFY_CTX(req, nullptr);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, pki().root.c);
  TS_VERIFY_CTX_set_store(ctx, store);
  STACK_OF(X509)* certs = sk_X509_new_null();
  X509_up_ref(pki().tsa.c);
  sk_X509_push(certs, pki().tsa.c);
  TS_VERIFY_CTS_set_certs(ctx, certs);
  // (The context made from the request checks version, imprint and, when the
  // request had one, the nonce.)
  TS_VERIFY_CTX_add_flags(ctx, TS_VFY_SIGNATURE | TS_VFY_SIGNER);
  int ok = TS_RESP_verify_response(ctx, r.resp);
  if (ok != 1) ERR_print_errors_fp(stderr);
  TS_VERIFY_CTX_free(ctx);
  TS_REQ_free(req);
  return ok == 1;
}

TEST(TsaGrant, TheTokenNamesTheTsAndItsClockReading) {
  TsaOptions options;
  options.accuracy_micros = 1'500'250;
  auto tsa = make_tsa(options);
  RequestSpec spec;
  spec.nonce = 0x1234567;
  auto request = make_request(spec);
  auto serial = test_serial();
  // 2026-12-02T17:36:05.123450Z
  const int64_t micros = 1796232965123450;
  Reply r(tsa.grant(request, serial, micros));
  ASSERT_NE(r.resp, nullptr);
  ASSERT_EQ(r.status(), TS_STATUS_GRANTED);
  TS_TST_INFO* info = r.info();
  ASSERT_NE(info, nullptr);

  BIGNUM* got = ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(info), nullptr);
  BIGNUM* want = BN_bin2bn(serial.data(), 16, nullptr);
  EXPECT_EQ(BN_cmp(got, want), 0);
  EXPECT_FALSE(BN_is_negative(got));
  BN_free(got);
  BN_free(want);

  const ASN1_GENERALIZEDTIME* gen = TS_TST_INFO_get_time(info);
  // DER drops the fraction's trailing zeros.
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gen)),
                        size_t(ASN1_STRING_length(gen))),
            "20261202173605.12345Z");
  EXPECT_EQ(ASN1_INTEGER_get(TS_TST_INFO_get_nonce(info)), 0x1234567);
  EXPECT_EQ(TS_TST_INFO_get_ordering(info), 0);
  char policy[128];
  OBJ_obj2txt(policy, sizeof policy, TS_TST_INFO_get_policy_id(info), 1);
  EXPECT_STREQ(policy, kDefaultPolicy);
  TS_ACCURACY* acc = TS_TST_INFO_get_accuracy(info);
  ASSERT_NE(acc, nullptr);
  EXPECT_EQ(ASN1_INTEGER_get(TS_ACCURACY_get_seconds(acc)), 1);
  EXPECT_EQ(ASN1_INTEGER_get(TS_ACCURACY_get_millis(acc)), 500);
  EXPECT_EQ(ASN1_INTEGER_get(TS_ACCURACY_get_micros(acc)), 250);
  TS_MSG_IMPRINT* imprint = TS_TST_INFO_get_msg_imprint(info);
  ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(imprint);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(msg)),
                        size_t(ASN1_STRING_length(msg))),
            digest(EVP_sha256(), "hello"));
  EXPECT_TRUE(verifies(request, tsa.grant(request, serial, micros)));
}

TEST(TsaGrant, CertReqDecidesWhetherTheCertificatesAreIncluded) {
  auto tsa = make_tsa();
  auto serial = test_serial();
  auto count_certs = [&](bool cert_req) {
    RequestSpec spec;
    spec.cert_req = cert_req;
    Reply r(tsa.grant(make_request(spec), serial, 1'700'000'000'000'000));
    PKCS7* token = TS_RESP_get_token(r.resp);
    STACK_OF(X509)* certs = token->d.sign->cert;
    return certs ? sk_X509_num(certs) : 0;
  };
  EXPECT_EQ(count_certs(false), 0);
  EXPECT_EQ(count_certs(true), 2);  // the TSA certificate and the rest of the chain
}

TEST(TsaGrant, ATamperedTokenDoesNotVerify) {
  auto tsa = make_tsa();
  auto request = make_request({});
  auto reply = tsa.grant(request, test_serial(), 1'700'000'000'000'001);
  ASSERT_TRUE(verifies(request, reply));
  // The imprint sits inside the signed TSTInfo: flip one of its bytes.
  auto imprint = digest(EVP_sha256(), "hello");
  auto at = reply.find(imprint);
  ASSERT_NE(at, std::string::npos);
  reply[at] = char(reply[at] ^ 1);
  EXPECT_FALSE(verifies(request, reply));
  ERR_clear_error();
}

TEST(TsaGrant, WholeSecondsKeepNoFraction) {
  auto tsa = make_tsa();
  Reply r(tsa.grant(make_request({}), test_serial(), 1'700'000'000'000'000));
  const ASN1_GENERALIZEDTIME* gen = TS_TST_INFO_get_time(r.info());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gen)),
                        size_t(ASN1_STRING_length(gen))),
            "20231114221320Z");
}

TEST(TsaReject, RejectionCarriesStatusFailInfoAndTextAndNoToken) {
  auto tsa = make_tsa();
  for (auto fail : {FailInfo::kBadAlg, FailInfo::kBadRequest, FailInfo::kBadDataFormat,
                    FailInfo::kUnacceptedPolicy, FailInfo::kUnacceptedExtension}) {
    Reply r(tsa.reject({fail, "because"}));
    ASSERT_NE(r.resp, nullptr);
    EXPECT_EQ(r.status(), TS_STATUS_REJECTION);
    EXPECT_EQ(TS_RESP_get_token(r.resp), nullptr);
    TS_STATUS_INFO* si = TS_RESP_get_status_info(r.resp);
    const ASN1_BIT_STRING* bits = TS_STATUS_INFO_get0_failure_info(si);
    ASSERT_NE(bits, nullptr);
    for (int bit = 0; bit < 26; ++bit)
      EXPECT_EQ(ASN1_BIT_STRING_get_bit(bits, bit), bit == int(fail) ? 1 : 0)
          << fail_info_name(fail) << " bit " << bit;
    const auto* text = TS_STATUS_INFO_get0_text(si);
    ASSERT_NE(text, nullptr);
    ASSERT_EQ(sk_ASN1_UTF8STRING_num(text), 1);
    auto* s = sk_ASN1_UTF8STRING_value(text, 0);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                          size_t(ASN1_STRING_length(s))),
              "because");
  }
}

// A thread keeps its response context between calls: nothing of one
// response (a rejection's status, a serial, another TSA's policy or
// accuracy) may show in the next.
TEST(TsaGrant, ResponsesOnOneThreadStayApart) {
  auto plain = make_tsa();
  TsaOptions options;
  options.policy = "1.2.3.4.5";
  options.accuracy_micros = 0;
  auto other = make_tsa(options);
  RequestSpec spec;
  auto request = make_request(spec);
  spec.policy = "1.2.3.4.5";
  auto other_request = make_request(spec);
  for (int round = 0; round < 3; ++round) {
    Reply refused(plain.reject({FailInfo::kBadAlg, "no"}));
    EXPECT_EQ(refused.status(), TS_STATUS_REJECTION);

    auto serial = test_serial();
    const int64_t micros = 1'700'000'000'000'000 + round;
    auto reply = plain.grant(request, serial, micros);
    Reply r(reply);
    ASSERT_EQ(r.status(), TS_STATUS_GRANTED);
    EXPECT_EQ(TS_STATUS_INFO_get0_failure_info(TS_RESP_get_status_info(r.resp)), nullptr);
    BIGNUM* got = ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(r.info()), nullptr);
    BIGNUM* want = BN_bin2bn(serial.data(), 16, nullptr);
    EXPECT_EQ(BN_cmp(got, want), 0);
    BN_free(got);
    BN_free(want);
    char policy[128];
    OBJ_obj2txt(policy, sizeof policy, TS_TST_INFO_get_policy_id(r.info()), 1);
    EXPECT_STREQ(policy, kDefaultPolicy);
    EXPECT_NE(TS_TST_INFO_get_accuracy(r.info()), nullptr);
    EXPECT_TRUE(verifies(request, reply));

    Reply o(other.grant(other_request, test_serial(), micros));
    ASSERT_EQ(o.status(), TS_STATUS_GRANTED);
    OBJ_obj2txt(policy, sizeof policy, TS_TST_INFO_get_policy_id(o.info()), 1);
    EXPECT_STREQ(policy, "1.2.3.4.5");
    EXPECT_EQ(TS_TST_INFO_get_accuracy(o.info()), nullptr);
  }
}

// Threads sign with one Tsa at once, each through its own context.
TEST(TsaGrant, ThreadsSignAtOnce) {
  auto tsa = make_tsa();
  auto request = make_request({});
  std::vector<std::string> replies(4 * 20);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i)
        replies[size_t(t * 20 + i)] = tsa.grant(request, test_serial(), 1'700'000'000'000'000);
    });
  for (auto& t : threads) t.join();
  for (const auto& reply : replies) EXPECT_TRUE(verifies(request, reply));
}

}  // namespace
}  // namespace ink::rfc3161
