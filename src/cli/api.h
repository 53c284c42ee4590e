#pragma once
// Typed calls to the service's HTTP API (PROTOCOL.md, "HTTP API") on top of
// HttpClient. Every answer is parsed strictly; nothing is trusted here, the
// callers check proofs and signatures.

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/http.h"
#include "core/cosigned.h"
#include "core/key_listing.h"
#include "core/protocol.h"

namespace ink::cli {

// The server answered, but with an error status (after retries of 429/5xx).
class ApiError : public std::runtime_error {
 public:
  ApiError(unsigned status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  unsigned status() const { return status_; }

 private:
  unsigned status_;
};

// The server answered 200 with something that is not what the protocol says.
class MalformedAnswer : public std::runtime_error {
 public:
  MalformedAnswer(const std::string& message, std::string body)
      : std::runtime_error(message), body_(std::move(body)) {}
  const std::string& body() const { return body_; }

 private:
  std::string body_;
};

struct FetchedHead {
  core::SignedHead head;
  core::Json raw;  // as received, for evidence and --json
};

class Api {
 public:
  explicit Api(HttpClient& http) : http_(http) {}

  // GET /api/v1/keys. Throws ApiError, MalformedAnswer, NetworkError.
  std::vector<core::PublicKey> keys(core::Json* raw = nullptr);
  // GET /api/v1/keys with the key chain (docs/keys.md; a server without it
  // lists keys only). Throws as keys().
  std::vector<core::ListedKey> key_listing(core::Json* raw = nullptr);
  // GET /api/v1/mth/current or /api/v1/mth/<i>. nullopt for 404 on an index.
  std::optional<FetchedHead> head(std::optional<uint64_t> index);
  // GET /api/v1/mth/<y>/from/<x>.
  core::ConsistencyProof consistency(uint64_t x, uint64_t y);
  // POST /api/v1/ts/?wait, then GET <Location>?wait while the proof is
  // missing (at most `polls` times). The answer may still lack a proof.
  core::TsAnswer stamp(const std::string& data, std::chrono::milliseconds wait_timeout, int polls);
  // GET /api/v1/ts/<id>/?wait, again while the proof is missing (at most
  // `polls` times in all). nullopt when there is no such ts (404).
  std::optional<core::TsAnswer> ts(const std::string& id, std::chrono::milliseconds wait_timeout,
                                   int polls);
  // POST /api/v1/rfc3161: a DER TimeStampReq in, the DER TimeStampResp out
  // (granted or not: the caller reads it; docs/rfc3161.md).
  std::string rfc3161(const std::string& request_der);
  // GET /api/v1/rfc3161/certs: the TSA's chain, PEM.
  std::string tsa_certificates();
  // POST /api/v1/mth/<i>/cosignatures (docs/witness.md); true if the log
  // stored it now, false if it had it. Throws ApiError for any refusal.
  bool cosign(uint64_t index, const std::string& witness_key, const core::Signature& signature);
  // GET /api/v1/witnesses.
  std::vector<core::Witness> witnesses();
  // GET /api/v1/mth/cosigned?quorum=K&from=X: nullopt while no head has K
  // cosignatures (404).
  std::optional<core::WitnessedHead> cosigned(size_t quorum, uint64_t from);

 private:
  core::Json get_json(const std::string& target,
                      std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  HttpClient& http_;
};

// Parses a head sent by the server (body of /mth/* or a live-feed frame).
// Throws MalformedAnswer saying what is wrong.
FetchedHead parse_head_text(const std::string& text, const std::string& source);

}  // namespace ink::cli
