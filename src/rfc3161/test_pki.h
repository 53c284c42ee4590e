#pragma once
// Test helpers of src/rfc3161: keys and certificates made in memory (a
// self-signed root and TSA certificates with a chosen extendedKeyUsage).

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>
#include <string_view>

namespace ink::rfc3161::test {

// Keys and certificates made in memory: a self-signed root and TSA
// certificates with various extendedKeyUsage extensions.
struct Key {
  EVP_PKEY* k = nullptr;
  Key() { k = EVP_EC_gen("P-256"); }
  ~Key() { EVP_PKEY_free(k); }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  std::string pem() const {
    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
    char* d = nullptr;
    long n = BIO_get_mem_data(b, &d);
    std::string s(d, size_t(n));
    BIO_free(b);
    return s;
  }
};

struct Cert {
  X509* c = nullptr;
  ~Cert() { X509_free(c); }
  Cert() = default;
  Cert(const Cert&) = delete;
  Cert& operator=(const Cert&) = delete;
  std::string pem() const {
    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, c);
    char* d = nullptr;
    long n = BIO_get_mem_data(b, &d);
    std::string s(d, size_t(n));
    BIO_free(b);
    return s;
  }
};

inline void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// `eku`: the extendedKeyUsage value in openssl.cnf syntax, or null for none.
inline void make_cert(Cert& out, const char* cn, const Key& key, const Cert* issuer,
                      const Key& issuer_key, const char* eku) {
  out.c = X509_new();
  X509_set_version(out.c, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(out.c), 1 + (issuer ? 1 : 0));
  X509_gmtime_adj(X509_getm_notBefore(out.c), -3600);
  X509_gmtime_adj(X509_getm_notAfter(out.c), 3600L * 24 * 365);
  X509_set_pubkey(out.c, key.k);
  X509_NAME* name = X509_get_subject_name(out.c);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(out.c, issuer ? X509_get_subject_name(issuer->c) : name);
  X509* iss = issuer ? issuer->c : out.c;
  if (!issuer) {
    add_ext(out.c, iss, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(out.c, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(out.c, iss, NID_key_usage, "critical,digitalSignature");
  }
  add_ext(out.c, iss, NID_subject_key_identifier, "hash");
  add_ext(out.c, iss, NID_authority_key_identifier, "keyid:always");
  if (eku) add_ext(out.c, iss, NID_ext_key_usage, eku);
  ASSERT_GT(X509_sign(out.c, issuer_key.k, EVP_sha256()), 0);
}

struct Pki {
  Key root_key, tsa_key, other_key;
  Cert root, tsa;
  Pki() {
    make_cert(root, "test root", root_key, nullptr, root_key, nullptr);
    make_cert(tsa, "test tsa", tsa_key, &root, root_key, "critical,timeStamping");
  }
  std::string chain() const { return tsa.pem() + root.pem(); }
};

inline const Pki& pki() {
  static Pki p;
  return p;
}

inline std::string digest(const EVP_MD* md, std::string_view text) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), out, &n, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), n);
}

}  // namespace ink::rfc3161::test
