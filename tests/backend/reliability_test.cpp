// What one client cannot do to another, and what the backend says when the
// database fails at the worst moment (issue #18): poisoned rows in a group
// commit, a COMMIT whose answer is lost, framing that invites smuggling.

#include <signal.h>

#include <future>
#include <thread>

#include "backend/backend_stack.h"

namespace ink {
namespace {

// Fires `n` submissions from `threads` threads; `make(i)` gives target and body.
std::vector<test::HttpResponse> burst(
    const Stack& s, int n, int threads,
    const std::function<std::pair<std::string, std::string>(int)>& make) {
  std::vector<test::HttpResponse> out(static_cast<size_t>(n));
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i = next++; i < n; i = next++) {
        auto [target, body] = make(i);
        try {
          out[size_t(i)] = post(s, target, body, "application/json");
        } catch (const std::exception& e) {
          out[size_t(i)].status = -1;
          out[size_t(i)].body = e.what();
        }
      }
    });
  for (auto& t : pool) t.join();
  return out;
}

TEST(Reliability, NulInAnyFieldIs400AndChangesNothing) {
  Stack s;
  ASSERT_TRUE(s.ready());
  auto before = s.count("SELECT count(*) FROM ts");
  auto tag = post(s, "/api/v1/ts/?tag=a%00b", stamp("nul tag"), "application/json");
  expect_error(tag, 400, "bad_request");
  EXPECT_NE(tag.body.find("NUL"), std::string::npos) << tag.body;
  auto data = post(s, "/api/v1/ts/", R"({"data": "a\u0000b"})", "application/json");
  expect_error(data, 400, "bad_request");
  EXPECT_NE(data.body.find("NUL"), std::string::npos) << data.body;
  expect_error(post(s, "/api/v1/ts/?compact", std::string("a\0b", 3), "text/plain"), 400,
               "bad_request");
  EXPECT_EQ(s.count("SELECT count(*) FROM ts"), before);
}

// Rows that make the statement fail (here: a constraint the test adds, which
// validation cannot know) are isolated; every other submission of their
// batches is stored and answered 200.
TEST(Reliability, PoisonedRowsNeverFailInnocentSubmissions) {
  Stack s;
  ASSERT_TRUE(s.ready());
  test::query_value(
      s.db, "ALTER TABLE ts ADD CONSTRAINT test_poison CHECK (tag IS DISTINCT FROM 'poison')");
  const int n = 1200;
  auto poisoned = [](int i) { return i % 40 == 7; };  // 30 of them, spread out
  auto answers = burst(s, n, 48, [&](int i) {
    return std::make_pair(
        std::string(poisoned(i) ? "/api/v1/ts/?tag=poison" : "/api/v1/ts/?tag=ok"),
        stamp("poison test " + std::to_string(i)));
  });
  int innocent_ok = 0, poisoned_failed = 0;
  for (int i = 0; i < n; ++i) {
    if (poisoned(i)) {
      EXPECT_EQ(answers[size_t(i)].status, 500) << answers[size_t(i)].body;
      poisoned_failed += answers[size_t(i)].status == 500;
    } else {
      EXPECT_EQ(answers[size_t(i)].status, 200) << i << ": " << answers[size_t(i)].body;
      innocent_ok += answers[size_t(i)].status == 200;
    }
  }
  EXPECT_EQ(innocent_ok, n - 30);
  EXPECT_EQ(poisoned_failed, 30);
  EXPECT_EQ(s.count("SELECT count(*) FROM ts WHERE tag = 'ok'"), n - 30);
  EXPECT_EQ(s.count("SELECT count(*) FROM ts WHERE tag = 'poison'"), 0);
  // The poison shared batches with innocent rows, and they were split apart.
  EXPECT_GT(metric(s, "ink_insert_batch_splits_total"), 0);
}

test::HttpResponse stamp_once(const Stack& s, const std::string& what) {
  return post(s, "/api/v1/ts/", stamp(what), "application/json");
}

// The COMMIT reaches PostgreSQL and commits, its answer is lost: the backend
// asks, learns it committed, and answers 200 (not "nothing was recorded").
TEST(Reliability, LostCommitAnswerThatCommittedIsAccepted) {
  test::FaultProxy proxy(std::stoi(test::env_value("PG_PORT")));
  Stack s(StackOptions{proxy.port()});
  ASSERT_TRUE(s.ready());
  proxy.set_mode(test::FaultProxy::Mode::kCutAfterCommit);
  auto res = stamp_once(s, "commit answer lost");
  EXPECT_EQ(proxy.cuts(), 1);
  ASSERT_EQ(res.status, 200) << res.body;
  auto id = parse_json(res.body).value("id", "");
  EXPECT_EQ(s.count("SELECT count(*) FROM ts WHERE id = '" + id + "'"), 1);
  EXPECT_EQ(metric(s, "ink_commit_lost_committed_total"), 1);
}

// The connection breaks before the COMMIT reaches PostgreSQL: the backend
// learns the transaction rolled back and says nothing was recorded.
TEST(Reliability, LostCommitThatNeverLandedIsNothingRecorded) {
  test::FaultProxy proxy(std::stoi(test::env_value("PG_PORT")));
  Stack s(StackOptions{proxy.port()});
  ASSERT_TRUE(s.ready());
  auto before = s.count("SELECT count(*) FROM ts");
  proxy.set_mode(test::FaultProxy::Mode::kCutBeforeCommit);
  auto res = stamp_once(s, "commit never sent");
  EXPECT_EQ(proxy.cuts(), 1);
  expect_error(res, 503, "unavailable");
  EXPECT_NE(res.body.find("nothing was recorded"), std::string::npos) << res.body;
  EXPECT_EQ(s.count("SELECT count(*) FROM ts"), before);
  EXPECT_EQ(stamp_once(s, "and again").status, 200);
}

// The COMMIT lands, its answer is lost, and the database stays unreachable
// past the backend's deadline: the answer is the distinct outcome_unknown,
// naming the id, which can be read once the database is back.
TEST(Reliability, CommitOutcomeThatCannotBeLearntIsSaidSo) {
  test::FaultProxy proxy(std::stoi(test::env_value("PG_PORT")));
  Stack s(StackOptions{proxy.port(), {{"INK_COMMIT_RESOLVE_SECONDS", "1.5"}}});
  ASSERT_TRUE(s.ready());
  proxy.set_mode(test::FaultProxy::Mode::kCutAfterCommit, test::FaultProxy::Mode::kRefuse);
  auto res = stamp_once(s, "fate unknown");
  expect_error(res, 503, "outcome_unknown");
  auto id = parse_json(res.body).value("id", "");
  ASSERT_EQ(id.size(), 36u) << res.body;
  EXPECT_EQ(res.header("location"), "/api/v1/ts/" + id + "/");
  proxy.set_mode(test::FaultProxy::Mode::kPass);
  EXPECT_EQ(s.count("SELECT count(*) FROM ts WHERE id = '" + id + "'"), 1);
  ASSERT_TRUE(test::wait_until(
      [&] {
        try {
          return http_get(s.base, "/api/v1/ts/" + id + "/").status == 200;
        } catch (...) {
          return false;
        }
      },
      30s));
  EXPECT_EQ(metric(s, "ink_commit_lost_unknown_total"), 1);
}

// A request whose framing is ambiguous is refused with the protocol's error
// body and the connection closed; its body is never read as a request.
TEST(Reliability, AmbiguousFramingIsRefusedAndNothingIsSmuggled) {
  Stack s;
  ASSERT_TRUE(s.ready());
  auto before = s.count("SELECT count(*) FROM ts");
  const std::string smuggled =
      "POST /api/v1/ts/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 20\r\n\r\n{\"data\":\"smuggled\"}";
  auto with_te = [&](const std::string& te) {
    std::string body = "0\r\n\r\n" + smuggled;
    return "POST /api/v1/ts/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Transfer-Encoding: " +
           te + "\r\n\r\n" + body;
  };
  struct Case {
    std::string name, bytes;
    int status;
  };
  std::vector<Case> cases = {
      {"xchunked", with_te("xchunked"), 400},
      {"chunked, identity", with_te("chunked, identity"), 400},
      {"gzip", with_te("gzip"), 400},
      {"gzip, chunked", with_te("gzip, chunked"), 501},
      {"chunked twice", with_te("chunked, chunked"), 400},
      {"obs-fold", "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n" + smuggled,
       400},
      {"Content-Length list",
       "POST /api/v1/ts/ HTTP/1.1\r\nHost: x\r\nContent-Type: "
       "application/json\r\nContent-Length: 20, 20\r\n\r\n"
       "{\"data\":\"smuggled\"}" +
           smuggled,
       400},
      {"no Host", "GET /api/health HTTP/1.1\r\n\r\n" + smuggled, 400},
      {"two Hosts", "GET /api/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + smuggled, 400},
      {"TE in HTTP/1.0",
       "POST /api/v1/ts/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, 400},
  };
  for (const auto& c : cases) {
    auto raw = test::raw_exchange(s.base, c.bytes, 3s);
    EXPECT_EQ(raw.rfind("HTTP/1.1 " + std::to_string(c.status), 0), 0u) << c.name << ": " << raw;
    EXPECT_NE(raw.find("Connection: close"), std::string::npos) << c.name << ": " << raw;
    EXPECT_NE(raw.find("\"error\""), std::string::npos) << c.name << ": " << raw;
    // Exactly one answer: the smuggled request behind it was never read.
    EXPECT_EQ(raw.find("\nHTTP/1."), std::string::npos) << c.name << ": " << raw;
  }
  EXPECT_EQ(s.count("SELECT count(*) FROM ts"), before);
  // A well-framed chunked request still works.
  auto chunked = test::raw_exchange(
      s.base,
      "POST /api/v1/ts/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\nConnection: "
      "close\r\n\r\n12\r\n{\"data\":\"chunked\"}\r\n0\r\n\r\n",
      5s);
  EXPECT_EQ(chunked.rfind("HTTP/1.1 200", 0), 0u) << chunked;
  EXPECT_EQ(s.count("SELECT count(*) FROM ts"), before + 1);
}

TEST(Reliability, NonCanonicalIndexesAndBadUpgradesGetJsonErrors) {
  Stack s;
  ASSERT_TRUE(s.ready());
  expect_error(http_get(s.base, "/api/v1/mth/01"), 400, "bad_request");
  expect_error(http_get(s.base, "/api/v1/mth/00/in/1"), 400, "bad_request");
  EXPECT_EQ(http_get(s.base, "/api/v1/mth/0").status, 200);
  auto upgrade = [&](const std::string& extra) {
    return test::raw_exchange(s.base,
                              "GET /api/v1/mth/live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\n" +
                                  extra + "\r\n",
                              3s);
  };
  auto no_key = upgrade("Sec-WebSocket-Version: 13\r\n");
  EXPECT_EQ(no_key.rfind("HTTP/1.1 400", 0), 0u) << no_key;
  EXPECT_NE(no_key.find("application/json"), std::string::npos) << no_key;
  EXPECT_NE(no_key.find("\"error\":\"bad_request\""), std::string::npos) << no_key;
  auto old_version =
      upgrade("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n");
  EXPECT_EQ(old_version.rfind("HTTP/1.1 426", 0), 0u) << old_version;
  EXPECT_NE(old_version.find("Sec-WebSocket-Version: 13"), std::string::npos) << old_version;
  EXPECT_NE(old_version.find("\"error\":\"upgrade_required\""), std::string::npos) << old_version;
  auto elsewhere = test::raw_exchange(
      s.base,
      "GET /api/v1/keys HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      3s);
  EXPECT_EQ(elsewhere.rfind("HTTP/1.1 404", 0), 0u) << elsewhere;
  EXPECT_NE(elsewhere.find("\"error\":\"not_found\""), std::string::npos) << elsewhere;
}

}  // namespace
}  // namespace ink
