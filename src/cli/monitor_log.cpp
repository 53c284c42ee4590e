#include "cli/monitor_log.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "cli/proof_io.h"
#include "core/check.h"
#include "core/clock.h"
#include "core/decode.h"
#include "core/encoding.h"
#include "core/json_write.h"
#include "core/parse.h"
#include "core/record_hash.h"
#include "core/verify.h"

namespace ink::cli {

using core::ErrorCode;
using core::Json;
using core::make_error;
namespace fs = std::filesystem;

namespace {

constexpr size_t kRecordBytes = 32 + 32 + 64 + 8;
constexpr const char* kStateFile = "state.json";
constexpr const char* kHeadsFile = "heads.bin";

std::string now_clock() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return core::format_clock(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

void encode_record(const HeadRecord& r, uint8_t* out) {
  std::memcpy(out, r.ihash.data(), 32);
  std::memcpy(out + 32, r.mth.data(), 32);
  std::memcpy(out + 64, r.signature.data(), 64);
  std::memcpy(out + 128, r.key.data(), 8);
}

HeadRecord decode_record(const uint8_t* in) {
  HeadRecord r;
  std::memcpy(r.ihash.data(), in, 32);
  std::memcpy(r.mth.data(), in + 32, 32);
  std::memcpy(r.signature.data(), in + 64, 64);
  std::memcpy(r.key.data(), in + 128, 8);
  return r;
}

core::Error corrupt(const fs::path& dir, const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument,
                    "monitor state in " + dir.string() + " is damaged: " + what +
                        " (move it away to start afresh, but keep it: it may be evidence)");
}

}  // namespace

core::Result<MonitorLog> MonitorLog::open(const fs::path& dir) {
  MonitorLog log;
  log.dir_ = dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot create state directory " + dir.string() + ": " + ec.message());
  }
  uint64_t size = 0;
  const fs::path state_path = dir / kStateFile;
  if (fs::exists(state_path)) {
    auto text = read_text_file(state_path);
    if (!text) return text.error();
    auto j = core::decode_json_strict(*text);
    if (!j || !j->is_object()) return corrupt(dir, "state.json is not a JSON object");
    try {
      if (j->at("format") != "unchanging.ink/monitor" || j->at("version") != 1)
        return corrupt(dir, "state.json has an unknown format");
      log.server_ = j->at("server").get<std::string>();
      log.authority_ = j->at("authority").get<std::string>();
      log.last_timestamp_ = j->at("last_timestamp").get<std::string>();
      size = j->at("size").get<uint64_t>();
      auto keys = core::keys_from_json(j->at("keys"));
      if (!keys) return corrupt(dir, "state.json keys: " + keys.error().message);
      log.keys_ = std::move(*keys);
    } catch (const std::exception& e) {
      return corrupt(dir, std::string("state.json: ") + e.what());
    }
  }

  const fs::path heads_path = dir / kHeadsFile;
  if (size > 0) {
    auto bytes = read_text_file(heads_path);
    if (!bytes) return bytes.error();
    if (bytes->size() / kRecordBytes < size)
      return corrupt(dir, "heads.bin holds fewer heads than state.json says");
    core::Hasher hasher;
    log.records_.reserve(size);
    for (uint64_t i = 0; i < size; ++i) {
      log.records_.push_back(
          decode_record(reinterpret_cast<const uint8_t*>(bytes->data()) + i * kRecordBytes));
      log.range_.append(log.records_.back().ihash, hasher);
    }
    if (log.range_.root(hasher) != log.records_.back().mth)
      return corrupt(dir, "the stored ihash leaves do not give the stored last mth");
  }
  // Records beyond the confirmed size were never checked into state.json.
  if (fs::exists(heads_path)) {
    fs::resize_file(heads_path, size * kRecordBytes, ec);
    if (ec) return make_error(ErrorCode::kInvalidArgument, "cannot trim " + heads_path.string());
  }
  log.heads_file_.reset(std::fopen(heads_path.c_str(), "ab"));
  if (!log.heads_file_) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot open " + heads_path.string() + ": " + std::strerror(errno));
  }
  return log;
}

void MonitorLog::pin(std::string server, std::string authority, std::vector<core::PublicKey> keys) {
  server_ = std::move(server);
  authority_ = std::move(authority);
  keys_ = std::move(keys);
}

Json MonitorLog::record_json(uint64_t index) const {
  const HeadRecord& r = records_.at(index);
  return Json{{"index", index},
              {"ihash", core::to_base64(r.ihash)},
              {"mth", core::to_base64(r.mth)},
              {"signature", core::to_base64(r.signature)},
              {"key", core::to_hex(r.key)}};
}

std::optional<Finding> MonitorLog::append(const core::SignedHead& head, const Json& raw) {
  const uint64_t i = size();
  auto finding = [&](std::string kind, std::string message, Json computed = nullptr) {
    Json evidence{{"index", i}, {"received", raw}};
    if (i > 0) evidence["previous"] = record_json(i - 1);
    if (!computed.is_null()) evidence["computed"] = std::move(computed);
    return Finding{std::move(kind), std::move(message), std::move(evidence)};
  };
  if (head.interval.index != i) {
    return finding("wrong-index", "Asked for head " + std::to_string(i) +
                                      ", the server sent head " +
                                      std::to_string(head.interval.index) + ".");
  }
  if (!authority_.empty() && head.authority != authority_) {
    return finding("wrong-authority", "Head " + std::to_string(i) + " is for authority \"" +
                                          head.authority + "\", this log is \"" + authority_ +
                                          "\".");
  }
  const bool known_key = std::any_of(keys_.begin(), keys_.end(), [&](const core::PublicKey& k) {
    return core::key_id(k) == head.key;
  });
  if (!known_key) {
    return finding("unknown-key", "Head " + std::to_string(i) + " is signed with key " + head.key +
                                      ", which is not one of the pinned keys.");
  }
  core::CheckReport report = core::check_head(head, keys_);
  if (const core::CheckStep* failed = report.first_failure()) {
    return finding(failed->name == "signature" ? "bad-signature" : "bad-inclusion",
                   "Head " + std::to_string(i) + ": " + failed->message);
  }

  core::Hasher hasher;
  const core::Hash leaf = core::ihash(head.interval);
  core::CompactRange extended = range_;
  extended.append(leaf, hasher);
  const core::Hash root = extended.root(hasher);
  if (root != head.mth) {
    return finding(
        "fork",
        "Head " + std::to_string(i) + "'s mth is not the root of the " + std::to_string(i + 1) +
            " ihash leaves this monitor has seen: the server's tree is not the "
            "append-only extension of the heads it published before.",
        Json{{"root_of_seen_leaves", core::to_base64(root)}, {"ihash", core::to_base64(leaf)}});
  }
  if (i > 0) {
    const auto& c = head.consistency;
    core::ProofError result = core::ProofError::kWrongPathLength;
    if (c && c->old_interval == i - 1 && c->new_interval == i)
      result = core::verify_consistency(i, i + 1, records_[i - 1].mth, head.mth, c->nodes);
    if (result != core::ProofError::kOk) {
      return finding("bad-consistency",
                     "Head " + std::to_string(i) + "'s consistency proof with head " +
                         std::to_string(i - 1) + " does not check out (" +
                         (c ? core::describe(result) : std::string("missing")) + ").");
    }
  }
  auto closed = core::parse_clock(head.interval.timestamp);
  auto before = core::parse_clock(last_timestamp_);
  if (closed && before && *closed <= *before) {
    return finding("clock", "Interval " + std::to_string(i) + " closed at " +
                                head.interval.timestamp + ", not after interval " +
                                std::to_string(i - 1) + " (" + last_timestamp_ + ").");
  }

  HeadRecord record;
  record.ihash = leaf;
  record.mth = head.mth;
  record.signature = head.signature;
  auto key_bytes = core::from_hex(head.key);
  if (key_bytes && key_bytes->size() == 8)
    std::copy(key_bytes->begin(), key_bytes->end(), record.key.begin());
  uint8_t buffer[kRecordBytes];
  encode_record(record, buffer);
  std::fwrite(buffer, 1, kRecordBytes, heads_file_.get());
  records_.push_back(record);
  range_ = std::move(extended);
  last_timestamp_ = head.interval.timestamp;
  if (authority_.empty()) authority_ = head.authority;
  return std::nullopt;
}

std::optional<Finding> MonitorLog::compare(const core::SignedHead& head, const Json& raw) const {
  const uint64_t i = head.interval.index;
  if (i >= size()) return std::nullopt;
  const HeadRecord& seen = records_[i];
  const core::Hash leaf = core::ihash(head.interval);
  if (leaf == seen.ihash && head.mth == seen.mth && head.authority == authority_)
    return std::nullopt;
  // If the new version is signed by a pinned key too, the server has signed
  // two different heads for one interval: proof of a fork anyone can check.
  const bool signed_too = core::check_head(head, keys_).passed();
  Json evidence{{"index", i},
                {"seen", record_json(i)},
                {"seen_authority", authority_},
                {"received", raw},
                {"received_is_validly_signed", signed_too}};
  std::string what = head.mth != seen.mth ? "mth"
                     : leaf != seen.ihash ? "interval record"
                                          : "authority";
  return Finding{"changed-head",
                 "The server now shows head " + std::to_string(i) + " with a different " + what +
                     " than it published before" +
                     (signed_too ? ", and signed both: the log was forked." : "."),
                 std::move(evidence)};
}

Finding MonitorLog::malformed(const std::string& where, const std::string& problem,
                              const std::string& received) const {
  return Finding{"malformed-head", where + " is not a valid head: " + problem,
                 Json{{"source", where}, {"problem", problem}, {"received_text", received}}};
}

core::Status MonitorLog::flush() {
  if (std::fflush(heads_file_.get()) != 0 || ::fsync(::fileno(heads_file_.get())) != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot write " + (dir_ / kHeadsFile).string() + ": " + std::strerror(errno));
  }
  Json state{{"format", "unchanging.ink/monitor"},
             {"version", 1},
             {"server", server_},
             {"authority", authority_},
             {"keys", core::to_wire_json(core::keys_json(keys_))},
             {"size", size()},
             {"last_timestamp", last_timestamp_}};
  if (size() > 0) state["last_mth"] = core::to_base64(records_.back().mth);
  return write_file_atomically(dir_ / kStateFile, state.dump(2) + "\n");
}

core::Result<fs::path> MonitorLog::save_evidence(const Finding& finding) const {
  std::string stamp = now_clock();
  Json doc{{"format", "unchanging.ink/monitor-evidence"},
           {"version", 1},
           {"kind", finding.kind},
           {"message", finding.message},
           {"detected_at", stamp},
           {"server", server_},
           {"authority", authority_},
           {"pinned_keys", core::to_wire_json(core::keys_json(keys_))},
           {"heads_seen", size()},
           {"evidence", finding.evidence}};
  std::string compact;
  for (char ch : stamp)
    if (ch != '-' && ch != ':' && ch != '.') compact += ch;
  fs::path path = dir_ / ("evidence-" + compact + "-" + finding.kind + ".json");
  for (int n = 2; fs::exists(path); ++n)
    path = dir_ / ("evidence-" + compact + "-" + finding.kind + "-" + std::to_string(n) + ".json");
  auto written = write_file_atomically(path, doc.dump(2) + "\n");
  if (!written) return written.error();
  return path;
}

}  // namespace ink::cli
