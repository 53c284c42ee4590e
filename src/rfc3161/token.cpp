#include "rfc3161/token.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509_vfy.h>

#include <cctype>
#include <ctime>

#include "rfc3161/openssl_util.h"

namespace ink::rfc3161 {

using namespace detail;

namespace {

using Pkcs7Ptr = std::unique_ptr<PKCS7, Deleter<PKCS7, PKCS7_free>>;
using InfoPtr = std::unique_ptr<TS_TST_INFO, Deleter<TS_TST_INFO, TS_TST_INFO_free>>;
using VerifyPtr = std::unique_ptr<TS_VERIFY_CTX, Deleter<TS_VERIFY_CTX, TS_VERIFY_CTX_free>>;

// One DER structure of either kind, parsed; exactly one of resp/token set.
struct Parsed {
  RespPtr resp;
  Pkcs7Ptr token;
  PKCS7* pkcs7() const { return resp ? TS_RESP_get_token(resp.get()) : token.get(); }
};

Parsed parse(std::string_view der) {
  Parsed out;
  const auto* begin = reinterpret_cast<const unsigned char*>(der.data());
  const auto* end = begin + der.size();
  const unsigned char* p = begin;
  out.resp.reset(d2i_TS_RESP(nullptr, &p, long(der.size())));
  if (out.resp && p == end) {
    ERR_clear_error();
    return out;
  }
  out.resp.reset();
  p = begin;
  out.token.reset(d2i_PKCS7(nullptr, &p, long(der.size())));
  ERR_clear_error();
  if (out.token && p == end) return out;
  throw TokenError("not one DER TimeStampResp or TimeStampToken");
}

std::string failure_names(TS_STATUS_INFO* info) {
  static const struct {
    int bit;
    const char* name;
  } kNames[] = {{0, "badAlg"},
                {2, "badRequest"},
                {5, "badDataFormat"},
                {14, "timeNotAvailable"},
                {15, "unacceptedPolicy"},
                {16, "unacceptedExtension"},
                {17, "addInfoNotAvailable"},
                {25, "systemFailure"}};
  const ASN1_BIT_STRING* bits = TS_STATUS_INFO_get0_failure_info(info);
  std::string out;
  for (auto& n : kNames)
    if (bits && ASN1_BIT_STRING_get_bit(bits, n.bit))
      out += (out.empty() ? "" : ", ") + std::string(n.name);
  return out;
}

std::string status_text(TS_STATUS_INFO* info) {
  std::string out;
  const STACK_OF(ASN1_UTF8STRING)* texts = TS_STATUS_INFO_get0_text(info);
  for (int i = 0; texts && i < sk_ASN1_UTF8STRING_num(texts); ++i) {
    const ASN1_UTF8STRING* t = sk_ASN1_UTF8STRING_value(texts, i);
    out += (out.empty() ? "" : "; ") +
           std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(t)),
                       size_t(ASN1_STRING_length(t)));
  }
  return out;
}

// "YYYYMMDDHHMMSS[.f{1,6}]Z" (DER: UTC, no trailing zeros in the fraction).
int64_t gen_time_micros(std::string_view t) {
  auto digits = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (i >= t.size() || t[i] < '0' || t[i] > '9')
        throw TokenError("genTime '" + std::string(t) + "' is not a GeneralizedTime");
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  std::tm tm{};
  tm.tm_year = digits(0, 4) - 1900;
  tm.tm_mon = digits(4, 2) - 1;
  tm.tm_mday = digits(6, 2);
  tm.tm_hour = digits(8, 2);
  tm.tm_min = digits(10, 2);
  tm.tm_sec = digits(12, 2);
  size_t at = 14;
  int64_t micros = 0;
  if (at < t.size() && t[at] == '.') {
    size_t n = 0;
    while (at + 1 + n < t.size() && t[at + 1 + n] >= '0' && t[at + 1 + n] <= '9') ++n;
    if (n == 0 || n > 6)
      throw TokenError("genTime '" + std::string(t) + "' has " + (n ? "more than six" : "no") +
                       " fraction digits");
    micros = digits(at + 1, n);
    for (size_t i = n; i < 6; ++i) micros *= 10;
    at += 1 + n;
  }
  if (at + 1 != t.size() || t[at] != 'Z')
    throw TokenError("genTime '" + std::string(t) + "' is not a UTC GeneralizedTime");
  std::tm check = tm;
  const time_t seconds = timegm(&check);
  if (check.tm_mday != tm.tm_mday || check.tm_hour != tm.tm_hour || check.tm_sec != tm.tm_sec ||
      check.tm_mon != tm.tm_mon)
    throw TokenError("genTime '" + std::string(t) + "' is not a real instant");
  return int64_t(seconds) * 1'000'000 + micros;
}

std::string bytes_of(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     size_t(ASN1_STRING_length(s)));
}

}  // namespace

Token read_token(std::string_view der) {
  Parsed parsed = parse(der);
  InfoPtr info;
  if (parsed.resp) {
    TS_STATUS_INFO* status = TS_RESP_get_status_info(parsed.resp.get());
    const long code = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(status));
    if (code != TS_STATUS_GRANTED && code != TS_STATUS_GRANTED_WITH_MODS) {
      std::string why = status_text(status), fail = failure_names(status);
      throw TokenError("the reply is a refusal (status " + std::to_string(code) + ")" +
                       (fail.empty() ? "" : ", failInfo " + fail) +
                       (why.empty() ? "" : ": " + why));
    }
    if (!TS_RESP_get_token(parsed.resp.get()))
      throw TokenError("the reply is granted but carries no token");
  }
  info.reset(PKCS7_to_TS_TST_INFO(parsed.pkcs7()));
  ERR_clear_error();
  if (!info) throw TokenError("the token holds no TSTInfo");

  Token t;
  BIGNUM* serial = ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(info.get()), nullptr);
  if (!serial) throw TokenError("the token's serial number cannot be read");
  char* hex_serial = BN_bn2hex(serial);
  t.serial_hex = hex_serial ? hex_serial : "";
  OPENSSL_free(hex_serial);
  for (auto& c : t.serial_hex) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (!BN_is_negative(serial) && BN_num_bytes(serial) <= 16) {
    std::array<uint8_t, 16> bytes{};
    BN_bn2binpad(serial, bytes.data(), 16);
    t.serial_bytes = bytes;
  }
  BN_free(serial);

  t.gen_time = bytes_of(TS_TST_INFO_get_time(info.get()));
  t.gen_time_micros = gen_time_micros(t.gen_time);

  TS_MSG_IMPRINT* imprint = TS_TST_INFO_get_msg_imprint(info.get());
  const ASN1_OBJECT* alg = nullptr;
  X509_ALGOR_get0(&alg, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(imprint));
  t.imprint_nid = OBJ_obj2nid(alg);
  t.imprint = bytes_of(TS_MSG_IMPRINT_get_msg(imprint));
  if (const Digest* d = find_digest(t.imprint_nid)) t.imprint_name = d->name;

  char policy[128] = {};
  OBJ_obj2txt(policy, sizeof policy, TS_TST_INFO_get_policy_id(info.get()), 1);
  t.policy = policy;
  if (const ASN1_INTEGER* nonce = TS_TST_INFO_get_nonce(info.get())) {
    BIGNUM* bn = ASN1_INTEGER_to_BN(nonce, nullptr);
    if (bn) {
      t.nonce.resize(size_t(BN_num_bytes(bn)));
      BN_bn2bin(bn, reinterpret_cast<unsigned char*>(t.nonce.data()));
      BN_free(bn);
    }
  }
  const PKCS7* p7 = parsed.pkcs7();
  if (PKCS7_type_is_signed(p7) && p7->d.sign && p7->d.sign->cert)
    t.certificates = sk_X509_num(p7->d.sign->cert);
  ERR_clear_error();
  return t;
}

std::optional<std::string> check_token_signature(std::string_view der,
                                                 std::string_view certificates_pem) {
  Parsed parsed;
  try {
    parsed = parse(der);
  } catch (const TokenError& e) {
    return e.what();
  }
  auto certs = read_pem_certificates(certificates_pem);
  X509_STORE* store = X509_STORE_new();
  X509StackPtr untrusted(sk_X509_new_null());
  if (!store || !untrusted) return "out of memory";
  int roots = 0;
  for (int i = 0; i < sk_X509_num(certs.get()); ++i) {
    X509* c = sk_X509_value(certs.get(), i);
    if (X509_check_issued(c, c) == X509_V_OK) {
      X509_STORE_add_cert(store, c);
      ++roots;
    } else {
      X509_up_ref(c);
      sk_X509_push(untrusted.get(), c);
    }
  }
  VerifyPtr ctx(TS_VERIFY_CTX_new());
  if (!ctx) {
    X509_STORE_free(store);
    return "out of memory";
  }
  TS_VERIFY_CTX_set_store(ctx.get(), store);  // owned by ctx from here
  if (roots == 0) return "the certificates given hold no self-signed root to trust";
  TS_VERIFY_CTX_set_certs(ctx.get(), untrusted.release());  // owned by ctx
  TS_VERIFY_CTX_set_flags(ctx.get(), TS_VFY_SIGNATURE | TS_VFY_VERSION);
  const int ok = parsed.resp ? TS_RESP_verify_response(ctx.get(), parsed.resp.get())
                             : TS_RESP_verify_token(ctx.get(), parsed.token.get());
  if (ok == 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  return openssl_error();
}

std::string make_request(int nid, std::string_view digest, std::string_view nonce) {
  const Digest* d = find_digest(nid);
  if (!d) throw std::invalid_argument("a digest the TSA refuses");
  if (digest.size() != d->size)
    throw std::invalid_argument("a " + std::string(d->name) + " digest has " +
                                std::to_string(d->size) + " bytes, not " +
                                std::to_string(digest.size()));
  return request_der(nid, digest, true, nonce);
}

struct ImprintHasher::State {
  EVP_MD_CTX* ctx = nullptr;
};

ImprintHasher::ImprintHasher(int nid) : s_(new State) {
  const EVP_MD* md = EVP_get_digestbynid(nid);
  s_->ctx = EVP_MD_CTX_new();
  if (!md || !s_->ctx || EVP_DigestInit_ex(s_->ctx, md, nullptr) != 1) {
    EVP_MD_CTX_free(s_->ctx);
    delete s_;
    ERR_clear_error();
    throw std::invalid_argument("a digest OpenSSL does not know");
  }
}

ImprintHasher::~ImprintHasher() {
  EVP_MD_CTX_free(s_->ctx);
  delete s_;
}

void ImprintHasher::update(std::string_view bytes) {
  EVP_DigestUpdate(s_->ctx, bytes.data(), bytes.size());
}

std::string ImprintHasher::finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(s_->ctx, out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

}  // namespace ink::rfc3161
