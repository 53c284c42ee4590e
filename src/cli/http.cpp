// All of Beast lives in this one translation unit.
#include "cli/http.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <thread>
#include <utility>  // before Asio (Boost 1.74)

namespace ink::cli {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

namespace {

std::atomic<bool> g_stop{false};

constexpr const char* kUserAgent = "ink/0.1 (unchanging.ink client)";
constexpr size_t kMaxBody = 16 * 1024 * 1024;

// Runs ioc until *done; on a stop request, cancels and still waits for the
// handler (so no operation outlives its buffers), then throws Interrupted.
void run_until_done(net::io_context& ioc, const bool& done, const std::function<void()>& cancel) {
  bool cancelled = false;
  while (!done) {
    if (ioc.stopped()) ioc.restart();
    ioc.run_one_for(100ms);
    if (!done && !cancelled && g_stop.load()) {
      cancel();
      cancelled = true;
    }
  }
  if (cancelled) throw Interrupted();
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

std::shared_ptr<ssl::context> make_tls_context() {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_default_verify_paths();
  ctx->set_verify_mode(ssl::verify_peer);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  return ctx;
}

// SNI and host name (or IP address) verification for one TLS connection.
void prepare_tls(SSL* ssl_handle, const std::string& host) {
  if (is_ip_literal(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl_handle, host.c_str());
    SSL_set1_host(ssl_handle, host.c_str());
  }
}

std::string describe_error(const beast::error_code& ec, SSL* ssl_handle) {
  std::string text = ec.message();
  if (ssl_handle) {
    long verify = SSL_get_verify_result(ssl_handle);
    if (verify != X509_V_OK)
      text += " (certificate: " + std::string(X509_verify_cert_error_string(verify)) + ")";
  }
  return text;
}

// A step failed: says what we were doing, where.
[[noreturn]] void fail(const std::string& what, const ServerUrl& server, const std::string& why) {
  throw NetworkError(what + " " + server.text() + ": " + why);
}

// Resolves and connects the lowest layer of `stream` within its deadline.
void connect_tcp(net::io_context& ioc, beast::tcp_stream& stream, const ServerUrl& server,
                 std::chrono::milliseconds timeout) {
  tcp::resolver resolver(ioc);
  bool done = false;
  beast::error_code ec;
  tcp::resolver::results_type results;
  resolver.async_resolve(server.host, server.port,
                         [&](beast::error_code e, tcp::resolver::results_type r) {
                           ec = e;
                           results = std::move(r);
                           done = true;
                         });
  run_until_done(ioc, done, [&] { resolver.cancel(); });
  if (ec) fail("cannot resolve", server, ec.message());
  done = false;
  stream.expires_after(timeout);
  stream.async_connect(results, [&](beast::error_code e, const tcp::endpoint&) {
    ec = e;
    done = true;
  });
  run_until_done(ioc, done, [&] { stream.cancel(); });
  if (ec) fail("cannot connect to", server, ec.message());
}

bool transient_status(unsigned status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

}  // namespace

void request_stop() { g_stop.store(true); }
bool stop_requested() { return g_stop.load(); }

// ---------------------------------------------------------------- HTTP

struct HttpClient::Impl {
  ServerUrl server;
  HttpOptions options;
  net::io_context ioc;
  std::shared_ptr<ssl::context> tls;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  bool is_open() const { return plain.has_value() || secure.has_value(); }

  void close() {
    if (plain) {
      beast::error_code ec;
      plain->socket().shutdown(tcp::socket::shutdown_both, ec);
    }
    plain.reset();
    secure.reset();  // no TLS close_notify: the server does not need it
    buffer.clear();
  }

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  void open(std::chrono::milliseconds timeout) {
    close();
    if (!server.tls) {
      plain.emplace(ioc);
      connect_tcp(ioc, *plain, server, timeout);
      return;
    }
    if (!tls) tls = make_tls_context();
    secure.emplace(ioc, *tls);
    prepare_tls(secure->native_handle(), server.host);
    connect_tcp(ioc, beast::get_lowest_layer(*secure), server, timeout);
    bool done = false;
    beast::error_code ec;
    beast::get_lowest_layer(*secure).expires_after(timeout);
    secure->async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
      ec = e;
      done = true;
    });
    run_until_done(ioc, done, [&] { beast::get_lowest_layer(*secure).cancel(); });
    if (ec) {
      std::string why = describe_error(ec, secure->native_handle());
      close();
      fail("TLS handshake with", server, why);
    }
  }

  template <class Stream>
  HttpResponse exchange(Stream& stream, http::request<http::string_body>& req,
                        std::chrono::milliseconds timeout) {
    bool done = false;
    beast::error_code ec;
    auto cancel = [&] { lowest().cancel(); };
    lowest().expires_after(timeout);
    http::async_write(stream, req, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    run_until_done(ioc, done, cancel);
    if (ec) fail("cannot send request to", server, ec.message());
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxBody);
    done = false;
    http::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    run_until_done(ioc, done, cancel);
    if (ec == beast::error::timeout) fail("no answer in time from", server, "timed out");
    if (ec) fail("bad or missing answer from", server, ec.message());
    auto& res = parser.get();
    HttpResponse out;
    out.status = res.result_int();
    out.content_type = std::string(res[http::field::content_type]);
    out.location = std::string(res[http::field::location]);
    out.body = std::move(res.body());
    if (!res.keep_alive()) close();
    return out;
  }

  HttpResponse once(http::verb verb, std::string_view target, const std::string& body,
                    std::string_view content_type, std::chrono::milliseconds timeout) {
    http::request<http::string_body> req{verb, server.base_path + std::string(target), 11};
    req.set(http::field::host, server.host_header());
    req.set(http::field::user_agent, kUserAgent);
    req.set(http::field::accept, "application/json");
    req.keep_alive(true);
    if (verb == http::verb::post) {
      req.set(http::field::content_type, std::string(content_type));
      req.body() = body;
      req.prepare_payload();
    }
    // A kept-alive connection may have been closed by the server meanwhile:
    // one fresh connection is tried before this counts as a failure.
    for (int fresh = 0;; ++fresh) {
      bool reused = is_open();
      if (!reused) open(timeout);
      try {
        if (secure) return exchange(*secure, req, timeout);
        return exchange(*plain, req, timeout);
      } catch (const NetworkError&) {
        close();
        if (!reused || fresh > 0) throw;
      }
    }
  }

  HttpResponse with_retries(http::verb verb, std::string_view target, const std::string& body,
                            std::string_view content_type,
                            std::optional<std::chrono::milliseconds> timeout) {
    auto pause = options.backoff;
    for (int attempt = 1;; ++attempt) {
      std::string problem;
      try {
        HttpResponse res =
            once(verb, target, body, content_type, timeout.value_or(options.timeout));
        if (!transient_status(res.status) || attempt >= options.attempts) return res;
        problem = "server answered " + std::to_string(res.status);
      } catch (const NetworkError& e) {
        if (attempt >= options.attempts) throw;
        problem = e.what();
      }
      if (options.log)
        options.log(problem + "; retrying in " + std::to_string(pause.count()) + " ms (attempt " +
                    std::to_string(attempt + 1) + " of " + std::to_string(options.attempts) + ")");
      auto until = std::chrono::steady_clock::now() + pause;
      while (std::chrono::steady_clock::now() < until) {
        if (g_stop.load()) throw Interrupted();
        std::this_thread::sleep_for(
            std::min<std::chrono::nanoseconds>(50ms, until - std::chrono::steady_clock::now()));
      }
      pause = std::min<std::chrono::milliseconds>(pause * 2, 10s);
    }
  }
};

HttpClient::HttpClient(ServerUrl server, HttpOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->server = std::move(server);
  impl_->options = std::move(options);
}
HttpClient::~HttpClient() = default;

const ServerUrl& HttpClient::server() const { return impl_->server; }

HttpResponse HttpClient::get(std::string_view target,
                             std::optional<std::chrono::milliseconds> timeout) {
  return impl_->with_retries(http::verb::get, target, "", "", timeout);
}

HttpResponse HttpClient::post(std::string_view target, std::string body,
                              std::string_view content_type,
                              std::optional<std::chrono::milliseconds> timeout) {
  return impl_->with_retries(http::verb::post, target, body, content_type, timeout);
}

// ---------------------------------------------------------------- WebSocket

struct LiveFeed::Impl {
  ServerUrl server;
  HttpOptions options;
  net::io_context ioc;
  std::shared_ptr<ssl::context> tls;
  std::optional<websocket::stream<beast::tcp_stream>> plain;
  std::optional<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> secure;
  beast::flat_buffer buffer;
  bool reading = false;
  bool read_done = false;
  beast::error_code read_ec;

  beast::tcp_stream& lowest() {
    return secure ? beast::get_lowest_layer(*secure) : beast::get_lowest_layer(*plain);
  }

  // Drops the connection; a pending read is cancelled and drained first.
  void reset() {
    if (plain || secure) {
      beast::error_code ec;
      lowest().socket().close(ec);
      if (reading) {
        if (ioc.stopped()) ioc.restart();
        while (!read_done && ioc.run_one_for(100ms) > 0) {
        }
      }
    }
    reading = false;
    read_done = false;
    plain.reset();
    secure.reset();
    buffer.clear();
  }

  template <class Ws>
  void handshake(Ws& ws) {
    bool done = false;
    beast::error_code ec;
    auto cancel = [&] { lowest().cancel(); };
    if constexpr (!std::is_same_v<Ws, websocket::stream<beast::tcp_stream>>) {
      lowest().expires_after(options.timeout);
      ws.next_layer().async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
        ec = e;
        done = true;
      });
      run_until_done(ioc, done, cancel);
      if (ec)
        fail("TLS handshake with", server, describe_error(ec, ws.next_layer().native_handle()));
      done = false;
    }
    lowest().expires_never();  // the websocket stream has its own timeouts
    websocket::stream_base::timeout t{};
    t.handshake_timeout = options.timeout;
    t.idle_timeout = 30s;  // a ping after 15 s of silence, dead after 30 s
    t.keep_alive_pings = true;
    ws.set_option(t);
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(http::field::user_agent, kUserAgent); }));
    ws.read_message_max(kMaxBody);
    ws.async_handshake(server.host_header(), server.base_path + "/api/v1/mth/live",
                       [&](beast::error_code e) {
                         ec = e;
                         done = true;
                       });
    run_until_done(ioc, done, cancel);
    if (ec) fail("WebSocket handshake with", server, ec.message());
  }

  void connect() {
    try {
      connect_once();
    } catch (...) {
      reset();  // connected() must not claim a half-made connection
      throw;
    }
  }

  void connect_once() {
    reset();
    if (!server.tls) {
      plain.emplace(ioc);
      connect_tcp(ioc, beast::get_lowest_layer(*plain), server, options.timeout);
      handshake(*plain);
      return;
    }
    if (!tls) tls = make_tls_context();
    secure.emplace(ioc, *tls);
    prepare_tls(secure->next_layer().native_handle(), server.host);
    connect_tcp(ioc, beast::get_lowest_layer(*secure), server, options.timeout);
    handshake(*secure);
  }

  std::optional<std::string> next(std::chrono::milliseconds wait) {
    if (!plain && !secure)
      throw NetworkError("live feed of " + server.text() + " is not connected");
    if (!reading) {
      reading = true;
      read_done = false;
      auto handler = [this](beast::error_code e, size_t) {
        read_ec = e;
        read_done = true;
      };
      if (secure)
        secure->async_read(buffer, handler);
      else
        plain->async_read(buffer, handler);
    }
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (!read_done && std::chrono::steady_clock::now() < deadline && !g_stop.load()) {
      if (ioc.stopped()) ioc.restart();
      ioc.run_one_for(
          std::min<std::chrono::nanoseconds>(100ms, deadline - std::chrono::steady_clock::now()));
    }
    if (!read_done) {
      if (g_stop.load()) {
        reset();
        throw Interrupted();
      }
      return std::nullopt;
    }
    reading = false;
    if (read_ec) {
      std::string why =
          read_ec == websocket::error::closed ? "the server closed it" : read_ec.message();
      reset();
      fail("lost the live feed of", server, why);
    }
    std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    return text;
  }
};

LiveFeed::LiveFeed(ServerUrl server, HttpOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->server = std::move(server);
  impl_->options = std::move(options);
}
LiveFeed::~LiveFeed() { impl_->reset(); }
void LiveFeed::connect() { impl_->connect(); }
bool LiveFeed::connected() const { return impl_->plain.has_value() || impl_->secure.has_value(); }
std::optional<std::string> LiveFeed::next(std::chrono::milliseconds wait) {
  return impl_->next(wait);
}
void LiveFeed::close() { impl_->reset(); }

}  // namespace ink::cli
