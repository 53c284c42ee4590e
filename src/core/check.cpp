#include "core/check.h"

#include <algorithm>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/record_hash.h"
#include "core/verify.h"

namespace ink::core {

bool CheckReport::passed() const {
  return !steps.empty() &&
         std::all_of(steps.begin(), steps.end(), [](const CheckStep& s) { return s.passed; });
}

const CheckStep* CheckReport::first_failure() const {
  for (const CheckStep& s : steps) {
    if (!s.passed) return &s;
  }
  return nullptr;
}

namespace {

// Appends a step; returns whether it passed so callers can stop at the first failure.
bool step(CheckReport& report, const char* name, bool passed, std::string message) {
  report.steps.push_back(CheckStep{name, passed, std::move(message)});
  return passed;
}

std::string short_hex(const Hash& h) { return to_hex(ByteView(h.data(), 8)) + "..."; }

// The head's own links: ihash of its interval record, inclusion of that
// ihash in mth_i, and the signature over mth_i.
void check_head_steps(CheckReport& report, const SignedHead& head,
                      std::span<const PublicKey> keys) {
  const IntervalRecord& record = head.interval;
  const InclusionProof& inclusion = head.inclusion;

  // ihash: the record must be well formed and be the one the inclusion proof is about.
  if (auto clock = parse_clock(record.timestamp); !clock) {
    step(report, "ihash", false,
         "The interval record's closing time is not a valid clock reading (" +
             clock.error().message + "), so the record cannot be the one the service hashed.");
    return;
  }
  if (inclusion.leaf != record.index || inclusion.head != record.index) {
    step(report, "ihash", false,
         "The inclusion proof is about interval " + std::to_string(inclusion.leaf) + " in head " +
             std::to_string(inclusion.head) + ", but the interval record is interval " +
             std::to_string(record.index) +
             ": the proof does not belong to this record, so it proves nothing about it.");
    return;
  }
  const Hash record_hash = ihash(record);
  step(report, "ihash", true,
       "Interval " + std::to_string(record.index) + " closed at " + record.timestamp +
           " with ith " + short_hex(record.ith) + " has ihash " + short_hex(record_hash) + ".");

  // inclusion: ihash_i is leaf i of the main tree whose head after interval i is mth_i.
  if (record.index == UINT64_MAX) {
    step(report, "inclusion", false, "The interval index is too large to be real.");
    return;
  }
  const ProofError inclusion_result = verify_inclusion_with_a(
      record_hash, record.index, record.index + 1, inclusion.a, inclusion.nodes, head.mth);
  if (inclusion_result != ProofError::kOk) {
    step(report, "inclusion", false,
         "The interval record is not part of main tree head mth_" + std::to_string(record.index) +
             " (" + describe(inclusion_result) +
             "). The record, its ith, the inclusion proof or the head's mth was altered.");
    return;
  }
  step(report, "inclusion", true,
       "The interval record is leaf " + std::to_string(record.index) + " of main tree head mth_" +
           std::to_string(record.index) + " " + short_hex(head.mth) + ".");

  // signature: the head names its key; it must be a trusted one and must have signed.
  const auto key = std::find_if(keys.begin(), keys.end(),
                                [&](const PublicKey& k) { return key_id(k) == head.key; });
  if (key == keys.end()) {
    step(report, "signature", false,
         "The head says it was signed with key " + head.key +
             ", which is not among the trusted keys, so nothing vouches for this head. "
             "Fetch the service's keys (/api/v1/keys) from a source you trust.");
    return;
  }
  const Bytes statement = head_statement(head.authority, record.index, head.mth);
  if (!verify_signature(*key, statement, head.signature)) {
    step(report, "signature", false,
         "The signature by key " + head.key + " does not match head " + head.authority + "/" +
             std::to_string(record.index) +
             ": the head's authority, interval or mth was altered, or the signature is forged.");
    return;
  }
  step(report, "signature", true,
       "Head " + head.authority + "/" + std::to_string(record.index) + " is signed by key " +
           head.key + ".");
}

}  // namespace

CheckReport check_ts_proof(const TsAnswer& answer, std::string_view data,
                           std::span<const PublicKey> keys) {
  CheckReport report;

  if (data.size() > kMaxDataBytes || !is_valid_utf8(data)) {
    step(report, "data", false,
         "The data string is not UTF-8 text of at most 256 bytes, so it cannot have been stamped.");
    return report;
  }
  step(report, "data", true, "The data string is \"" + std::string(data) + "\".");
  if (!answer.proof) {
    step(report, "proof", false,
         "The timestamp has no proof yet: its interval had not been closed when this answer was "
         "made. Fetch the timestamp again to get the proof.");
    return report;
  }

  const auto ts_clock = parse_clock(answer.timestamp);
  const Hash recomputed = ts_hash(data, answer.timestamp);
  if (!ts_clock || recomputed != answer.hash) {
    step(report, "ts-hash", false,
         "The data and timestamp do not give the proof's ts hash: either the file or text differs "
         "from what was stamped, or the proof's timestamp or hash was altered.");
    return report;
  }
  step(report, "ts-hash", true,
       "The data stamped at " + answer.timestamp + " has ts hash " + short_hex(answer.hash) + ".");

  const TsProof& proof = *answer.proof;
  const IntervalRecord& record = proof.head.interval;
  const ProofError path_result = verify_path(answer.hash, proof.a, proof.path, record.ith);
  if (path_result != ProofError::kOk) {
    step(report, "interval-path", false,
         "The ts hash is not in the interval tree with root ith " + short_hex(record.ith) + " (" +
             describe(path_result) + "). The proof's a, path or ith was altered.");
    return report;
  }
  // The interval closed after every ts in it; a later ts cannot belong to it.
  const auto closed = parse_clock(record.timestamp);
  if (closed && *closed < *ts_clock) {
    step(report, "interval-path", false,
         "The timestamp " + answer.timestamp + " is later than the close of its interval (" +
             record.timestamp + "), which the service never does: the proof was altered.");
    return report;
  }
  if (answer.interval && *answer.interval != record.index) {
    step(report, "interval-path", false,
         "The answer names interval " + std::to_string(*answer.interval) +
             " but the proof is for interval " + std::to_string(record.index) + ".");
    return report;
  }
  step(report, "interval-path", true,
       "The ts hash is in interval " + std::to_string(record.index) + "'s tree, root ith " +
           short_hex(record.ith) + ".");

  check_head_steps(report, proof.head, keys);
  return report;
}

CheckReport check_head(const SignedHead& head, std::span<const PublicKey> keys) {
  CheckReport report;
  check_head_steps(report, head, keys);
  return report;
}

}  // namespace ink::core
