#pragma once
// The deployment's Ed25519 signing key in a PEM file (PKCS#8).

#include <string>

#include "core/sign.h"

namespace ink::worker {

struct LoadedKey {
  core::SigningKey key;
  bool created = false;  // true when the file did not exist and was generated now
};

// Reads the key at `path`; if the file does not exist, generates a key and
// writes it there (parent directories created, mode 0600, never overwriting
// a file another process wrote meanwhile). Throws std::runtime_error with
// the path in the message when the file cannot be read, parsed or written.
LoadedKey load_or_create_key(const std::string& path);

// Reads the key at `path` (which must exist); throws std::runtime_error as above.
core::SigningKey read_key_file(const std::string& path);

}  // namespace ink::worker
