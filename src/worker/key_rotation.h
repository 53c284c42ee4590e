#pragma once
// Key rotation and revocation from the operator's side (docs/keys.md).
//
// `ink-worker --rotate-key NEW.pem` installs NEW.pem as the next key, the
// file `<INK_KEY_PATH>.next`, and waits until a worker has rotated to it. The
// worker looks for that file before every interval; it signs its next head
// with the new key and writes the transition statement in the same
// transaction (Sequencer::set_next_key), then swaps the files: the old key
// is kept as `<INK_KEY_PATH>.retired-<key id>` and the new one renamed to
// INK_KEY_PATH. A crash anywhere leaves INK_KEY_PATH the old or the new key
// and the database with the transition or without it; at its start the
// worker reads both files and the database decides (Sequencer::load).
//
// `ink-worker --revoke-key KEY_ID --after INDEX` records, signed by the
// active key, that heads after INDEX signed by KEY_ID (a retired key) are
// not to be trusted.

#include <optional>
#include <ostream>
#include <string>

#include "core/sign.h"

namespace ink::worker {

struct WorkerConfig;

std::string next_key_path(const std::string& key_path);
std::string retired_key_path(const std::string& key_path, const std::string& key_id);

// The installed next key, if any; throws std::runtime_error when the file
// exists but cannot be read or parsed.
std::optional<core::SigningKey> read_next_key(const std::string& key_path);

// After a committed rotation to `active`: keeps the old key file as
// retired_key_path (a hard link) and renames the next key file over
// key_path (atomic), then syncs the directory. Idempotent. Throws
// std::runtime_error naming the file on failure.
void swap_key_files(const std::string& key_path, const std::string& old_key_id);

// The two commands; exit codes: 0 done, 1 refused or failed (the message
// says why), 3 installed but no worker rotated within wait_seconds.
int rotate_key_command(const WorkerConfig& config, const std::string& new_key_pem,
                       double wait_seconds, std::ostream& out, std::ostream& err);
int revoke_key_command(const WorkerConfig& config, const std::string& key_id, uint64_t after,
                       std::ostream& out, std::ostream& err);

}  // namespace ink::worker
