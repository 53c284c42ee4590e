#pragma once
// An RFC 3161 time-stamp authority whose every token is a ts of the log
// (docs/rfc3161.md). Built on OpenSSL's TS API (openssl/ts.h); no I/O
// besides reading the key and certificate files in load().
//
// A request is answered in two steps, because the token's serial number and
// genTime are the ts's id and clock reading, which exist only once its row
// is committed:
//   1. check(): parse the TimeStampReq and decide, without signing, whether
//      it is granted; if so, the ts `data` (the imprint in PROTOCOL.md's
//      client convention, "sha256:<hex>"); else a rejection.
//   2. after the ts row is committed: grant() signs the token with the ts id
//      as serialNumber and its clock reading as genTime (microseconds).
//      A rejection is answered with reject(), which signs nothing.
//
// Thread safety: a Tsa is immutable after construction; each thread signs
// with a TS_RESP_CTX of its own (kept for its next call), so any number of
// threads may use one Tsa at once.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

namespace ink::rfc3161 {

// The default policy (TSTInfo.policy, and the only reqPolicy accepted): an
// OID under the UUID arc 2.25 (ITU-T X.667) fixed for this project, ".1" being
// version 1 of the token profile in docs/rfc3161.md.
inline constexpr const char* kDefaultPolicy = "2.25.207100583635098433828540226318473222729.1";
// Default accuracy of genTime: the clock is the database server's, kept by NTP.
inline constexpr int64_t kDefaultAccuracyMicros = 1'000'000;
// Largest request body accepted (also the backend's body limit).
inline constexpr size_t kMaxRequestBytes = 16 * 1024;

// PKIFailureInfo bit numbers (RFC 3161 section 2.4.2).
enum class FailInfo : int {
  kBadAlg = 0,
  kBadRequest = 2,
  kBadDataFormat = 5,
  kTimeNotAvailable = 14,
  kUnacceptedPolicy = 15,
  kUnacceptedExtension = 16,
  kAddInfoNotAvailable = 17,
  kSystemFailure = 25,
};
const char* fail_info_name(FailInfo f);  // "badAlg", ...

struct Rejection {
  FailInfo fail;
  std::string text;  // statusString, for the client's eyes
};

// A request that will be granted: the ts data to commit.
struct Accepted {
  std::string data;  // e.g. "sha256:9f86d0..." (lower-case hex)
};

using Checked = std::variant<Accepted, Rejection>;

// The ts data for an imprint made with the digest named by `nid` (an OpenSSL
// NID): "<name>:<hex>" with the PROTOCOL.md hash names (sha224, sha256,
// sha384, sha512, sha3-224, sha3-256, sha3-384, sha3-512). nullopt for any
// other digest (MD5 and SHA-1 included) or a wrong length.
std::optional<std::string> imprint_data(int nid, std::string_view digest);

// Thrown by load() and from_pem() with a message for the operator.
struct TsaConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TsaOptions {
  std::string policy = kDefaultPolicy;               // dotted OID
  int64_t accuracy_micros = kDefaultAccuracyMicros;  // 0: no accuracy field
};

class Tsa {
 public:
  // `chain_pem`: the signing certificate first, then the certificates that
  // lead to its root (these are put in tokens when the client asks, certReq).
  // `key_pem`: the signing key (unencrypted PEM). Throws TsaConfigError unless
  // the certificate has extendedKeyUsage timeStamping, alone and critical
  // (RFC 3161 section 2.3), the key matches it, and the policy is an OID.
  static Tsa from_pem(std::string_view chain_pem, std::string_view key_pem,
                      const TsaOptions& options = {});
  // The same from files; the message names the file.
  static Tsa load(const std::string& chain_path, const std::string& key_path,
                  const TsaOptions& options = {});

  // Step 1. Any input is safe: a rejection for anything not granted.
  Checked check(std::string_view request_der) const;
  // Step 2: the DER TimeStampResp, status granted, with the token.
  // `serial`: the ts id (UUIDv7, read as a 128-bit unsigned integer);
  // `unix_micros`: the ts clock reading. Precondition: check() accepted the
  // request. Throws std::runtime_error if OpenSSL fails or, against the
  // precondition, refuses it (then nothing was signed).
  std::string grant(std::string_view request_der, const std::array<uint8_t, 16>& serial,
                    int64_t unix_micros) const;
  // A DER TimeStampResp with status rejection, failInfo and text.
  std::string reject(const Rejection& why) const;

  // The chain as given (PEM), for GET /rfc3161/certs.
  const std::string& chain_pem() const;
  const std::string& policy() const;
  // SHA-256 fingerprint of the signing certificate (lower-case hex), for logs.
  const std::string& fingerprint() const;

  struct State;

 private:
  explicit Tsa(std::shared_ptr<const State> state) : s_(std::move(state)) {}
  std::shared_ptr<const State> s_;
};

}  // namespace ink::rfc3161
