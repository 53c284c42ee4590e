// Behaviour that had no test (issue #19): the backend's own rate limiter and
// trusted proxies, the insert queue's 503, 410 after retention, 426, and the
// metrics the operator reads.

#include <libpq-fe.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <future>
#include <thread>

#include "backend/backend_stack.h"
#include "core/uuid.h"

namespace ink {
namespace {

test::HttpResponse post_as(const Stack& s, const std::string& real_ip, const std::string& what) {
  test::HttpRequest req;
  req.method = "POST";
  req.target = "/api/v1/ts/";
  req.body = stamp(what);
  req.headers["Content-Type"] = "application/json";
  if (!real_ip.empty()) req.headers["X-Real-IP"] = real_ip;
  return http(s.base, req);
}

TEST(Behaviour, RateLimitIsPerClientBehindATrustedProxy) {
  // 0.01/s: no token comes back during the test; 3 saved up.
  Stack s(StackOptions{0, {{"INK_RATE_LIMIT", "0.01:3"}}});
  ASSERT_TRUE(s.ready());
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(post_as(s, "10.0.0.1", "a" + std::to_string(i)).status, 200);
  auto limited = post_as(s, "10.0.0.1", "a3");
  expect_error(limited, 429, "too_many_requests");
  EXPECT_EQ(limited.header("retry-after"), "1");
  // Another client behind the same proxy has its own bucket.
  EXPECT_EQ(post_as(s, "10.0.0.2", "b0").status, 200);
  // Reads are never limited.
  EXPECT_EQ(http_get(s.base, "/api/v1/mth/current").status, 200);
}

TEST(Behaviour, XRealIpFromAnUntrustedPeerIsIgnored) {
  // The test connects from 127.0.0.1, which is not a trusted proxy here.
  Stack s(StackOptions{0, {{"INK_RATE_LIMIT", "0.01:2"}, {"INK_TRUSTED_PROXIES", "10.9.9.9"}}});
  ASSERT_TRUE(s.ready());
  EXPECT_EQ(post_as(s, "10.0.0.1", "x0").status, 200);
  EXPECT_EQ(post_as(s, "10.0.0.2", "x1").status, 200);
  // Both counted against 127.0.0.1, whatever the header claims.
  expect_error(post_as(s, "10.0.0.3", "x2"), 429, "too_many_requests");
}

// Holds the clock lock as the worker does while it closes an interval: every
// group commit waits in ink_ts_clock() until release().
class ClockLock {
 public:
  explicit ClockLock(const std::string& db) : conn_(PQconnectdb(db.c_str())) {
    PQclear(PQexec(conn_, "BEGIN"));
    PQclear(PQexec(conn_, "SELECT pg_advisory_xact_lock(7300001)"));
  }
  ClockLock(const ClockLock&) = delete;
  ClockLock& operator=(const ClockLock&) = delete;
  ~ClockLock() { release(); }
  void release() {
    if (!conn_) return;
    PQclear(PQexec(conn_, "COMMIT"));
    PQfinish(conn_);
    conn_ = nullptr;
  }

 private:
  PGconn* conn_;
};

TEST(Behaviour, AFullInsertQueueAnswers503AndRecordsNothing) {
  Stack s(StackOptions{0, {{"INK_INSERT_QUEUE", "2"}, {"INK_COMMITS_IN_FLIGHT", "4"}}});
  ASSERT_TRUE(s.ready());
  // Every group commit waits for the clock lock, so submissions pile up.
  ClockLock clock_lock(s.db);
  auto commits_waiting = [&] {
    return s.count(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7300001 "
        "AND mode = 'ShareLock' AND NOT granted");
  };
  std::vector<std::future<test::HttpResponse>> posts;
  auto send = [&](int i) {
    posts.push_back(std::async(std::launch::async, [&s, i] {
      return post(s, "/api/v1/ts/?tag=queue", stamp("queue " + std::to_string(i)),
                  "application/json");
    }));
  };
  // One at a time until all four group commits wait on the lock, a ts each
  // (sent at once, they could all queue before a commit takes the first).
  for (int i = 0; i < 4; ++i) {
    send(i);
    ASSERT_TRUE(test::wait_until([&] { return commits_waiting() == i + 1; }, 20s)) << i;
  }
  // Then two more queue, and the rest are refused at once.
  for (int i = 4; i < 12; ++i) send(i);
  ASSERT_TRUE(test::wait_until(
      [&] {
        int refused = int(std::count_if(posts.begin(), posts.end(), [](auto& f) {
          return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
        }));
        return refused == 6 && metric(s, "ink_insert_queue") == 2;
      },
      20s));
  clock_lock.release();
  int ok = 0, overloaded = 0;
  for (auto& p : posts) {
    auto res = p.get();
    if (res.status == 200) {
      ++ok;
    } else {
      expect_error(res, 503, "overloaded");
      EXPECT_FALSE(res.header("retry-after").empty());
      ++overloaded;
    }
  }
  EXPECT_EQ(ok, 6);  // the four waiting commits and the two queued
  EXPECT_EQ(overloaded, 6);
  EXPECT_EQ(s.count("SELECT count(*) FROM ts WHERE tag = 'queue'"), ok);
}

TEST(Behaviour, ReadySaysCommitsAreStalledWhileTheyHangAndNotAfter) {
  Stack s(StackOptions{0, {}});
  ASSERT_TRUE(s.ready());
  auto ready_body = [&] {
    auto res = http_get(s.base, "/api/ready");
    EXPECT_EQ(res.status, 200) << res.body;  // reads still work: stays ready
    return parse_json(res.body);
  };
  EXPECT_FALSE(ready_body().contains("commits"));
  EXPECT_EQ(metric(s, "ink_insert_oldest_wait_seconds"), 0);
  // Commits hang (as with a synchronous standby gone) while the clock lock is
  // held: the submission waits, reads go on.
  ClockLock clock_lock(s.db);
  auto waiting = std::async(std::launch::async, [&s] {
    return post(s, "/api/v1/ts/?tag=stall", stamp("stalled"), "application/json");
  });
  EXPECT_TRUE(
      test::wait_until([&] { return metric(s, "ink_insert_oldest_wait_seconds") >= 5; }, 30s));
  auto stalled = ready_body();
  EXPECT_EQ(stalled.value("commits", ""), "stalled") << stalled.dump();
  EXPECT_GE(stalled.value("oldest_submission_waiting_seconds", 0.0), 5.0) << stalled.dump();
  clock_lock.release();
  EXPECT_EQ(waiting.get().status, 200);
  EXPECT_FALSE(ready_body().contains("commits"));
  EXPECT_EQ(metric(s, "ink_insert_oldest_wait_seconds"), 0);
  EXPECT_EQ(s.count("SELECT count(*) FROM ts WHERE tag = 'stall'"), 1);
}

TEST(Behaviour, GoneAfterRetentionUnknownOtherwiseAnd426ForTheFeed) {
  // Retention 0.001 h = 3.6 s.
  Stack s(StackOptions{0, {{"INK_RETENTION_HOURS", "0.001"}}});
  ASSERT_TRUE(s.ready());
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::array<uint8_t, 10> random{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  auto id_at = [&](int64_t ms) { return core::format_uuid(core::uuid_v7(uint64_t(ms), random)); };
  // Issued (by its time) after the service began, older than the retention:
  // gone, once the backend has seen the first interval (when the service
  // began); before that it cannot tell and says unknown.
  const std::string old_id = id_at(now_ms - 10'000);
  EXPECT_TRUE(test::wait_until(
      [&] { return http_get(s.base, "/api/v1/ts/" + old_id + "/").status == 410; }, 30s));
  expect_error(http_get(s.base, "/api/v1/ts/" + old_id + "/"), 410, "gone");
  // Too new to have expired, or from long before the service: unknown.
  expect_error(http_get(s.base, "/api/v1/ts/" + id_at(now_ms) + "/"), 404, "not_found");
  expect_error(http_get(s.base, "/api/v1/ts/" + id_at(now_ms - 86'400'000) + "/"), 404,
               "not_found");
  // Not a v7 id: never issued here.
  expect_error(http_get(s.base, "/api/v1/ts/0190a1b2-c3d4-4e5f-8a9b-0c1d2e3f4a5b/"), 404,
               "not_found");
  expect_error(http_get(s.base, "/api/v1/mth/live"), 426, "upgrade_required");
}

TEST(Behaviour, MetricsNameTypeAndMove) {
  Stack s;
  ASSERT_TRUE(s.ready());
  auto before = http_get(s.base, "/api/metrics");
  ASSERT_EQ(before.status, 200);
  EXPECT_NE(before.header("content-type").find("text/plain"), std::string::npos);
  for (const char* line :
       {"# TYPE ink_http_requests_total counter",
        "# TYPE ink_http_request_duration_seconds histogram", "# TYPE ink_open_connections gauge",
        "# TYPE ink_waiting_clients gauge", "# TYPE ink_newest_interval gauge",
        "# TYPE ink_db_pool_connections gauge", "# TYPE ink_waits_proven_total counter",
        "# TYPE ink_insert_batch_splits_total counter",
        "# TYPE ink_commit_lost_unknown_total counter"})
    EXPECT_NE(before.body.find(line), std::string::npos) << line;
  const double proven = metric(s, "ink_waits_proven_total");
  ASSERT_EQ(post(s, "/api/v1/ts/?wait", stamp("metrics"), "application/json").status, 200);
  EXPECT_EQ(metric(s, "ink_waits_proven_total"), proven + 1);
  auto after = http_get(s.base, "/api/metrics").body;
  EXPECT_NE(after.find("ink_http_requests_total{route=\"ts_create\",status=\"200\"} 1"),
            std::string::npos)
      << after;
  EXPECT_NE(after.find("ink_http_request_duration_seconds_count{route=\"ts_create\"} 1"),
            std::string::npos);
  EXPECT_GE(metric(s, "ink_newest_interval"), 0);
}

// One request over a Unix socket (Connection: close); the status, or 0 when
// nothing answered.
int status_over_unix_socket(const std::string& path, const std::string& request) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return 0;
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char chunk[4096];
  for (ssize_t n; (n = ::recv(fd, chunk, sizeof(chunk), 0)) > 0;) answer.append(chunk, size_t(n));
  ::close(fd);
  if (answer.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return std::stoi(answer.substr(9, 3));
}

std::string ts_post_from(const std::string& real_ip, const std::string& what) {
  auto body = stamp(what);
  return "POST /api/v1/ts/ HTTP/1.1\r\nHost: ink\r\nContent-Type: application/json\r\n"
         "X-Real-IP: " +
         real_ip + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

TEST(Behaviour, UnixSocketListenerServesTrustsItsPeerIsNotTakenOverAndGoesAwayOnStop) {
  const std::string dir = test::testenv_dir() + "/unix-" + std::to_string(getpid());
  std::system(("mkdir -p " + dir).c_str());
  const std::string path = dir + "/backend.sock";
  {
    // A socket file left by a process that died (bound, never unlinked): replaced.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    ::close(fd);
  }
  // 127.0.0.1 is not a trusted proxy here: only the Unix socket's peer is.
  Stack s(StackOptions{0,
                       {{"INK_LISTEN_UNIX", path},
                        {"INK_RATE_LIMIT", "0.01:2"},
                        {"INK_TRUSTED_PROXIES", "10.9.9.9"}}});
  ASSERT_TRUE(s.ready());
  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0666u);  // a proxy running as another user can connect
  EXPECT_EQ(status_over_unix_socket(path,
                                    "GET /health HTTP/1.1\r\nHost: ink\r\n"
                                    "Connection: close\r\n\r\n"),
            200);
  // X-Real-IP is believed over the socket: each client has its own bucket.
  EXPECT_EQ(status_over_unix_socket(path, ts_post_from("10.0.0.1", "u0")), 200);
  EXPECT_EQ(status_over_unix_socket(path, ts_post_from("10.0.0.1", "u1")), 200);
  EXPECT_EQ(status_over_unix_socket(path, ts_post_from("10.0.0.1", "u2")), 429);
  EXPECT_EQ(status_over_unix_socket(path, ts_post_from("10.0.0.2", "u3")), 200);
  EXPECT_EQ(s.count("SELECT count(*) FROM ts"), 3);
  // A path holding something else is refused, not removed.
  const std::string file = dir + "/not-a-socket";
  std::ofstream(file) << "a file";
  {
    test::Process refused({test::bin_dir() + "/ink-backend", "--database-url", s.db, "--listen",
                           "127.0.0.1:" + std::to_string(free_port()), "--listen-unix", file},
                          {}, dir + "/refused.log");
    ASSERT_TRUE(test::wait_until([&] { return !refused.running(); }, 30s));
    EXPECT_EQ(refused.wait(), 1);
    EXPECT_NE(test::read_file(dir + "/refused.log").find("is not a socket"), std::string::npos)
        << test::read_file(dir + "/refused.log");
    EXPECT_EQ(test::read_file(file), "a file");
  }
  // A socket another backend listens on is refused, not taken over: the first
  // backend keeps it and keeps answering on it.
  {
    test::Process second({test::bin_dir() + "/ink-backend", "--database-url", s.db, "--listen",
                          "127.0.0.1:" + std::to_string(free_port()), "--listen-unix", path},
                         {}, dir + "/second.log");
    ASSERT_TRUE(test::wait_until([&] { return !second.running(); }, 30s));
    EXPECT_EQ(second.wait(), 1);
    EXPECT_NE(test::read_file(dir + "/second.log").find("another process is listening"),
              std::string::npos)
        << test::read_file(dir + "/second.log");
  }
  EXPECT_EQ(status_over_unix_socket(path,
                                    "GET /health HTTP/1.1\r\nHost: ink\r\n"
                                    "Connection: close\r\n\r\n"),
            200);
  // A graceful stop removes the socket file.
  s.backend->signal(SIGTERM);
  EXPECT_EQ(s.backend->wait(), 0);
  EXPECT_NE(::lstat(path.c_str(), &st), 0);
}

}  // namespace
}  // namespace ink
