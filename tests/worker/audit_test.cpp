// ink-worker --audit against databases made by the real worker: it passes on
// a healthy one, and for each kind of damage injected with SQL it exits 1
// and names the damaged row.
#include <gtest/gtest.h>
#include <signal.h>

#include "worker/worker_support.h"

namespace ink::test {
namespace {

std::string with_database(const std::string& url, const std::string& name) {
  return url.substr(0, url.rfind('/') + 1) + name;
}

// A database the real worker filled: intervals with and without ts, repeated hashes.
std::string sequenced_database() {
  std::string db = fresh_database("waudit");
  auto run = worker_run(db, "audit");
  auto worker = start_worker(run);
  EXPECT_TRUE(wait_sequenced(db, 1)) << read_file(run.log_path);
  for (int round = 0; round < 4; ++round) {
    insert_ts(db, 40 + 30 * round, 20, 6);
    EXPECT_TRUE(wait_sequenced(db, 2 + 2 * round)) << read_file(run.log_path);
  }
  worker->signal(SIGTERM);
  EXPECT_EQ(worker->wait(), 0);
  return db;
}

struct Damage {
  const char* name;
  // SQL run on a copy of the healthy database; the row the audit must name
  // is given by `where` (SQL returning text, run before the damage).
  const char* where;
  const char* sql;
};

// K: an interval with at least 5 ts; its ts at leaf 3.
#define K "(SELECT min(idx) FROM interval WHERE ts_count >= 5)"
#define TS_AT_3 "(SELECT id FROM ts_leaf WHERE idx = " K " AND leaf = 3)"

const Damage kDamages[] = {
    {"changed_ts_hash", "SELECT 'ts ' || " TS_AT_3 "::text",
     "UPDATE ts SET hash = set_byte(hash, 7, get_byte(hash, 7) # 1) WHERE id = " TS_AT_3},
    {"moved_ts_leaf", "SELECT 'ts ' || " TS_AT_3 "::text",
     "UPDATE ts_leaf SET leaf = leaf + 1 WHERE id = " TS_AT_3},
    {"changed_ith", "SELECT 'interval ' || " K " || ': ith'",
     "UPDATE interval SET ith = set_byte(ith, 0, get_byte(ith, 0) # 128) WHERE idx = " K},
    {"broken_signature", "SELECT 'interval 4: the signature does not verify'",
     "UPDATE interval SET signature = set_byte(signature, 9, get_byte(signature, 9) # 2) "
     "WHERE idx = 4"},
    {"gap", "SELECT 'interval 4: interval 3 is missing'",
     "ALTER TABLE interval DROP CONSTRAINT interval_prev_idx_fkey; "
     "ALTER TABLE interval_level DROP CONSTRAINT interval_level_idx_fkey; "
     "DELETE FROM interval_level WHERE idx = 3; DELETE FROM interval WHERE idx = 3"},
    {"changed_mth_node", "SELECT 'mth_node (1, 1): hash'",
     "UPDATE mth_node SET hash = set_byte(hash, 31, get_byte(hash, 31) # 1) "
     "WHERE level = 1 AND k = 1"},
};

TEST(Audit, PassesOnAHealthyDatabaseAndNamesTheRowOfEachDamage) {
  std::string db = sequenced_database();
  ASSERT_GE(count(db, "SELECT count(*) FROM interval"), 8);
  AuditRun healthy = run_audit(db);
  ASSERT_EQ(healthy.status, 0) << healthy.output;
  EXPECT_NE(healthy.output.find("OK: every check holds"), std::string::npos) << healthy.output;

  std::string name = db.substr(db.rfind('/') + 1);
  for (const Damage& d : kDamages) {
    SCOPED_TRACE(d.name);
    std::string copy = name + "_" + d.name;
    query_value(db, "SELECT 1");  // no session may stay on the template
    query_value(env_value("DATABASE_URL"), "DROP DATABASE IF EXISTS " + copy);
    query_value(env_value("DATABASE_URL"), "CREATE DATABASE " + copy + " TEMPLATE " + name);
    std::string damaged = with_database(db, copy);
    std::string where = query_value(damaged, d.where);
    ASSERT_FALSE(where.empty());
    query_value(damaged, d.sql);
    AuditRun run = run_audit(damaged);
    EXPECT_EQ(run.status, 1) << run.output;
    EXPECT_NE(run.output.find("FAILED"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find(where), std::string::npos)
        << "expected the audit to name \"" << where << "\"\n"
        << run.output;
    query_value(env_value("DATABASE_URL"), "DROP DATABASE " + copy);
  }
}

TEST(Audit, CannotAuditAnEmptyDatabaseAndSaysWhy) {
  std::string db = fresh_database("waudit_empty");
  AuditRun run = run_audit(db);
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_NE(run.output.find("no unchanging.ink schema"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace ink::test
