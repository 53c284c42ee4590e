#pragma once
// The RFC 3161 side of `ink stamp` and `ink verify` (docs/rfc3161.md).

#include <chrono>
#include <filesystem>
#include <ostream>
#include <string>

#include "cli/cli.h"
#include "cli/http.h"
#include "core/protocol.h"

namespace ink::cli {

// Where `ink stamp --rfc3161` writes a file's token: "F.tsr" for the proof
// "F.ink.json", else the proof's path with ".tsr" appended.
std::filesystem::path token_path_for(const std::filesystem::path& proof_path);

// Gets a token for `data` (the file's "sha512:<hex>") from the server's TSA,
// checks that it certifies that imprint with the request's nonce, writes it
// to `token_path`, and returns the ts it names (its proof waited for).
// Throws what the Api throws, and UsageOrIoError when the token cannot be written.
core::TsAnswer stamp_with_token(HttpClient& http, const std::string& data,
                                const std::filesystem::path& token_path,
                                std::chrono::milliseconds wait_timeout);

// `ink verify FILE --tsr FILE.tsr` (cli/tsr_check.h); exit status as run_verify.
int run_verify_token(const VerifyOptions& o, std::ostream& out, std::ostream& err);

}  // namespace ink::cli
