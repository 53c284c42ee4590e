#pragma once
// `ink witness` (docs/witness.md): follows a log, checks each new head
// (src/witness), records it durably, then cosigns it and submits the
// cosignature; `ink witness keygen` makes a witness key.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "cli/cli.h"

namespace ink::cli {

struct WitnessOptions {
  ServerOptions common;
  std::filesystem::path log_key_file;  // the log's key, as `ink key` prints it
  std::filesystem::path key_file;      // the witness's Ed25519 key (PEM)
  std::string name;                    // as the log lists this witness
  std::filesystem::path state_dir;
  double poll_seconds = 1;  // between looks at the log's current head
  uint64_t count = 0;       // exit 0 after cosigning this many heads; 0: never
};

int run_witness(const WitnessOptions& o, std::ostream& out, std::ostream& err);
// Writes a new key to `key_file` (never over an existing file) and prints the
// entry for the log's INK_WITNESSES list.
int run_witness_keygen(const std::filesystem::path& key_file, const std::string& name,
                       std::ostream& out, std::ostream& err);

}  // namespace ink::cli
