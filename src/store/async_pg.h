#pragma once
// PostgreSQL without blocking a thread: libpq's non-blocking interface driven
// by Asio (the connection's socket is watched with a stream_descriptor), and a
// bounded pool of such connections. Used by the backend; the worker has its
// own, blocking, connection.
//
// Thread safety: one AsyncConnection is used by one coroutine at a time (the
// pool hands it out exclusively). PgPool may be used from any thread.

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <libpq-fe.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ink::store {

namespace asio = boost::asio;

// The database could not be reached or the connection broke: the caller
// answers 503 (nothing was recorded unless the statement had committed).
struct PgUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The statement failed on a healthy connection (a bug or a constraint).
struct PgQueryError : std::runtime_error {
  PgQueryError(const std::string& message, std::string sqlstate_)
      : std::runtime_error(message), sqlstate(std::move(sqlstate_)) {}
  std::string sqlstate;
};

// A query's result, always in binary format (resultFormat = 1): readers below
// decode the network-order integers, uuids and bytea that the queries select.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r, &PQclear) {}
  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col); }
  std::string_view bytes(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col), size_t(PQgetlength(r_.get(), row, col))};
  }
  int64_t int64(int row, int col) const;  // bigint
  int32_t int32(int row, int col) const;  // integer
  int16_t int16(int row, int col) const;  // smallint
  bool boolean(int row, int col) const;

 private:
  std::shared_ptr<PGresult> r_;
};

// Query parameters, all sent as text (PostgreSQL parses them with the cast
// written in the SQL, e.g. $1::uuid[]); nullopt is SQL NULL.
using PgParams = std::vector<std::optional<std::string>>;

// One statement of a pipeline: parameters as above, except that those
// flagged in `binary` are in PostgreSQL's binary send format (e.g. a
// PgBinaryArray), so client bytes never pass through SQL text.
// `prepared`: the statement is parsed and planned once per connection (a
// named prepared statement, made in the same round trip the first time) and
// only executed after that; for statements run at a high rate.
struct PgStatement {
  std::string sql;
  PgParams params;
  std::vector<bool> binary;  // per parameter; empty: all text
  bool prepared = false;
};

class AsyncConnection {
 public:
  // Connects without blocking; throws PgUnavailable on failure or timeout.
  static asio::awaitable<std::unique_ptr<AsyncConnection>> connect(
      const asio::any_io_executor& executor, const std::string& conninfo,
      std::chrono::milliseconds timeout);
  ~AsyncConnection();
  AsyncConnection(const AsyncConnection&) = delete;
  AsyncConnection& operator=(const AsyncConnection&) = delete;

  // Runs one statement (extended protocol, binary results). Throws
  // PgUnavailable when the connection breaks or the timeout passes (the
  // connection is then unusable), PgQueryError when the statement fails.
  asio::awaitable<PgResult> query(std::string_view sql, const PgParams& params,
                                  std::chrono::milliseconds timeout);
  // Runs statements in the simple protocol (several may be joined by ';',
  // no parameters, text results) and returns the last result. If it fails
  // inside an explicit transaction, the connection is marked broken.
  asio::awaitable<PgResult> execute(std::string_view sql, std::chrono::milliseconds timeout);
  // Sends all statements at once (libpq pipeline mode, one round trip) and
  // returns their results in order (binary format). The first statement that
  // fails throws PgQueryError (the later ones were skipped by the server);
  // PgUnavailable as for query(). Inside an explicit transaction a failure
  // leaves it aborted: the connection is then marked broken.
  asio::awaitable<std::vector<PgResult>> pipeline(std::span<const PgStatement> statements,
                                                  std::chrono::milliseconds timeout);
  bool healthy() const { return healthy_; }
  int backend_pid() const { return PQbackendPID(conn_); }

 private:
  AsyncConnection(asio::any_io_executor executor, PGconn* conn);
  asio::awaitable<void> wait(bool for_write, std::chrono::steady_clock::time_point deadline);
  void fail(const std::string& what);
  asio::awaitable<PgResult> collect(std::chrono::steady_clock::time_point deadline);
  asio::awaitable<void> flush(std::chrono::steady_clock::time_point deadline);
  // Reads until PQgetResult would not block; returns it (nullptr: no more).
  asio::awaitable<PGresult*> next_result(std::chrono::steady_clock::time_point deadline);

  PGconn* conn_;
  asio::posix::stream_descriptor socket_;
  bool healthy_ = true;
  // Statements prepared on this connection: SQL -> name.
  std::unordered_map<std::string, std::string> prepared_;
  uint64_t next_prepared_ = 0;  // names are never reused
};

struct PoolStats {
  size_t size = 0;     // open connections
  size_t in_use = 0;   // leased
  size_t waiting = 0;  // coroutines waiting for a connection
  size_t max_size = 0;
};

class PgPool : public std::enable_shared_from_this<PgPool> {
 public:
  struct Options {
    std::string conninfo;
    size_t max_size = 8;
    std::chrono::milliseconds connect_timeout{3000};
    std::chrono::milliseconds acquire_timeout{3000};
    std::chrono::milliseconds query_timeout{10000};
  };
  PgPool(asio::any_io_executor executor, Options options);

  // A leased connection; returns itself to the pool when destroyed (or is
  // dropped when it broke).
  class Lease {
   public:
    Lease(std::shared_ptr<PgPool> pool, std::unique_ptr<AsyncConnection> conn)
        : pool_(std::move(pool)), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    ~Lease();
    AsyncConnection& operator*() { return *conn_; }
    AsyncConnection* operator->() { return conn_.get(); }

   private:
    std::shared_ptr<PgPool> pool_;
    std::unique_ptr<AsyncConnection> conn_;
  };

  // Throws PgUnavailable when no connection can be had within acquire_timeout.
  asio::awaitable<Lease> acquire();
  // acquire() + query(), the common case.
  asio::awaitable<PgResult> query(std::string_view sql, const PgParams& params = {});
  PoolStats stats() const;
  const Options& options() const { return options_; }

 private:
  void give_back(std::unique_ptr<AsyncConnection> conn);

  asio::any_io_executor executor_;
  Options options_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<AsyncConnection>> idle_;
  size_t open_ = 0;  // idle + leased + connecting
  size_t leased_ = 0;
  struct Waiter {
    std::shared_ptr<asio::steady_timer> timer;
    std::unique_ptr<AsyncConnection> handed;  // set by give_back
    bool slot = false;                        // or: allowed to open a new connection
  };
  std::deque<std::shared_ptr<Waiter>> waiters_;
};

// Text form for array parameters: {"a","b"} with quoting.
std::string pg_text_array(const std::vector<std::optional<std::string>>& items);

// A one-dimensional array in PostgreSQL's binary format (array_send), for a
// binary parameter: elements are the element type's binary form (uuid: 16
// bytes, bytea: the bytes, text: UTF-8 without NUL).
class PgBinaryArray {
 public:
  static constexpr uint32_t kBytea = 17, kText = 25, kUuid = 2950;  // element type oids
  explicit PgBinaryArray(uint32_t element_oid) : element_oid_(element_oid) {}
  void add(std::string_view element);
  void add_null();
  std::string finish() const;  // header + elements

 private:
  uint32_t element_oid_;
  uint32_t count_ = 0;
  bool has_null_ = false;
  std::string elements_;
};

}  // namespace ink::store
