// Worker benchmark: fills PostgreSQL with N pending ts, then times one
// interval from start to committed head, phase by phase (see docs/performance.md).
//
//   worker_bench --database-url postgresql://ink@127.0.0.1:PORT/ink [--sizes
//   0,10000,100000,1000000] [--audit-ts 1000000 --audit-intervals 1000]
//
// Each size runs in a fresh database created next to the given one (the
// role needs CREATEDB). Prints one line per run; the empty interval is run
// 50 times after a first interval and reported as median and 95th percentile,
// without and with the worker lease (renewal and in-transaction check), twice.
//
// With --audit-ts, it then sequences that many ts spread over
// --audit-intervals intervals (not timed) and times `ink-worker --audit`'s
// run_audit() over the whole database (twice: cold and warm cache).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>

#include "audit/audit.h"
#include "core/sign.h"
#include "store/pg.h"
#include "store/schema.h"
#include "store/worker_lease.h"
#include "worker/sequencer.h"

namespace {

using ink::store::sync::PgConnection;

std::string with_database(const std::string& url, const std::string& name) {
  return url.substr(0, url.rfind('/') + 1) + name;
}

std::string fresh_database(const std::string& url, const std::string& name) {
  auto admin = PgConnection::connect(url, "worker-bench");
  admin.exec("DROP DATABASE IF EXISTS " + name);
  admin.exec("CREATE DATABASE " + name);
  return with_database(url, name);
}

// COPY n ts rows with time-ordered ids, random hashes, all with the clock
// reading ink_insert_ts would give now (as if accepted during the interval).
void fill(PgConnection& c, int64_t n) {
  namespace cb = ink::store::sync::copy_binary;
  std::mt19937_64 rng(7);
  int64_t now_us = std::stoll(
      c.exec("SELECT greatest((extract(epoch FROM clock_timestamp()) * 1000000)::bigint, "
             "ts_us + 1) FROM clock_floor")
          .text(0, 0));
  const int64_t chunk = 200000;
  for (int64_t done = 0; done < n;) {
    int64_t m = std::min(chunk, n - done);
    std::string payload;
    cb::header(payload);
    for (int64_t i = 0; i < m; ++i, ++done) {
      uint8_t id[16];
      uint64_t ms = static_cast<uint64_t>(now_us / 1000);
      for (int b = 0; b < 6; ++b) id[b] = static_cast<uint8_t>(ms >> (8 * (5 - b)));
      // Version 7 and variant bits, then a 48-bit sequence number: unique
      // and increasing (the version/variant bits must not overwrite it).
      uint64_t seq = static_cast<uint64_t>(done);
      id[6] = 0x70;
      id[7] = 0;
      id[8] = 0x80;
      id[9] = 0;
      for (int b = 10; b < 16; ++b) id[b] = static_cast<uint8_t>(seq >> (8 * (15 - b)));
      uint8_t hash[32];
      for (int b = 0; b < 32; b += 8) {
        uint64_t v = rng();
        std::memcpy(hash + b, &v, 8);
      }
      cb::tuple(payload, 3);
      cb::field(payload, {id, 16});
      cb::field_int64(payload, now_us);
      cb::field(payload, {hash, 32});
    }
    cb::trailer(payload);
    c.copy_in("COPY ts (id, ts_us, hash) FROM STDIN (FORMAT binary)", payload);
  }
}

void print(const char* label, int64_t n, const ink::worker::PhaseTimes& t) {
  std::printf(
      "%-8s N=%-8lld clock %7.2f  fetch %8.2f  leaves %8.2f  build %8.2f  sign %5.2f  "
      "commit %8.2f  total %8.2f ms\n",
      label, static_cast<long long>(n), t.clock, t.fetch, t.leaves, t.build, t.sign, t.commit,
      t.total());
  const auto& c = t.commit_parts;
  std::printf(
      "         tree alone %.2f (overlaps leaves); leaves = BEGIN+tip %.2f + ts_leaf %.2f; "
      "commit = interval row %.2f + levels %.2f + mth_node %.2f + COMMIT %.2f ms\n",
      t.tree, c.begin, c.write_leaves, c.write_interval, c.write_levels, c.write_nodes, c.commit);
  std::fflush(stdout);
}

// Empty intervals on a chain that already has some history. With `lease`,
// as the worker runs them: the lease renewed before each (its heartbeat, on
// the lock connection) and checked inside each interval transaction.
void bench_empty(const std::string& url, const ink::core::SigningKey& key, bool lease) {
  std::string db = fresh_database(url, "ink_worker_bench_empty");
  auto c = PgConnection::connect(db, "worker-bench");
  ink::store::migrate(c.get());
  PgConnection lock;
  std::optional<ink::worker::Fencing> fencing;
  if (lease) {
    lock = PgConnection::connect(db, "worker-bench-lock");
    lock.exec("SET synchronous_commit = off");  // as the worker's lock connection
    auto claim = ink::store::WorkerLease(lock).try_claim("worker-bench", 60'000'000);
    if (!claim || !ink::store::WorkerLease(c).join(claim->epoch))
      throw std::runtime_error("cannot claim the worker lease");
    fencing = ink::worker::Fencing{claim->epoch, {}};
  }
  ink::worker::Sequencer seq(c, key, "bench.unchanging.ink", {}, fencing);
  seq.load();
  for (int i = 0; i < 200; ++i) (void)seq.run_interval();
  std::vector<double> totals, renewals;
  ink::worker::PhaseTimes last;
  for (int i = 0; i < 50; ++i) {
    double renew_ms = 0;
    if (lease) {
      auto renew_start = std::chrono::steady_clock::now();
      if (!ink::store::WorkerLease(lock).renew(fencing->epoch, 60'000'000))
        throw std::runtime_error("fenced");
      renew_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - renew_start)
              .count();
    }
    auto out = seq.run_interval();
    renewals.push_back(renew_ms);
    totals.push_back(out.times.total() + renew_ms);
    last = out.times;
  }
  std::sort(totals.begin(), totals.end());
  std::sort(renewals.begin(), renewals.end());
  print(lease ? "empty+l" : "empty", 0, last);
  std::printf("%-8s 50 runs: median %.2f ms, p95 %.2f ms, max %.2f ms", lease ? "empty+l" : "empty",
              totals[25], totals[47], totals[49]);
  if (lease)
    std::printf(" (of which the lease renewal: median %.2f ms, p95 %.2f ms)", renewals[25],
                renewals[47]);
  std::printf("\n");
  c = PgConnection();
  lock = PgConnection();
  PgConnection::connect(url, "worker-bench").exec("DROP DATABASE ink_worker_bench_empty");
}

// A database of `total` ts in `intervals` intervals made by the sequencer,
// then the audit over all of it.
void bench_audit(const std::string& url, const ink::core::SigningKey& key, int64_t total,
                 int64_t intervals, bool keep) {
  const std::string name = "ink_worker_bench_audit";
  std::string db = fresh_database(url, name);
  {
    auto c = PgConnection::connect(db, "worker-bench");
    ink::store::migrate(c.get());
    ink::worker::Sequencer seq(c, key, "bench.unchanging.ink");
    seq.load();
    auto start = std::chrono::steady_clock::now();
    int64_t made = 0;
    for (int64_t i = 0; i < intervals; ++i) {
      int64_t n = total * (i + 1) / intervals - made;
      fill(c, n);
      made += n;
      (void)seq.run_interval();
    }
    c.exec("VACUUM ANALYZE ts, ts_leaf, interval, interval_level, mth_node");
    std::printf("audit    database of %lld ts in %lld intervals made in %.0f s (not counted)\n",
                static_cast<long long>(total), static_cast<long long>(intervals),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  ink::audit::AuditConfig config;
  config.database_url = db;
  config.authority = "bench.unchanging.ink";
  config.retention_hours = 0;
  for (const char* run : {"first", "second"}) {
    std::ostringstream report;
    auto start = std::chrono::steady_clock::now();
    int code = ink::audit::run_audit(config, report);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("audit    %s run: %.2f s, exit %d\n%s", run, s, code, report.str().c_str());
    std::fflush(stdout);
    if (code != ink::audit::kAuditPassed) throw std::runtime_error("the audit did not pass");
  }
  if (!keep) PgConnection::connect(url, "worker-bench").exec("DROP DATABASE " + name);
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  std::string sizes_text = "10000,100000,1000000";
  int64_t audit_ts = 0;
  int64_t audit_intervals = 1000;
  bool audit_keep = false;
  CLI::App app{"Time one interval of the worker for N pending ts"};
  app.add_option("--database-url", url, "PostgreSQL URL (a role with CREATEDB)")
      ->envname("DATABASE_URL")
      ->required();
  app.add_option("--sizes", sizes_text, "comma-separated N values (\"\": none)")
      ->capture_default_str();
  app.add_option("--audit-ts", audit_ts, "ts in the database the audit benchmark checks (0: none)");
  app.add_option("--audit-intervals", audit_intervals, "intervals they are spread over")
      ->capture_default_str();
  app.add_flag("--audit-keep", audit_keep, "keep the audited database (ink_worker_bench_audit)");
  CLI11_PARSE(app, argc, argv);

  auto key = ink::core::SigningKey::generate();
  if (!key) return 1;
  std::vector<int64_t> sizes;
  std::stringstream ss(sizes_text);
  for (std::string part; std::getline(ss, part, ',');) sizes.push_back(std::stoll(part));

  try {
    // Empty intervals, without and with the worker lease, alternately.
    for (int round = 0; round < 2; ++round) {
      bench_empty(url, *key, false);
      bench_empty(url, *key, true);
    }
    for (int64_t n : sizes) {
      std::string db = fresh_database(url, "ink_worker_bench_" + std::to_string(n));
      auto c = PgConnection::connect(db, "worker-bench");
      ink::store::migrate(c.get());
      ink::worker::Sequencer seq(c, *key, "bench.unchanging.ink");
      seq.load();
      (void)seq.run_interval();  // interval 0, empty: the chain exists
      auto fill_start = std::chrono::steady_clock::now();
      fill(c, n);
      double fill_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - fill_start)
              .count();
      auto out = seq.run_interval();
      if (out.row.ts_count != static_cast<uint64_t>(n)) {
        std::fprintf(stderr, "interval holds %llu ts, expected %lld\n",
                     static_cast<unsigned long long>(out.row.ts_count), static_cast<long long>(n));
        return 1;
      }
      print("interval", n, out.times);
      std::printf("         (filling took %.0f ms, not counted)\n", fill_ms);
      c = PgConnection();
      PgConnection::connect(url, "worker-bench")
          .exec("DROP DATABASE ink_worker_bench_" + std::to_string(n));
    }
    if (audit_ts > 0)
      bench_audit(url, *key, audit_ts, std::max<int64_t>(1, audit_intervals), audit_keep);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "worker_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
