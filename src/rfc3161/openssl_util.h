#pragma once
// What tsa.cpp and token.cpp share about OpenSSL: owning pointers, the
// error queue as a message, and the digests the TSA accepts with their
// PROTOCOL.md names. Internal to src/rfc3161.

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace ink::rfc3161::detail {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using ReqPtr = std::unique_ptr<TS_REQ, Deleter<TS_REQ, TS_REQ_free>>;
using RespPtr = std::unique_ptr<TS_RESP, Deleter<TS_RESP, TS_RESP_free>>;
using CtxPtr = std::unique_ptr<TS_RESP_CTX, Deleter<TS_RESP_CTX, TS_RESP_CTX_free>>;
using ObjPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT, ASN1_OBJECT_free>>;
using ImprintPtr = std::unique_ptr<TS_MSG_IMPRINT, Deleter<TS_MSG_IMPRINT, TS_MSG_IMPRINT_free>>;
using AlgorPtr = std::unique_ptr<X509_ALGOR, Deleter<X509_ALGOR, X509_ALGOR_free>>;

inline void free_x509_stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using X509StackPtr = std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), free_x509_stack>>;

// The newest OpenSSL error, for messages; clears the queue.
std::string openssl_error();

std::string hex(const unsigned char* p, size_t n);

// The certificates in a PEM text, in order (none if it holds none).
X509StackPtr read_pem_certificates(std::string_view pem);

// The digests a request may use, with their PROTOCOL.md names.
struct Digest {
  int nid;
  const char* name;
  size_t size;
};
const Digest* find_digest(int nid);
// Every accepted digest, for the TSA's context.
const Digest* digests_begin();
const Digest* digests_end();

// DER of a TimeStampReq for `digest` (made with `nid`), asking for the
// certificates when `cert_req`, with `nonce` when it is not empty (big-endian
// bytes). Throws std::runtime_error if OpenSSL fails.
std::string request_der(int nid, std::string_view digest, bool cert_req, std::string_view nonce);

}  // namespace ink::rfc3161::detail
