// Reads through DATABASE_READ_URL (store/read_routing.h) against the
// fixture's one PostgreSQL: as a "standby" that is always caught up (the
// primary itself), and as one that is down. The failover suite
// (tests/failover) has real standbys; these run under the sanitizers too.

#include "backend/backend_stack.h"

namespace ink {
namespace {

bool ready_again(const Stack& s) {
  return test::wait_until(
      [&] {
        try {
          return http_get(s.base, "/api/ready").status == 200;
        } catch (...) {
          return false;  // not listening yet
        }
      },
      30s);
}

TEST(ReadRouting, ACaughtUpStandbyAnswersReads) {
  Stack s;
  ASSERT_TRUE(s.ready());
  s.backend.reset();
  // The read URL names the same database: every probe finds it caught up.
  s.start_backend({{"DATABASE_READ_URL", s.db}});
  ASSERT_TRUE(ready_again(s));
  for (int i = 0; i < 5; ++i) {
    auto res = post(s, "/v1/ts/?wait", stamp("routed " + std::to_string(i)), "application/json");
    ASSERT_EQ(res.status, 200) << res.body;
    auto answer = parse_json(res.body);
    EXPECT_FALSE(answer["proof"].is_null()) << res.body;
    auto again = http_get(s.base, "/v1/ts/" + answer.value("id", "") + "/");
    EXPECT_EQ(again.status, 200) << again.body;
    EXPECT_FALSE(parse_json(again.body)["proof"].is_null()) << again.body;
  }
  EXPECT_GT(metric(s, "ink_db_standby_reads_total"), 0) << "no read went to the standby";
  EXPECT_EQ(metric(s, "ink_db_standby_up"), 1);
  EXPECT_GE(metric(s, "ink_db_standby_interval"), 0);
}

TEST(ReadRouting, AStandbyThatIsDownFailsNoRead) {
  Stack s;
  ASSERT_TRUE(s.ready());
  s.backend.reset();
  // Nothing listens there: every standby read and probe fails.
  s.start_backend({{"DATABASE_READ_URL", test::with_port(s.db, free_port())}});
  ASSERT_TRUE(ready_again(s));
  for (int i = 0; i < 5; ++i) {
    auto res = post(s, "/v1/ts/?wait", stamp("down " + std::to_string(i)), "application/json");
    ASSERT_EQ(res.status, 200) << res.body;
    auto answer = parse_json(res.body);
    EXPECT_FALSE(answer["proof"].is_null()) << res.body;
    EXPECT_EQ(http_get(s.base, "/v1/ts/" + answer.value("id", "") + "/").status, 200);
    EXPECT_EQ(http_get(s.base, "/v1/mth/0").status, 200);
  }
  EXPECT_GT(metric(s, "ink_db_standby_failures_total"), 0);
  EXPECT_EQ(metric(s, "ink_db_standby_up"), 0);
  EXPECT_EQ(metric(s, "ink_db_standby_reads_total"), 0);
}

}  // namespace
}  // namespace ink
