#pragma once
// `ink verify` across key rotations (docs/keys.md): the key chains a
// verification may follow from the keys it pins.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/http.h"
#include "core/check.h"
#include "core/key_trust.h"

namespace ink::cli {

// The chains of the key file (when it is the JSON of /api/v1/keys), of the
// list a proof file carries (`carried`) and, with `http`, of the server's
// current key list, checked for `authority`; trusted as far as they hold one
// of `pinned`. Throws UsageOrIoError (a key file),
// MalformedAnswer (the server's list) when a chain does not hold, and what
// HttpClient throws.
core::KeyTrust verification_trust(const std::vector<core::PublicKey>& pinned,
                                  const std::optional<std::filesystem::path>& key_file,
                                  HttpClient* http, const std::string& authority,
                                  const std::vector<core::ListedKey>& carried = {});

// check_against_server (command_support.h) with the trust's keys, each
// head (the proof's, the server's current one) only in its key's range.
void check_against_server(core::CheckReport& report, const core::SignedHead& proof_head,
                          HttpClient& http, const core::KeyTrust& trust);

// The authority a proof file names, when it can be read (else empty: the
// checks will say what is wrong with the file).
std::string proof_file_authority(std::string_view proof_text);
// The key list a proof file carries ("keys", docs/keys.md); empty when it
// carries none or cannot be read (the checks say what is wrong with it).
std::vector<core::ListedKey> proof_file_keys(std::string_view proof_text);

}  // namespace ink::cli
