#pragma once
// The HTTP API of PROTOCOL.md, free of any HTTP library: a parsed request in,
// a complete response out. A route table (server/router.h) leads each method
// and path to its handler; request text is read by server/http_text.h and
// server/submission.h; failures are mapped to statuses once, in handle().
// The Beast session (server.cpp) only moves bytes.
//
// Mounted both under /api (behind the proxy) and at the root (direct).
// Features in rooms of their own add their routes with add_route().

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "server/config.h"
#include "server/head_feed.h"
#include "server/http_text.h"
#include "server/insert_batcher.h"
#include "server/metrics.h"
#include "server/proofs.h"
#include "server/rate_limit.h"
#include "server/router.h"

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

// What a handler gets besides the request: the {} segments of its route and
// the query string (after '?', undecoded).
struct RouteArgs {
  std::span<const std::string_view> params;
  std::string_view query;
};

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
    // Why new timestamps must be refused now (the clock policy), else nullopt.
    std::function<std::optional<std::string>()> clock_refusal = [] {
      return std::optional<std::string>();
    };
    // What is wrong with the clock whatever the policy ("" if nothing), for /ready.
    std::function<std::string()> clock_problem = [] { return std::string(); };
  };
  explicit Api(Parts parts);

  using Handler = std::function<asio::awaitable<Response>(const Request&, const RouteArgs&)>;
  // methods: "GET", "POST", "GET POST"; pattern: a path under /v1 or at the
  // root, `{}` for a parameter; name: the metrics label. Not thread safe:
  // call before serving.
  void add_route(std::string_view methods, std::string_view pattern, std::string name,
                 Handler handler);

  asio::awaitable<Response> handle(Request request);
  // An error answer in the format the request negotiates (JSON if none);
  // `extra` members (an object) join the body.
  Response error(int status, const std::string& code, const std::string& message,
                 const std::optional<std::string>& accept, const std::string& content_type,
                 const core::Json& extra = nullptr) const;
  // Extra members of a head's answer (GET /v1/mth/<i>), e.g. its
  // cosignatures; set before serving. With it, heads are no longer immutable.
  using HeadExtras = std::function<asio::awaitable<core::Json>(uint64_t index)>;
  void set_head_extras(HeadExtras extras) { head_extras_ = std::move(extras); }
  // Path of the WebSocket feed (with or without /api).
  static bool is_live_path(std::string_view target);
  // Submissions from this client may proceed (rate limit); throws ApiError 429.
  void admit_submission(const Request& r);
  // Why this backend must not date new timestamps now (clock policy), else nullopt.
  std::optional<std::string> clock_refusal() const { return p_.clock_refusal(); }

 private:
  asio::awaitable<Response> create_ts(const Request& r, const RouteArgs& args);
  asio::awaitable<Response> read_ts(const Request& r, const RouteArgs& args);
  asio::awaitable<Response> head(const Request& r, const RouteArgs& args);
  asio::awaitable<Response> main_proof(const Request& r, const RouteArgs& args, bool inclusion);
  asio::awaitable<Response> ready();
  asio::awaitable<std::optional<FoundProof>> stored_proof(const std::string& id);
  asio::awaitable<std::optional<FoundProof>> wait_for_proof(const std::string& id, int64_t ts_us);
  // `answer` without its proof; `proof` fills it in (or the answer says proof null).
  Response ts_answer(core::TsAnswer answer, const std::optional<FoundProof>& proof,
                     Format format) const;

  Parts p_;
  Router router_;
  std::vector<Handler> handlers_;  // by route index
  HeadExtras head_extras_;
};

// Helpers for the route files beside api.cpp (rfc3161_routes, witness_routes).
inline constexpr const char* kImmutable = "public, max-age=31536000, immutable";
// A document in JSON or CBOR (binary values as CBOR bytes, base64 in JSON).
std::string encode(const core::Json& doc, Format format);
Response document(const core::Json& doc, Format format, std::string route);
// The answer format for Accept; throws ApiError 406 when none fits.
Format negotiate_or_406(const std::optional<std::string>& accept, Format preferred);

}  // namespace ink::server
