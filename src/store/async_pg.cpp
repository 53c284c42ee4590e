#include "store/async_pg.h"

#include <arpa/inet.h>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>

namespace ink::store {

using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

namespace {

template <class T>
T read_be(std::string_view v) {
  T out{};
  if (v.size() != sizeof(T)) throw std::runtime_error("unexpected column width");
  std::memcpy(&out, v.data(), sizeof(T));
  if constexpr (sizeof(T) == 8) return T(be64toh(uint64_t(out)));
  if constexpr (sizeof(T) == 4) return T(ntohl(uint32_t(out)));
  if constexpr (sizeof(T) == 2) return T(ntohs(uint16_t(out)));
  return out;
}

// Waits until fd is ready (or the deadline passes) with a temporary descriptor:
// during connection set-up libpq may change sockets between polls.
awaitable<bool> wait_fd(int fd, bool for_write, Clock::time_point deadline) {
  auto ex = co_await asio::this_coro::executor;
  asio::posix::stream_descriptor sd(ex, fd);
  auto state = std::make_shared<int>(0);  // 0 waiting, 1 done, 2 timed out
  asio::steady_timer timer(ex, deadline);
  timer.async_wait([state, &sd](boost::system::error_code ec) {
    if (!ec && *state == 0) {
      *state = 2;
      sd.cancel();
    }
  });
  boost::system::error_code ec;
  co_await sd.async_wait(for_write ? asio::posix::stream_descriptor::wait_write
                                   : asio::posix::stream_descriptor::wait_read,
                         asio::redirect_error(use_awaitable, ec));
  bool timed_out = *state == 2;
  *state = 1;
  timer.cancel();
  sd.release();
  co_return !timed_out && !ec;
}

}  // namespace

int64_t PgResult::int64(int row, int col) const { return read_be<int64_t>(bytes(row, col)); }
int32_t PgResult::int32(int row, int col) const { return read_be<int32_t>(bytes(row, col)); }
int16_t PgResult::int16(int row, int col) const { return read_be<int16_t>(bytes(row, col)); }
bool PgResult::boolean(int row, int col) const {
  auto v = bytes(row, col);
  return v.size() == 1 && v[0] != 0;
}

AsyncConnection::AsyncConnection(asio::any_io_executor executor, PGconn* conn)
    : conn_(conn), socket_(executor, PQsocket(conn)) {}

AsyncConnection::~AsyncConnection() {
  socket_.release();  // libpq owns the socket and closes it in PQfinish
  PQfinish(conn_);
}

awaitable<std::unique_ptr<AsyncConnection>> AsyncConnection::connect(
    const asio::any_io_executor& executor, const std::string& conninfo,
    std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  PGconn* conn = PQconnectStart(conninfo.c_str());
  if (!conn) throw PgUnavailable("out of memory connecting to PostgreSQL");
  auto failed = [&](const std::string& why) {
    std::string msg = why + ": " + PQerrorMessage(conn);
    PQfinish(conn);
    return PgUnavailable(msg);
  };
  if (PQstatus(conn) == CONNECTION_BAD) throw failed("cannot connect to PostgreSQL");
  PostgresPollingStatusType poll = PGRES_POLLING_WRITING;
  for (;;) {
    if (poll == PGRES_POLLING_OK) break;
    if (poll == PGRES_POLLING_FAILED) throw failed("cannot connect to PostgreSQL");
    bool ready = co_await wait_fd(PQsocket(conn), poll == PGRES_POLLING_WRITING, deadline);
    if (!ready) throw failed("timed out connecting to PostgreSQL");
    poll = PQconnectPoll(conn);
  }
  if (PQsetnonblocking(conn, 1) != 0) throw failed("cannot make the connection non-blocking");
  co_return std::unique_ptr<AsyncConnection>(new AsyncConnection(executor, conn));
}

void AsyncConnection::fail(const std::string& what) {
  healthy_ = false;
  throw PgUnavailable(what + ": " + PQerrorMessage(conn_));
}

awaitable<void> AsyncConnection::wait(bool for_write, Clock::time_point deadline) {
  auto ex = co_await asio::this_coro::executor;
  auto state = std::make_shared<int>(0);
  asio::steady_timer timer(ex, deadline);
  timer.async_wait([state, this](boost::system::error_code ec) {
    if (!ec && *state == 0) {
      *state = 2;
      socket_.cancel();
    }
  });
  boost::system::error_code ec;
  co_await socket_.async_wait(for_write ? asio::posix::stream_descriptor::wait_write
                                        : asio::posix::stream_descriptor::wait_read,
                              asio::redirect_error(use_awaitable, ec));
  bool timed_out = *state == 2;
  *state = 1;
  timer.cancel();
  if (timed_out) {
    healthy_ = false;
    throw PgUnavailable("PostgreSQL did not answer in time");
  }
  if (ec) {
    healthy_ = false;
    throw PgUnavailable("PostgreSQL connection wait failed: " + ec.message());
  }
}

awaitable<PgResult> AsyncConnection::query(std::string_view sql, const PgParams& params,
                                           std::chrono::milliseconds timeout) {
  if (!healthy_) throw PgUnavailable("PostgreSQL connection is broken");
  auto deadline = Clock::now() + timeout;
  std::string text(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  if (!PQsendQueryParams(conn_, text.c_str(), int(values.size()), nullptr, values.data(), nullptr,
                         nullptr, 1))
    fail("cannot send query");
  co_return co_await collect(deadline);
}

awaitable<PgResult> AsyncConnection::execute(std::string_view sql,
                                             std::chrono::milliseconds timeout) {
  if (!healthy_) throw PgUnavailable("PostgreSQL connection is broken");
  auto deadline = Clock::now() + timeout;
  std::string text(sql);
  if (!PQsendQuery(conn_, text.c_str())) fail("cannot send query");
  try {
    co_return co_await collect(deadline);
  } catch (const PgQueryError&) {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) healthy_ = false;
    throw;
  }
}

namespace {

// Class 08 (connection), 57P (shutdown), 53 (resources): the database, not the query.
bool database_unavailable(const std::string& sqlstate) {
  return sqlstate.empty() || sqlstate.rfind("08", 0) == 0 || sqlstate.rfind("57P", 0) == 0 ||
         sqlstate.rfind("53", 0) == 0;
}

std::string sqlstate_of(const PGresult* r) {
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  return state ? state : "";
}

}  // namespace

awaitable<void> AsyncConnection::flush(Clock::time_point deadline) {
  for (;;) {
    int r = PQflush(conn_);
    if (r == 0) co_return;
    if (r < 0) fail("cannot send query");
    co_await wait(true, deadline);
  }
}

awaitable<PGresult*> AsyncConnection::next_result(Clock::time_point deadline) {
  while (PQisBusy(conn_)) {
    co_await wait(false, deadline);
    if (!PQconsumeInput(conn_)) fail("lost the PostgreSQL connection");
  }
  co_return PQgetResult(conn_);
}

awaitable<PgResult> AsyncConnection::collect(Clock::time_point deadline) {
  co_await flush(deadline);
  PgResult result;
  std::optional<PgQueryError> error;
  bool unavailable = false;
  for (;;) {
    PGresult* r = co_await next_result(deadline);
    if (!r) break;
    auto status = PQresultStatus(r);
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
      if (status == PGRES_TUPLES_OK || result.rows() == 0)
        result = PgResult(r);
      else
        PQclear(r);
    } else {
      std::string sqlstate = sqlstate_of(r);
      if (database_unavailable(sqlstate)) unavailable = true;
      if (!error) error.emplace(PQresultErrorMessage(r), sqlstate);
      PQclear(r);
    }
  }
  if (PQstatus(conn_) == CONNECTION_BAD) unavailable = true;
  if (unavailable) {
    healthy_ = false;
    throw PgUnavailable(error ? error->what() : "lost the PostgreSQL connection");
  }
  if (error) throw *error;
  co_return result;
}

awaitable<std::vector<PgResult>> AsyncConnection::pipeline(std::span<const PgStatement> statements,
                                                           std::chrono::milliseconds timeout) {
  if (!healthy_) throw PgUnavailable("PostgreSQL connection is broken");
  auto deadline = Clock::now() + timeout;
  if (!PQenterPipelineMode(conn_)) fail("cannot enter pipeline mode");
  // What the server answers, in order: each statement, preceded by its
  // Parse when it is prepared here for the first time.
  struct Answer {
    size_t statement;
    std::string prepare_name;  // non-empty: the Parse of `statement`
  };
  std::vector<Answer> answers;
  for (size_t at = 0; at < statements.size(); ++at) {
    const auto& st = statements[at];
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    for (size_t i = 0; i < st.params.size(); ++i) {
      const auto& p = st.params[i];
      values.push_back(p ? p->data() : nullptr);
      lengths.push_back(p ? int(p->size()) : 0);
      formats.push_back(i < st.binary.size() && st.binary[i] ? 1 : 0);
    }
    if (!st.prepared) {
      if (!PQsendQueryParams(conn_, st.sql.c_str(), int(values.size()), nullptr, values.data(),
                             lengths.data(), formats.data(), 1))
        fail("cannot send query");
      answers.push_back({at, ""});
      continue;
    }
    auto known = prepared_.find(st.sql);
    std::string name =
        known != prepared_.end() ? known->second : "ink_" + std::to_string(next_prepared_++);
    if (known == prepared_.end()) {
      if (!PQsendPrepare(conn_, name.c_str(), st.sql.c_str(), int(values.size()), nullptr))
        fail("cannot send query");
      answers.push_back({at, name});
    }
    if (!PQsendQueryPrepared(conn_, name.c_str(), int(values.size()), values.data(), lengths.data(),
                             formats.data(), 1))
      fail("cannot send query");
    answers.push_back({at, ""});
  }
  if (!PQpipelineSync(conn_)) fail("cannot send pipeline sync");
  co_await flush(deadline);

  std::vector<PgResult> results(statements.size());
  std::optional<PgQueryError> error;
  bool unavailable = false;
  for (const auto& answer : answers) {
    for (;;) {  // each answer's results end with a null result
      PGresult* r = co_await next_result(deadline);
      if (!r) break;
      auto status = PQresultStatus(r);
      if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        if (answer.prepare_name.empty())
          results[answer.statement] = PgResult(r);
        else {
          // Made on the server (a Parse outlives any transaction).
          prepared_.emplace(statements[answer.statement].sql, answer.prepare_name);
          PQclear(r);
        }
      } else if (status == PGRES_PIPELINE_ABORTED) {
        PQclear(r);
      } else {
        std::string sqlstate = sqlstate_of(r);
        if (database_unavailable(sqlstate)) unavailable = true;
        if (!error) error.emplace(PQresultErrorMessage(r), sqlstate);
        PQclear(r);
      }
      if (PQstatus(conn_) == CONNECTION_BAD) fail("lost the PostgreSQL connection");
    }
  }
  PGresult* sync = co_await next_result(deadline);
  bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync) PQclear(sync);
  if (!synced || !PQexitPipelineMode(conn_)) fail("pipeline did not end cleanly");
  if (unavailable) {
    healthy_ = false;
    throw PgUnavailable(error ? error->what() : "lost the PostgreSQL connection");
  }
  if (error) {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) healthy_ = false;
    throw *error;
  }
  co_return results;
}

PgPool::PgPool(asio::any_io_executor executor, Options options)
    : executor_(std::move(executor)), options_(std::move(options)) {}

PgPool::Lease::~Lease() {
  if (pool_ && conn_) pool_->give_back(std::move(conn_));
}

void PgPool::give_back(std::unique_ptr<AsyncConnection> conn) {
  std::shared_ptr<Waiter> wake;
  {
    std::lock_guard lock(mutex_);
    --leased_;
    if (!conn->healthy()) {
      --open_;
      conn.reset();
    }
    if (!waiters_.empty()) {
      wake = waiters_.front();
      waiters_.pop_front();
      if (conn) {
        wake->handed = std::move(conn);
        ++leased_;
      } else {
        wake->slot = true;
        ++open_;
      }
    } else if (conn) {
      idle_.push_back(std::move(conn));
    }
  }
  if (wake) asio::post(wake->timer->get_executor(), [wake] { wake->timer->cancel(); });
}

awaitable<PgPool::Lease> PgPool::acquire() {
  auto self = shared_from_this();
  auto ex = co_await asio::this_coro::executor;
  auto deadline = Clock::now() + options_.acquire_timeout;
  for (;;) {
    std::unique_ptr<AsyncConnection> conn;
    std::shared_ptr<Waiter> waiter;
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
        ++leased_;
      } else if (open_ < options_.max_size) {
        ++open_;  // this coroutine may open a connection in this slot
      } else {
        waiter = std::make_shared<Waiter>();
        waiter->timer = std::make_shared<asio::steady_timer>(ex, deadline);
        waiters_.push_back(waiter);
      }
    }
    if (conn) co_return Lease(self, std::move(conn));
    if (waiter) {
      boost::system::error_code ec;
      co_await waiter->timer->async_wait(asio::redirect_error(use_awaitable, ec));
      std::lock_guard lock(mutex_);
      if (waiter->handed) {
        conn = std::move(waiter->handed);
      } else if (waiter->slot) {
        // handed a slot: open a connection in it below
      } else {
        std::erase(waiters_, waiter);
        if (Clock::now() >= deadline)
          throw PgUnavailable("no PostgreSQL connection became free in time");
        continue;
      }
    }
    if (conn) co_return Lease(self, std::move(conn));
    // Here this coroutine holds one slot of open_.
    try {
      conn =
          co_await AsyncConnection::connect(executor_, options_.conninfo, options_.connect_timeout);
    } catch (...) {
      std::shared_ptr<Waiter> next;
      {
        std::lock_guard lock(mutex_);
        --open_;
        // Let one waiter try for itself rather than wait out its whole timeout.
        if (!waiters_.empty()) {
          next = waiters_.front();
          waiters_.pop_front();
          next->slot = true;
          ++open_;
        }
      }
      if (next) asio::post(next->timer->get_executor(), [next] { next->timer->cancel(); });
      throw;
    }
    {
      std::lock_guard lock(mutex_);
      ++leased_;
    }
    co_return Lease(self, std::move(conn));
  }
}

awaitable<PgResult> PgPool::query(std::string_view sql, const PgParams& params) {
  // Reads are idempotent: one retry covers an idle connection that broke
  // while the database restarted.
  for (int attempt = 0;; ++attempt) {
    try {
      auto lease = co_await acquire();
      co_return co_await lease->query(sql, params, options_.query_timeout);
    } catch (const PgUnavailable&) {
      if (attempt >= 1) throw;
    }
  }
}

PoolStats PgPool::stats() const {
  std::lock_guard lock(mutex_);
  return PoolStats{open_, leased_, waiters_.size(), options_.max_size};
}

std::string pg_text_array(const std::vector<std::optional<std::string>>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    if (!items[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : *items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

namespace {
void put_be32(std::string& out, uint32_t v) {
  v = htonl(v);
  out.append(reinterpret_cast<const char*>(&v), 4);
}
}  // namespace

void PgBinaryArray::add(std::string_view element) {
  put_be32(elements_, uint32_t(element.size()));
  elements_.append(element);
  ++count_;
}

void PgBinaryArray::add_null() {
  put_be32(elements_, 0xFFFFFFFFu);  // length -1
  has_null_ = true;
  ++count_;
}

std::string PgBinaryArray::finish() const {
  std::string out;
  out.reserve(20 + elements_.size());
  put_be32(out, 1);  // dimensions
  put_be32(out, has_null_ ? 1 : 0);
  put_be32(out, element_oid_);
  put_be32(out, count_);  // length of the dimension
  put_be32(out, 1);       // its lower bound
  out += elements_;
  return out;
}

}  // namespace ink::store
