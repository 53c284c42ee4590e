#pragma once
// Local inputs and outputs of the client: the data string of files and texts
// (PROTOCOL.md, client conventions), proof files ("Proof file" section), and
// trusted key files. Reads files; no network.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/client_conventions.h"
#include "core/proof_file.h"
#include "core/protocol.h"
#include "core/result.h"
#include "core/sign.h"

namespace ink::cli {

// "sha512:<hex>" of one file's bytes, read in chunks (files may be large).
// Error kInvalidArgument with the path and the system's reason when unreadable.
core::Result<std::string> data_for_file(const std::filesystem::path& path);

// "sha512:<hex>" of a text's UTF-8 bytes.
std::string data_for_text(std::string_view text);

// One file: its own string; several: the sorted, joined list stamped as a text.
core::Result<std::string> data_for_files(const std::vector<std::filesystem::path>& paths);

// Parses a proof file strictly: JSON without duplicate keys, every field of
// the format present (including answer.interval and answer.proof, which a
// proof file must have), the core's checks, and the proof file's authority
// equal to the signed head's. Errors name the field that is wrong.
core::Result<core::ProofFile> parse_proof_file(std::string_view text);

// The file's text: the proof file JSON, indented, with a final newline.
std::string format_proof_file(const core::ProofFile& proof);

// Default proof path for an input file: "<file>.ink.json" beside it.
std::filesystem::path default_proof_path(const std::filesystem::path& input);

// Whole-file read; kInvalidArgument naming the path on failure.
core::Result<std::string> read_text_file(const std::filesystem::path& path);
// Writes via a temporary file and rename, so a reader never sees half a file.
core::Status write_file_atomically(const std::filesystem::path& path, std::string_view content);

// Trusted keys: the JSON of GET /api/v1/keys ([{"key","public_key","algorithm"}]),
// or one or more PEM "PUBLIC KEY" blocks holding Ed25519 keys.
core::Result<std::vector<core::PublicKey>> parse_key_file(std::string_view text);

}  // namespace ink::cli
