#pragma once
// The protocol's records and objects (PROTOCOL.md), their hashes, and their
// JSON/CBOR document forms. Documents use json::binary_t for byte strings;
// cbor_encode() writes them as CBOR, to_wire_json() as JSON with base64.
// The *_from_json parsers accept byte fields as binary or as base64 text, so
// they read both wire formats, and reject anything malformed with a message.

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

// ts hash = H(cbor({"data", "timestamp", "typ": "ts", "version": "1"}))
Bytes ts_cbor(std::string_view data, std::string_view timestamp);
Hash ts_hash(std::string_view data, std::string_view timestamp);

struct IntervalRecord {
  uint64_t index = 0;
  std::string timestamp;  // clock reading at which the interval closed
  Hash ith{};
};
Bytes interval_cbor(const IntervalRecord& record);
Hash ihash(const IntervalRecord& record);

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

struct ProofFile {
  std::string authority;
  std::string data;
  std::vector<std::string> files;
  TsAnswer timestamp;
};

Json to_json(const IntervalRecord& v);
Json to_json(const InclusionProof& v);
Json to_json(const ConsistencyProof& v);
Json to_json(const SignedHead& v);  // the head object of PROTOCOL.md
Json to_json(const TsProof& v);     // PROOF
Json to_json(const TsAnswer& v);

// The JSON text of answers whose proofs share one head, byte for byte what
// to_wire_json(to_json(answer)).dump() gives. Everything that depends only on
// the head (ith, mth, interval, inclusion, the signed head) is serialized once
// here, so answering the thousands of waiters of one head costs little more
// than writing their paths.
// The JSON text of an answer without proof yet (interval and proof null),
// byte for byte what to_wire_json(to_json(answer)).dump() gives.
std::string pending_answer_json(const Hash& hash, std::string_view timestamp, std::string_view id);

class SharedHeadJson {
 public:
  explicit SharedHeadJson(const SignedHead& head);
  // The answer for a ts with proof (a, path) under this head.
  std::string answer(const Hash& hash, std::string_view timestamp, std::string_view id, uint64_t a,
                     std::span<const Hash> path) const;

 private:
  std::string interval_;    // the head's index, as JSON
  std::string proof_rest_;  // the proof's members from "head" to "mth", between a and path
};
Json to_json(const ProofFile& v);
Json keys_json(std::span<const PublicKey> keys);  // [{"key","public_key","algorithm"}]

Result<IntervalRecord> interval_from_json(const Json& j);
Result<InclusionProof> inclusion_from_json(const Json& j);
Result<ConsistencyProof> consistency_from_json(const Json& j);
Result<SignedHead> head_from_json(const Json& j);
Result<TsProof> ts_proof_from_json(const Json& j);
Result<TsAnswer> ts_answer_from_json(const Json& j);
Result<ProofFile> proof_file_from_json(const Json& j);
// The /api/v1/keys answer; each entry's key id must match its public key.
Result<std::vector<PublicKey>> keys_from_json(const Json& j);

// Client conventions: "sha512:<hex>" of a text or a file's bytes, and the
// combined text for several files (sorted, `["s1", "s2"]`).
std::string data_for_bytes(ByteView content);
std::string data_for_files(std::vector<std::string> per_file_data);

}  // namespace ink::core
