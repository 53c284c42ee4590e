// store::AsyncConnection's prepared pipeline statements against the
// fixture's PostgreSQL: made once per connection, in the same round trip the
// first time, and remembered only when the server made them.

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include "store/async_pg.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <exception>

#include "support/test_env.h"

namespace ink {
namespace {

using store::AsyncConnection;
using store::PgStatement;
using namespace std::chrono_literals;

// Runs `body` to its end on a fresh io_context; rethrows what it threw.
void run(std::function<boost::asio::awaitable<void>()> body) {
  boost::asio::io_context io;
  std::exception_ptr failed;
  boost::asio::co_spawn(io, body(), [&failed](std::exception_ptr e) { failed = e; });
  io.run();
  if (failed) std::rethrow_exception(failed);
}

TEST(AsyncPg, APreparedStatementIsMadeOncePerConnectionAndOnlyWhenTheServerMadeIt) {
  const auto db = test::fresh_database("prepared");
  run([&]() -> boost::asio::awaitable<void> {
    boost::asio::any_io_executor executor = co_await boost::asio::this_coro::executor;
    auto conn = co_await AsyncConnection::connect(executor, db, 5s);
    const std::vector<PgStatement> count{
        {"SELECT count(*) FROM prepared_probe WHERE x > $1::int", {"0"}, {}, true}};
    // The table does not exist yet: the Parse fails, and nothing is remembered.
    bool refused = false;
    try {
      co_await conn->pipeline(count, 5s);
    } catch (const store::PgQueryError&) {
      refused = true;
    }
    EXPECT_TRUE(refused);
    EXPECT_TRUE(conn->healthy());
    co_await conn->execute(
        "CREATE TABLE prepared_probe (x int); INSERT INTO prepared_probe "
        "VALUES (1), (2), (3)",
        5s);
    // Made now (had the failed Parse been remembered, this would fail).
    for (int i = 0; i < 3; ++i) {
      auto results = co_await conn->pipeline(count, 5s);
      EXPECT_EQ(results.at(0).int64(0, 0), 3);
    }
    // Beside an unprepared statement, with other parameters.
    const std::vector<PgStatement> mixed{
        {"SELECT count(*) FROM prepared_probe WHERE x > $1::int", {"1"}, {}, true},
        {"SELECT 7::bigint", {}, {}},
        {"SELECT count(*) FROM prepared_probe WHERE x > $1::int", {"2"}, {}, true}};
    auto results = co_await conn->pipeline(mixed, 5s);
    EXPECT_EQ(results.at(0).int64(0, 0), 2);
    EXPECT_EQ(results.at(1).int64(0, 0), 7);
    EXPECT_EQ(results.at(2).int64(0, 0), 1);
    auto prepared = co_await conn->execute("SELECT count(*) FROM pg_prepared_statements", 5s);
    EXPECT_EQ(prepared.bytes(0, 0), "1");  // one statement, parsed once
  });
}

}  // namespace
}  // namespace ink
