#pragma once
// The protocol's records and objects (PROTOCOL.md) as plain types. Their jobs
// live beside them, one file each:
//   core/record_hash.h         ts hash and ihash (canonical CBOR of the records)
//   core/json_write.h          the objects as JSON/CBOR documents
//   core/json_fast.h           answer JSON written directly, for many waiters
//   core/parse.h               documents read back, strictly
//   core/proof_file.h          the client's proof file
//   core/client_conventions.h  what a client stamps for a text or files

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/cbor.h"
#include "core/hash.h"
#include "core/result.h"
#include "core/sign.h"

namespace ink::core {

inline constexpr size_t kMaxDataBytes = 256;
inline constexpr size_t kMaxTagChars = 36;

struct IntervalRecord {
  uint64_t index = 0;
  std::string timestamp;  // clock reading at which the interval closed
  Hash ith{};
};

struct InclusionProof {  // ihash_leaf in mth_head
  uint64_t head = 0;
  uint64_t leaf = 0;
  uint64_t a = 0;
  std::vector<Hash> nodes;
};

struct ConsistencyProof {  // mth_old_interval with mth_new_interval
  uint64_t old_interval = 0;
  uint64_t new_interval = 0;
  std::vector<Hash> nodes;
};

struct SignedHead {
  std::string authority;
  Hash mth{};
  IntervalRecord interval;
  InclusionProof inclusion;
  std::optional<ConsistencyProof> consistency;
  Signature signature{};
  std::string key;  // key id, hex
};

// PROOF of a ts: (a, path) to ith, plus the extensions that make it verifiable offline.
struct TsProof {
  uint64_t a = 0;
  std::vector<Hash> path;
  SignedHead head;  // gives ith, mth (compact), interval, inclusion, head signature
};

struct TsAnswer {
  Hash hash{};
  std::string timestamp;
  std::string id;
  std::optional<uint64_t> interval;
  std::optional<TsProof> proof;
};

}  // namespace ink::core
