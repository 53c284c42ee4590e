// The standing attack suite (issue #18): a whole stack on free ports (nginx,
// two backends, a worker, real PostgreSQL and Redis), attacked the ways an
// abusive client or a failing machine would. Every attack ends the same way:
// `ink-worker --audit` finds the database consistent and every submission
// that was answered 200 has a proof that verifies.
//
// The stack is shared by the tests of one run (started by the CTest fixture,
// or on first use) and every test leaves it healthy for the next.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "core/check.h"
#include "core/client_conventions.h"
#include "core/decode.h"
#include "core/encoding.h"
#include "core/parse.h"
#include "core/protocol.h"
#include "support/e2e_stack.h"
#include "support/http_client.h"
#include "support/test_env.h"

namespace ink {
namespace {

using core::Json;
using namespace std::chrono_literals;
using test::http_get;

std::string getenv_or(const char* key, const std::string& fallback) {
  const char* v = std::getenv(key);
  return v ? v : fallback;
}

Json parse_json(const std::string& body) { return Json::parse(body, nullptr, false); }

using Stack = test::E2eStack;
using test::expect_intact;
using test::Ledger;

// The suite's stack (as tests/adversarial/CMakeLists.txt starts it): no rate
// limits (bursts from one address), a short worker lease, no web page.
Stack& stack() {
  static Stack s(getenv_or("INK_ADVERSARIAL_DIR", INK_DEFAULT_ADVERSARIAL_DIR),
                 "INK_PROXY_RATE=1000000 INK_PROXY_BURST=1000000 INK_RATE_LIMIT=0 "
                 "INK_WORKER_LEASE=3 INK_WEB=0 INK_INTERVAL=0.5 INK_WAIT_SECONDS=15");
  return s;
}

// A raw TCP connection for what no HTTP client would send.
class RawConnection {
 public:
  explicit RawConnection(const std::string& base_url) {
    auto colon = base_url.rfind(':');
    int port = std::stoi(base_url.substr(colon + 1));
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  bool send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size());
  }
  // Everything that arrives until the peer closes or `timeout` passes.
  std::string read_all(std::chrono::milliseconds timeout) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      timeval tv{0, 100000};
      setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return out;
      if (n > 0) out.append(buf, size_t(n));
    }
    return out;
  }
  bool closed_by_peer(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      timeval tv{0, 100000};
      setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return true;
    }
    return false;
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

std::string data_for(const std::string& what) {
  return core::data_for_bytes(core::as_bytes(what + " " + std::to_string(getpid())));
}

TEST(Adversarial, ReadinessHoldsFromTheStartAndThroughARollingRestart) {
  auto& s = stack();
  Ledger ledger;
  for (int i = 0; i < 50; ++i) ASSERT_EQ(http_get(s.base, "/api/ready").status, 200) << i;
  // nginx was sized from the real open-file limit, not asked for more.
  EXPECT_EQ(test::read_file(s.dir + "/log/nginx-error.log").find("setrlimit"), std::string::npos);
  // While backend 1 restarts, users see nothing of it: nginx sends their
  // requests to backend 2.
  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, answered{0};
  std::vector<std::string> failed_bodies;
  std::mutex failed_mutex;
  std::vector<std::thread> users;
  for (int t = 0; t < 4; ++t)
    users.emplace_back([&, t] {
      for (int n = 0; !done; ++n) {
        auto res = n % 2 ? http_get(s.base, "/api/ready")
                         : ledger.stamp(s.base, data_for("rolling " + std::to_string(t) + "." +
                                                         std::to_string(n)));
        ++answered;
        if (res.status != 200) {
          ++failures;
          std::lock_guard lock(failed_mutex);
          failed_bodies.push_back(std::to_string(res.status) + " " + res.body);
        }
      }
    });
  EXPECT_TRUE(s.script("stack.sh restart-backend 1"));
  EXPECT_TRUE(s.script("stack.sh restart-backend 2"));
  done = true;
  for (auto& u : users) u.join();
  EXPECT_GT(answered, 20);
  EXPECT_EQ(failures, 0) << (failed_bodies.empty() ? "" : failed_bodies.front());
  expect_intact(s, ledger);
}

TEST(Adversarial, MalformedAndSmugglingRequestsChangeNothing) {
  auto& s = stack();
  Ledger ledger;
  const std::string smuggled =
      "POST /api/v1/ts/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 20\r\n\r\n{\"data\":\"smuggled\"}";
  auto te = [&](const std::string& coding) {
    return "POST /api/v1/ts/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Transfer-Encoding: " +
           coding + "\r\n\r\n0\r\n\r\n" + smuggled;
  };
  std::vector<std::string> attacks = {
      te("xchunked"),
      te("chunked, identity"),
      te("gzip"),
      te("gzip, chunked"),
      te("chunked\r\nTransfer-Encoding: identity"),
      "POST /api/v1/ts/ HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\nContent-Length: 4\r\n\r\n" +
          smuggled,
      "POST /api/v1/ts/ HTTP/1.1\r\nHost: x\r\nContent-Length: 20, 20\r\n\r\n" + smuggled,
      "POST /api/v1/ts/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nTransfer-Encoding: "
      "chunked\r\n\r\n" +
          smuggled,
      "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n b\r\n\r\n" + smuggled,
      "GET /api/health HTTP/1.1\r\n\r\n" + smuggled,
      "GET /api/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + smuggled,
      "POST /api/v1/ts/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
      "GARBAGE\r\n\r\n" + smuggled,
      "GET /api/health HTTP/9.9\r\nHost: x\r\n\r\n",
      "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n",
      "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
      std::string("GET /api/health HTTP/1.1\r\nHost: x\r\nX-Nul: a\0b\r\n\r\n", 49),
  };
  const auto before = s.count("SELECT count(*) FROM ts");
  for (const auto& target : {s.base, s.backend(1)}) {
    for (size_t i = 0; i < attacks.size(); ++i) {
      RawConnection c(target);
      ASSERT_TRUE(c.ok());
      c.send(attacks[i]);
      auto answer = c.read_all(3s);
      SCOPED_TRACE(target + " attack " + std::to_string(i));
      // One answer, an error in the protocol's JSON body; nothing read after it.
      ASSERT_EQ(answer.rfind("HTTP/1.1 ", 0), 0u) << answer;
      int status = std::stoi(answer.substr(9, 3));
      EXPECT_GE(status, 400) << answer;
      EXPECT_NE(answer.find("\"error\""), std::string::npos) << answer;
      EXPECT_EQ(answer.find("\nHTTP/1."), std::string::npos) << "a second answer: " << answer;
    }
  }
  EXPECT_EQ(s.count("SELECT count(*) FROM ts"), before) << "a smuggled request was stored";
  ledger.stamp(s.base, data_for("after the smuggling"), "?wait");
  expect_intact(s, ledger);
}

TEST(Adversarial, PoisonedBatchHurtsNoOneThroughTheProxy) {
  auto& s = stack();
  Ledger ledger;
  const auto& db = s.env.at("DATABASE_URL");
  test::query_value(db, "ALTER TABLE ts DROP CONSTRAINT IF EXISTS adversarial_poison");
  test::query_value(db,
                    "ALTER TABLE ts ADD CONSTRAINT adversarial_poison CHECK "
                    "(tag IS DISTINCT FROM 'poison')");
  struct Drop {
    std::string db;
    ~Drop() {
      try {
        test::query_value(db, "ALTER TABLE ts DROP CONSTRAINT IF EXISTS adversarial_poison");
      } catch (...) {
      }
    }
  } drop{db};
  std::atomic<int> next{0}, innocent_failed{0}, nul_refused{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 32; ++t)
    clients.emplace_back([&] {
      for (int i = next++; i < 1500; i = next++) {
        if (i % 50 == 3) {  // the stored constraint fails these rows in the database
          test::http_post_json(s.base, "/api/v1/ts/?tag=poison",
                               Json{{"data", "poison " + std::to_string(i)}}.dump());
        } else if (i % 50 == 4) {  // refused before any batch
          auto res = test::http_post_json(s.base, "/api/v1/ts/?tag=a%00b",
                                          Json{{"data", "nul " + std::to_string(i)}}.dump());
          nul_refused += res.status == 400;
        } else {
          auto res = ledger.stamp(s.base, data_for("innocent " + std::to_string(i)));
          innocent_failed += res.status != 200;
        }
      }
    });
  for (auto& c : clients) c.join();
  EXPECT_EQ(innocent_failed, 0);
  EXPECT_EQ(nul_refused, 30);
  EXPECT_EQ(ledger.size(), 1440u);
  EXPECT_EQ(s.count("SELECT count(*) FROM ts WHERE tag = 'poison'"), 0);
  expect_intact(s, ledger);
}

TEST(Adversarial, SlowClientsDoNotStarveOthers) {
  auto& s = stack();
  Ledger ledger;
  for (const auto& target : {s.base, s.backend(1)}) {
    SCOPED_TRACE(target);
    std::vector<std::unique_ptr<RawConnection>> slow;
    // Slow headers: a byte at a time, never finishing.
    for (int i = 0; i < 150; ++i) {
      slow.push_back(std::make_unique<RawConnection>(target));
      slow.back()->send("GET /api/health HTTP/1.1\r\nHost: x\r\n");
    }
    // Slow bodies: announce 200 bytes, send 5.
    for (int i = 0; i < 50; ++i) {
      slow.push_back(std::make_unique<RawConnection>(target));
      slow.back()->send(
          "POST /api/v1/ts/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          "Content-Length: 200\r\n\r\n{\"da");
    }
    // Slow readers: thousands of pipelined requests, no answer ever read.
    std::string pipelined;
    for (int i = 0; i < 3000; ++i) pipelined += "GET /api/v1/mth/0 HTTP/1.1\r\nHost: x\r\n\r\n";
    for (int i = 0; i < 10; ++i) {
      slow.push_back(std::make_unique<RawConnection>(target));
      int small = 4096;
      setsockopt(slow.back()->fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
      slow.back()->send(pipelined);
    }
    std::atomic<bool> done{false};
    std::thread trickle([&] {
      for (int round = 0; !done; ++round) {
        for (size_t i = 0; i < 150; ++i) slow[i]->send("X");
        std::this_thread::sleep_for(200ms);  // the attacker's pace, not synchronisation
      }
    });
    // Meanwhile, normal clients are served: every submission gets its proof.
    std::atomic<int> failed{0};
    std::vector<std::thread> normal;
    for (int t = 0; t < 8; ++t)
      normal.emplace_back([&, t] {
        for (int n = 0; n < 10; ++n) {
          auto res = ledger.stamp(target + (target == s.base ? "" : ""),
                                  data_for("slow " + std::to_string(t) + "." + std::to_string(n)),
                                  "?wait");
          if (res.status != 200 || parse_json(res.body)["proof"].is_null()) ++failed;
          if (http_get(target, "/api/v1/mth/current").status != 200) ++failed;
        }
      });
    for (auto& n : normal) n.join();
    done = true;
    trickle.join();
    EXPECT_EQ(failed, 0);
  }
  expect_intact(s, ledger);
}

// WebSocket handshake by hand, so the test can send frames no client library would.
std::unique_ptr<RawConnection> raw_websocket(const std::string& target) {
  auto c = std::make_unique<RawConnection>(target);
  c->send(
      "GET /api/v1/mth/live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  std::string got;
  char ch;
  while (got.find("\r\n\r\n") == std::string::npos && ::recv(c->fd(), &ch, 1, 0) == 1) got += ch;
  if (got.rfind("HTTP/1.1 101", 0) != 0) return nullptr;
  return c;
}

// A masked client frame (opcode, payload).
std::string frame(uint8_t opcode, const std::string& payload, bool masked = true) {
  std::string f;
  f += char(0x80 | opcode);
  uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    f += char(mask_bit | payload.size());
  } else if (payload.size() < 65536) {
    f += char(mask_bit | 126);
    f += char(payload.size() >> 8);
    f += char(payload.size() & 0xFF);
  } else {
    f += char(mask_bit | 127);
    for (int i = 7; i >= 0; --i) f += char((uint64_t(payload.size()) >> (8 * i)) & 0xFF);
  }
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked) f.append(key, 4);
  for (size_t i = 0; i < payload.size(); ++i)
    f += masked ? char(payload[i] ^ key[i % 4]) : payload[i];
  return f;
}

TEST(Adversarial, WebSocketAbuseIsDroppedAndMemoryStaysBounded) {
  auto& s = stack();
  Ledger ledger;
  const pid_t backend = s.pid_of("backend-1");
  const long rss_before = test::rss_kib(backend);
  ASSERT_GT(rss_before, 0);
  for (const auto& target : {s.base, s.backend(1)}) {
    SCOPED_TRACE(target);
    struct Abuse {
      const char* name;
      std::string bytes;
    };
    std::vector<Abuse> abuses = {
        {"oversized", frame(0x1, std::string(100000, 'x'))},
        {"unmasked", frame(0x1, "hello", false)},
        {"reserved opcode", frame(0x3, "x")},
        {"reserved bits", std::string("\xF1\x80\x12\x34\x56\x78", 6)},
        {"fragmented control", std::string("\x09\x80\x12\x34\x56\x78", 6)},
    };
    for (const auto& abuse : abuses) {
      auto ws = raw_websocket(target);
      ASSERT_TRUE(ws) << abuse.name;
      ws->send(abuse.bytes);
      EXPECT_TRUE(ws->closed_by_peer(10s)) << abuse.name << " was not disconnected";
    }
  }
  // Hundreds of subscribers that never read, directly on backend 1.
  std::vector<std::unique_ptr<RawConnection>> silent;
  for (int i = 0; i < 400; ++i) {
    auto ws = raw_websocket(s.backend(1));
    ASSERT_TRUE(ws);
    int small = 4096;
    setsockopt(ws->fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    silent.push_back(std::move(ws));
  }
  // A reader that does read keeps getting consecutive heads meanwhile.
  test::WebSocketClient reader(s.backend(1), "/api/v1/mth/live");
  std::optional<uint64_t> last;
  for (int n = 0; n < 12; ++n) {
    auto msg = reader.read(10s);
    ASSERT_TRUE(msg.has_value()) << "the reading client starved";
    auto head = core::head_from_json(parse_json(*msg));
    ASSERT_TRUE(head.ok());
    if (last) {
      ASSERT_EQ(head->interval.index, *last + 1);
    }
    last = head->interval.index;
  }
  // Bounded: each silent subscriber costs at most its queue of heads.
  const long rss_during = test::rss_kib(backend);
  EXPECT_LT(rss_during - rss_before, 64 * 1024)
      << "backend grew from " << rss_before << " to " << rss_during << " KiB";
  silent.clear();
  ledger.stamp(s.base, data_for("after websocket abuse"), "?wait");
  expect_intact(s, ledger);
}

TEST(Adversarial, DuplicateStormIsSequencedOnceEach) {
  auto& s = stack();
  Ledger ledger;
  const std::string data = data_for("the same document, stamped again and again");
  std::atomic<int> next{0}, failed{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 32; ++t)
    clients.emplace_back([&] {
      for (int i = next++; i < 2000; i = next++)
        if (ledger.stamp(s.base, data).status != 200) ++failed;
    });
  for (auto& c : clients) c.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(ledger.size(), 2000u);
  expect_intact(s, ledger);
}

TEST(Adversarial, PostgresKilledAtTheCommitLosesNothingAndSaysNoFalseNothing) {
  auto& s = stack();
  Ledger ledger;
  // Every submission carries its own tag, so the database can say whether a
  // refused one was in fact stored.
  struct Outcome {
    std::string tag, data;
    int status = 0;
    std::string error;
  };
  // Room for a burst that runs on until well after the restart, so the kill
  // cannot land after it ended.
  std::vector<Outcome> outcomes(100000);
  std::atomic<int> next{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 32; ++t)
    clients.emplace_back([&] {
      for (int i = next++; i < int(outcomes.size()) && !stop; i = next++) {
        auto& o = outcomes[size_t(i)];
        o.tag = "kill-" + std::to_string(getpid()) + "-" + std::to_string(i);
        o.data = data_for("kill " + std::to_string(i));
        try {
          auto res = test::http_post_json(s.base, "/api/v1/ts/?tag=" + o.tag,
                                          Json{{"data", o.data}}.dump());
          o.status = res.status;
          o.error = parse_json(res.body).value("error", "");
          if (res.status == 200) ledger.add(parse_json(res.body).value("id", ""), o.data);
        } catch (const std::exception&) {
          o.status = -1;
        }
        // A refused client backs off a little, as a real one would.
        if (o.status != 200) std::this_thread::sleep_for(20ms);
      }
    });
  ASSERT_TRUE(test::wait_until([&] { return ledger.size() >= 300; }, 30s));
  ASSERT_TRUE(s.script("services.sh kill-pg " + s.dir + "/services"));
  const size_t before_restart = ledger.size();
  ASSERT_TRUE(s.script("services.sh start-pg " + s.dir + "/services"));
  ASSERT_TRUE(test::wait_until([&] { return ledger.size() >= before_restart + 1000; }, 60s))
      << "submissions did not resume after the restart";
  stop = true;
  for (auto& c : clients) c.join();
  // How often each tag of this burst is stored, in one query.
  std::map<std::string, int64_t> stored_by_tag;
  {
    std::stringstream rows(test::query_value(
        s.env.at("DATABASE_URL"),
        "SELECT coalesce(string_agg(tag || ' ' || n, ' '), '') FROM (SELECT tag, count(*) AS n "
        "FROM ts WHERE tag LIKE 'kill-" +
            std::to_string(getpid()) + "-%' GROUP BY tag) AS counted"));
    std::string tag;
    int64_t n = 0;
    while (rows >> tag >> n) stored_by_tag[tag] = n;
  }
  int refused = 0;
  for (const auto& o : outcomes) {
    if (o.tag.empty() || o.status == 200) continue;
    ++refused;
    const int64_t stored = stored_by_tag.count(o.tag) ? stored_by_tag.at(o.tag) : 0;
    if (o.status == 503 && o.error == "unavailable") {
      EXPECT_EQ(stored, 0) << o.tag << " was answered \"nothing was recorded\" but is stored";
    }
    EXPECT_LE(stored, 1) << o.tag;
  }
  EXPECT_GT(refused, 0) << "the kill refused nothing: it landed outside the burst";
  expect_intact(s, ledger);
}

TEST(Adversarial, HungWorkerIsFencedAndSequencingGoesOn) {
  auto& s = stack();
  Ledger ledger;
  const pid_t active = s.pid_of("worker");
  ASSERT_GT(active, 0);
  auto standby_worker = s.start_standby_worker("standby-worker");
  ASSERT_TRUE(standby_worker) << test::read_file(s.dir + "/standby-worker.log");
  test::Process& standby = *standby_worker;
  ::kill(active, SIGSTOP);
  struct Resume {
    pid_t pid;
    ~Resume() { ::kill(pid, SIGCONT); }
  } resume{active};
  // Submissions keep getting proofs: the standby fences the hung worker.
  for (int i = 0; i < 5; ++i) {
    auto res = ledger.stamp(s.base, data_for("while hung " + std::to_string(i)), "?wait");
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_FALSE(parse_json(res.body)["proof"].is_null())
        << "no proof while the worker hung:\n"
        << test::read_file(s.dir + "/standby-worker.log");
  }
  ::kill(active, SIGCONT);
  // The old worker finds itself fenced and writes nothing.
  ASSERT_TRUE(test::wait_until(
      [&] {
        return test::read_file(s.dir + "/log/worker.log").find("FENCED") != std::string::npos;
      },
      30s));
  for (int i = 0; i < 3; ++i)
    ledger.stamp(s.base, data_for("after the fence " + std::to_string(i)), "?wait");
  expect_intact(s, ledger);
  // Leave one worker as before: the standby holds the lease now; the old one
  // (a standby itself) takes over when this one stops.
  standby.signal(SIGTERM);
  EXPECT_EQ(standby.wait(), 0);
  ledger.stamp(s.base, data_for("back to one worker"), "?wait");
  expect_intact(s, ledger);
}

}  // namespace
}  // namespace ink
