#pragma once
// What the commands share (commands.cpp, rfc3161_cmd.cpp): the error that
// means exit status 2, the server and keys a command uses, and how a check
// report is printed.

#include <filesystem>
#include <optional>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/api.h"
#include "cli/cli.h"
#include "cli/url.h"
#include "core/check.h"
#include "core/protocol.h"
#include "core/sign.h"

namespace ink::cli {

// Thrown inside commands for errors of exit status 2, with a message for people.
struct UsageOrIoError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// --server, else $INK_SERVER, else the default. Throws UsageOrIoError.
ServerUrl server_url(const ServerOptions& o);
// Trusted keys from a key file (proof_io's formats). Throws UsageOrIoError.
std::vector<core::PublicKey> load_keys(const std::filesystem::path& path);
// The keys a verification trusts: pinned from `key_file`, else fetched with
// `http` (which must then be given); `source` says which, for the verdict.
struct TrustedKeys {
  std::vector<core::PublicKey> keys;
  std::string source;
};
TrustedKeys trusted_keys(const std::optional<std::filesystem::path>& key_file, HttpClient* http);
// Appends the steps "current-head" and "consistency": the proof's head is in
// the log the server shows now (cli/proof_check.h). Returns that current head.
core::SignedHead check_against_server(core::CheckReport& report, const core::SignedHead& proof_head,
                                      HttpClient& http, std::span<const core::PublicKey> keys);
// The compact form of a ts with its proof (precondition: it has one).
std::string compact_of(const core::TsAnswer& a);
core::Json steps_json(const core::CheckReport& report);
// "ok    name: message" / "FAIL  name: message", one line per step.
void print_steps(const core::CheckReport& report, std::ostream& out);
// Inside a catch: the edge's exception as a message on `err`; exit status 2.
// Rethrows what it does not know.
int report_errors(std::ostream& err);

// Runs a command body, mapping the edge's exceptions to exit status 2.
template <class F>
int guarded(std::ostream& err, F&& body) {
  try {
    return body();
  } catch (const std::exception&) {
    return report_errors(err);
  }
}

}  // namespace ink::cli
