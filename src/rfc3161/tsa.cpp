#include "rfc3161/tsa.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <vector>

#include "rfc3161/openssl_util.h"

namespace ink::rfc3161 {

using namespace detail;

namespace {

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TsaConfigError("cannot read the TSA " + std::string(what) + " file " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// What the callbacks of one TS_RESP_create_response call see.
struct Stamp {
  const std::array<uint8_t, 16>* serial = nullptr;  // null: reject with `rejection`
  int64_t unix_micros = 0;
  const Rejection* rejection = nullptr;
};

ASN1_INTEGER* serial_cb(TS_RESP_CTX* ctx, void* data) {
  auto* stamp = static_cast<Stamp*>(data);
  if (!stamp->serial) {
    // The request passed OpenSSL's own checks but not ours (check()): refuse
    // here, before anything is signed. OpenSSL keeps this status.
    TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION, stamp->rejection->text.c_str());
    TS_RESP_CTX_add_failure_info(ctx, int(stamp->rejection->fail));
    return nullptr;
  }
  BIGNUM* bn = BN_bin2bn(stamp->serial->data(), int(stamp->serial->size()), nullptr);
  if (!bn) return nullptr;
  ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, nullptr);
  BN_free(bn);
  return serial;
}

int time_cb(TS_RESP_CTX*, void* data, long* sec, long* usec) {
  auto micros = static_cast<Stamp*>(data)->unix_micros;
  int64_t s = micros / 1'000'000, u = micros % 1'000'000;
  if (u < 0) {
    u += 1'000'000;
    s -= 1;
  }
  *sec = long(s);
  *usec = long(u);
  return 1;
}

std::string to_der(TS_RESP* resp) {
  int n = i2d_TS_RESP(resp, nullptr);
  if (n <= 0) throw std::runtime_error("encoding a TimeStampResp: " + openssl_error());
  std::string out(size_t(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_TS_RESP(resp, &p);
  return out;
}

// A SHA-256 request for 32 zero bytes.
std::string model_request() { return request_der(NID_sha256, std::string(32, '\0'), false, ""); }

}  // namespace

struct Tsa::State {
  X509Ptr cert;
  KeyPtr key;
  X509StackPtr extra;  // the rest of the chain
  ObjPtr policy_obj;
  std::string policy;
  int64_t accuracy_micros = 0;
  std::string chain_pem;
  std::string fingerprint;
  std::string model_request;  // a request OpenSSL grants, DER (see reject())

  uint64_t generation = 0;                  // tells this State's cached contexts from another's
  std::vector<const EVP_MD*> accepted_mds;  // resolved once: each lookup walks OpenSSL's name map

  // A new response context: the signer, chain, policy and digests, which
  // every response shares.
  CtxPtr make_context() const {
    CtxPtr ctx(TS_RESP_CTX_new());
    if (!ctx) throw std::runtime_error("TS_RESP_CTX_new: " + openssl_error());
    bool ok = TS_RESP_CTX_set_signer_cert(ctx.get(), cert.get()) == 1 &&
              TS_RESP_CTX_set_signer_key(ctx.get(), key.get()) == 1 &&
              TS_RESP_CTX_set_certs(ctx.get(), extra.get()) == 1 &&
              TS_RESP_CTX_set_def_policy(ctx.get(), policy_obj.get()) == 1 &&
              TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256()) == 1 &&
              TS_RESP_CTX_set_ess_cert_id_digest(ctx.get(), EVP_sha256()) == 1 &&
              TS_RESP_CTX_set_clock_precision_digits(ctx.get(), 6) == 1;
    for (const EVP_MD* md : accepted_mds) ok = ok && TS_RESP_CTX_add_md(ctx.get(), md);
    if (ok && accuracy_micros > 0) {
      ok = TS_RESP_CTX_set_accuracy(ctx.get(), int(accuracy_micros / 1'000'000),
                                    int(accuracy_micros / 1000 % 1000),
                                    int(accuracy_micros % 1000)) == 1;
    }
    if (!ok) throw std::runtime_error("setting up TS_RESP_CTX: " + openssl_error());
    return ctx;
  }

  // This thread's context for this State, its callbacks pointed at `stamp`
  // (which must outlive the response). TS_RESP_create_response resets a
  // context's per-response parts at start and end, so one context serves a
  // thread's responses one after another; making one each time cost about a
  // tenth of a token (rfc3161_bench), most of it in digest lookups.
  TS_RESP_CTX* context(Stamp* stamp) const {
    struct Cached {
      uint64_t generation = 0;
      CtxPtr ctx;
    };
    thread_local Cached cached;
    if (!cached.ctx || cached.generation != generation) {
      cached.ctx = make_context();
      cached.generation = generation;
    }
    TS_RESP_CTX_set_serial_cb(cached.ctx.get(), serial_cb, stamp);
    TS_RESP_CTX_set_time_cb(cached.ctx.get(), time_cb, stamp);
    return cached.ctx.get();
  }

  RespPtr respond(std::string_view der, Stamp* stamp) const {
    TS_RESP_CTX* ctx = context(stamp);
    BioPtr in(BIO_new_mem_buf(der.data(), int(der.size())));
    if (!in) throw std::runtime_error("BIO_new_mem_buf: " + openssl_error());
    RespPtr resp(TS_RESP_create_response(ctx, in.get()));
    if (!resp) throw std::runtime_error("TS_RESP_create_response: " + openssl_error());
    ERR_clear_error();  // a rejection leaves its reasons in the queue
    return resp;
  }
};

const char* fail_info_name(FailInfo f) {
  switch (f) {
    case FailInfo::kBadAlg:
      return "badAlg";
    case FailInfo::kBadRequest:
      return "badRequest";
    case FailInfo::kBadDataFormat:
      return "badDataFormat";
    case FailInfo::kTimeNotAvailable:
      return "timeNotAvailable";
    case FailInfo::kUnacceptedPolicy:
      return "unacceptedPolicy";
    case FailInfo::kUnacceptedExtension:
      return "unacceptedExtension";
    case FailInfo::kAddInfoNotAvailable:
      return "addInfoNotAvailable";
    case FailInfo::kSystemFailure:
      return "systemFailure";
  }
  return "unknown";
}

std::optional<std::string> imprint_data(int nid, std::string_view digest) {
  const Digest* d = find_digest(nid);
  if (!d || digest.size() != d->size) return std::nullopt;
  return std::string(d->name) + ":" +
         hex(reinterpret_cast<const unsigned char*>(digest.data()), digest.size());
}

Tsa Tsa::from_pem(std::string_view chain_pem, std::string_view key_pem, const TsaOptions& options) {
  auto state = std::make_shared<State>();
  std::vector<X509Ptr> chain;
  {
    auto certs = read_pem_certificates(chain_pem);
    while (sk_X509_num(certs.get()) > 0) chain.emplace_back(sk_X509_shift(certs.get()));
  }
  if (chain.empty()) throw TsaConfigError("the TSA certificate file holds no PEM certificate");

  X509* cert = chain.front().get();
  int critical = -1;
  auto* eku = static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(cert, NID_ext_key_usage, &critical, nullptr));
  bool timestamping_only = eku && sk_ASN1_OBJECT_num(eku) == 1 &&
                           OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)) == NID_time_stamp;
  if (eku) sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
  ERR_clear_error();
  if (!timestamping_only || critical != 1)
    throw TsaConfigError(
        "the TSA certificate (the first in its file) must have the extendedKeyUsage extension, "
        "critical, with timeStamping as its only purpose (RFC 3161 section 2.3)" +
        std::string(!timestamping_only ? ": its extendedKeyUsage is not timeStamping alone"
                                       : ": its extendedKeyUsage is not critical"));

  BioPtr key_bio(BIO_new_mem_buf(key_pem.data(), int(key_pem.size())));
  KeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    ERR_clear_error();
    throw TsaConfigError("the TSA key file holds no unencrypted PEM private key");
  }
  if (X509_check_private_key(cert, key.get()) != 1) {
    ERR_clear_error();
    throw TsaConfigError("the TSA key does not match the TSA certificate's public key");
  }

  state->policy_obj.reset(OBJ_txt2obj(options.policy.c_str(), 1));
  if (!state->policy_obj) {
    ERR_clear_error();
    throw TsaConfigError("the TSA policy '" + options.policy + "' is not a dotted OID");
  }
  if (options.accuracy_micros < 0 || options.accuracy_micros >= int64_t(1'000'000) * 1'000'000)
    throw TsaConfigError("the TSA accuracy must be between 0 and 10^12 microseconds");
  state->policy = options.policy;
  state->accuracy_micros = options.accuracy_micros;

  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &md_len) != 1)
    throw TsaConfigError("fingerprinting the TSA certificate: " + openssl_error());
  state->fingerprint = hex(md, md_len);

  BioPtr out(BIO_new(BIO_s_mem()));
  for (auto& c : chain) PEM_write_bio_X509(out.get(), c.get());
  char* data = nullptr;
  long n = BIO_get_mem_data(out.get(), &data);
  state->chain_pem.assign(data, size_t(n));

  state->extra.reset(sk_X509_new_null());
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(state->extra.get(), chain[i].release());
  state->cert = std::move(chain.front());
  state->key = std::move(key);

  static std::atomic<uint64_t> generations{0};
  state->generation = ++generations;
  for (auto* d = digests_begin(); d != digests_end(); ++d)
    state->accepted_mds.push_back(EVP_get_digestbynid(d->nid));
  state->model_request = model_request();
  // The same checks OpenSSL makes when it signs, so a bad setup fails now.
  Tsa tsa(std::move(state));
  try {
    std::array<uint8_t, 16> serial{};
    tsa.grant(tsa.s_->model_request, serial, 0);
  } catch (const std::exception& e) {
    throw TsaConfigError(std::string("the TSA certificate or key is unusable: ") + e.what());
  }
  return tsa;
}

Tsa Tsa::load(const std::string& chain_path, const std::string& key_path,
              const TsaOptions& options) {
  auto chain = read_file(chain_path, "certificate");
  auto key = read_file(key_path, "key");
  try {
    return from_pem(chain, key, options);
  } catch (const TsaConfigError& e) {
    throw TsaConfigError(std::string(e.what()) + " (certificate " + chain_path + ", key " +
                         key_path + ")");
  }
}

Checked Tsa::check(std::string_view der) const {
  if (der.size() > kMaxRequestBytes)
    return Rejection{FailInfo::kBadDataFormat, "the request is larger than 16 KiB"};
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const auto* end = p + der.size();
  ReqPtr req(d2i_TS_REQ(nullptr, &p, long(der.size())));
  ERR_clear_error();
  if (!req || p != end)
    return Rejection{FailInfo::kBadDataFormat, "the body is not one DER TimeStampReq"};
  if (TS_REQ_get_version(req.get()) != 1)
    return Rejection{FailInfo::kBadRequest, "only TimeStampReq version 1 is supported"};

  TS_MSG_IMPRINT* imprint = TS_REQ_get_msg_imprint(req.get());
  const ASN1_OBJECT* alg = nullptr;
  int param_type = V_ASN1_UNDEF;
  const void* param = nullptr;
  X509_ALGOR_get0(&alg, &param_type, &param, TS_MSG_IMPRINT_get_algo(imprint));
  int nid = OBJ_obj2nid(alg);
  const Digest* digest = find_digest(nid);
  if (!digest) {
    std::string name = nid == NID_undef ? "an unknown algorithm" : OBJ_nid2sn(nid);
    return Rejection{FailInfo::kBadAlg,
                     "the imprint's digest is " + name +
                         "; accepted: SHA-224, SHA-256, SHA-384, SHA-512, SHA3-224, SHA3-256, "
                         "SHA3-384, SHA3-512 (not MD5 or SHA-1)"};
  }
  if (param_type != V_ASN1_UNDEF && param_type != V_ASN1_NULL)
    return Rejection{FailInfo::kBadAlg, "the digest algorithm must have no parameters"};
  ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(imprint);
  std::string_view bytes(reinterpret_cast<const char*>(ASN1_STRING_get0_data(msg)),
                         size_t(ASN1_STRING_length(msg)));
  auto data = imprint_data(nid, bytes);
  if (!data)
    return Rejection{FailInfo::kBadDataFormat,
                     "the imprint is not as long as a " + std::string(digest->name) + " digest"};
  const ASN1_OBJECT* policy = TS_REQ_get_policy_id(req.get());
  if (policy && OBJ_cmp(policy, s_->policy_obj.get()) != 0)
    return Rejection{FailInfo::kUnacceptedPolicy, "the only policy of this TSA is " + s_->policy};
  const auto* exts = TS_REQ_get_exts(req.get());
  if (exts && sk_X509_EXTENSION_num(exts) > 0)
    return Rejection{FailInfo::kUnacceptedExtension, "request extensions are not supported"};
  return Accepted{std::move(*data)};
}

std::string Tsa::grant(std::string_view der, const std::array<uint8_t, 16>& serial,
                       int64_t unix_micros) const {
  Stamp stamp{&serial, unix_micros, nullptr};
  auto resp = s_->respond(der, &stamp);
  const ASN1_INTEGER* status = TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp.get()));
  if (ASN1_INTEGER_get(status) != TS_STATUS_GRANTED || !TS_RESP_get_token(resp.get()))
    throw std::runtime_error("OpenSSL refused a request that check() accepted");
  return to_der(resp.get());
}

std::string Tsa::reject(const Rejection& why) const {
  // Through OpenSSL too, with a request it grants (so its own checks pass and
  // their failInfo cannot replace ours): serial_cb refuses before signing.
  Stamp stamp{nullptr, 0, &why};
  auto resp = s_->respond(s_->model_request, &stamp);
  return to_der(resp.get());
}

const std::string& Tsa::chain_pem() const { return s_->chain_pem; }
const std::string& Tsa::policy() const { return s_->policy; }
const std::string& Tsa::fingerprint() const { return s_->fingerprint; }

}  // namespace ink::rfc3161
