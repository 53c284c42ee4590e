#pragma once
// The protocol's objects read back from documents. The parsers accept byte
// fields as binary or as base64 text, so they read both wire formats (CBOR
// and JSON), and reject anything malformed with a message naming the field
// ("proof.inclusion.nodes[2]: expected 32 bytes, got 31"). Pure.

#include <string>
#include <vector>

#include "core/cbor.h"
#include "core/protocol.h"
#include "core/result.h"
#include "core/sign.h"

namespace ink::core {

Result<IntervalRecord> interval_from_json(const Json& j);
Result<InclusionProof> inclusion_from_json(const Json& j);
Result<ConsistencyProof> consistency_from_json(const Json& j);
Result<SignedHead> head_from_json(const Json& j);
Result<TsProof> ts_proof_from_json(const Json& j);
Result<TsAnswer> ts_answer_from_json(const Json& j);
// The same for an answer nested in another document: messages name its
// fields under `where` ("timestamp.proof.a").
Result<TsAnswer> ts_answer_from_json(const Json& j, const std::string& where);
// The /api/v1/keys answer; each entry's key id must match its public key.
Result<std::vector<PublicKey>> keys_from_json(const Json& j);

}  // namespace ink::core
