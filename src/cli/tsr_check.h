#pragma once
// `ink verify FILE --tsr FILE.tsr`: an RFC 3161 token checked as a TSA's
// token and then against the transparency log (docs/rfc3161.md, "From a
// token to its log entry"). Pure: the file's digest and the log entry come
// through the callbacks, so the steps can be tested without I/O.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/check.h"
#include "core/protocol.h"
#include "rfc3161/token.h"

namespace ink::cli {

struct TokenCheckInputs {
  std::string_view token_der;  // a .tsr (TimeStampResp) or a bare token
  // The TSA certificates trusted: self-signed ones are roots, the others
  // intermediates (the chain of /api/v1/rfc3161/certs, or a pinned root).
  std::string_view tsa_certificates_pem;
  std::string what;  // "The file F", for messages
  // The digest of the user's input with the token's algorithm (an OpenSSL NID).
  std::function<std::string(int nid)> input_digest;
  // The log entry of a ts id (from a proof file or the server); nullopt if none.
  std::function<std::optional<core::TsAnswer>(const std::string& id)> find_ts;
  std::span<const core::PublicKey> keys;
};

// Steps: "token" (a granted token whose serial number is a ts id and whose
// imprint uses a digest of PROTOCOL.md), "tsa-signature", "imprint" (the
// input's digest), "log-entry" (the ts the serial names exists, with the
// token's genTime as its timestamp), then the core's proof steps with the
// imprint as the ts data (ts-hash ... signature). Stops at the first failure.
// On success *token and *entry receive the token and its log entry.
core::CheckReport check_token(const TokenCheckInputs& in, rfc3161::Token* token = nullptr,
                              core::TsAnswer* entry = nullptr);

}  // namespace ink::cli
