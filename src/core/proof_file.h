#pragma once
// The proof file a client saves beside what it stamped ("format":
// "unchanging.ink/proof"): the data, the names of the files, and the ts
// answer with its proof. Pure: reading and writing the file is the client's.

#include <string>
#include <vector>

#include "core/cbor.h"
#include "core/protocol.h"
#include "core/result.h"

namespace ink::core {

struct ProofFile {
  std::string authority;
  std::string data;
  std::vector<std::string> files;
  TsAnswer timestamp;
};

Json to_json(const ProofFile& v);
// Strict like core/parse.h; `data` must be UTF-8 of at most kMaxDataBytes.
Result<ProofFile> proof_file_from_json(const Json& j);

}  // namespace ink::core
