#pragma once
// A small blocking HTTP/1.1 and WebSocket client for integration and
// end-to-end tests (plain TCP on loopback). Test-only: the product's own
// client lives in src/cli.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace ink::test {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";
  std::map<std::string, std::string> headers;
  std::string body;
  std::chrono::milliseconds timeout{30000};
  std::string source_address;  // e.g. "127.0.0.9": another client as nginx counts them
};

// base_url: "http://host:port". Throws std::runtime_error on connection errors.
HttpResponse http(const std::string& base_url, const HttpRequest& request);
HttpResponse http_get(const std::string& base_url, const std::string& target);
HttpResponse http_post_json(const std::string& base_url, const std::string& target,
                            const std::string& json);

// Sends raw bytes and returns everything the server answers until it closes
// or the timeout passes (for malformed-request tests).
std::string raw_exchange(const std::string& base_url, const std::string& bytes,
                         std::chrono::milliseconds timeout);

class WebSocketClient {
 public:
  WebSocketClient(const std::string& base_url, const std::string& target);
  ~WebSocketClient();
  // The next text message, or nullopt on timeout or close.
  std::optional<std::string> read(std::chrono::milliseconds timeout);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ink::test
