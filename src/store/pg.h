#pragma once
// Thin synchronous libpq helpers shared by the worker and the store's sync
// code: an owning connection and result, parameter lists with binary bytea,
// and one exception type for every database failure.
//
// Thread safety: a PgConnection is used by one thread at a time.

#include <libpq-fe.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/hash.h"

namespace ink::store {

// Any database failure: connection lost, query rejected, constraint violated.
// `sqlstate` is the five-character SQLSTATE when the server sent one, else "".
class StoreError : public std::runtime_error {
 public:
  explicit StoreError(const std::string& message, std::string sqlstate = "")
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }
  bool is_unique_violation() const { return sqlstate_ == "23505"; }

 private:
  std::string sqlstate_;
};

// Named apart from the backend's async classes (store/async_pg.h), so a
// translation unit may include both.
namespace sync {

// Owning PGresult.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r, &PQclear) {}
  PGresult* get() const { return r_.get(); }
  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  // Text-format values.
  std::string text(int row, int col) const;
  int64_t int64(int row, int col) const;
  // Binary-format values (queries run with binary results).
  core::ByteView raw(int row, int col) const;
  int64_t binary_int64(int row, int col) const;
  core::Hash binary_hash(int row, int col) const;  // throws unless 32 bytes

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_{nullptr, &PQclear};
};

// Query parameters: text values, binary bytea, NULL. Keeps its own copies.
class Params {
 public:
  Params& text(std::string value);
  Params& int64(int64_t value) { return text(std::to_string(value)); }
  Params& bytes(core::ByteView value);
  Params& null();
  int size() const { return static_cast<int>(values_.size()); }

 private:
  friend class PgConnection;
  std::deque<std::string> storage_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

class PgConnection {
 public:
  // Connects (with a connect timeout) and sets application_name; throws StoreError.
  static PgConnection connect(const std::string& url, const std::string& application_name);

  PgConnection() = default;
  PGconn* get() const { return conn_.get(); }
  bool usable() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }

  // Runs one statement; throws StoreError unless it succeeds.
  PgResult exec(const std::string& sql);
  PgResult exec(const std::string& sql, const Params& params, bool binary_result = false);

  // COPY ... FROM STDIN with the given payload (already in the COPY format).
  void copy_in(const std::string& copy_sql, const std::string& payload);
  // The same in pieces, for payloads sent straight from the caller's memory:
  // copy_begin, any number of copy_put (split anywhere), copy_end.
  void copy_begin(const std::string& copy_sql);
  void copy_put(std::string_view data);
  void copy_end();

  // COPY ... TO STDOUT: calls on_message with each CopyData message (for a
  // binary COPY, one row each; the first also carries the file header).
  void copy_out(const std::string& copy_sql,
                const std::function<void(std::string_view)>& on_message);

 private:
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn_{nullptr, &PQfinish};
};

// BEGIN on construction; ROLLBACK on destruction unless commit() was called.
class Transaction {
 public:
  explicit Transaction(PgConnection& conn);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  PgConnection& conn_;
  bool done_ = false;
};

// Concatenated 32-byte hashes (the schema's bytea lists) and back.
std::string concat_hashes(const std::vector<core::Hash>& hashes);
std::vector<core::Hash> split_hashes(core::ByteView bytes);  // throws unless a multiple of 32

// Appends PostgreSQL binary COPY fields (big-endian) to a COPY payload.
namespace copy_binary {
void header(std::string& out);
void tuple(std::string& out, int16_t fields);
void field(std::string& out, core::ByteView value);
void field_int64(std::string& out, int64_t value);
void field_int16(std::string& out, int16_t value);
// The length word of a field whose bytes the caller sends separately.
void field_length(std::string& out, size_t length);
void trailer(std::string& out);
}  // namespace copy_binary

}  // namespace sync

}  // namespace ink::store
