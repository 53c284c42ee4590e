#pragma once
// The client's side of docs/rfc3161.md: reading a token, checking its
// signature, and making the request for one. Pure: bytes in, facts out.
//
// A token names its log entry: serialNumber is the ts id, genTime the ts
// timestamp, and the imprint (in PROTOCOL.md's client convention) the ts
// data. The CLI (cli/rfc3161_cmd.cpp) follows it there.

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ink::rfc3161 {

// What is wrong with a reply or token, for people.
struct TokenError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Token {
  std::string serial_hex;  // serialNumber, lower-case hex of whole bytes (as `openssl ts` shows it)
  // The serial as 16 big-endian bytes (a ts id) when it fits in 128 bits.
  std::optional<std::array<uint8_t, 16>> serial_bytes;
  std::string gen_time;         // genTime as the token writes it (GeneralizedTime)
  int64_t gen_time_micros = 0;  // genTime, microseconds since the Unix epoch
  int imprint_nid = 0;          // the imprint's digest (an OpenSSL NID)
  std::string imprint;          // the digest bytes
  std::string imprint_name;     // "sha512", ... ("" for a digest this TSA refuses)
  std::string policy;           // dotted OID
  std::string nonce;            // big-endian bytes, empty when the token has none
  int certificates = 0;         // carried in the token (certReq)
};

// `der`: a TimeStampResp (what a TSA answers; a .tsr file) whose status is
// granted, or a bare TimeStampToken (a CMS ContentInfo). Throws TokenError:
// not one DER structure of either kind, a rejection (with its text and
// failInfo), a genTime that is not a whole UTC GeneralizedTime with at most
// six fraction digits.
Token read_token(std::string_view der);

// The token's CMS signature over its TSTInfo, the signer certificate's
// critical timeStamping purpose and ESS certificate id, and its chain to one
// of the self-signed certificates of `certificates_pem` (the others, and
// those the token carries, serve as intermediates). OpenSSL's
// TS_RESP_verify_* with TS_VFY_SIGNATURE. Returns nullopt when it holds,
// else why not.
std::optional<std::string> check_token_signature(std::string_view der,
                                                 std::string_view certificates_pem);

// A DER TimeStampReq (version 1) for `digest` made with the digest `nid`,
// asking for the certificates (certReq), with `nonce` (big-endian bytes;
// empty: none). Throws std::invalid_argument for a digest the TSA refuses or
// of the wrong length.
std::string make_request(int nid, std::string_view digest, std::string_view nonce);

// Incremental digest with the algorithm of a token's imprint (files may be large).
class ImprintHasher {
 public:
  // Throws std::invalid_argument for a digest OpenSSL does not know.
  explicit ImprintHasher(int nid);
  ~ImprintHasher();
  ImprintHasher(const ImprintHasher&) = delete;
  ImprintHasher& operator=(const ImprintHasher&) = delete;
  void update(std::string_view bytes);
  std::string finish();  // the digest bytes; once

 private:
  struct State;
  State* s_;
};

}  // namespace ink::rfc3161
