#pragma once
// The proof file a client saves beside what it stamped ("format":
// "unchanging.ink/proof"): the data, the names of the files, and the ts
// answer with its proof. Pure: reading and writing the file is the client's.

#include <string>
#include <vector>

#include "core/cbor.h"
#include "core/cosigned.h"
#include "core/key_listing.h"
#include "core/protocol.h"
#include "core/result.h"

namespace ink::core {

struct ProofFile {
  std::string authority;
  std::string data;
  std::vector<std::string> files;
  TsAnswer timestamp;
  // Optional (docs/witness.md): a head at or after the proof's, with its
  // witnesses' cosignatures and the consistency proof to it, for
  // `ink verify --witnesses` without the network. Older readers ignore it.
  std::optional<WitnessedHead> witnessed;
  // Optional (docs/keys.md): the log's keys as GET /api/v1/keys listed them
  // when the proof was saved, with the key transitions, so that a verifier
  // who pinned an earlier key reaches the head's key without the network.
  // Empty: absent. Older readers ignore it.
  std::vector<ListedKey> keys;
};

Json to_json(const ProofFile& v);
// Strict like core/parse.h; `data` must be UTF-8 of at most kMaxDataBytes.
Result<ProofFile> proof_file_from_json(const Json& j);

}  // namespace ink::core
