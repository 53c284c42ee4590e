#pragma once
// The `ink` command line: stamp, verify, monitor, head, key. run() is what
// main() calls; tests call it in-process with their own streams.
//
// Exit status: 0 success (a proof is valid, a head checks out); 1 something
// is invalid (a proof, a signature, a log that forked: the message names
// the failed step); 2 usage, I/O, network or server errors.

#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/http.h"

namespace ink::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitError = 2;

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// Options every command that talks to a server shares.
struct ServerOptions {
  std::string server;  // "" = $INK_SERVER or the default
  bool json = false;
  double timeout_seconds = 20;
  int retries = 3;
  HttpOptions http(std::ostream& err) const;
};

struct StampOptions {
  ServerOptions common;
  std::vector<std::filesystem::path> files;
  std::optional<std::string> text;
  std::optional<std::filesystem::path> out;
  std::optional<std::filesystem::path> key_file;
  bool together = false;
  bool rfc3161 = false;  // also an RFC 3161 token per file (FILE.tsr)
  int jobs = 4;
  // --quorum K: wait (at most quorum_wait_seconds) until K witnesses cosigned
  // the proof's head or a later one, and add it to the proof file (ink upgrade).
  size_t quorum = 0;
  std::optional<std::filesystem::path> witnesses_file;
  int quorum_wait_seconds = 60;
};

struct VerifyOptions {
  ServerOptions common;
  std::vector<std::filesystem::path> files;
  std::optional<std::string> text;
  std::optional<std::filesystem::path> proof;
  std::optional<std::filesystem::path> key_file;
  std::optional<std::filesystem::path> tsr;       // an RFC 3161 token to check instead
  std::optional<std::filesystem::path> tsa_cert;  // the TSA root to trust (PEM)
  bool server_given = false;
  // Witnesses (docs/witness.md): the list to trust and how many must have
  // cosigned the proof's head or a later head consistent with it (0: all).
  std::optional<std::filesystem::path> witnesses_file;
  size_t quorum = 0;
};

struct UpgradeOptions {
  ServerOptions common;
  std::filesystem::path proof;
  std::optional<std::filesystem::path> key_file;
  std::optional<std::filesystem::path> witnesses_file;  // default: the server's list
  size_t quorum = 0;                                    // 0: every listed witness
};
int run_upgrade(const UpgradeOptions& o, std::ostream& out, std::ostream& err);

struct MonitorOptions {
  ServerOptions common;
  std::filesystem::path state_dir;
  std::optional<std::filesystem::path> key_file;
  uint64_t count = 0;        // stop (exit 0) after this many new heads; 0 = never
  double poll_seconds = 10;  // feed silence after which /mth/current is polled
  int recheck = 4;           // earlier heads re-fetched at start, besides the last
};

int run_stamp(const StampOptions& o, std::ostream& out, std::ostream& err);
int run_verify(const VerifyOptions& o, std::ostream& out, std::ostream& err);
int run_monitor(const MonitorOptions& o, std::ostream& out, std::ostream& err);
int run_head(const ServerOptions& o, std::optional<uint64_t> index,
             const std::optional<std::filesystem::path>& key_file, std::ostream& out,
             std::ostream& err);
// The log's keys (for --key), or with `witnesses` the witnesses it accepts
// (for --witnesses).
int run_key(const ServerOptions& o, bool witnesses, std::ostream& out, std::ostream& err);

}  // namespace ink::cli
