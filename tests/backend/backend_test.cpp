// ink-backend against a real PostgreSQL, Redis and ink-worker: every
// endpoint in JSON and CBOR, the documented errors (changing nothing),
// proofs that verify with the core library, `wait`, the live feed, and a
// restart during waits that loses no accepted ts.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <memory>
#include <thread>

#include "backend/backend_stack.h"
#include "core/check.h"
#include "core/client_conventions.h"
#include "core/compact_string.h"
#include "core/decode.h"
#include "core/encoding.h"
#include "core/json_write.h"
#include "core/parse.h"
#include "core/protocol.h"
#include "core/record_hash.h"
#include "core/verify.h"

namespace ink {
namespace {

using core::Json;
using namespace std::chrono_literals;
using test::http;
using test::http_get;
using test::http_post_json;

TEST(Backend, JsonStampWithWaitVerifiesAndReadsBack) {
  Stack s;
  ASSERT_TRUE(s.ready());
  std::string data = core::data_for_bytes(core::as_bytes("backend json"));
  auto res = post(s, "/api/v1/ts/?wait&tag=t1", stamp(data), "application/json");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.header("content-type").find("application/json"), std::string::npos);
  auto j = parse_json(res.body);
  auto answer = core::ts_answer_from_json(j);
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  ASSERT_TRUE(answer->proof.has_value()) << res.body;
  // Answered because a head brought the proof, not because the wait ran out.
  EXPECT_EQ(metric(s, "ink_waits_proven_total"), 1);
  EXPECT_EQ(metric(s, "ink_waits_timed_out_total"), 0);
  EXPECT_EQ(res.header("location"), "/api/v1/ts/" + answer->id + "/");
  auto keys = s.keys();
  ASSERT_FALSE(keys.empty());
  auto report = core::check_ts_proof(*answer, data, keys);
  EXPECT_TRUE(report.passed()) << report.first_failure()->message;
  EXPECT_FALSE(core::check_ts_proof(*answer, data + "x", keys).passed());
  EXPECT_EQ(s.count("SELECT count(*) FROM ts WHERE tag = 't1'"), 1);

  // Read back, directly (no /api) and behind the /api mount alike.
  auto again = http_get(s.base, res.header("location"));
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(parse_json(again.body), j);
  EXPECT_EQ(parse_json(http_get(s.base, "/v1/ts/" + answer->id + "/").body), j);

  auto head = http_get(s.base, "/api/v1/mth/" + std::to_string(*answer->interval));
  ASSERT_EQ(head.status, 200);
  // PROOF.head carries no consistency proof; everything else is the head's.
  auto served = parse_json(head.body);
  served["consistency"] = nullptr;
  EXPECT_EQ(served, core::to_wire_json(core::to_json(answer->proof->head)));
  EXPECT_EQ(head.header("cache-control"), "public, max-age=31536000, immutable");
}

TEST(Backend, CborInCborOutAndCompact) {
  Stack s;
  ASSERT_TRUE(s.ready());
  std::string data = core::data_for_bytes(core::as_bytes("backend cbor"));
  auto body = core::cbor_encode(Json{{"data", data}});
  auto res = post(s, "/api/v1/ts/?wait", std::string(body.begin(), body.end()), "application/cbor");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.header("content-type"), "application/cbor");
  auto answer = core::ts_answer_from_json(parse_cbor(res.body));
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  ASSERT_TRUE(answer->proof);
  EXPECT_TRUE(core::check_ts_proof(*answer, data, s.keys()).passed());

  // JSON in, CBOR out by Accept; GET in CBOR.
  auto res2 = post(s, "/api/v1/ts/", stamp(data), "application/json", "application/cbor");
  ASSERT_EQ(res2.status, 200);
  auto pending = core::ts_answer_from_json(parse_cbor(res2.body));
  ASSERT_TRUE(pending.ok());
  EXPECT_FALSE(pending->proof.has_value());
  test::HttpRequest get;
  get.target = "/api/v1/ts/" + pending->id + "/?wait";
  get.headers["Accept"] = "application/cbor";
  auto read = http(s.base, get);
  ASSERT_EQ(read.status, 200);
  auto waited = core::ts_answer_from_json(parse_cbor(read.body));
  ASSERT_TRUE(waited.ok());
  ASSERT_TRUE(waited->proof.has_value());
  EXPECT_TRUE(core::check_ts_proof(*waited, data, s.keys()).passed());

  get.target = "/api/v1/mth/current";
  auto head = http(s.base, get);
  ASSERT_EQ(head.status, 200);
  EXPECT_TRUE(core::head_from_json(parse_cbor(head.body)).ok());
  get.target = "/api/v1/keys";
  EXPECT_TRUE(parse_cbor(http(s.base, get).body).is_array());

  // compact: raw data in, the compact string out.
  auto compact = post(s, "/api/v1/ts/?compact", data, "text/plain");
  ASSERT_EQ(compact.status, 200) << compact.body;
  std::string text = compact.body;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  auto parsed = core::parse_compact_ts(text);
  ASSERT_TRUE(parsed.ok()) << text;
  EXPECT_EQ(parsed->authority, kAuthority);
  auto h = core::ts_hash(data, parsed->timestamp);
  auto head_doc =
      parse_json(http_get(s.base, "/api/v1/mth/" + std::to_string(parsed->interval)).body);
  auto signed_head = core::head_from_json(head_doc);
  ASSERT_TRUE(signed_head.ok());
  EXPECT_EQ(core::verify_path(h, parsed->a, parsed->path, signed_head->interval.ith),
            core::ProofError::kOk);
}

TEST(Backend, BadInputGetsItsErrorAndChangesNothing) {
  Stack s;
  ASSERT_TRUE(s.ready());
  auto before = s.count("SELECT count(*) FROM ts");
  expect_error(post(s, "/api/v1/ts/", "{\"data\": ", "application/json"), 400, "bad_request");
  expect_error(post(s, "/api/v1/ts/", "{\"other\": 1}", "application/json"), 400, "bad_request");
  expect_error(post(s, "/api/v1/ts/", "{\"data\": 5}", "application/json"), 400, "bad_request");
  expect_error(post(s, "/api/v1/ts/", "{\"data\": \"\xff\xfe\"}", "application/json"), 400,
               "bad_request");
  expect_error(post(s, "/api/v1/ts/", stamp(std::string(257, 'a')), "application/json"), 413,
               "too_large");
  EXPECT_EQ(post(s, "/api/v1/ts/", stamp(std::string(256, 'a')), "application/json").status, 200);
  // CBOR: truncated, data as bytes, and a text string with invalid UTF-8.
  auto bad_cbor = post(s, "/api/v1/ts/",
                       std::string("\xa1\x64"
                                   "da",
                                   4),
                       "application/cbor");
  EXPECT_EQ(bad_cbor.status, 400);
  EXPECT_EQ(bad_cbor.header("content-type"), "application/cbor");
  auto bytes_data = core::cbor_encode(Json{{"data", Json::binary({1, 2, 3})}});
  EXPECT_EQ(
      post(s, "/api/v1/ts/", std::string(bytes_data.begin(), bytes_data.end()), "application/cbor")
          .status,
      400);
  std::string invalid_utf8 =
      "\xa1\x64"
      "data"
      "\x62\xff\xfe";
  EXPECT_EQ(post(s, "/api/v1/ts/", invalid_utf8, "application/cbor").status, 400);
  expect_error(post(s, "/api/v1/ts/", "<data/>", "application/xml"), 415, "unsupported_media_type");
  expect_error(post(s, "/api/v1/ts/", stamp("x"), "application/json", "image/png"), 406,
               "not_acceptable");
  expect_error(post(s, "/api/v1/ts/?tag=" + std::string(37, 't'), stamp("x"), "application/json"),
               400, "bad_request");
  expect_error(post(s, "/api/v1/ts/?compact", "\xff", "text/plain"), 400, "bad_request");
  expect_error(post(s, "/api/v1/ts/", std::string(20000, ' '), "application/json"), 413,
               "too_large");
  // Framing that invites request smuggling.
  auto dup =
      test::raw_exchange(s.base,
                         "POST /api/v1/ts/ HTTP/1.1\r\nHost: x\r\nContent-Type: "
                         "application/json\r\nContent-Length: 12\r\nContent-Length: 12\r\n\r\n"
                         "{\"data\":\"a\"}",
                         2s);
  EXPECT_EQ(dup.rfind("HTTP/1.1 400", 0), 0u) << dup;
  auto both = test::raw_exchange(s.base,
                                 "POST /api/v1/ts/ HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                 "application/json\r\nTransfer-Encoding: chunked\r\n"
                                 "Content-Length: 12\r\n\r\nc\r\n{\"data\":\"a\"}\r\n0\r\n\r\n",
                                 2s);
  EXPECT_EQ(both.rfind("HTTP/1.1 400", 0), 0u) << both;
  EXPECT_EQ(s.count("SELECT count(*) FROM ts"), before + 1);  // only the 256-byte one

  expect_error(http_get(s.base, "/api/v1/ts/not-a-uuid/"), 400, "bad_request");
  expect_error(http_get(s.base, "/api/v1/ts/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/"), 404,
               "not_found");
  expect_error(http_get(s.base, "/api/v1/mth/abc"), 400, "bad_request");
  expect_error(http_get(s.base, "/api/v1/mth/-1"), 400, "bad_request");
  expect_error(http_get(s.base, "/api/v1/mth/99999999"), 404, "not_found");
  expect_error(http_get(s.base, "/api/v1/mth/5/in/2"), 400, "bad_request");
  expect_error(http_get(s.base, "/api/v1/mth/2/from/5"), 400, "bad_request");
  expect_error(http_get(s.base, "/api/v1/mth/1/in/99999999"), 404, "not_found");
  expect_error(http_get(s.base, "/api/v1/mth/99999999/from/1"), 404, "not_found");
  expect_error(http_get(s.base, "/api/v1/nothing"), 404, "not_found");
  test::HttpRequest del;
  del.method = "DELETE";
  del.target = "/api/v1/keys";
  expect_error(http(s.base, del), 405, "method_not_allowed");
}

TEST(Backend, MainTreeProofsVerify) {
  Stack s;
  ASSERT_TRUE(s.ready());
  ASSERT_TRUE(test::wait_until(
      [&] {
        auto h = core::head_from_json(parse_json(http_get(s.base, "/api/v1/mth/current").body));
        return h.ok() && h->interval.index >= 9;
      },
      20s));
  std::vector<core::SignedHead> heads;
  for (int i = 0; i <= 9; ++i) {
    auto h =
        core::head_from_json(parse_json(http_get(s.base, "/api/v1/mth/" + std::to_string(i)).body));
    ASSERT_TRUE(h.ok());
    EXPECT_TRUE(core::check_head(*h, s.keys()).passed());
    heads.push_back(*h);
  }
  for (uint64_t y = 0; y <= 9; ++y)
    for (uint64_t x = 0; x <= y; ++x) {
      auto inc = core::inclusion_from_json(parse_json(
          http_get(s.base, "/api/v1/mth/" + std::to_string(x) + "/in/" + std::to_string(y)).body));
      ASSERT_TRUE(inc.ok());
      EXPECT_EQ(core::verify_inclusion_with_a(core::ihash(heads[x].interval), x, y + 1, inc->a,
                                              inc->nodes, heads[y].mth),
                core::ProofError::kOk)
          << x << " in " << y;
      auto res =
          http_get(s.base, "/api/v1/mth/" + std::to_string(y) + "/from/" + std::to_string(x));
      EXPECT_EQ(res.header("cache-control"), "public, max-age=31536000, immutable");
      auto con = core::consistency_from_json(parse_json(res.body));
      ASSERT_TRUE(con.ok());
      EXPECT_EQ(core::verify_consistency(x + 1, y + 1, heads[x].mth, heads[y].mth, con->nodes),
                core::ProofError::kOk)
          << y << " from " << x;
    }
}

TEST(Backend, LiveFeedSendsConsecutiveConsistentHeads) {
  Stack s;
  ASSERT_TRUE(s.ready());
  test::WebSocketClient ws(s.base, "/api/v1/mth/live");
  std::optional<core::SignedHead> previous;
  auto keys = s.keys();
  for (int n = 0; n < 4; ++n) {
    auto msg = ws.read(5s);
    ASSERT_TRUE(msg.has_value()) << "no head within 5 s";
    auto head = core::head_from_json(parse_json(*msg));
    ASSERT_TRUE(head.ok());
    EXPECT_TRUE(core::check_head(*head, keys).passed());
    EXPECT_EQ(
        parse_json(*msg),
        parse_json(http_get(s.base, "/api/v1/mth/" + std::to_string(head->interval.index)).body));
    if (previous) {
      ASSERT_EQ(head->interval.index, previous->interval.index + 1);
      ASSERT_TRUE(head->consistency.has_value());
      EXPECT_EQ(core::verify_consistency(previous->interval.index + 1, head->interval.index + 1,
                                         previous->mth, head->mth, head->consistency->nodes),
                core::ProofError::kOk);
    }
    previous = *head;
  }
  // Operations endpoints count what they see.
  auto metrics = http_get(s.base, "/api/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("ink_websocket_clients 1"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("ink_http_requests_total{route=\"mth_head\",status=\"200\"}"),
            std::string::npos);
  EXPECT_EQ(http_get(s.base, "/api/health").status, 200);
}

// A keep-alive connection opened on 127.0.0.1:port that has had one answer
// and now sits waiting for its next request, as an upstream pool keeps it.
int idle_keep_alive_connection(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  const std::string request = "GET /api/health HTTP/1.1\r\nHost: test\r\n\r\n";
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string got;
  char chunk[4096];
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (got.find("\r\n\r\n") == std::string::npos) {
    auto n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    got.append(chunk, size_t(n));
  }
  if (got.rfind("HTTP/1.1 200", 0) != 0 || got.find("Connection: close") != std::string::npos) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST(Backend, SigtermAnswersIdleKeepAliveConnectionsOnceThenCloses) {
  Stack s;
  ASSERT_TRUE(s.ready());
  int fd = idle_keep_alive_connection(s.port);
  ASSERT_GE(fd, 0);
  s.backend->signal(SIGTERM);
  ASSERT_TRUE(test::wait_until(
      [&] {
        return test::read_file(s.dir + "/backend.log").find("stopping (") != std::string::npos;
      },
      10s));
  // A proxy may send on a pooled connection just as the backend stops: the
  // request is answered (not cut off, which a proxy cannot retry for a POST)
  // and the answer says the connection closes.
  const std::string request = "GET /api/health HTTP/1.1\r\nHost: test\r\n\r\n";
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string got;
  char chunk[4096];
  for (;;) {
    auto n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    got.append(chunk, size_t(n));
  }
  close(fd);
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  EXPECT_NE(got.find("Connection: close"), std::string::npos) << got;
  EXPECT_EQ(s.backend->wait(), 0);
}

TEST(Backend, SigtermClosesIdleKeepAliveConnectionsAfterTheGrace) {
  Stack s;
  ASSERT_TRUE(s.ready());
  std::vector<int> idle;
  for (int i = 0; i < 8; ++i) {
    int fd = idle_keep_alive_connection(s.port);
    ASSERT_GE(fd, 0) << "no keep-alive answer on connection " << i;
    idle.push_back(fd);
  }
  s.backend->signal(SIGTERM);
  // After INK_DRAIN_IDLE_SECONDS the backend closes them itself; the drain
  // must end because every connection closed, not at its deadline.
  EXPECT_EQ(s.backend->wait(), 0);
  auto log = test::read_file(s.dir + "/backend.log");
  EXPECT_NE(log.find("drained: every connection closed"), std::string::npos) << log;
  EXPECT_EQ(log.find("drain deadline passed"), std::string::npos) << log;
  for (int fd : idle) {
    char byte;
    EXPECT_EQ(recv(fd, &byte, 1, 0), 0) << "idle connection not closed by the server";
    close(fd);
  }
}

TEST(Backend, RestartDuringWaitsLosesNoAcceptedTs) {
  Stack s;
  ASSERT_TRUE(s.ready());
  s.stop_worker();  // nothing gets sequenced: every wait is held
  std::vector<std::future<test::HttpResponse>> waits;
  for (int i = 0; i < 10; ++i)
    waits.push_back(std::async(std::launch::async, [&s, i] {
      return post(s, "/api/v1/ts/?wait", stamp("restart " + std::to_string(i)), "application/json");
    }));
  ASSERT_TRUE(test::wait_until([&] { return metric(s, "ink_waiting_clients") == 10; }, 10s));
  s.backend->signal(SIGTERM);  // graceful: held waiters are answered now
  std::vector<std::string> ids;
  for (auto& w : waits) {
    auto res = w.get();
    ASSERT_EQ(res.status, 200) << res.body;
    auto a = core::ts_answer_from_json(parse_json(res.body));
    ASSERT_TRUE(a.ok());
    EXPECT_FALSE(a->proof.has_value());
    ids.push_back(a->id);
  }
  EXPECT_EQ(s.backend->wait(), 0);
  // Answered by the shutdown (not by their 10 s deadline).
  auto log = test::read_file(s.dir + "/backend.log");
  EXPECT_NE(log.find("stopping (answering 10 waiters"), std::string::npos) << log;
  EXPECT_NE(log.find("drained: every connection closed"), std::string::npos) << log;
  s.start_backend();
  s.restart_worker();
  auto keys_ready = test::wait_until(
      [&] {
        try {
          return http_get(s.base, "/api/ready").status == 200;
        } catch (...) {
          return false;
        }
      },
      20s);
  ASSERT_TRUE(keys_ready);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto res = http_get(s.base, "/api/v1/ts/" + ids[i] + "/?wait");
    ASSERT_EQ(res.status, 200);
    auto a = core::ts_answer_from_json(parse_json(res.body));
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(a->proof.has_value()) << ids[i];
  }
  EXPECT_EQ(s.count("SELECT count(*) FROM ts_leaf"), s.count("SELECT count(*) FROM ts"));
}

TEST(Backend, ManyConcurrentSubmissionsAreBatchedAndAllAnswered) {
  Stack s;
  ASSERT_TRUE(s.ready());
  std::vector<std::future<int>> posts;
  for (int i = 0; i < 200; ++i)
    posts.push_back(std::async(std::launch::async, [&s, i] {
      return post(s, "/api/v1/ts/?wait", stamp("many " + std::to_string(i)), "application/json")
          .status;
    }));
  int ok = 0;
  for (auto& p : posts) ok += p.get() == 200;
  EXPECT_EQ(ok, 200);
  EXPECT_EQ(s.count("SELECT count(*) FROM ts WHERE ts_us IN (SELECT ts_us FROM ts GROUP BY ts_us "
                    "HAVING count(*) > 1)") > 0,
            true)
      << "no two submissions shared a group commit";
  EXPECT_EQ(s.count("SELECT count(*) FROM ts_leaf"), 200);
}

std::string database_name(const std::string& url) { return url.substr(url.rfind('/') + 1); }

// Makes the test's own database unreachable for real: no new connections,
// and every open one (backend pool, worker) terminated by the server.
void block_database(const std::string& url) {
  const auto admin = test::env_value("DATABASE_URL");
  const auto name = database_name(url);
  test::query_value(admin, "ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
  // A session that was starting up while the ALTER committed passed the check
  // already and may register after the first sweep; pg_terminate_backend only
  // sends a signal. Sweep until no session of the database is left.
  const auto sessions =
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
      "WHERE datname = '" +
      name +
      "' AND pid <> pg_backend_pid()"
      // An autovacuum worker on the fresh database is the superuser's: not ours to end.
      " AND backend_type = 'client backend'";
  ASSERT_TRUE(test::wait_until([&] { return test::query_value(admin, sessions) == "0"; }, 10s))
      << "sessions of " << name << " outlived the cut";
}
void unblock_database(const std::string& url) {
  test::query_value(test::env_value("DATABASE_URL"),
                    "ALTER DATABASE " + database_name(url) + " ALLOW_CONNECTIONS true");
}

bool answers(const Stack& s, const std::string& target, int status) {
  try {
    return http_get(s.base, target).status == status;
  } catch (...) {
    return false;
  }
}

TEST(Backend, DatabaseDownAnswers503AndRecordsNothing) {
  Stack s;
  ASSERT_TRUE(s.ready());
  ASSERT_EQ(post(s, "/api/v1/ts/", stamp("before the outage"), "application/json").status, 200);
  const auto before = s.count("SELECT count(*) FROM ts");

  block_database(s.db);
  struct Unblock {
    std::string db;
    ~Unblock() {
      try {
        unblock_database(db);
      } catch (...) {
      }
    }
  } unblock{s.db};
  for (const char* target : {"/api/v1/ts/", "/api/v1/ts/?wait"}) {
    auto res =
        post(s, target, stamp(std::string("during the outage ") + target), "application/json");
    expect_error(res, 503, "unavailable");
    EXPECT_FALSE(res.header("retry-after").empty()) << target;
  }
  auto cbor = post(s, "/api/v1/ts/", stamp("during the outage, cbor"), "application/json",
                   "application/cbor");
  EXPECT_EQ(cbor.status, 503);
  EXPECT_EQ(cbor.header("content-type"), "application/cbor");
  EXPECT_EQ(parse_cbor(cbor.body).value("error", ""), "unavailable");
  auto ready = http_get(s.base, "/api/ready");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_NE(ready.body.find("database"), std::string::npos) << ready.body;
  EXPECT_EQ(http_get(s.base, "/api/health").status, 200);

  unblock_database(s.db);
  ASSERT_TRUE(test::wait_until([&] { return answers(s, "/api/ready", 200); }, 20s));
  EXPECT_EQ(s.count("SELECT count(*) FROM ts"), before) << "a 503 left a row behind";

  auto after = post(s, "/api/v1/ts/?wait", stamp("after the outage"), "application/json");
  ASSERT_EQ(after.status, 200) << after.body;
  auto answer = core::ts_answer_from_json(parse_json(after.body));
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->proof.has_value()) << "the worker did not recover";
  EXPECT_EQ(s.count("SELECT count(*) FROM ts"), before + 1);
}

TEST(Backend, DatabaseCutDuringSubmissionsKeepsEveryAcceptedTsOnce) {
  Stack s;
  ASSERT_TRUE(s.ready());
  std::vector<std::future<test::HttpResponse>> posts;
  for (int i = 0; i < 40; ++i) {
    posts.push_back(std::async(std::launch::async, [&s, i] {
      return post(s, "/api/v1/ts/", stamp("cut " + std::to_string(i)), "application/json");
    }));
    if (i == 20) block_database(s.db);
  }
  std::vector<std::string> accepted, unknown;
  int unavailable = 0;
  for (auto& p : posts) {
    auto res = p.get();
    if (res.status == 200) {
      accepted.push_back(parse_json(res.body).value("id", ""));
    } else if (res.status == 503 && parse_json(res.body).value("error", "") == "outcome_unknown") {
      // Its COMMIT was under way at the cut and the database stayed away for
      // the whole resolve window: "may or may not", and the id to look up.
      unknown.push_back(parse_json(res.body).value("id", ""));
      ++unavailable;
    } else {
      expect_error(res, 503, "unavailable");
      ++unavailable;
    }
  }
  EXPECT_GT(unavailable, 0) << "the cut came too late to refuse anything";
  unblock_database(s.db);
  ASSERT_TRUE(test::wait_until([&] { return answers(s, "/api/ready", 200); }, 20s));
  for (auto& id : accepted)
    EXPECT_EQ(s.count("SELECT count(*) FROM ts WHERE id = '" + id + "'"), 1) << id;
  for (auto& id : unknown) {
    ASSERT_FALSE(id.empty()) << "outcome_unknown without the id to look up";
    EXPECT_LE(s.count("SELECT count(*) FROM ts WHERE id = '" + id + "'"), 1) << id;
  }
  // A refused ts can only be present if its COMMIT landed just as the
  // connection died (the backend cannot know); never more rows than asked.
  EXPECT_LE(s.count("SELECT count(*) FROM ts"), 40);
  ASSERT_TRUE(test::wait_until(
      [&] { return s.count("SELECT count(*) FROM ts_leaf") == s.count("SELECT count(*) FROM ts"); },
      20s))
      << "not every stored ts was sequenced";
  EXPECT_EQ(s.count("SELECT count(*) FROM (SELECT id FROM ts_leaf GROUP BY id "
                    "HAVING count(*) > 1) d"),
            0);
}

TEST(Backend, RedisDownWaitFallsBackToPollingAndFeedResumes) {
  Stack s;
  ASSERT_TRUE(s.ready());
  test::WebSocketClient ws(s.base, "/api/v1/mth/live");
  auto first = ws.read(5s);
  ASSERT_TRUE(first.has_value());
  uint64_t last = core::head_from_json(parse_json(*first))->interval.index;

  test::stop_redis();
  struct Restart {
    bool done = false;
    ~Restart() {
      if (!done) test::start_redis();
    }
  } restart;
  ASSERT_TRUE(test::wait_until([&] { return answers(s, "/api/ready", 503); }, 5s))
      << "ready stayed 200 without Redis";
  // No head announcement can arrive now: only the backend's poll of
  // PostgreSQL (every 2 s) can answer the wait, before its 10 s hold runs out.
  const double proven_before = metric(s, "ink_waits_proven_total");
  auto res = post(s, "/api/v1/ts/?wait", stamp("redis is down"), "application/json");
  ASSERT_EQ(res.status, 200) << res.body;
  auto answer = core::ts_answer_from_json(parse_json(res.body));
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->proof.has_value());
  EXPECT_EQ(metric(s, "ink_waits_proven_total"), proven_before + 1);
  EXPECT_EQ(metric(s, "ink_waits_timed_out_total"), 0)
      << "answered by the wait timeout, not by the fallback poll";

  test::start_redis();
  restart.done = true;
  ASSERT_TRUE(test::wait_until([&] { return answers(s, "/api/ready", 200); }, 15s));
  // The same WebSocket keeps getting every head, consecutively (heads the
  // outage hid are filled in from PostgreSQL), and new ones keep coming.
  auto newest = [&] {
    return core::head_from_json(parse_json(http_get(s.base, "/api/v1/mth/current").body))
        ->interval.index;
  };
  const uint64_t target = newest() + 3;
  while (last < target) {
    auto msg = ws.read(5s);
    ASSERT_TRUE(msg.has_value()) << "feed stopped after head " << last;
    auto head = core::head_from_json(parse_json(*msg));
    ASSERT_TRUE(head.ok());
    ASSERT_EQ(head->interval.index, last + 1);
    last = head->interval.index;
  }
}

TEST(Backend, HeadRequestsGetHeadersWithoutBody) {
  Stack s;
  ASSERT_TRUE(s.ready());
  auto get = http_get(s.base, "/api/v1/mth/0");
  ASSERT_EQ(get.status, 200);
  ASSERT_FALSE(get.body.empty());
  for (const char* target : {"/api/v1/mth/0", "/api/health", "/api/v1/keys"}) {
    auto raw = test::raw_exchange(
        s.base, std::string("HEAD ") + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        5s);
    EXPECT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw;
    auto end = raw.find("\r\n\r\n");
    ASSERT_NE(end, std::string::npos) << raw;
    EXPECT_EQ(raw.size(), end + 4) << "HEAD answer carried a body: " << raw;
    EXPECT_EQ(raw.find("Content-Length: 0\r\n"), std::string::npos) << raw;
    EXPECT_NE(raw.find("Content-Length: "), std::string::npos) << raw;
  }
  auto raw = test::raw_exchange(
      s.base, "HEAD /api/v1/mth/0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5s);
  EXPECT_NE(raw.find("Content-Length: " + std::to_string(get.body.size()) + "\r\n"),
            std::string::npos)
      << raw;
  EXPECT_NE(raw.find("Cache-Control: public, max-age=31536000, immutable"), std::string::npos);
  // A missing resource: the status and headers of the error, no body.
  auto missing = test::raw_exchange(
      s.base, "HEAD /api/v1/mth/99999999 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5s);
  EXPECT_EQ(missing.rfind("HTTP/1.1 404", 0), 0u) << missing;
  EXPECT_EQ(missing.size(), missing.find("\r\n\r\n") + 4) << missing;
}

}  // namespace
}  // namespace ink
