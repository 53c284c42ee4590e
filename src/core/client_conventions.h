#pragma once
// Client conventions (PROTOCOL.md): what a client stamps for a text or for
// files. Pure.

#include <string>
#include <vector>

#include "core/hash.h"

namespace ink::core {

// "sha512:<hex>" of a text's UTF-8 bytes or a file's bytes.
std::string data_for_bytes(ByteView content);
// One file: its own data; several: data_for_bytes of the sorted list text
// `["s1", "s2"]`, so the order of the files does not matter.
std::string data_for_files(std::vector<std::string> per_file_data);

}  // namespace ink::core
