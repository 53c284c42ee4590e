#pragma once
// The client's network edge: HTTP/1.1 requests and the WebSocket live feed,
// over TCP or TLS (OpenSSL with the system CA store, SNI and host name
// verification). Blocking calls, each with a deadline; transient failures
// are retried with exponential back-off. Not thread safe: one client per thread.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cli/url.h"

namespace ink::cli {

struct HttpOptions {
  std::chrono::milliseconds timeout{20000};     // per attempt: connect, send, receive
  int attempts = 4;                             // tries in all for transient failures
  std::chrono::milliseconds backoff{250};       // first pause, doubled per retry, at most 10 s
  std::function<void(const std::string&)> log;  // told about each retry (may be empty)
};

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  std::string location;
};

// No answer could be had: DNS, connection, TLS, timeout, or a broken response,
// after all retries. The message says which and where.
class NetworkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The process was asked to stop (request_stop) during a blocking call.
class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted") {}
};

// Async-signal-safe: may be called from a signal handler. Blocking calls
// notice within about 100 ms and throw Interrupted.
void request_stop();
bool stop_requested();

class HttpClient {
 public:
  HttpClient(ServerUrl server, HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // target is the path under the server's base, e.g. "/api/v1/mth/current".
  // Retries connection failures, timeouts and answers 429, 502, 503, 504;
  // any other status is returned to the caller. `timeout` overrides the
  // per-attempt deadline (for requests the server may hold, like ?wait).
  HttpResponse get(std::string_view target,
                   std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  HttpResponse post(std::string_view target, std::string body, std::string_view content_type,
                    std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  const ServerUrl& server() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The live feed of new heads (GET /api/v1/mth/live, WebSocket).
class LiveFeed {
 public:
  LiveFeed(ServerUrl server, HttpOptions options);
  ~LiveFeed();
  LiveFeed(const LiveFeed&) = delete;
  LiveFeed& operator=(const LiveFeed&) = delete;

  void connect();  // throws NetworkError (no retries: the caller decides)
  bool connected() const;
  // The next text frame, or nullopt if none arrived within `wait` (the read
  // stays pending for the next call). Throws NetworkError when the
  // connection is lost; connect() again to resume.
  std::optional<std::string> next(std::chrono::milliseconds wait);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ink::cli
