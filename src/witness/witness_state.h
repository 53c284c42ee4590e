#pragma once
// What a witness remembers, in its state folder (docs/witness.md):
//
//   state.json  {"format": "unchanging.ink/witness", "version": 1, "server",
//                "authority", "log_key", "name", "witness_key",
//                "cosigned": {"index", "mth"} | null}
//   evidence-<time>-<kind>.json  written when the log misbehaves
//
// `cosigned` is the newest head this witness cosigned. It is written to a
// temporary file, fsynced, renamed over state.json and the folder fsynced
// before the cosignature leaves the process: after any crash the state names
// every head the witness may have signed last, so it never signs a second
// root for an index or a head inconsistent with one it signed.

#include <filesystem>
#include <optional>
#include <string>

#include "core/hash.h"
#include "core/protocol.h"
#include "core/result.h"
#include "core/sign.h"

namespace ink::witness {

struct CosignedHead {
  uint64_t index = 0;
  core::Hash mth{};
};

struct WitnessState {
  std::string server;
  std::string authority;  // "" until the first head
  core::PublicKey log_key{};
  std::string name;
  std::string witness_key;  // key id
  std::optional<CosignedHead> cosigned;
};

// nullopt: no state yet (a fresh folder). Errors name the file and what is wrong.
core::Result<std::optional<WitnessState>> load_state(const std::filesystem::path& dir);
// Atomically and durably (see above); creates dir if needed.
core::Status save_state(const std::filesystem::path& dir, const WitnessState& state);
// evidence-<UTC time>-<kind>.json in dir, durably; its path.
core::Result<std::filesystem::path> save_evidence(const std::filesystem::path& dir,
                                                  const std::string& kind,
                                                  const core::Json& evidence);

}  // namespace ink::witness
