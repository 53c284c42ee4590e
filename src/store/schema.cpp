#include "store/schema.h"

#include <algorithm>
#include <memory>
#include <thread>

namespace ink::store {
namespace {

// Distinct from the worker's role lock and ink_insert_ts' clock lock.
constexpr const char* kMigrationLock = "7300002";

}  // namespace

const char* const kSchemaVersionQuery = "SELECT coalesce(max(version), 0) FROM schema_migrations";

int known_schema_version() {
  const auto& all = embedded_migrations();
  return all.empty() ? 0 : all.back().version;
}

std::optional<std::string> schema_mismatch(int database_version) {
  int known = known_schema_version();
  if (database_version == known) return std::nullopt;
  if (database_version == 0)
    return "the database has no unchanging.ink schema (expected version " + std::to_string(known) +
           "); start ink-worker once, it applies the migrations";
  if (database_version < known)
    return "the database schema is at version " + std::to_string(database_version) +
           " but this program needs version " + std::to_string(known) +
           "; start the matching ink-worker, it applies the migrations";
  return "the database schema is at version " + std::to_string(database_version) +
         ", newer than this program knows (" + std::to_string(known) +
         "); run a newer build of unchanging.ink";
}

int schema_version(PGconn* conn) {
  sync::PgResult exists(PQexec(conn, "SELECT to_regclass('schema_migrations') IS NOT NULL"));
  if (PQresultStatus(exists.get()) != PGRES_TUPLES_OK || exists.rows() != 1)
    throw StoreError(std::string("cannot read the schema version: ") +
                     PQresultErrorMessage(exists.get()));
  if (exists.text(0, 0) != "t") return 0;
  sync::PgResult res(PQexec(conn, kSchemaVersionQuery));
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK || res.rows() != 1)
    throw StoreError(std::string("cannot read the schema version: ") +
                     PQresultErrorMessage(res.get()));
  return static_cast<int>(res.int64(0, 0));
}

void check_schema(PGconn* conn) {
  if (auto problem = schema_mismatch(schema_version(conn))) throw SchemaMismatch(*problem);
}

bool wait_for_schema(const std::string& url, std::chrono::seconds timeout,
                     const std::function<void(const std::string&, bool)>& on_problem) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(url.c_str()), &PQfinish);
    std::string problem;
    if (PQstatus(conn.get()) != CONNECTION_OK) {
      problem = std::string("cannot connect: ") + PQerrorMessage(conn.get());
    } else {
      try {
        int version = schema_version(conn.get());
        if (version > known_schema_version()) {
          on_problem(*schema_mismatch(version), true);
          return false;
        }
        if (auto mismatch = schema_mismatch(version)) problem = *mismatch;
      } catch (const std::exception& e) {
        problem = e.what();
      }
    }
    if (problem.empty()) return true;
    if (problem != last) on_problem(problem, false);
    last = problem;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  on_problem("database not ready after " + std::to_string(timeout.count()) + " s: " + last, true);
  return false;
}

std::vector<int> migrate(PGconn* conn) {
  auto exec = [conn](const std::string& sql) {
    sync::PgResult res(PQexec(conn, sql.c_str()));
    auto st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      const char* state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
      throw StoreError(std::string(PQresultErrorMessage(res.get())), state ? state : "");
    }
    return res;
  };
  std::vector<int> applied;
  exec(std::string("SELECT pg_advisory_lock(") + kMigrationLock + ")");
  try {
    exec("SET client_min_messages = warning");  // quiet "already exists, skipping" notices
    exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
    int current = schema_version(conn);
    if (current > known_schema_version()) throw SchemaMismatch(*schema_mismatch(current));
    // Migrations apply in order: one missing below the current version (a
    // database migrated by a build that lacked it) cannot be applied now.
    sync::PgResult versions(PQexec(conn, "SELECT version FROM schema_migrations"));
    std::vector<int> present;
    for (int i = 0; i < versions.rows(); ++i) present.push_back(std::stoi(versions.text(i, 0)));
    for (const auto& m : embedded_migrations())
      if (m.version <= current &&
          std::find(present.begin(), present.end(), m.version) == present.end())
        throw SchemaMismatch("the database is at schema version " + std::to_string(current) +
                             " but migration " + m.name +
                             " was never applied to it (it was migrated by a build without it); "
                             "restore it from a backup or migrate a fresh database");
    for (const auto& m : embedded_migrations()) {
      if (m.version <= current) continue;
      exec("BEGIN");
      try {
        exec(m.sql);
        exec("INSERT INTO schema_migrations (version, name) VALUES (" + std::to_string(m.version) +
             ", '" + m.name + "')");
        exec("COMMIT");
      } catch (const StoreError& e) {
        PQclear(PQexec(conn, "ROLLBACK"));
        throw StoreError("migration " + m.name + " failed: " + e.what(), e.sqlstate());
      }
      applied.push_back(m.version);
    }
    exec("RESET client_min_messages");
  } catch (...) {
    PQclear(
        PQexec(conn, (std::string("SELECT pg_advisory_unlock(") + kMigrationLock + ")").c_str()));
    throw;
  }
  exec(std::string("SELECT pg_advisory_unlock(") + kMigrationLock + ")");
  check_schema(conn);
  return applied;
}

}  // namespace ink::store
