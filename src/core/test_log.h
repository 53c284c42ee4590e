#pragma once
// For unit tests: a small log built with the core, as the
// worker would build it (interval trees, main tree, signed heads, proofs).

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/compact_range.h"
#include "core/interval_tree.h"
#include "core/json_write.h"
#include "core/node_reader.h"
#include "core/proof_file.h"
#include "core/proof_plan.h"
#include "core/protocol.h"
#include "core/record_hash.h"
#include "core/sign.h"

namespace ink::core::testing {

class TestLog {
 public:
  explicit TestLog(std::string authority = "test.ink:8080")
      : TestLog(std::move(authority), core::SigningKey::generate().value()) {}
  // A log signed with a given key: with another log's authority and key, its
  // heads are validly signed but need not be consistent with that log's.
  TestLog(std::string authority, core::SigningKey key)
      : authority_(std::move(authority)), key_(std::move(key)) {}

  const core::SigningKey& key() const { return key_; }
  const std::string& authority() const { return authority_; }
  const std::vector<core::SignedHead>& heads() const { return heads_; }
  uint64_t size() const { return heads_.size(); }

  std::string next_clock() {
    clock_ += 1234567;  // a little over a second
    return core::format_clock(clock_);
  }

  // Closes one interval holding ts_hashes (sorted here, as the protocol orders them).
  core::SignedHead add_interval(std::vector<core::Hash> ts_hashes) {
    std::sort(ts_hashes.begin(), ts_hashes.end());
    last_tree_ = std::make_unique<core::IntervalTree>(ts_hashes);
    last_leaves_ = ts_hashes;
    const uint64_t i = heads_.size();
    core::IntervalRecord record{i, next_clock(), last_tree_->root()};
    for (const auto& n : range_.append(core::ihash(record), hasher_)) nodes_.put(n.id, n.hash);
    core::SignedHead head;
    head.authority = authority_;
    head.interval = record;
    head.mth = range_.root(hasher_);
    head.inclusion = core::InclusionProof{i, i, core::inclusion_a(i, i + 1),
                                          core::read_inclusion_proof(nodes_, i, i + 1).value()};
    if (i > 0) {
      head.consistency =
          core::ConsistencyProof{i - 1, i, core::read_consistency_proof(nodes_, i, i + 1).value()};
    }
    head.key = key_.key_id();
    head.signature = key_.sign(core::head_statement(authority_, i, head.mth));
    heads_.push_back(head);
    return head;
  }

  // Stamps data in a new interval among a few other timestamps; returns the answer.
  core::TsAnswer stamp(const std::string& data, int others = 4) {
    const std::string t = next_clock();
    const core::Hash h = core::ts_hash(data, t);
    std::vector<core::Hash> leaves{h};
    for (int k = 0; k < others; ++k)
      leaves.push_back(core::ts_hash("other " + std::to_string(k), t));
    core::SignedHead head = add_interval(leaves);
    const uint64_t leaf =
        std::find(last_leaves_.begin(), last_leaves_.end(), h) - last_leaves_.begin();
    core::IntervalTree::Path path = last_tree_->path(leaf);
    core::TsAnswer answer;
    answer.hash = h;
    answer.timestamp = t;
    answer.id = "0190a0b0-c0d0-7e0f-8000-000000000001";
    answer.interval = head.interval.index;
    answer.proof = core::TsProof{path.a, path.path, head};
    return answer;
  }

  core::ProofFile proof_file(const std::string& data, std::vector<std::string> files) {
    core::ProofFile p;
    p.authority = authority_;
    p.data = data;
    p.files = std::move(files);
    p.timestamp = stamp(data);
    return p;
  }

  // A consistency proof from interval `from` to interval `to` of this log, as
  // GET /api/v1/mth/<to>/from/<from> answers it.
  core::ConsistencyProof consistency(uint64_t from, uint64_t to) {
    return core::ConsistencyProof{from, to,
                                  core::read_consistency_proof(nodes_, from + 1, to + 1).value()};
  }

  // A validly signed fork of this log: same authority and key, the first
  // `shared` intervals (and their heads) this log's. Every interval added to
  // the fork afterwards closes at a time none of this log's intervals has
  // (its clock starts 1 µs after this log's and moves by the same step), so
  // from interval `shared` on the fork's heads differ from this log's,
  // including a head for an interval size this log also has.
  TestLog fork(uint64_t shared) const { return TestLog(*this, shared); }

  core::Json head_json(uint64_t i) const { return core::to_wire_json(core::to_json(heads_.at(i))); }

 private:
  TestLog(const TestLog& original, uint64_t shared)
      : authority_(original.authority_), key_(original.key_) {
    for (uint64_t i = 0; i < shared; ++i) {
      const core::SignedHead& head = original.heads_.at(i);
      for (const auto& n : range_.append(core::ihash(head.interval), hasher_))
        nodes_.put(n.id, n.hash);
      heads_.push_back(head);
    }
    clock_ = original.clock_ + 1;
  }

  std::string authority_;
  core::SigningKey key_;
  core::Hasher hasher_;
  core::InMemoryNodeStore nodes_;
  core::CompactRange range_;
  std::vector<core::SignedHead> heads_;
  std::unique_ptr<core::IntervalTree> last_tree_;
  std::vector<core::Hash> last_leaves_;
  core::UnixMicros clock_ = 1700000000000000;
};

}  // namespace ink::core::testing
