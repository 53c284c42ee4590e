#include "cli/proof_check.h"

#include "cli/proof_io.h"
#include "core/compact_string.h"
#include "core/proof_file.h"
#include "core/verify.h"

namespace ink::cli {

namespace {

void add(core::CheckReport& report, const char* name, bool passed, std::string message) {
  report.steps.push_back(core::CheckStep{name, passed, std::move(message)});
}

std::string head_name(const core::SignedHead& h) {
  return h.authority + "/" + std::to_string(h.interval.index);
}

}  // namespace

core::CheckReport check_proof_file(std::string_view proof_text, std::string_view data,
                                   std::string_view what, std::span<const core::PublicKey> keys,
                                   core::ProofFile* parsed) {
  core::CheckReport report;
  auto proof = parse_proof_file(proof_text);
  if (!proof) {
    add(report, "proof-file", false,
        "The proof file is damaged or incomplete: " + proof.error().message + ".");
    return report;
  }
  add(report, "proof-file", true,
      "A proof for " + head_name(proof->timestamp.proof->head) + ", stamped at " +
          proof->timestamp.timestamp + ".");
  if (proof->data != data) {
    add(report, "data", false,
        std::string(what) + " differs from what was stamped: it gives \"" + std::string(data) +
            "\", the proof is for \"" + proof->data + "\".");
    return report;
  }
  // The core's own "data" step follows; ours says where the data came from.
  add(report, "data", true, std::string(what) + " is what was stamped.");
  core::CheckReport core_report = core::check_ts_proof(proof->timestamp, data, keys);
  for (auto& step : core_report.steps) {
    if (step.name == "data" && step.passed) continue;  // said above
    report.steps.push_back(std::move(step));
  }
  if (parsed && report.passed()) *parsed = std::move(*proof);
  return report;
}

void check_against_head(core::CheckReport& report, const core::SignedHead& proof_head,
                        const core::SignedHead& current, const core::ConsistencyProof* proof,
                        std::span<const core::PublicKey> keys) {
  const uint64_t i = proof_head.interval.index;
  const uint64_t c = current.interval.index;
  if (current.authority != proof_head.authority) {
    add(report, "current-head", false,
        "The server's head is for authority \"" + current.authority + "\", the proof for \"" +
            proof_head.authority + "\": this is another service.");
    return;
  }
  core::CheckReport head_report = core::check_head(current, keys);
  if (!head_report.passed()) {
    const core::CheckStep* f = head_report.first_failure();
    add(report, "current-head", false,
        "The server's current head " + head_name(current) + " does not check out (" + f->name +
            "): " + f->message);
    return;
  }
  add(report, "current-head", true,
      "The server's current head " + head_name(current) + " is signed by key " + current.key + ".");
  if (c < i) {
    add(report, "consistency", false,
        "The server's current head is interval " + std::to_string(c) +
            ", older than the proof's interval " + std::to_string(i) +
            ": the server has rolled back its log, or the proof is from another log.");
    return;
  }
  if (c == i) {
    bool same = current.mth == proof_head.mth;
    add(report, "consistency", same,
        same ? "The server's head " + std::to_string(c) + " is the proof's head."
             : "The server now shows another mth for interval " + std::to_string(i) +
                   " than the proof: the log was forked or rewritten.");
    return;
  }
  if (!proof || proof->old_interval != i || proof->new_interval != c) {
    add(report, "consistency", false,
        "The server gave no consistency proof from interval " + std::to_string(i) + " to " +
            std::to_string(c) + ".");
    return;
  }
  const core::ProofError result =
      core::verify_consistency(i + 1, c + 1, proof_head.mth, current.mth, proof->nodes);
  if (result != core::ProofError::kOk) {
    add(report, "consistency", false,
        "The proof's head mth_" + std::to_string(i) + " is not an earlier state of the server's " +
            "current tree mth_" + std::to_string(c) + " (" + core::describe(result) +
            "): the log was forked or rewritten after this proof was made.");
    return;
  }
  add(report, "consistency", true,
      "The server's current tree mth_" + std::to_string(c) + " extends the proof's mth_" +
          std::to_string(i) + " (append-only).");
}

}  // namespace ink::cli
