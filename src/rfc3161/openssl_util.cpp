#include "rfc3161/openssl_util.h"

#include <openssl/bn.h>
#include <openssl/pem.h>

#include <stdexcept>

namespace ink::rfc3161::detail {

namespace {

constexpr Digest kDigests[] = {
    {NID_sha224, "sha224", 28},     {NID_sha256, "sha256", 32},     {NID_sha384, "sha384", 48},
    {NID_sha512, "sha512", 64},     {NID_sha3_224, "sha3-224", 28}, {NID_sha3_256, "sha3-256", 32},
    {NID_sha3_384, "sha3-384", 48}, {NID_sha3_512, "sha3-512", 64},
};

}  // namespace

std::string openssl_error() {
  unsigned long code = ERR_peek_last_error();
  std::string text = "unknown OpenSSL error";
  if (code) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    text = buf;
  }
  ERR_clear_error();
  return text;
}

std::string hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 15]);
  }
  return out;
}

X509StackPtr read_pem_certificates(std::string_view pem) {
  X509StackPtr out(sk_X509_new_null());
  if (!out) throw std::runtime_error("sk_X509_new_null: " + openssl_error());
  BioPtr bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  if (!bio) throw std::runtime_error("BIO_new_mem_buf: " + openssl_error());
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
    sk_X509_push(out.get(), c);
  ERR_clear_error();  // the loop ends with "no start line"
  return out;
}

const Digest* find_digest(int nid) {
  for (auto& d : kDigests)
    if (d.nid == nid) return &d;
  return nullptr;
}
const Digest* digests_begin() { return std::begin(kDigests); }
const Digest* digests_end() { return std::end(kDigests); }

std::string request_der(int nid, std::string_view digest, bool cert_req, std::string_view nonce) {
  ReqPtr req(TS_REQ_new());
  ImprintPtr imprint(TS_MSG_IMPRINT_new());
  AlgorPtr alg(X509_ALGOR_new());
  bool ok = req && imprint && alg && TS_REQ_set_version(req.get(), 1) == 1 &&
            X509_ALGOR_set0(alg.get(), OBJ_nid2obj(nid), V_ASN1_NULL, nullptr) == 1 &&
            TS_MSG_IMPRINT_set_algo(imprint.get(), alg.get()) == 1 &&
            TS_MSG_IMPRINT_set_msg(
                imprint.get(), reinterpret_cast<unsigned char*>(const_cast<char*>(digest.data())),
                int(digest.size())) == 1 &&
            TS_REQ_set_msg_imprint(req.get(), imprint.get()) == 1 &&
            TS_REQ_set_cert_req(req.get(), cert_req ? 1 : 0) == 1;
  if (ok && !nonce.empty()) {
    BIGNUM* bn =
        BN_bin2bn(reinterpret_cast<const unsigned char*>(nonce.data()), int(nonce.size()), nullptr);
    ASN1_INTEGER* n = bn ? BN_to_ASN1_INTEGER(bn, nullptr) : nullptr;
    ok = n && TS_REQ_set_nonce(req.get(), n) == 1;
    ASN1_INTEGER_free(n);
    BN_free(bn);
  }
  int n = ok ? i2d_TS_REQ(req.get(), nullptr) : 0;
  if (n <= 0) throw std::runtime_error("making a TimeStampReq: " + openssl_error());
  std::string out(size_t(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_TS_REQ(req.get(), &p);
  return out;
}

}  // namespace ink::rfc3161::detail
