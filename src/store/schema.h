#pragma once
// Schema migrations (db/NNN_name.sql, embedded in the program at build time)
// and the schema version check every program runs at start-up.
//
// The runner records applied versions in table schema_migrations(version,
// name, applied_at). Each migration runs in its own transaction together with
// its schema_migrations row, under a session advisory lock, so concurrent
// start-ups (worker and backends) apply each migration exactly once.

#include <libpq-fe.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/pg.h"

namespace ink::store {

// The database's schema version is not the one this program knows. Not a
// transient failure: the program should stop with the message.
class SchemaMismatch : public StoreError {
 public:
  using StoreError::StoreError;
};

struct Migration {
  int version;
  std::string name;  // file name, e.g. "001_init.sql"
  std::string sql;
};

// The migrations compiled into this program, by ascending version.
const std::vector<Migration>& embedded_migrations();

// The newest schema version this program knows.
int known_schema_version();

// The database's schema version: 0 when schema_migrations does not exist or
// is empty. Throws StoreError when the query fails.
int schema_version(PGconn* conn);

// For callers that read the version themselves (e.g. on an async
// connection): one row, one column, the version. A missing table (SQLSTATE
// 42P01, undefined_table) means version 0.
extern const char* const kSchemaVersionQuery;

// std::nullopt when this program can run against a database at
// `database_version`; otherwise a message that says what to do.
std::optional<std::string> schema_mismatch(int database_version);

// Throws SchemaMismatch with schema_mismatch()'s message unless the database is
// exactly at known_schema_version(). What the backend calls at start-up.
void check_schema(PGconn* conn);

// Waits (blocking, polling every 250 ms) until the database at `url` is
// reachable and exactly at known_schema_version(), as a program that does not
// migrate (the backend) must before it serves. `on_problem` hears each new
// reason to wait. Returns false after `timeout`, or at once for a database
// newer than this program (SchemaMismatch's message to on_problem).
bool wait_for_schema(const std::string& url, std::chrono::seconds timeout,
                     const std::function<void(const std::string& problem, bool fatal)>& on_problem);

// Applies the embedded migrations the database lacks, then check_schema().
// Idempotent. Refuses (SchemaMismatch) a database newer than this program.
// Returns the versions applied now (empty when already up to date).
std::vector<int> migrate(PGconn* conn);

}  // namespace ink::store
