#pragma once
// What `ink monitor` knows about a log, kept in its state directory:
//
//   state.json  {"format": "unchanging.ink/monitor", "version": 1, "server",
//                "authority", "keys": [pinned keys], "size", "last_timestamp"}
//   heads.bin   one 136-byte record per head seen, in index order:
//               ihash (32) | mth (32) | signature (64) | key id (8)
//   evidence-*.json  written when the log misbehaves
//
// Every head is checked against everything seen before it: its own
// inclusion and signature (pinned keys), the root recomputed from all ihash
// leaves, the server's consistency proof, and closing times that only grow.
// A head at an index seen before must be the very same head. Records are
// appended as heads arrive; state.json (written atomically by flush) says
// how many of them are confirmed, so a crash between the two loses nothing
// but the unconfirmed tail. Not thread safe.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/compact_range.h"
#include "core/hash.h"
#include "core/protocol.h"
#include "core/result.h"
#include "core/sign.h"

namespace ink::cli {

struct HeadRecord {
  core::Hash ihash{};
  core::Hash mth{};
  core::Signature signature{};
  std::array<uint8_t, 8> key{};
};

// Evidence of misbehaviour. kind: "bad-signature", "unknown-key",
// "bad-inclusion", "wrong-authority", "wrong-index", "fork" (mth is not the
// root of the leaves seen), "bad-consistency", "clock", "changed-head",
// "rollback", "malformed-head".
struct Finding {
  std::string kind;
  std::string message;
  core::Json evidence;  // what was received and what the monitor had
};

class MonitorLog {
 public:
  // Opens the state in dir, creating dir if needed (empty state). Errors
  // (kInvalidArgument): unreadable or inconsistent files, e.g. the stored
  // records do not give the stored size or do not hash to the last mth.
  static core::Result<MonitorLog> open(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }
  bool pinned() const { return !keys_.empty(); }
  const std::vector<core::PublicKey>& keys() const { return keys_; }
  const std::string& server() const { return server_; }
  const std::string& authority() const { return authority_; }  // "" until the first head

  // Pins the server and the keys on first use; authority may be "" (taken
  // from the first head).
  void pin(std::string server, std::string authority, std::vector<core::PublicKey> keys);
  // Trusts one more key from now on (a key reached by a checked key
  // transition, docs/keys.md); kept by the next flush().
  void add_key(const core::PublicKey& key) {
    if (std::find(keys_.begin(), keys_.end(), key) == keys_.end()) keys_.push_back(key);
  }

  uint64_t size() const { return records_.size(); }  // heads 0..size-1 are known
  const HeadRecord& record(uint64_t index) const { return records_.at(index); }

  // Checks head number size() (the caller fetches in order) and appends it.
  // Returns a Finding, without appending, when anything is wrong.
  std::optional<Finding> append(const core::SignedHead& head, const core::Json& raw);

  // A head at an index already known must be identical to what was seen.
  std::optional<Finding> compare(const core::SignedHead& head, const core::Json& raw) const;

  // Evidence for a head document that does not even parse.
  Finding malformed(const std::string& where, const std::string& problem,
                    const std::string& received) const;

  // Makes the appended records durable and writes state.json.
  core::Status flush();

  // Writes DIR/evidence-<UTC time>-<kind>.json; returns its path.
  core::Result<std::filesystem::path> save_evidence(const Finding& finding) const;

  MonitorLog(MonitorLog&&) = default;
  MonitorLog& operator=(MonitorLog&&) = default;

 private:
  MonitorLog() = default;
  core::Json record_json(uint64_t index) const;

  std::filesystem::path dir_;
  std::string server_;
  std::string authority_;
  std::vector<core::PublicKey> keys_;
  std::vector<HeadRecord> records_;
  std::string last_timestamp_;
  core::CompactRange range_;
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, FileCloser> heads_file_;
};

}  // namespace ink::cli
