// Backend benchmark: starts its own stack (PostgreSQL with fsync on, Redis,
// worker, one ink-backend, nginx) on free loopback ports under a fresh
// folder, drives it from Asio/Beast clients in this process, prints a table
// and stops the stack again. See docs/performance.md, "Backend".
//
//   1. durable submissions (POST /ts/ answered after COMMIT) through nginx and
//      directly, against nginx's own static answer, many keep-alive connections;
//   2. RFC 3161 tokens (POST /tsa) through nginx beside durable POSTs;
//   3. W held `wait` requests plus S WebSocket subscribers on one backend:
//      RSS per held connection, and the time from the head's announcement
//      until the last waiter and the last subscriber have it;
//   4. random `x in y` proof reads on a main tree of N intervals, whose rows
//      are computed here with core::CompactRange and COPYed into a fresh
//      database (not produced by running the worker N times).

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <libpq-fe.h>
#include <openssl/objects.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/compact_range.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/proof_plan.h"
#include "core/protocol.h"
#include "core/record_hash.h"
#include "rfc3161/token.h"
#include "store/schema.h"
#include "support/test_env.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

auto with_ec(boost::system::error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

struct Options {
  double seconds = 8;      // each throughput run
  int connections = 128;   // keep-alive connections per throughput run
  int client_threads = 2;  // Asio threads in this process
  int waiters = 12000;     // held `wait` requests
  int subscribers = 6000;  // WebSocket subscribers
  uint64_t intervals = 1000000;
  double proof_seconds = 8;
  bool keep = false;  // leave the stack's folder (logs) behind
  std::string only;   // "throughput", "rfc3161", "held", "proofs" or "standby": run just that part
};

std::string shell_quote(const std::string& s) { return "'" + s + "'"; }

int run(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

using ink::test::free_port;
using ink::test::read_env_file;
using ink::test::read_file;
using ink::test::rss_kib;

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, size_t(p * double(v.size())));
  std::nth_element(v.begin(), v.begin() + long(k), v.end());
  return v[k];
}

// ---------------------------------------------------------------- the stack

struct Stack {
  std::string dir, database_url, redis_url;
  int proxy_port = 0, backend_port = 0;

  // standbys: PostgreSQL streaming standbys (INK_PG_STANDBYS), synchronous to ANY 1.
  explicit Stack(const Options& o, int standbys = 0) {
    char tmpl[] = "/tmp/ink-backend-bench-XXXXXX";
    dir = mkdtemp(tmpl);
    chmod(dir.c_str(), 0755);  // PostgreSQL runs as `postgres` when we are root
    proxy_port = free_port();
    backend_port = free_port();
    std::ostringstream cmd;
    cmd << "env -u DATABASE_URL -u REDIS_URL INK_ENV_FILE=/dev/null INK_VAR_DIR=" << dir
        << " INK_BUILD_DIR=" << INK_BUILD_DIR << " INK_PORT=" << proxy_port
        << " INK_BACKEND_BASE_PORT=" << backend_port
        << " INK_BACKENDS=1 INK_WEB=0 INK_INTERVAL=1 INK_WAIT_SECONDS=60"
        << " INK_PG_STANDBYS=" << standbys << " INK_LOCAL_WITNESSES=0"
        << " INK_PROXY_RATE=10000000 INK_PROXY_BURST=10000000 INK_NGINX_WORKERS=auto"
        << " INK_RATE_LIMIT=0 INK_MAX_CONNECTIONS=" << (o.waiters + o.subscribers + 1000) << " "
        << shell_quote(INK_SOURCE_DIR "/scripts/stack.sh") << " up >" << dir
        << "/stack-up.log 2>&1";
    if (run(cmd.str()) != 0) {
      std::cerr << read_file(dir + "/stack-up.log");
      stop();
      throw std::runtime_error("stack.sh up failed");
    }
    // stack.sh started PostgreSQL (fsync on: INK_PG_FAST unset) and Redis under DIR/services.
    auto env = read_env_file(dir + "/services/env");
    database_url = env["DATABASE_URL"];
    redis_url = env["REDIS_URL"];
  }
  void stop() {
    run("env INK_ENV_FILE=/dev/null INK_VAR_DIR=" + dir + " " +
        shell_quote(INK_SOURCE_DIR "/scripts/stack.sh") + " down >/dev/null 2>&1");
  }
  pid_t pid(const std::string& name) const {
    return pid_t(std::atol(read_file(dir + "/run/" + name + ".pid").c_str()));
  }
};

// ---------------------------------------------------------------- HTTP load

struct ConnResult {
  uint64_t ok = 0, failed = 0;
  std::vector<double> latency_us;
};

asio::ip::address source_address(int i) {
  // Several loopback source addresses: each has its own ephemeral port range.
  return asio::ip::make_address_v4("127.0.0." + std::to_string(2 + i % 8));
}

awaitable<bool> connect_from(tcp::socket& socket, int i, const tcp::endpoint& to) {
  boost::system::error_code ec;
  socket.open(tcp::v4(), ec);
  socket.bind(tcp::endpoint(source_address(i), 0), ec);
  if (ec) co_return false;
  co_await socket.async_connect(to, with_ec(ec));
  if (ec) co_return false;
  socket.set_option(tcp::no_delay(true), ec);
  co_return true;
}

// Connection i sends requests[(i + n * connections) % size] as its n-th request.
awaitable<void> load_connection(int i, int connections, tcp::endpoint to,
                                const std::vector<std::string>& requests, Clock::time_point until,
                                ConnResult& result) {
  size_t n = 0;
  while (Clock::now() < until) {  // reconnects when the server closes (keepalive_requests)
    tcp::socket socket(co_await asio::this_coro::executor);
    if (!co_await connect_from(socket, i, to)) {
      ++result.failed;
      co_return;
    }
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    for (; Clock::now() < until; ++n) {
      auto t0 = Clock::now();
      const auto& request = requests[(size_t(i) + n * size_t(connections)) % requests.size()];
      co_await asio::async_write(socket, asio::buffer(request), with_ec(ec));
      if (ec) break;
      http::response_parser<http::string_body> parser;
      co_await http::async_read(socket, buffer, parser, with_ec(ec));
      if (ec) break;
      if (parser.get().result_int() == 200) {
        ++result.ok;
        result.latency_us.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      } else {
        ++result.failed;
      }
      if (!parser.get().keep_alive()) {
        ++n;
        break;
      }
    }
    if (ec) ++result.failed;
  }
}

struct LoadFigures {
  double per_second = 0, p50_ms = 0, p99_ms = 0;
  uint64_t ok = 0, failed = 0;
};

LoadFigures load(const Options& o, int port, const std::vector<std::string>& requests,
                 double seconds) {
  asio::io_context io;
  std::vector<ConnResult> results(size_t(o.connections));
  tcp::endpoint to(asio::ip::make_address("127.0.0.1"), uint16_t(port));
  auto start = Clock::now();
  auto until = start + std::chrono::milliseconds(int64_t(seconds * 1000));
  if (std::getenv("INK_BENCH_MARKS"))  // to slice a `perf record` of the run
    std::printf("load on :%d (%s...) from monotonic %.3f s for %.1f s\n", port,
                requests[0].substr(0, requests[0].find(' ', 5)).c_str(),
                std::chrono::duration<double>(start.time_since_epoch()).count(), seconds);
  for (int i = 0; i < o.connections; ++i)
    asio::co_spawn(asio::make_strand(io),
                   load_connection(i, o.connections, to, requests, until, results[size_t(i)]),
                   asio::detached);
  std::vector<std::thread> threads;
  for (int t = 1; t < o.client_threads; ++t) threads.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  LoadFigures f;
  std::vector<double> all;
  for (auto& r : results) {
    f.ok += r.ok;
    f.failed += r.failed;
    all.insert(all.end(), r.latency_us.begin(), r.latency_us.end());
  }
  f.per_second = double(f.ok) / elapsed;
  f.p50_ms = percentile(all, 0.50) / 1000;
  f.p99_ms = percentile(all, 0.99) / 1000;
  return f;
}

std::string post_request(const std::string& target, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}
// An RFC 3161 request (docs/rfc3161.md): a DER TimeStampReq.
std::string token_request(const std::string& target, const std::string& der) {
  return "POST " + target +
         " HTTP/1.1\r\nHost: bench\r\nContent-Type: application/timestamp-query\r\n" +
         "Content-Length: " + std::to_string(der.size()) + "\r\n\r\n" + der;
}
std::string get_request(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: bench\r\n\r\n";
}

// One blocking request on its own connection (set-up and polling only).
std::pair<int, std::string> fetch(int port, const std::string& target) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(10s);
  boost::system::error_code ec;
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), uint16_t(port)), ec);
  if (ec) return {0, ec.message()};
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "bench");
  req.keep_alive(false);
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res, ec);
  if (ec) return {0, ec.message()};
  return {int(res.result_int()), res.body()};
}

double metric(int port, const std::string& name) {
  auto [status, body] = fetch(port, "/metrics");
  if (status != 200) return -1;
  auto at = body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::atof(body.c_str() + at + name.size() + 2);
}

// ------------------------------------------------- held waiters and subscribers

struct HeldFigures {
  long rss_before_kib = 0, rss_after_kib = 0;
  int waiters_held = 0, subscribers_joined = 0, failed = 0;
  int waiters_with_proof = 0, subscribers_with_head = 0;
  double last_waiter_ms = -1, last_subscriber_ms = -1, p50_waiter_ms = -1, p50_subscriber_ms = -1;
  double register_seconds = 0;
};

// Reads Redis's mth-live channel on a raw socket: the instant the worker's
// announcement (published right after its COMMIT) reaches a client.
class RedisWatch {
 public:
  explicit RedisWatch(const std::string& redis_url) {
    auto colon = redis_url.rfind(':');
    port_ = uint16_t(std::atoi(redis_url.c_str() + colon + 1));
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    asio::write(socket_, asio::buffer(std::string("SUBSCRIBE mth-live\r\n")));
    read_some();  // the subscribe confirmation
  }
  // Blocks until the next message; returns when it arrived.
  Clock::time_point next_message() {
    read_some();
    return Clock::now();
  }

 private:
  void read_some() {
    char buf[65536];
    socket_.read_some(asio::buffer(buf));
  }
  asio::io_context io_;
  tcp::socket socket_{io_};
  uint16_t port_;
};

// Reads one HTTP/1.1 answer framed by Content-Length, as raw text. Lighter
// than Beast's parser: on these shared cores every cycle the client spends is
// one the backend does not get, and 12,000 answers arrive at once.
awaitable<std::string> read_answer(tcp::socket& socket, boost::system::error_code& ec) {
  std::string text;
  size_t header_end = std::string::npos, total = std::string::npos;
  char chunk[16384];
  while (total == std::string::npos || text.size() < total) {
    size_t n = co_await socket.async_read_some(asio::buffer(chunk), with_ec(ec));
    if (ec) co_return text;
    text.append(chunk, n);
    if (header_end == std::string::npos) {
      header_end = text.find("\r\n\r\n");
      if (header_end == std::string::npos) continue;
      auto at = text.find("\r\nContent-Length: ");
      if (at == std::string::npos || at > header_end) {
        ec = asio::error::invalid_argument;  // the backend always sends a length
        co_return text;
      }
      total = header_end + 4 + std::strtoull(text.c_str() + at + 18, nullptr, 10);
    }
  }
  co_return text;
}

// Yardstick for the held figures: how long nginx, on the same cores and with
// the same client, takes to answer `count` open connections that all ask
// GET /nginx-static at one moment. Milliseconds until the last answer.
struct BurstFigures {
  int answered = 0;
  double last_ms = -1, p50_ms = -1;
};

BurstFigures nginx_burst(const Options& o, Stack& stack, int count) {
  BurstFigures f;
  const tcp::endpoint to(asio::ip::make_address("127.0.0.1"), uint16_t(stack.proxy_port));
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int t = 0; t < o.client_threads; ++t) threads.emplace_back([&] { io.run(); });
  std::vector<std::shared_ptr<tcp::socket>> sockets(static_cast<size_t>(count));
  std::vector<Clock::time_point> done(static_cast<size_t>(count));
  std::vector<char> ok(static_cast<size_t>(count), 0);
  std::atomic<int> connected{0}, finished{0};
  for (int i = 0; i < count; ++i) {
    while (i - connected > 256) std::this_thread::sleep_for(1ms);
    auto socket = std::make_shared<tcp::socket>(asio::make_strand(io));
    sockets[size_t(i)] = socket;
    asio::co_spawn(
        socket->get_executor(),
        [&, socket, i]() -> awaitable<void> {
          if (!co_await connect_from(*socket, i, to)) sockets[size_t(i)].reset();
          ++connected;
        },
        asio::detached);
  }
  while (connected < count) std::this_thread::sleep_for(5ms);
  const std::string request = get_request("/nginx-static");
  auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    auto socket = sockets[size_t(i)];
    if (!socket) {
      ++finished;
      continue;
    }
    asio::co_spawn(
        socket->get_executor(),
        [&, socket, i]() -> awaitable<void> {
          boost::system::error_code ec;
          co_await asio::async_write(*socket, asio::buffer(request), with_ec(ec));
          std::string answer;
          if (!ec) answer = co_await read_answer(*socket, ec);
          done[size_t(i)] = Clock::now();
          ok[size_t(i)] = !ec && answer.rfind("HTTP/1.1 200 ", 0) == 0;
          ++finished;
        },
        asio::detached);
  }
  auto deadline = Clock::now() + 20s;
  while (finished < count && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  std::vector<double> ms;
  for (int i = 0; i < count; ++i)
    if (ok[size_t(i)])
      ms.push_back(std::chrono::duration<double, std::milli>(done[size_t(i)] - start).count());
  f.answered = int(ms.size());
  if (!ms.empty()) f.last_ms = *std::max_element(ms.begin(), ms.end());
  f.p50_ms = percentile(ms, 0.5);
  for (auto& socket : sockets)
    if (socket) asio::post(socket->get_executor(), [socket] { socket->close(); });
  guard.reset();
  io.stop();
  for (auto& t : threads) t.join();
  return f;
}

HeldFigures held(const Options& o, Stack& stack) {
  HeldFigures f;
  const pid_t backend = stack.pid("backend-1"), worker = stack.pid("worker");
  const tcp::endpoint to(asio::ip::make_address("127.0.0.1"), uint16_t(stack.backend_port));
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int t = 0; t < o.client_threads; ++t) threads.emplace_back([&] { io.run(); });

  std::atomic<bool> resumed{false};
  std::atomic<int> connected{0}, failed{0}, joined{0};
  std::vector<Clock::time_point> waiter_done(size_t(o.waiters)),
      subscriber_done(size_t(o.subscribers));
  std::vector<char> waiter_proof(size_t(o.waiters), 0), subscriber_head(size_t(o.subscribers), 0);
  std::vector<std::shared_ptr<websocket::stream<beast::tcp_stream>>> sockets(size_t(o.subscribers));
  // Waiters keep their connection (keep-alive) until everyone has an answer:
  // closing 12,000 sockets is work of its own, after the answer, not part of it.
  std::vector<std::shared_ptr<tcp::socket>> waiter_sockets(size_t(o.waiters));

  f.rss_before_kib = rss_kib(backend);
  kill(worker, SIGSTOP);  // no head until every client is in place
  auto t_register = Clock::now();

  auto subscriber = [&](int i) -> awaitable<void> {
    tcp::socket socket(co_await asio::this_coro::executor);
    bool ok = co_await connect_from(socket, i, to);
    ++connected;
    if (!ok) {
      ++failed;
      co_return;
    }
    auto ws = std::make_shared<websocket::stream<beast::tcp_stream>>(std::move(socket));
    sockets[size_t(i)] = ws;
    boost::system::error_code ec;
    co_await ws->async_handshake("bench", "/v1/mth/live", with_ec(ec));
    if (ec) {
      ++failed;
      co_return;
    }
    ++joined;
    beast::flat_buffer buffer;
    for (;;) {
      co_await ws->async_read(buffer, with_ec(ec));
      if (ec) co_return;
      if (resumed && !subscriber_head[size_t(i)]) {
        subscriber_done[size_t(i)] = Clock::now();
        subscriber_head[size_t(i)] = 1;
      }
      buffer.consume(buffer.size());
    }
  };
  auto waiter = [&](int i) -> awaitable<void> {
    auto kept = std::make_shared<tcp::socket>(co_await asio::this_coro::executor);
    waiter_sockets[size_t(i)] = kept;
    tcp::socket& socket = *kept;
    bool ok = co_await connect_from(socket, o.subscribers + i, to);
    ++connected;
    if (!ok) {
      ++failed;
      co_return;
    }
    auto request =
        post_request("/v1/ts/?wait", "{\"data\":\"bench wait " + std::to_string(i) + "\"}");
    boost::system::error_code ec;
    co_await asio::async_write(socket, asio::buffer(request), with_ec(ec));
    std::string answer;
    if (!ec) answer = co_await read_answer(socket, ec);
    waiter_done[size_t(i)] = Clock::now();
    if (!ec && answer.rfind("HTTP/1.1 200 ", 0) == 0 &&
        answer.find("\"proof\":{") != std::string::npos)
      waiter_proof[size_t(i)] = 1;
    else
      ++failed;
  };
  // Launch without flooding the listen backlog: at most 256 connects in flight.
  auto launch = [&](int count, auto& make) {
    int base = connected;
    for (int i = 0; i < count; ++i) {
      while (i - (connected - base) > 256) std::this_thread::sleep_for(1ms);
      asio::co_spawn(asio::make_strand(io), make(i), asio::detached);
    }
    while (connected - base < count) std::this_thread::sleep_for(5ms);
  };
  launch(o.subscribers, subscriber);
  launch(o.waiters, waiter);
  auto deadline = Clock::now() + 60s;
  while (Clock::now() < deadline &&
         metric(stack.backend_port, "ink_waiting_clients") < double(o.waiters - failed.load()))
    std::this_thread::sleep_for(50ms);
  f.register_seconds = std::chrono::duration<double>(Clock::now() - t_register).count();
  f.waiters_held = int(metric(stack.backend_port, "ink_waiting_clients"));
  f.subscribers_joined = joined;
  std::this_thread::sleep_for(500ms);  // let allocations settle
  f.rss_after_kib = rss_kib(backend);

  RedisWatch redis(stack.redis_url);
  resumed = true;
  kill(worker, SIGCONT);
  auto announced = redis.next_message();
  // On the monotonic clock, to slice a `perf record` of the run (perf report --time).
  std::printf("head announced at monotonic %.6f s\n",
              std::chrono::duration<double>(announced.time_since_epoch()).count());
  // Everyone answered, or 20 s.
  deadline = Clock::now() + 20s;
  auto all_done = [&] {
    int w = 0, s = 0;
    for (int i = 0; i < o.waiters; ++i) w += waiter_done[size_t(i)] != Clock::time_point{};
    for (int i = 0; i < o.subscribers; ++i) s += subscriber_head[size_t(i)];
    return w == o.waiters && s >= joined;
  };
  while (Clock::now() < deadline && !all_done()) std::this_thread::sleep_for(20ms);
  std::this_thread::sleep_for(100ms);

  std::vector<double> wms, sms;
  for (int i = 0; i < o.waiters; ++i) {
    if (!waiter_proof[size_t(i)]) continue;
    ++f.waiters_with_proof;
    wms.push_back(
        std::chrono::duration<double, std::milli>(waiter_done[size_t(i)] - announced).count());
  }
  for (int i = 0; i < o.subscribers; ++i) {
    if (!subscriber_head[size_t(i)]) continue;
    ++f.subscribers_with_head;
    sms.push_back(
        std::chrono::duration<double, std::milli>(subscriber_done[size_t(i)] - announced).count());
  }
  if (!wms.empty()) f.last_waiter_ms = *std::max_element(wms.begin(), wms.end());
  if (!sms.empty()) f.last_subscriber_ms = *std::max_element(sms.begin(), sms.end());
  if (!wms.empty()) {
    // The spread says whether answers trickle out or come in steps (one per head).
    std::printf(
        "waiter answers after the announcement, ms: p10 %.0f, p25 %.0f, p50 %.0f, p75 %.0f, "
        "p90 %.0f\n",
        percentile(wms, 0.1), percentile(wms, 0.25), percentile(wms, 0.5), percentile(wms, 0.75),
        percentile(wms, 0.9));
  }
  f.p50_waiter_ms = percentile(wms, 0.5);
  f.p50_subscriber_ms = percentile(sms, 0.5);
  f.failed = failed;

  for (auto& ws : sockets)
    if (ws) asio::post(ws->get_executor(), [ws] { beast::get_lowest_layer(*ws).socket().close(); });
  for (auto& socket : waiter_sockets)
    if (socket) asio::post(socket->get_executor(), [socket] { socket->close(); });
  guard.reset();
  io.stop();
  for (auto& t : threads) t.join();
  return f;
}

// ---------------------------------------------------- a 1M-interval main tree

void exec_or_throw(PGconn* conn, const std::string& sql) {
  PGresult* r = PQexec(conn, sql.c_str());
  auto st = PQresultStatus(r);
  std::string err = PQresultErrorMessage(r);
  PQclear(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    throw std::runtime_error(sql.substr(0, 60) + ": " + err);
}

void copy_rows(PGconn* conn, const std::string& copy_sql, const std::string& rows) {
  PGresult* r = PQexec(conn, copy_sql.c_str());
  if (PQresultStatus(r) != PGRES_COPY_IN) throw std::runtime_error(PQerrorMessage(conn));
  PQclear(r);
  for (size_t at = 0; at < rows.size(); at += 1 << 20) {
    size_t n = std::min(rows.size() - at, size_t(1) << 20);
    if (PQputCopyData(conn, rows.data() + at, int(n)) != 1)
      throw std::runtime_error(PQerrorMessage(conn));
  }
  if (PQputCopyEnd(conn, nullptr) != 1) throw std::runtime_error(PQerrorMessage(conn));
  r = PQgetResult(conn);
  std::string err = PQresultErrorMessage(r);
  auto st = PQresultStatus(r);
  PQclear(r);
  while ((r = PQgetResult(conn))) PQclear(r);
  if (st != PGRES_COMMAND_OK) throw std::runtime_error("COPY failed: " + err);
}

void append_hex(std::string& out, const ink::core::Hash& h) {
  static const char* digits = "0123456789abcdef";
  out += "\\\\x";
  for (auto b : h) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
}

// Empty intervals 1 s apart with real ith (H("")), ihash and mth_i, and every
// perfect node of the main tree. Columns no `x in y` read touches are filler:
// inclusion/consistency nodes empty, signature zero, one placeholder key.
std::string fill_main_tree(const std::string& admin_url, uint64_t n, double& seconds) {
  auto t0 = Clock::now();
  auto base = admin_url.substr(0, admin_url.rfind('/') + 1);
  PGconn* admin = PQconnectdb(admin_url.c_str());
  exec_or_throw(admin, "DROP DATABASE IF EXISTS bench_main_tree");
  exec_or_throw(admin, "CREATE DATABASE bench_main_tree");
  PQfinish(admin);
  std::string url = base + "bench_main_tree";
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn));
  ink::store::migrate(conn);
  exec_or_throw(conn,
                "INSERT INTO signing_key (key_id, public_key) VALUES ('0000000000000000', "
                "'\\x" +
                    std::string(64, '0') + "')");

  ink::core::Hasher hasher;
  ink::core::CompactRange range;
  const auto empty = hasher.sha3({});
  const int64_t first_us = 1700000000000000;
  std::string nodes, intervals;
  nodes.reserve(size_t(n) * 2 * 90);
  intervals.reserve(size_t(n) * 300);
  const std::string zero_signature = "\\\\x" + std::string(128, '0');
  for (uint64_t i = 0; i < n; ++i) {
    int64_t us = first_us + int64_t(i) * 1000000;
    ink::core::IntervalRecord record{i, ink::core::format_clock(us), empty};
    auto ihash = ink::core::ihash(record);
    for (auto& node : range.append(ihash, hasher)) {
      nodes += std::to_string(node.id.level) + '\t' + std::to_string(node.id.index) + '\t';
      append_hex(nodes, node.hash);
      nodes += '\n';
    }
    auto mth = range.root(hasher);
    intervals += std::to_string(i) + '\t' + (i ? std::to_string(i - 1) : "\\N") + '\t' +
                 std::to_string(us) + "\t0\t";
    append_hex(intervals, empty);
    intervals += '\t';
    append_hex(intervals, ihash);
    intervals += '\t';
    append_hex(intervals, mth);
    intervals += "\t0\t\\\\x\t\\N\t" + zero_signature + "\t0000000000000000\ttrue\n";
  }
  exec_or_throw(conn, "BEGIN");
  copy_rows(conn, "COPY mth_node (level, k, hash) FROM STDIN", nodes);
  copy_rows(conn,
            "COPY interval (idx, prev_idx, ts_us, ts_count, ith, ihash, mth, inclusion_a, "
            "inclusion_nodes, consistency_nodes, signature, key_id, announced) FROM STDIN",
            intervals);
  exec_or_throw(conn, "COMMIT");
  exec_or_throw(conn, "ANALYZE mth_node");
  exec_or_throw(conn, "ANALYZE interval");
  PQfinish(conn);
  seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return url;
}

// A backend of our own on the big database (no worker; Redis not needed),
// reading from a standby when read_url is set.
pid_t start_backend(const std::string& database_url, int port, const std::string& log,
                    const std::string& read_url = "") {
  std::fflush(stdout);  // or the child repeats what is buffered
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    FILE* f = std::freopen(log.c_str(), "a", stdout);
    if (f) dup2(fileno(stdout), 2);
    std::string bin = INK_BUILD_DIR "/src/app/ink-backend";
    std::string listen = "127.0.0.1:" + std::to_string(port);
    std::vector<std::string> args = {bin,           "--database-url",      database_url,
                                     "--redis-url", "redis://127.0.0.1:1", "--listen",
                                     listen,        "--rate-limit",        "0"};
    if (!read_url.empty()) {
      args.push_back("--database-read-url");
      args.push_back(read_url);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

void wait_healthy(int port) {
  auto deadline = Clock::now() + 60s;
  while (Clock::now() < deadline && fetch(port, "/health").first != 200)
    std::this_thread::sleep_for(100ms);
}

std::vector<std::string> random_proof_requests(uint64_t intervals) {
  // Distinct random pairs, so most reads miss the backend's node cache.
  std::mt19937_64 rng(42);
  std::vector<std::string> requests;
  for (int i = 0; i < 400000; ++i) {
    uint64_t y = rng() % intervals, x = rng() % (y + 1);
    requests.push_back(get_request("/v1/mth/" + std::to_string(x) + "/in/" + std::to_string(y)));
  }
  return requests;
}

void print_row(const char* name, const LoadFigures& f) {
  std::printf("%-44s %12.0f %9.2f %9.2f %8llu %8llu\n", name, f.per_second, f.p50_ms, f.p99_ms,
              (unsigned long long)f.ok, (unsigned long long)f.failed);
}

// Issue #15's table, printed last: each figure with its goal, as measured in
// this run (the goals are ratios because the machine's speed varies).
class Summary {
 public:
  void add(std::string figure, double value, std::string goal) {
    rows_.push_back({std::move(figure), value, std::move(goal)});
  }
  void print() const {
    if (rows_.empty()) return;
    std::printf("\n%-58s %10s  %s\n", "summary (this run)", "measured", "goal");
    for (auto& r : rows_)
      std::printf("%-58s %10.2f  %s\n", r.figure.c_str(), r.value, r.goal.c_str());
  }

 private:
  struct Row {
    std::string figure;
    double value;
    std::string goal;
  };
  std::vector<Row> rows_;
};

// Issue #14's figures, in one run on one stack with one standby: durable
// POSTs with the standby synchronous and not (synchronous_standby_names set
// and reset between runs, twice each), and random proof reads by a backend
// reading from the primary against one reading from the standby.
void standby_part(const Options& o) {
  Stack replicated(o, 1);
  struct Stop {
    Stack& s;
    bool keep;
    ~Stop() {
      s.stop();
      if (!keep) run("rm -rf " + s.dir);
    }
  } stop{replicated, o.keep};
  auto env = read_env_file(replicated.dir + "/services/env");
  const std::string primary_port = env["PG_PORT"], standby_port = env["PG_STANDBY_PORTS"];
  auto set_synchronous = [&](bool on) {
    PGconn* c =
        PQconnectdb(("postgresql://postgres@127.0.0.1:" + primary_port + "/postgres").c_str());
    exec_or_throw(c, on ? "ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 (node_0, node_1)'"
                        : "ALTER SYSTEM SET synchronous_standby_names = ''");
    exec_or_throw(c, "SELECT pg_reload_conf()");
    PQfinish(c);
    std::this_thread::sleep_for(500ms);
  };
  auto body = std::string("{\"data\":\"sha512:") + std::string(128, 'a') + "\"}";
  load(o, replicated.proxy_port, {post_request("/api/v1/ts/", body)}, 1);  // warm-up
  LoadFigures runs[2][2];
  for (int round = 0; round < 2; ++round)
    for (int sync = 0; sync < 2; ++sync) {
      set_synchronous(sync == 1);
      runs[sync][round] =
          load(o, replicated.proxy_port, {post_request("/api/v1/ts/", body)}, o.seconds);
    }
  set_synchronous(true);
  std::printf("\n%-44s %12s %9s %9s %8s %8s\n", "standby (1, on this machine)", "req/s", "p50 ms",
              "p99 ms", "ok", "failed");
  print_row("durable POST through nginx, no sync standby", runs[0][0]);
  print_row("durable POST through nginx, 1 sync standby", runs[1][0]);
  print_row("durable POST through nginx, no sync standby", runs[0][1]);
  print_row("durable POST through nginx, 1 sync standby", runs[1][1]);
  std::printf("ratio synchronous / not: %.2f and %.2f (p99 %.1f vs %.1f ms, %.1f vs %.1f ms)\n",
              runs[1][0].per_second / runs[0][0].per_second,
              runs[1][1].per_second / runs[0][1].per_second, runs[1][0].p99_ms, runs[0][0].p99_ms,
              runs[1][1].p99_ms, runs[0][1].p99_ms);

  const uint64_t intervals = std::min<uint64_t>(o.intervals, 200000);
  double fill_seconds = 0;
  auto big = fill_main_tree("postgresql://ink@127.0.0.1:" + primary_port + "/ink", intervals,
                            fill_seconds);
  const std::string standby_url = "postgresql://ink@127.0.0.1:" + standby_port + "/bench_main_tree";
  auto deadline = Clock::now() + 300s;
  while (Clock::now() < deadline) {
    PGconn* c = PQconnectdb(standby_url.c_str());
    PGresult* r = PQexec(c, "SELECT count(*) FROM interval");
    bool replayed = PQresultStatus(r) == PGRES_TUPLES_OK &&
                    std::strtoull(PQgetvalue(r, 0, 0), nullptr, 10) == intervals;
    PQclear(r);
    PQfinish(c);
    if (replayed) break;
    std::this_thread::sleep_for(200ms);
  }
  std::printf("main tree of %llu intervals filled in %.1f s and replayed by the standby\n",
              (unsigned long long)intervals, fill_seconds);
  int on_primary = free_port(), on_standby = free_port();
  pid_t a = start_backend(big, on_primary, replicated.dir + "/primary-reader.log");
  pid_t b = start_backend(big, on_standby, replicated.dir + "/standby-reader.log", standby_url);
  wait_healthy(on_primary);
  wait_healthy(on_standby);
  auto requests = random_proof_requests(intervals);
  LoadFigures reads[2][2];
  for (int round = 0; round < 2; ++round)  // alternating who reads first (the caches warm up)
    for (int side : {round, 1 - round})
      reads[side][round] = load(o, side ? on_standby : on_primary, requests, o.proof_seconds);
  auto metrics = fetch(on_standby, "/metrics").second;
  const std::string counter = "\nink_db_standby_reads_total ";
  auto at = metrics.find(counter);
  std::printf("proof reads x in y (random, %d connections):\n", o.connections);
  print_row("  reads on the primary (first)", reads[0][0]);
  print_row("  reads on the standby", reads[1][0]);
  print_row("  reads on the standby (first)", reads[1][1]);
  print_row("  reads on the primary", reads[0][1]);
  std::printf(
      "ratio standby / primary: %.2f and %.2f; reads the standby answered: %s\n",
      reads[1][0].per_second / reads[0][0].per_second,
      reads[1][1].per_second / reads[0][1].per_second,
      at == std::string::npos
          ? "?"
          : metrics.substr(at + counter.size(), metrics.find('\n', at + 1) - at - counter.size())
                .c_str());
  kill(a, SIGTERM);
  kill(b, SIGTERM);
  waitpid(a, nullptr, 0);
  waitpid(b, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      std::string prefix = std::string(name) + "=";
      if (a.rfind(prefix, 0) == 0) return argv[i] + prefix.size();
      if (a == name && i + 1 < argc) return argv[++i];
      return nullptr;
    };
    if (auto v = value("--seconds"))
      o.seconds = std::atof(v);
    else if (auto v2 = value("--connections"))
      o.connections = std::atoi(v2);
    else if (auto v3 = value("--client-threads"))
      o.client_threads = std::atoi(v3);
    else if (auto v4 = value("--waiters"))
      o.waiters = std::atoi(v4);
    else if (auto v5 = value("--subscribers"))
      o.subscribers = std::atoi(v5);
    else if (auto v6 = value("--intervals"))
      o.intervals = std::strtoull(v6, nullptr, 10);
    else if (auto v7 = value("--proof-seconds"))
      o.proof_seconds = std::atof(v7);
    else if (auto v8 = value("--only"))
      o.only = v8;
    else if (a == "--keep")
      o.keep = true;
    else if (a == "--help") {
      std::cout
          << "backend_bench [--seconds S] [--connections C] [--client-threads T]\n"
             "  [--waiters W] [--subscribers S] [--intervals N] [--proof-seconds S] [--keep]\n"
             "  [--only throughput|rfc3161|held|proofs|standby]\n";
      return 0;
    } else {
      std::cerr << "backend_bench: ignoring " << a << "\n";  // make bench passes flags to all
    }
  }
  signal(SIGPIPE, SIG_IGN);
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;  // the stack's processes inherit it
  setrlimit(RLIMIT_NOFILE, &limit);
  std::cout << "open-file limit " << limit.rlim_cur << " (hard) for this process and the stack\n";
  if (rlim_t(o.waiters + o.subscribers + 200) > limit.rlim_cur)
    std::cout << "warning: " << o.waiters + o.subscribers
              << " held connections exceed the open-file limit\n";

  if (o.only == "standby") {  // a stack of its own, with a standby
    try {
      standby_part(o);
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "backend_bench: standby: " << e.what() << "\n";
      return 1;
    }
  }
  std::unique_ptr<Stack> started;
  try {
    started = std::make_unique<Stack>(o);
  } catch (const std::exception& e) {
    std::cerr << "backend_bench: " << e.what() << "\n";
    return 1;
  }
  Stack& stack = *started;
  std::cout << "stack under " << stack.dir << ": nginx :" << stack.proxy_port
            << ", backend :" << stack.backend_port << ", PostgreSQL fsync on\n";
  int rc = 0;
  auto part = [&](const char* name) { return o.only.empty() || o.only == name; };
  Summary summary;
  try {
    if (part("throughput")) {
      auto body = std::string("{\"data\":\"sha512:") + std::string(128, 'a') + "\"}";
      load(o, stack.proxy_port, {get_request("/nginx-static")}, 1);  // warm-up
      load(o, stack.proxy_port, {post_request("/api/v1/ts/", body)}, 1);
      std::printf("\n%-44s %12s %9s %9s %8s %8s\n", "throughput", "req/s", "p50 ms", "p99 ms", "ok",
                  "failed");
      std::printf("  keep-alive connections as named, %d client threads, %.0f s each\n",
                  o.client_threads, o.seconds);
      // Issue #15's figures: each ratio from runs made one after the other
      // with the same client and connection count.
      for (int connections : {64, 16}) {
        Options at = o;
        at.connections = connections;
        auto fig_static = load(at, stack.proxy_port, {get_request("/nginx-static")}, o.seconds);
        // The cheapest backend answer (no database) through nginx: the ceiling.
        auto fig_health = load(at, stack.proxy_port, {get_request("/api/health")}, o.seconds);
        auto fig_post = load(at, stack.proxy_port, {post_request("/api/v1/ts/", body)}, o.seconds);
        auto name = [connections](const char* what) {
          return std::string(what) + ", c" + std::to_string(connections);
        };
        print_row(name("nginx static GET /nginx-static").c_str(), fig_static);
        print_row(name("GET /api/health through nginx").c_str(), fig_health);
        print_row(name("POST /api/v1/ts/ through nginx").c_str(), fig_post);
        if (connections == 64)
          summary.add("health through nginx / nginx static, c64",
                      fig_health.per_second / fig_static.per_second, ">= 0.45");
        summary.add("durable POST / health through nginx, c" + std::to_string(connections),
                    fig_post.per_second / fig_health.per_second,
                    connections == 64 ? ">= 0.5" : ">= 0.3");
      }
      auto fig_health_direct = load(o, stack.backend_port, {get_request("/health")}, o.seconds);
      auto fig_direct = load(o, stack.backend_port, {post_request("/v1/ts/", body)}, o.seconds);
      print_row(("GET /health directly, c" + std::to_string(o.connections)).c_str(),
                fig_health_direct);
      print_row(("POST /v1/ts/ directly, c" + std::to_string(o.connections)).c_str(), fig_direct);
      std::printf("directly: durable POST / health %.2f\n",
                  fig_direct.per_second / fig_health_direct.per_second);
    }

    if (part("rfc3161")) {
      // Tokens (sign after the shared group commit) beside durable POSTs, in
      // one run: distinct SHA-256 imprints asking for the certificates.
      std::vector<std::string> tokens;
      for (int i = 0; i < 256; ++i) {
        const auto imprint = ink::core::sha3_256(ink::core::as_bytes("bench " + std::to_string(i)));
        tokens.push_back(token_request(
            "/tsa", ink::rfc3161::make_request(
                        NID_sha256,
                        std::string_view(reinterpret_cast<const char*>(imprint.data()), 32), "")));
      }
      auto body = std::string("{\"data\":\"sha512:") + std::string(128, 'a') + "\"}";
      load(o, stack.proxy_port, tokens, 1);  // warm-up
      auto fig_post = load(o, stack.proxy_port, {post_request("/api/v1/ts/", body)}, o.seconds);
      auto fig_tokens = load(o, stack.proxy_port, tokens, o.seconds);
      std::printf("\n%-44s %12s %9s %9s %8s %8s\n", "RFC 3161", "req/s", "p50 ms", "p99 ms", "ok",
                  "failed");
      auto row = [](const char* name, const LoadFigures& f) {
        std::printf("%-44s %12.0f %9.2f %9.2f %8llu %8llu\n", name, f.per_second, f.p50_ms,
                    f.p99_ms, (unsigned long long)f.ok, (unsigned long long)f.failed);
      };
      row("POST /api/v1/ts/ through nginx (durable)", fig_post);
      row("POST /tsa through nginx (token, durable)", fig_tokens);
      std::printf("ratio tokens / durable POST: %.2f (goal >= 0.8)\n",
                  fig_tokens.per_second / fig_post.per_second);
      summary.add("RFC 3161 tokens / durable POST, c" + std::to_string(o.connections),
                  fig_tokens.per_second / fig_post.per_second, ">= 0.8");
    }

    if (part("held")) {
      auto burst = nginx_burst(o, stack, o.waiters + o.subscribers);
      std::printf(
          "\nyardstick: nginx answers %d of %d connections asking GET /nginx-static at once: "
          "last %.0f ms (p50 %.0f)\n",
          burst.answered, o.waiters + o.subscribers, burst.last_ms, burst.p50_ms);
      auto h = held(o, stack);
      int total = h.waiters_held + h.subscribers_joined;
      std::printf(
          "\nheld connections on one backend: %d waiters held (of %d), %d subscribers (of %d), "
          "registered in %.1f s\n",
          h.waiters_held, o.waiters, h.subscribers_joined, o.subscribers, h.register_seconds);
      const double kib_per_connection =
          total ? double(h.rss_after_kib - h.rss_before_kib) / total : 0.0;
      std::printf("backend RSS %ld -> %ld KiB: %.1f KiB per held connection (goal < 16)\n",
                  h.rss_before_kib, h.rss_after_kib, kib_per_connection);
      std::printf(
          "from the head's announcement: last waiter %.0f ms (p50 %.0f), %d with proof; "
          "last subscriber %.0f ms (p50 %.0f), %d got it (goal < 250 ms)\n",
          h.last_waiter_ms, h.p50_waiter_ms, h.waiters_with_proof, h.last_subscriber_ms,
          h.p50_subscriber_ms, h.subscribers_with_head);
      summary.add("last of " + std::to_string(o.waiters) + " waiters / nginx burst yardstick",
                  h.last_waiter_ms / burst.last_ms, "<= 1.0");
      summary.add("backend RSS per held connection, KiB", kib_per_connection, "< 16");
    }

    if (part("proofs")) {
      double fill_seconds = 0;
      auto big = fill_main_tree(stack.database_url, o.intervals, fill_seconds);
      std::printf("\nmain tree of %llu intervals computed (CompactRange) and COPYed in %.1f s\n",
                  (unsigned long long)o.intervals, fill_seconds);
      int port = free_port();
      pid_t backend = start_backend(big, port, stack.dir + "/big-backend.log");
      wait_healthy(port);
      // Steady state: the backend loads the tree's upper levels once, in the
      // background, after its first head (reads before go to PostgreSQL whole).
      // (-1: a backend without that gauge.)
      auto load_start = Clock::now();
      double upper_bytes = 0;
      while (Clock::now() - load_start < 60s &&
             (upper_bytes = metric(port, "ink_main_tree_memory_bytes")) == 0)
        std::this_thread::sleep_for(50ms);
      if (upper_bytes >= 0)
        std::printf("upper levels of the main tree in memory after %.1f s: %.0f KiB\n",
                    std::chrono::duration<double>(Clock::now() - load_start).count(),
                    upper_bytes / 1024);
      auto requests = random_proof_requests(o.intervals);
      auto proofs = load(o, port, requests, o.proof_seconds);
      std::printf(
          "proof reads x in y (random, %d connections): %.0f per second, p50 %.2f ms, "
          "p99 %.2f ms, %llu ok, %llu failed\n",
          o.connections, proofs.per_second, proofs.p50_ms, proofs.p99_ms,
          (unsigned long long)proofs.ok, (unsigned long long)proofs.failed);
      summary.add(
          "random x in y proof reads per second, " + std::to_string(o.intervals) + " intervals",
          proofs.per_second, ">= 8,400 (3x 2.8k)");
      kill(backend, SIGTERM);
      waitpid(backend, nullptr, 0);
    }
  } catch (const std::exception& e) {
    std::cerr << "backend_bench: " << e.what() << "\n";
    rc = 1;
  }
  stack.stop();
  if (rc == 0 && o.only.empty()) {
    try {
      standby_part(o);
    } catch (const std::exception& e) {
      std::cerr << "backend_bench: standby: " << e.what() << "\n";
      rc = 1;
    }
  }
  if (!o.keep) run("rm -rf " + stack.dir);
  summary.print();
  return rc;
}
