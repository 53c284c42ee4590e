#include "store/ts_writer.h"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/clock.h"
#include "core/protocol.h"
#include "core/record_hash.h"
#include "core/uuid.h"

namespace ink::store {

using asio::awaitable;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kInsert =
    "INSERT INTO ts (id, ts_us, hash, tag) "
    "SELECT u.id, $1::bigint, u.hash, u.tag "
    "FROM unnest($2::uuid[], $3::bytea[], $4::text[]) AS u(id, hash, tag)";

awaitable<void> pause(std::chrono::milliseconds how_long) {
  asio::steady_timer timer(co_await asio::this_coro::executor, how_long);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

std::string raw_uuid(const std::string& text) {
  auto raw = core::parse_uuid(text);
  if (!raw) throw std::invalid_argument(raw.error().message);
  return std::string(reinterpret_cast<const char*>(raw->data()), raw->size());
}

}  // namespace

awaitable<InsertedTs> TsWriter::insert(const std::vector<NewTs>& batch) {
  auto lease = co_await pool_->acquire();
  const auto timeout = pool_->options().query_timeout;
  // The reading and the transaction id (to learn the transaction's fate if
  // the COMMIT's answer is lost). A failure here is before any COMMIT:
  // nothing can have been recorded.
  // Both statements prepared: at a few rows per group commit, parsing and
  // planning were a large part of PostgreSQL's work per ts.
  const std::vector<PgStatement> begin_statements{
      {"BEGIN", {}, {}}, {"SELECT ink_ts_clock()::text, pg_current_xact_id()::text", {}, {}, true}};
  auto begin_results = co_await lease->pipeline(begin_statements, timeout);
  const auto& begun = begin_results.at(1);
  if (begun.rows() != 1 || begun.is_null(0, 0)) {
    co_await lease->execute("ROLLBACK", timeout);  // not leave a transaction open
    throw PgQueryError("no clock reading", "");
  }
  InsertedTs out;
  out.ts_us = std::stoll(std::string(begun.bytes(0, 0)));
  const std::string xid(begun.bytes(0, 1));
  const std::string timestamp = core::format_clock(out.ts_us);

  PgBinaryArray ids(PgBinaryArray::kUuid), hashes(PgBinaryArray::kBytea),
      tags(PgBinaryArray::kText);
  out.hashes.reserve(batch.size());
  for (const auto& t : batch) {
    auto h = core::ts_hash(t.data, timestamp);
    out.hashes.push_back(h);
    ids.add(raw_uuid(t.id));
    hashes.add(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
    if (t.tag)
      tags.add(*t.tag);
    else
      tags.add_null();
  }
  std::vector<PgStatement> statements{
      {kInsert,
       {std::to_string(out.ts_us), ids.finish(), hashes.finish(), tags.finish()},
       {false, true, true, true},
       true},
      {"COMMIT", {}, {}}};
  std::optional<std::string> lost;  // why the COMMIT's answer never came
  try {
    co_await lease->pipeline(statements, timeout);
  } catch (const PgUnavailable& e) {
    lost = e.what();
  }
  if (lost) {
    // The COMMIT may have reached the server: ask before saying anything.
    spdlog::warn("lost the connection while committing {} ts ({}); asking about transaction {}",
                 batch.size(), *lost, xid);
    { auto broken = std::move(lease); }  // back to the pool (dropped) before taking another
    bool committed = false;
    try {
      committed = co_await resolve(xid, batch);
    } catch (const CommitOutcomeUnknown&) {
      ++resolutions_.unknown;
      throw;
    }
    if (!committed) {
      ++resolutions_.rolled_back;
      throw PgUnavailable("the transaction was rolled back: " + *lost);
    }
    ++resolutions_.committed;
    spdlog::info("transaction {} had committed: {} ts answered as accepted", xid, batch.size());
  }
  co_return out;
}

awaitable<bool> TsWriter::resolve(const std::string& xid, const std::vector<NewTs>& batch) {
  // The transaction's status only says when to look: once it is no longer in
  // progress, the rows decide. After a crash the transaction id can belong to
  // another transaction: one whose records never reached the disk left no
  // trace, and the restarted server hands its id out again, so
  // "committed" may be someone else's commit.
  const auto deadline = Clock::now() + resolve_for_;
  std::string last_problem = "no answer";
  bool looked_again = false;  // at a "committed" transaction whose rows were not seen yet
  for (;;) {
    std::optional<std::string> status;  // none: the database does not know the id
    bool asked = false;
    try {
      PgParams params{xid};  // (named: GCC 12 may destroy temporaries in a co_await twice)
      auto r = co_await pool_->query("SELECT pg_xact_status($1::xid8)", params);
      if (r.rows() == 1 && !r.is_null(0, 0)) status = std::string(r.bytes(0, 0));
      asked = true;
    } catch (const PgQueryError& e) {
      // An id from before a failover that never reached this server.
      last_problem = e.what();
      asked = true;
    } catch (const PgUnavailable& e) {
      last_problem = e.what();
    }
    if (asked && status == "in progress") {
      last_problem = "transaction " + xid + " still in progress";  // COMMIT under way
    } else if (asked) {
      // Counted in a statement of its own, so its snapshot is taken after
      // the transaction ended.
      std::vector<std::optional<std::string>> ids;
      for (const auto& t : batch) ids.emplace_back(t.id);
      PgParams params{pg_text_array(ids)};
      std::optional<int64_t> found;
      try {
        auto r =
            co_await pool_->query("SELECT count(*) FROM ts WHERE id = ANY($1::uuid[])", params);
        found = r.int64(0, 0);
      } catch (const std::exception& e) {
        last_problem = e.what();
      }
      if (found && *found == int64_t(batch.size())) co_return true;
      if (found && *found != 0)  // one transaction cannot have stored part of its rows
        throw CommitOutcomeUnknown("only " + std::to_string(*found) + " of " +
                                   std::to_string(batch.size()) + " ts of one transaction exist");
      if (found) {
        // A commit is marked in the log a moment before new snapshots see
        // it: look once more before calling a "committed" one someone else's.
        if (status != "committed" || looked_again) co_return false;
        looked_again = true;
        last_problem = "transaction " + xid + " committed, its rows not seen yet";
      }
    }
    if (Clock::now() >= deadline)
      throw CommitOutcomeUnknown("cannot learn whether the commit landed: " + last_problem);
    co_await pause(std::chrono::milliseconds(200));
  }
}
}  // namespace ink::store
