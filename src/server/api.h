#pragma once
// The HTTP API of PROTOCOL.md, free of any HTTP library: a parsed request
// in, a complete response out. Routing, content negotiation, validation,
// error bodies, and the mapping of failures to statuses live here; the
// Beast session (server.cpp) only moves bytes.
//
// Mounted both under /api (behind the proxy) and at the root (direct).

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "server/config.h"
#include "server/head_feed.h"
#include "server/insert_batcher.h"
#include "server/metrics.h"
#include "server/proofs.h"
#include "server/rate_limit.h"

namespace ink::server {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent
  std::string content_type;
  std::optional<std::string> accept;
  std::string body;
  std::string client;  // address used for rate limiting
};

struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string route;  // metrics label
};

enum class Format { kJson, kCbor, kText };

// The response format for an Accept header (nullopt: 406). `preferred` wins
// ties and answers a missing Accept; text/plain only counts when allowed.
std::optional<Format> negotiate(const std::optional<std::string>& accept, Format preferred,
                                bool allow_text = false);
// A new UUIDv7: 48-bit Unix milliseconds, then random bits.
std::string new_uuid_v7();

class Api {
 public:
  struct Parts {
    const Config& config;
    store::ReadStore& store;
    ProofService& proofs;
    HeadFeed& feed;
    InsertBatcher& batcher;
    RateLimiter& rate_limiter;
    Metrics& metrics;
    std::function<bool()> pubsub_connected;
  };
  explicit Api(Parts parts) : p_(std::move(parts)) {}

  asio::awaitable<Response> handle(Request request);
  // An error answer in the format the request negotiates (JSON if none).
  // `extra` members (an object) are added to the error body.
  Response error(int status, const std::string& code, const std::string& message,
                 const std::optional<std::string>& accept, const std::string& content_type,
                 const core::Json& extra = nullptr) const;
  // Path of the WebSocket feed (with or without /api).
  static bool is_live_path(std::string_view target);

 private:
  asio::awaitable<Response> create_ts(const Request& r, std::string_view query);
  asio::awaitable<Response> read_ts(const Request& r, std::string_view id, std::string_view query);
  asio::awaitable<Response> head(const Request& r, std::string_view which);
  asio::awaitable<Response> main_proof(const Request& r, std::string_view a, std::string_view kind,
                                       std::string_view b);
  asio::awaitable<Response> keys(const Request& r);
  asio::awaitable<Response> ready();
  asio::awaitable<std::optional<FoundProof>> wait_for_proof(const std::string& id, int64_t ts_us);
  asio::awaitable<std::optional<FoundProof>> stored_proof(const std::string& id);
  // `answer` without its proof; `proof` fills it in (or the answer says proof null).
  Response ts_answer(core::TsAnswer answer, const std::optional<FoundProof>& proof,
                     Format format) const;

  Parts p_;
};

}  // namespace ink::server
