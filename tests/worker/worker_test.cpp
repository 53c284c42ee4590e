// ink-worker against a real PostgreSQL and Redis: sequencing, proofs,
// announcements, the exclusive role, outages, retention, clock steps.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <signal.h>

#include <thread>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/parse.h"
#include "core/protocol.h"
#include "core/sign.h"
#include "store/schema.h"
#include "worker/sequencer.h"
#include "worker/worker_support.h"

namespace ink::test {
namespace {

using namespace std::chrono_literals;
using store::sync::PgConnection;

TEST(Schema, MigrationsAreIdempotentAndVersionsAreChecked) {
  std::string db = fresh_database("wschema");
  auto c = PgConnection::connect(db, "test");
  try {
    store::check_schema(c.get());
    FAIL() << "an empty database must be refused";
  } catch (const store::SchemaMismatch& e) {
    EXPECT_NE(std::string(e.what()).find("no unchanging.ink schema"), std::string::npos)
        << e.what();
  }
  auto first = store::migrate(c.get());
  EXPECT_EQ(static_cast<int>(first.size()), store::known_schema_version());
  EXPECT_TRUE(store::migrate(c.get()).empty()) << "a second run applies nothing";
  EXPECT_EQ(store::schema_version(c.get()), store::known_schema_version());
  EXPECT_NO_THROW(store::check_schema(c.get()));

  c.exec("INSERT INTO schema_migrations (version, name) VALUES (999, '999_future.sql')");
  EXPECT_THROW(store::check_schema(c.get()), store::SchemaMismatch);
  EXPECT_THROW(store::migrate(c.get()), store::SchemaMismatch);

  auto run = worker_run(db, "schema");
  auto worker = start_worker(run);
  EXPECT_EQ(worker->wait(), 2) << "the worker refuses an unknown schema version";
  EXPECT_TRUE(log_contains(run.log_path, "newer than this program knows"))
      << read_file(run.log_path);
  EXPECT_EQ(count(db, "SELECT count(*) FROM interval"), 0);
}

TEST(Worker, SequencesEveryTsWithVerifiableProofs) {
  std::string db = fresh_database("wseq");
  auto run = worker_run(db, "seq");
  auto worker = start_worker(run);
  ASSERT_TRUE(wait_sequenced(db, 1)) << read_file(run.log_path);
  EXPECT_TRUE(log_contains(run.log_path, "generated a new signing key")) << read_file(run.log_path);
  // Batches while the worker runs, some with repeated hashes, some empty intervals between.
  for (int round = 0; round < 6; ++round) {
    insert_ts(db, 1 + round * 97, 50, round % 2 ? 7 : 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(50 * round));
  }
  ASSERT_TRUE(wait_sequenced(db, 12)) << read_file(run.log_path);
  worker->signal(SIGTERM);
  EXPECT_EQ(worker->wait(), 0);
  EXPECT_TRUE(log_contains(run.log_path, "interval=3 ts="));
  verify_database(db);
  verify_recent_mth(db);

  // A restart with the same key continues the same chain.
  int64_t before = count(db, "SELECT count(*) FROM interval");
  auto again = start_worker(run);
  insert_ts(db, 33);
  ASSERT_TRUE(wait_sequenced(db, before + 3)) << read_file(run.log_path);
  again->signal(SIGTERM);
  EXPECT_EQ(again->wait(), 0);
  EXPECT_EQ(count(db, "SELECT count(*) FROM signing_key"), 1);
  verify_database(db);
}

// Large enough that the sequencer builds the tree on its second thread while
// the ts_leaf rows are stored; repeated hashes make the id order decide ties.
TEST(Worker, LargeIntervalMatchesTheTreeRecomputedFromTheTs) {
  std::string db = migrated_database("wlarge");
  insert_ts(db, 12000, 1000, 5);
  auto run = worker_run(db, "large");
  auto worker = start_worker(run);
  ASSERT_TRUE(wait_sequenced(db, 1)) << read_file(run.log_path);
  worker->signal(SIGTERM);
  EXPECT_EQ(worker->wait(), 0);
  EXPECT_EQ(count(db, "SELECT max(ts_count) FROM interval"), 12000);
  verify_database(db);
}

TEST(Worker, PublishesEachHeadOnMthLive) {
  std::string db = fresh_database("wlive");
  auto addr = env_value("REDIS_URL");
  redisContext* sub = redisConnect("127.0.0.1", std::stoi(addr.substr(addr.rfind(':') + 1)));
  ASSERT_TRUE(sub && !sub->err);
  freeReplyObject(redisCommand(sub, "SUBSCRIBE mth-live"));
  timeval tv{5, 0};
  redisSetTimeout(sub, tv);

  auto run = worker_run(db, "live");
  auto worker = start_worker(run);
  std::vector<core::SignedHead> heads;
  while (heads.size() < 5) {
    void* raw = nullptr;
    ASSERT_EQ(redisGetReply(sub, &raw), REDIS_OK) << "no head published within 5 s";
    auto* r = static_cast<redisReply*>(raw);
    ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
    std::string payload(r->element[2]->str, r->element[2]->len);
    freeReplyObject(r);
    auto head = core::head_from_json(core::Json::parse(payload));
    ASSERT_TRUE(head.ok()) << head.error().message;
    heads.push_back(*head);
  }
  redisFree(sub);
  worker->signal(SIGTERM);
  worker->wait();
  for (size_t i = 0; i < heads.size(); ++i) {
    EXPECT_EQ(heads[i].interval.index, heads[0].interval.index + i)
        << "heads in order, none skipped";
    EXPECT_EQ(core::to_hex(heads[i].mth),
              query_value(db, "SELECT encode(mth, 'hex') FROM interval WHERE idx = " +
                                  std::to_string(heads[i].interval.index)));
    EXPECT_EQ(heads[i].authority, kAuthority);
  }
}

// Two writers that ignore the worker lock: the database alone refuses a fork.
TEST(Worker, DatabaseRefusesAForkFromADuplicatedWriter) {
  std::string db = fresh_database("wfork");
  auto setup = PgConnection::connect(db, "test");
  store::migrate(setup.get());
  auto key = core::SigningKey::generate();
  ASSERT_TRUE(key.ok());
  auto c1 = PgConnection::connect(db, "writer-1");
  auto c2 = PgConnection::connect(db, "writer-2");
  worker::Sequencer first(c1, *key, kAuthority), second(c2, *key, kAuthority);
  first.load();
  second.load();
  insert_ts(db, 10);
  EXPECT_EQ(first.run_interval().row.index, 0u);
  // The second writer still believes the chain is empty.
  EXPECT_THROW(second.run_interval(), store::ChainMoved);
  EXPECT_EQ(count(db, "SELECT count(*) FROM interval"), 1);
  insert_ts(db, 10);
  second.load();
  EXPECT_EQ(second.run_interval().row.index, 1u);
  EXPECT_THROW(first.run_interval(), store::ChainMoved);
  first.load();
  EXPECT_EQ(first.run_interval().row.index, 2u);
  // A raw second interval 2 is refused by the primary key.
  EXPECT_THROW(setup.exec("INSERT INTO interval SELECT 3, 1, ts_us + 1, ts_count, ith, ihash, mth, "
                          "inclusion_a, inclusion_nodes, consistency_nodes, signature, key_id "
                          "FROM interval WHERE idx = 2"),
               store::StoreError);
  verify_database(db);
}

TEST(Worker, SecondWorkerWaitsAndTakesOverWhenTheFirstDies) {
  std::string db = fresh_database("wtwo");
  auto run_a = worker_run(db, "two-a");
  run_a.interval = 1.0;
  auto run_b = worker_run(db, "two-b");
  run_b.interval = 1.0;
  run_b.key_path = run_a.key_path;
  auto a = start_worker(run_a);
  ASSERT_TRUE(wait_sequenced(db, 1)) << read_file(run_a.log_path);
  auto b = start_worker(run_b);
  ASSERT_TRUE(wait_until([&] { return log_contains(run_b.log_path, "waiting to take over"); }, 10s))
      << read_file(run_b.log_path);
  insert_ts(db, 200);
  ASSERT_TRUE(wait_sequenced(db, 4));
  EXPECT_FALSE(log_contains(run_b.log_path, "interval=")) << "only one worker sequences";

  int64_t before = count(db, "SELECT max(idx) FROM interval");
  a->signal(SIGKILL);
  a->wait();
  // The takeover, observed: the lease names the second worker, which says so
  // and closes intervals. The deadline only guards against a hang.
  ASSERT_TRUE(wait_until(
      [&] {
        return lease_held_by(db, b->pid()) &&
               count(db, "SELECT max(idx) FROM interval") > before + 1;
      },
      30s))
      << read_file(run_b.log_path);
  EXPECT_TRUE(log_contains(run_b.log_path, "acquired the worker lock"));
  EXPECT_TRUE(log_contains(run_b.log_path, "interval="));
  EXPECT_FALSE(log_contains(run_b.log_path, "fencing it"))
      << "a dead worker's lock is free at once: no lease expiry needed";
  insert_ts(db, 100);
  ASSERT_TRUE(wait_sequenced(db, before + 3));
  b->signal(SIGTERM);
  b->wait();
  verify_database(db);
}

TEST(Worker, AnnouncesHeadsCommittedWhileRedisWasDown) {
  std::string db = fresh_database("wredis");
  auto run = worker_run(db, "redis");
  auto worker = start_worker(run);
  ASSERT_TRUE(wait_sequenced(db, 2)) << read_file(run.log_path);
  stop_redis();
  insert_ts(db, 50);
  auto unsequenced = [&] {
    return count(db,
                 "SELECT count(*) FROM ts t WHERE NOT EXISTS "
                 "(SELECT 1 FROM ts_leaf l WHERE l.id = t.id)");
  };
  ASSERT_TRUE(wait_until(
      [&] {
        return unsequenced() == 0 &&
               count(db, "SELECT count(*) FROM interval WHERE NOT announced") >= 5;
      },
      10s))
      << "the worker keeps sequencing without Redis\n"
      << read_file(run.log_path);
  start_redis();
  ASSERT_TRUE(wait_sequenced(db, 8, 20000)) << read_file(run.log_path);
  EXPECT_TRUE(log_contains(run.log_path, "cannot announce head"));
  worker->signal(SIGTERM);
  worker->wait();
  verify_recent_mth(db);
  verify_database(db);
}

TEST(Worker, RecoversWhenItsDatabaseConnectionsAreKilled) {
  std::string db = fresh_database("wpgkill");
  auto run = worker_run(db, "pgkill");
  auto worker = start_worker(run);
  ASSERT_TRUE(wait_sequenced(db, 2)) << read_file(run.log_path);
  for (int round = 0; round < 3; ++round) {
    insert_ts(db, 40);
    int64_t closed = count(db, "SELECT count(*) FROM interval");
    query_value(db,
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name LIKE 'ink-worker%' AND datname = current_database()");
    // Back at work before the next round: a new interval after the kill.
    ASSERT_TRUE(
        wait_until([&] { return count(db, "SELECT count(*) FROM interval") > closed; }, 30s))
        << read_file(run.log_path);
  }
  int64_t before = count(db, "SELECT count(*) FROM interval");
  insert_ts(db, 40);
  ASSERT_TRUE(wait_sequenced(db, before + 3, 20000)) << read_file(run.log_path);
  EXPECT_TRUE(log_contains(run.log_path, "PostgreSQL:") ||
              log_contains(run.log_path, "lost the worker lock connection"));
  worker->signal(SIGTERM);
  EXPECT_EQ(worker->wait(), 0);
  verify_database(db);
}

TEST(Worker, RetentionDeletesOldProofRecordsAndKeepsHeads) {
  std::string db = fresh_database("wret");
  auto run = worker_run(db, "ret");
  run.extra_args = {"--retention-hours", "0.0005"};  // 1.8 s
  auto worker = start_worker(run);
  ASSERT_TRUE(wait_sequenced(db, 1)) << read_file(run.log_path);
  insert_ts(db, 300);
  ASSERT_TRUE(wait_sequenced(db, 3));
  int64_t intervals_with_ts = count(db, "SELECT count(*) FROM interval WHERE ts_count > 0");
  ASSERT_GT(intervals_with_ts, 0);
  ASSERT_TRUE(wait_until([&] { return count(db, "SELECT count(*) FROM ts") == 0; }, 15s))
      << read_file(run.log_path);
  ASSERT_TRUE(wait_until(
      [&] {
        return count(db,
                     "SELECT count(*) FROM interval_level l JOIN interval i USING (idx) "
                     "WHERE i.ts_us < (SELECT max(ts_us) FROM interval) - 3000000") == 0;
      },
      15s));
  EXPECT_EQ(count(db, "SELECT count(*) FROM ts_leaf"), 0);
  EXPECT_EQ(count(db, "SELECT count(*) FROM interval WHERE ts_count > 0"), intervals_with_ts)
      << "intervals are kept for ever";
  EXPECT_TRUE(log_contains(run.log_path, "retention: deleted"));
  worker->signal(SIGTERM);
  worker->wait();
  verify_database(db, /*retained=*/false);
  // The audit checks what retention left (and that all of it is allowed to be gone).
  AuditRun audit = run_audit(db, {"--retention-hours", "0.0005"});
  EXPECT_EQ(audit.status, 0) << audit.output;
  AuditRun strict = run_audit(db, {"--retention-hours", "0"});
  EXPECT_EQ(strict.status, 1) << "without retention, the deleted records are missing\n"
                              << strict.output;
}

// The database server's clock steps back an hour (simulated by shifting the
// clock inside both clock functions): no head dated before the previous one,
// loud logs, and every ts inserted meanwhile is still sequenced exactly once.
TEST(Worker, RefusesToSignWhileTheClockIsBehind) {
  std::string db = fresh_database("wclock");
  auto run = worker_run(db, "clock");
  auto worker = start_worker(run);
  ASSERT_TRUE(wait_sequenced(db, 2)) << read_file(run.log_path);
  auto c = PgConnection::connect(db, "test");
  auto definition = [&](const std::string& fn) {
    return c.exec("SELECT pg_get_functiondef('" + fn + "'::regproc)").text(0, 0);
  };
  std::string insert_fn = definition("ink_ts_clock"), close_fn = definition("ink_close_clock");
  auto shifted = [](std::string sql) {
    const std::string from = "clock_timestamp()";
    for (size_t at = sql.find(from); at != std::string::npos; at = sql.find(from, at + 40))
      sql.replace(at, from.size(), "(clock_timestamp() - interval '1 hour')");
    return sql;
  };
  c.exec(shifted(insert_fn));
  c.exec(shifted(close_fn));
  insert_ts(db, 60);
  // Nothing is closed while the clock is behind, observed over several
  // refusals: the worker logs one for every interval it declines to close.
  auto refusals = [&] {
    std::string log = read_file(run.log_path);
    size_t n = 0;
    for (size_t at = log.find("CLOCK STEPPED BACKWARDS"); at != std::string::npos;
         at = log.find("CLOCK STEPPED BACKWARDS", at + 1))
      ++n;
    return n;
  };
  ASSERT_TRUE(wait_until([&] { return refusals() >= 1; }, 30s)) << read_file(run.log_path);
  int64_t intervals_before = count(db, "SELECT count(*) FROM interval");
  ASSERT_TRUE(wait_until([&] { return refusals() >= 4; }, 30s)) << read_file(run.log_path);
  EXPECT_EQ(count(db, "SELECT count(*) FROM interval"), intervals_before)
      << "no interval is closed while the clock is behind";
  c.exec(insert_fn);
  c.exec(close_fn);
  insert_ts(db, 60);
  ASSERT_TRUE(wait_sequenced(db, intervals_before + 3)) << read_file(run.log_path);
  EXPECT_TRUE(log_contains(run.log_path, "resuming"));
  worker->signal(SIGTERM);
  worker->wait();
  verify_database(db);
}

}  // namespace
}  // namespace ink::test
