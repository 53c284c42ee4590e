#include "worker/worker_support.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <random>

#include "core/check.h"
#include "core/clock.h"
#include "core/compact_range.h"
#include "core/encoding.h"
#include "core/interval_tree.h"
#include "core/node_reader.h"
#include "core/parse.h"
#include "core/proof_plan.h"
#include "core/protocol.h"
#include "core/record_hash.h"
#include "core/sign.h"
#include "core/verify.h"
#include "store/node_reader.h"
#include "store/schema.h"

namespace ink::test {
namespace {

using store::sync::Params;
using store::sync::PgConnection;

// tests/CMakeLists.txt passes the ctest ENVIRONMENT list so that only its
// first entry (INK_TEST_ENV) reaches the test; fill in the others from it
// and from the build, unless they are set.
const bool kEnvironmentFilled = [] {
  const char* env_file = std::getenv("INK_TEST_ENV");
  if (env_file && !std::getenv("INK_TESTENV_DIR")) {
    std::string dir = env_file;
    setenv("INK_TESTENV_DIR", dir.substr(0, dir.rfind('/')).c_str(), 0);
  }
  setenv("INK_SOURCE_DIR", INK_TEST_SOURCE_DIR, 0);
  setenv("INK_BIN_DIR", INK_TEST_BIN_DIR, 0);
  return true;
}();

std::mt19937_64& rng() {
  static std::mt19937_64 r(std::random_device{}());
  return r;
}

std::string random_uuid() {
  uint8_t b[16];
  for (auto& x : b) x = static_cast<uint8_t>(rng()());
  b[6] = (b[6] & 0x0f) | 0x70;  // version 7 shape
  b[8] = (b[8] & 0x3f) | 0x80;
  std::string hex = core::to_hex({b, 16});
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

struct Interval {
  uint64_t idx;
  int64_t ts_us;
  int64_t ts_count;
  core::Hash ith, ihash, mth;
  uint64_t a;
  std::vector<core::Hash> inclusion;
  std::optional<std::vector<core::Hash>> consistency;
  core::Signature signature;
  std::string key_id;
  bool announced;
};

std::vector<Interval> load_intervals(PgConnection& c) {
  auto r = c.exec(
      "SELECT idx, ts_us, ts_count, ith, ihash, mth, inclusion_a, inclusion_nodes, "
      "consistency_nodes, signature, key_id, announced FROM interval ORDER BY idx",
      Params{}, true);
  std::vector<Interval> out;
  for (int i = 0; i < r.rows(); ++i) {
    Interval v;
    v.idx = r.binary_int64(i, 0);
    v.ts_us = r.binary_int64(i, 1);
    v.ts_count = r.binary_int64(i, 2);
    v.ith = r.binary_hash(i, 3);
    v.ihash = r.binary_hash(i, 4);
    v.mth = r.binary_hash(i, 5);
    v.a = r.binary_int64(i, 6);
    v.inclusion = store::sync::split_hashes(r.raw(i, 7));
    if (!r.is_null(i, 8)) v.consistency = store::sync::split_hashes(r.raw(i, 8));
    std::memcpy(v.signature.data(), r.raw(i, 9).data(), 64);
    v.key_id.assign(reinterpret_cast<const char*>(r.raw(i, 10).data()), r.raw(i, 10).size());
    v.announced = r.raw(i, 11)[0] != 0;
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

std::string migrated_database(const std::string& prefix) {
  std::string db = fresh_database(prefix);
  auto c = PgConnection::connect(db, "ink-test-setup");
  store::migrate(c.get());
  return db;
}

void insert_ts(const std::string& db_url, int count, int batch, int duplicate_every) {
  auto c = PgConnection::connect(db_url, "ink-test-insert");
  core::Hash previous{};
  int made = 0;
  while (made < count) {
    int n = std::min(batch, count - made);
    std::string ids = "{", hashes = "{", tags = "{";
    for (int i = 0; i < n; ++i, ++made) {
      core::Hash h;
      if (duplicate_every > 0 && made > 0 && made % duplicate_every == 0) {
        h = previous;
      } else {
        for (auto& x : h) x = static_cast<uint8_t>(rng()());
      }
      previous = h;
      if (i) {
        ids += ',';
        hashes += ',';
        tags += ',';
      }
      ids += random_uuid();
      hashes += "\"\\\\x" + core::to_hex(h) + "\"";
      tags += (i % 3 == 0) ? "\"tag\"" : "NULL";
    }
    Params p;
    p.text(ids + "}").text(hashes + "}").text(tags + "}");
    c.exec("SELECT count(*) FROM ink_insert_ts($1::uuid[], $2::bytea[], $3::text[])", p);
  }
}

WorkerRun worker_run(const std::string& db_url, const std::string& name) {
  WorkerRun run;
  run.db_url = db_url;
  std::string dir =
      env_value("INK_TESTENV_DIR") + "/worker-" + name + "-" + std::to_string(getpid());
  run.key_path = dir + "/key.pem";
  run.log_path = dir + ".log";
  return run;
}

std::unique_ptr<Process> start_worker(const WorkerRun& run) {
  std::vector<std::string> argv = {
      bin_dir() + "/ink-worker",    "--database-url", run.db_url,  "--redis-url",
      env_value("REDIS_URL"),       "--authority",    kAuthority,  "--interval",
      std::to_string(run.interval), "--key",          run.key_path};
  argv.insert(argv.end(), run.extra_args.begin(), run.extra_args.end());
  return std::make_unique<Process>(argv, run.env, run.log_path);
}

int64_t count(const std::string& db_url, const std::string& sql) {
  return std::stoll(query_value(db_url, sql));
}

bool all_sequenced_and_announced(const std::string& db_url) {
  return count(db_url,
               "SELECT (SELECT count(*) FROM ts t WHERE NOT EXISTS "
               "(SELECT 1 FROM ts_leaf l WHERE l.id = t.id)) + "
               "(SELECT count(*) FROM interval WHERE NOT announced)") == 0;
}

bool wait_sequenced(const std::string& db_url, int64_t min_intervals, int timeout_ms) {
  return wait_until(
      [&] {
        try {
          return count(db_url, "SELECT count(*) FROM interval") >= min_intervals &&
                 all_sequenced_and_announced(db_url);
        } catch (const std::exception&) {
          return false;  // schema not there yet
        }
      },
      std::chrono::milliseconds(timeout_ms));
}

void verify_database(const std::string& db_url, bool retained) {
  auto c = PgConnection::connect(db_url, "ink-test-verify");
  auto intervals = load_intervals(c);
  ASSERT_FALSE(intervals.empty());

  std::map<std::string, core::PublicKey> keys;
  auto kr = c.exec("SELECT key_id, public_key FROM signing_key", Params{}, true);
  for (int i = 0; i < kr.rows(); ++i) {
    core::PublicKey pk;
    ASSERT_EQ(kr.raw(i, 1).size(), 32u);
    std::memcpy(pk.data(), kr.raw(i, 1).data(), 32);
    std::string id(reinterpret_cast<const char*>(kr.raw(i, 0).data()), kr.raw(i, 0).size());
    EXPECT_EQ(core::key_id(pk), id);
    keys[id] = pk;
  }

  // Heads: chain, ihash, mth over all ihashes, stored proofs, signatures.
  std::vector<core::Hash> ihashes;
  for (size_t i = 0; i < intervals.size(); ++i) {
    const Interval& v = intervals[i];
    ASSERT_EQ(v.idx, i) << "intervals must be numbered 0, 1, 2, ... without gaps";
    if (i > 0) {
      EXPECT_GT(v.ts_us, intervals[i - 1].ts_us) << "clock readings must strictly increase";
    }
    EXPECT_EQ(v.ihash, core::ihash({v.idx, core::format_clock(v.ts_us), v.ith}));
    ihashes.push_back(v.ihash);
    EXPECT_EQ(v.mth, core::merkle_root(ihashes)) << "mth_" << i;
    EXPECT_EQ(core::verify_inclusion_with_a(v.ihash, i, i + 1, v.a, v.inclusion, v.mth),
              core::ProofError::kOk)
        << "inclusion of interval " << i;
    if (i == 0) {
      EXPECT_FALSE(v.consistency.has_value());
    } else {
      ASSERT_TRUE(v.consistency.has_value());
      EXPECT_EQ(core::verify_consistency(i, i + 1, intervals[i - 1].mth, v.mth, *v.consistency),
                core::ProofError::kOk)
          << "consistency " << i - 1 << " -> " << i;
    }
    ASSERT_TRUE(keys.count(v.key_id)) << "unknown key " << v.key_id;
    EXPECT_TRUE(core::verify_signature(keys[v.key_id], core::head_statement(kAuthority, i, v.mth),
                                       v.signature))
        << "signature of head " << i;
  }

  // Main-tree proofs between many pairs, read from mth_node.
  store::PgNodeReader reader(c);
  std::mt19937 pick(42);
  size_t n = intervals.size();
  for (int k = 0; k < 80; ++k) {
    size_t y = pick() % n;
    size_t x = pick() % (y + 1);
    if (k == 0) x = 0, y = n - 1;
    auto consistency = core::read_consistency_proof(reader, x + 1, y + 1);
    ASSERT_TRUE(consistency.ok()) << consistency.error().message;
    EXPECT_EQ(
        core::verify_consistency(x + 1, y + 1, intervals[x].mth, intervals[y].mth, *consistency),
        core::ProofError::kOk)
        << "heads " << x << " and " << y << " must be consistent";
    auto inclusion = core::read_inclusion_proof(reader, x, y + 1);
    ASSERT_TRUE(inclusion.ok()) << inclusion.error().message;
    EXPECT_EQ(core::verify_inclusion(ihashes[x], x, y + 1, *inclusion, intervals[y].mth),
              core::ProofError::kOk)
        << "interval " << x << " in mth_" << y;
  }

  if (!retained) return;

  // Every ts exactly once, in the interval its clock reading says.
  EXPECT_EQ(count(db_url,
                  "SELECT count(*) FROM ts_leaf l WHERE NOT EXISTS "
                  "(SELECT 1 FROM ts t WHERE t.id = l.id)"),
            0)
      << "ts_leaf rows without ts";
  auto tr = c.exec(
      "SELECT t.id::text, t.ts_us, t.hash, l.idx, l.leaf FROM ts t LEFT JOIN ts_leaf l USING (id) "
      "ORDER BY l.idx, l.leaf",
      Params{}, false);
  struct Leaf {
    std::string id;
    int64_t ts_us;
    core::Hash hash;
    int64_t leaf;
  };
  std::map<int64_t, std::vector<Leaf>> by_interval;
  int64_t total = 0;
  for (int i = 0; i < tr.rows(); ++i) {
    ASSERT_FALSE(tr.is_null(i, 3)) << "ts " << tr.text(i, 0) << " was never sequenced";
    auto hash = core::hash_from_hex(tr.text(i, 2).substr(2));
    ASSERT_TRUE(hash.ok());
    by_interval[tr.int64(i, 3)].push_back({tr.text(i, 0), tr.int64(i, 1), *hash, tr.int64(i, 4)});
    ++total;
  }
  int64_t counted = 0;
  for (const auto& v : intervals) counted += v.ts_count;
  EXPECT_EQ(counted, total) << "sum of interval ts counts must equal the ts count";

  for (const auto& v : intervals) {
    auto& leaves = by_interval[static_cast<int64_t>(v.idx)];
    ASSERT_EQ(static_cast<int64_t>(leaves.size()), v.ts_count) << "interval " << v.idx;
    int64_t lower = v.idx == 0 ? std::numeric_limits<int64_t>::min() : intervals[v.idx - 1].ts_us;
    std::vector<core::Hash> hashes;
    for (size_t j = 0; j < leaves.size(); ++j) {
      const Leaf& l = leaves[j];
      EXPECT_EQ(l.leaf, static_cast<int64_t>(j)) << "leaf positions 0..n-1 exactly once";
      EXPECT_GT(l.ts_us, lower);
      EXPECT_LE(l.ts_us, v.ts_us) << "ts in the interval its clock reading belongs to";
      if (j > 0) {
        const Leaf& p = leaves[j - 1];
        bool ordered = p.ts_us < l.ts_us || (p.ts_us == l.ts_us && p.hash <= l.hash);
        EXPECT_TRUE(ordered) << "protocol order: timestamp, then hash";
      }
      hashes.push_back(l.hash);
    }
    core::IntervalTree expected(hashes);
    EXPECT_EQ(v.ith, expected.root()) << "ith of interval " << v.idx;
    auto lr =
        c.exec("SELECT level, nodes FROM interval_level WHERE idx = " + std::to_string(v.idx) +
                   " ORDER BY level",
               Params{}, true);
    std::vector<std::vector<core::Hash>> levels;
    for (int i = 0; i < lr.rows(); ++i) levels.push_back(store::sync::split_hashes(lr.raw(i, 1)));
    ASSERT_EQ(levels, expected.levels()) << "interval_level rows of interval " << v.idx;
    // Each ts's (a, path) as the backend serves it: siblings level by level.
    for (size_t j = 0; j < leaves.size(); ++j) {
      uint64_t a = 0;
      std::vector<core::Hash> path;
      uint64_t pos = j;
      for (size_t level = 0; level < levels.size() && levels[level].size() > 1; ++level) {
        uint64_t sibling = pos ^ 1;
        if (sibling < levels[level].size()) {
          if (pos & 1) a |= uint64_t{1} << path.size();
          path.push_back(levels[level][sibling]);
        }
        pos >>= 1;
      }
      ASSERT_EQ(core::verify_path(leaves[j].hash, a, path, v.ith), core::ProofError::kOk)
          << "path of ts " << leaves[j].id << " in interval " << v.idx;
    }
  }
}

void verify_recent_mth(const std::string& db_url) {
  auto addr = env_value("REDIS_URL");
  int port = std::stoi(addr.substr(addr.rfind(':') + 1));
  redisContext* ctx = redisConnect("127.0.0.1", port);
  ASSERT_TRUE(ctx && !ctx->err);
  auto* reply = static_cast<redisReply*>(redisCommand(ctx, "GET recent-mth"));
  ASSERT_TRUE(reply && reply->type == REDIS_REPLY_STRING) << "recent-mth must be set";
  auto recent = core::Json::parse(std::string(reply->str, reply->len));
  freeReplyObject(reply);
  redisFree(ctx);
  ASSERT_TRUE(recent.is_array());
  int64_t newest = count(db_url, "SELECT max(idx) FROM interval WHERE announced");
  int64_t expected_size = std::min<int64_t>(10, newest + 1);
  ASSERT_EQ(static_cast<int64_t>(recent.size()), expected_size);
  auto c = PgConnection::connect(db_url, "ink-test-verify");
  auto kr = c.exec("SELECT public_key FROM signing_key", Params{}, true);
  std::vector<core::PublicKey> keys;
  for (int i = 0; i < kr.rows(); ++i) {
    core::PublicKey pk;
    std::memcpy(pk.data(), kr.raw(i, 0).data(), 32);
    keys.push_back(pk);
  }
  for (size_t i = 0; i < recent.size(); ++i) {
    auto head = core::head_from_json(recent[i]);
    ASSERT_TRUE(head.ok()) << head.error().message;
    EXPECT_EQ(static_cast<int64_t>(head->interval.index),
              newest - expected_size + 1 + static_cast<int64_t>(i))
        << "recent-mth: newest heads, oldest first";
    auto report = core::check_head(*head, keys);
    EXPECT_TRUE(report.passed()) << (report.first_failure() ? report.first_failure()->message : "");
    std::string mth_hex =
        query_value(db_url, "SELECT encode(mth, 'hex') FROM interval WHERE idx = " +
                                std::to_string(head->interval.index));
    EXPECT_EQ(core::to_hex(head->mth), mth_hex);
  }
}

AuditRun run_audit(const std::string& db_url, const std::vector<std::string>& extra_args) {
  static std::atomic<int> runs{0};
  std::string log = env_value("INK_TESTENV_DIR") + "/audit-" + std::to_string(getpid()) + "-" +
                    std::to_string(runs++) + ".log";
  std::vector<std::string> argv = {
      bin_dir() + "/ink-worker", "--audit", "--database-url", db_url, "--authority", kAuthority};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  Process audit(argv, {}, log);
  AuditRun run;
  run.status = audit.wait();
  run.output = read_file(log);
  return run;
}

bool log_contains(const std::string& path, const std::string& text) {
  return read_file(path).find(text) != std::string::npos;
}

std::string lease_holder(const std::string& db_url) {
  return query_value(db_url, "SELECT holder FROM worker_lease");
}

bool lease_held_by(const std::string& db_url, pid_t pid) {
  std::string holder = lease_holder(db_url);
  std::string suffix = ":" + std::to_string(pid);
  return holder.size() > suffix.size() &&
         holder.compare(holder.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace ink::test
