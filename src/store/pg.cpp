#include "store/pg.h"

#include <algorithm>
#include <cstring>

namespace ink::store::sync {
namespace {

uint64_t read_be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

void append_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string error_of(PGconn* conn, const PGresult* res, const std::string& what) {
  std::string msg = res ? PQresultErrorMessage(res) : "";
  if (msg.empty() && conn) msg = PQerrorMessage(conn);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return what + ": " + msg;
}

std::string sqlstate_of(const PGresult* res) {
  const char* s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  return s ? s : "";
}

std::string first_line(const std::string& sql) {
  auto nl = sql.find('\n');
  std::string s = sql.substr(0, nl);
  return s.size() > 80 ? s.substr(0, 80) + "..." : s;
}

}  // namespace

std::string PgResult::text(int row, int col) const { return PQgetvalue(r_.get(), row, col); }

int64_t PgResult::int64(int row, int col) const {
  return std::stoll(PQgetvalue(r_.get(), row, col));
}

core::ByteView PgResult::raw(int row, int col) const {
  return {reinterpret_cast<const uint8_t*>(PQgetvalue(r_.get(), row, col)),
          static_cast<size_t>(PQgetlength(r_.get(), row, col))};
}

int64_t PgResult::binary_int64(int row, int col) const {
  auto v = raw(row, col);
  if (v.size() != 8) throw StoreError("expected an 8-byte integer column");
  return static_cast<int64_t>(read_be64(v.data()));
}

core::Hash PgResult::binary_hash(int row, int col) const {
  auto v = raw(row, col);
  if (v.size() != 32) throw StoreError("expected a 32-byte hash column");
  core::Hash h;
  std::memcpy(h.data(), v.data(), 32);
  return h;
}

Params& Params::text(std::string value) {
  storage_.push_back(std::move(value));
  values_.push_back(storage_.back().c_str());
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

Params& Params::bytes(core::ByteView value) {
  storage_.emplace_back(reinterpret_cast<const char*>(value.data()), value.size());
  values_.push_back(storage_.back().data());
  lengths_.push_back(static_cast<int>(value.size()));
  formats_.push_back(1);
  return *this;
}

Params& Params::null() {
  values_.push_back(nullptr);
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

PgConnection PgConnection::connect(const std::string& url, const std::string& application_name) {
  const char* keys[] = {"dbname", "application_name", "connect_timeout", nullptr};
  const char* values[] = {url.c_str(), application_name.c_str(), "5", nullptr};
  PgConnection c;
  // expand_dbname=1: the URL's own parameters win over nothing, and ours fill the rest.
  c.conn_.reset(PQconnectdbParams(keys, values, 1));
  if (!c.conn_) throw StoreError("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(c.conn_.get()) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c.conn_.get());
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    throw StoreError("cannot connect to PostgreSQL: " + msg);
  }
  return c;
}

PgResult PgConnection::exec(const std::string& sql) {
  if (!conn_) throw StoreError("not connected to PostgreSQL");
  PgResult res(PQexec(conn_.get(), sql.c_str()));
  auto st = PQresultStatus(res.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    throw StoreError(error_of(conn_.get(), res.get(), first_line(sql)), sqlstate_of(res.get()));
  return res;
}

PgResult PgConnection::exec(const std::string& sql, const Params& params, bool binary_result) {
  if (!conn_) throw StoreError("not connected to PostgreSQL");
  PgResult res(PQexecParams(conn_.get(), sql.c_str(), params.size(), nullptr, params.values_.data(),
                            params.lengths_.data(), params.formats_.data(), binary_result ? 1 : 0));
  auto st = PQresultStatus(res.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    throw StoreError(error_of(conn_.get(), res.get(), first_line(sql)), sqlstate_of(res.get()));
  return res;
}

void PgConnection::copy_in(const std::string& copy_sql, const std::string& payload) {
  copy_begin(copy_sql);
  copy_put(payload);
  copy_end();
}

void PgConnection::copy_begin(const std::string& copy_sql) {
  if (!conn_) throw StoreError("not connected to PostgreSQL");
  PgResult start(PQexec(conn_.get(), copy_sql.c_str()));
  if (PQresultStatus(start.get()) != PGRES_COPY_IN)
    throw StoreError(error_of(conn_.get(), start.get(), first_line(copy_sql)),
                     sqlstate_of(start.get()));
}

void PgConnection::copy_put(std::string_view data) {
  constexpr size_t kChunk = 1 << 20;
  for (size_t off = 0; off < data.size(); off += kChunk) {
    size_t n = std::min(kChunk, data.size() - off);
    if (PQputCopyData(conn_.get(), data.data() + off, static_cast<int>(n)) != 1)
      throw StoreError(error_of(conn_.get(), nullptr, "COPY data"));
  }
}

void PgConnection::copy_end() {
  if (PQputCopyEnd(conn_.get(), nullptr) != 1)
    throw StoreError(error_of(conn_.get(), nullptr, "COPY end"));
  PgResult end(PQgetResult(conn_.get()));
  bool failed = PQresultStatus(end.get()) != PGRES_COMMAND_OK;
  std::string err = failed ? error_of(conn_.get(), end.get(), "COPY") : "";
  std::string state = sqlstate_of(end.get());
  // Drain so the connection is ready for the next command.
  while (PGresult* extra = PQgetResult(conn_.get())) PQclear(extra);
  if (failed) throw StoreError(err, state);
}

void PgConnection::copy_out(const std::string& copy_sql,
                            const std::function<void(std::string_view)>& on_message) {
  if (!conn_) throw StoreError("not connected to PostgreSQL");
  PgResult start(PQexec(conn_.get(), copy_sql.c_str()));
  if (PQresultStatus(start.get()) != PGRES_COPY_OUT)
    throw StoreError(error_of(conn_.get(), start.get(), first_line(copy_sql)),
                     sqlstate_of(start.get()));
  struct Freer {
    void operator()(char* p) const { PQfreemem(p); }
  };
  for (;;) {
    char* raw = nullptr;
    int n = PQgetCopyData(conn_.get(), &raw, /*async=*/0);
    std::unique_ptr<char, Freer> buffer(raw);
    if (n == -1) break;  // done: the command's result follows
    if (n < 0) throw StoreError(error_of(conn_.get(), nullptr, "COPY out"));
    try {
      on_message({buffer.get(), static_cast<size_t>(n)});
    } catch (...) {
      // Leave the connection unusable rather than half-way through a COPY.
      conn_.reset();
      throw;
    }
  }
  PgResult end(PQgetResult(conn_.get()));
  bool failed = PQresultStatus(end.get()) != PGRES_COMMAND_OK;
  std::string err = failed ? error_of(conn_.get(), end.get(), "COPY") : "";
  std::string state = sqlstate_of(end.get());
  while (PGresult* extra = PQgetResult(conn_.get())) PQclear(extra);
  if (failed) throw StoreError(err, state);
}

Transaction::Transaction(PgConnection& conn) : conn_(conn) { conn_.exec("BEGIN"); }

Transaction::~Transaction() {
  if (done_ || !conn_.usable()) return;
  try {
    conn_.exec("ROLLBACK");
  } catch (const StoreError&) {
    // The connection is broken; the server rolls back on its own.
  }
}

void Transaction::commit() {
  done_ = true;
  conn_.exec("COMMIT");
}

std::string concat_hashes(const std::vector<core::Hash>& hashes) {
  std::string out;
  out.reserve(hashes.size() * 32);
  for (const auto& h : hashes) out.append(reinterpret_cast<const char*>(h.data()), h.size());
  return out;
}

std::vector<core::Hash> split_hashes(core::ByteView bytes) {
  if (bytes.size() % 32 != 0) throw StoreError("stored hash list is not a multiple of 32 bytes");
  std::vector<core::Hash> out(bytes.size() / 32);
  for (size_t i = 0; i < out.size(); ++i) std::memcpy(out[i].data(), bytes.data() + 32 * i, 32);
  return out;
}

namespace copy_binary {
void header(std::string& out) {
  static const char kSignature[] = "PGCOPY\n\377\r\n";
  out.append(kSignature, 11);  // includes the trailing NUL byte
  append_be(out, 0, 4);        // flags
  append_be(out, 0, 4);        // header extension length
}
void tuple(std::string& out, int16_t fields) { append_be(out, static_cast<uint16_t>(fields), 2); }
void field(std::string& out, core::ByteView value) {
  append_be(out, value.size(), 4);
  out.append(reinterpret_cast<const char*>(value.data()), value.size());
}
void field_int64(std::string& out, int64_t value) {
  append_be(out, 8, 4);
  append_be(out, static_cast<uint64_t>(value), 8);
}
void field_int16(std::string& out, int16_t value) {
  append_be(out, 2, 4);
  append_be(out, static_cast<uint16_t>(value), 2);
}
void field_length(std::string& out, size_t length) { append_be(out, length, 4); }
void trailer(std::string& out) { append_be(out, 0xffff, 2); }
}  // namespace copy_binary

}  // namespace ink::store::sync
