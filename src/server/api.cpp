#include "server/api.h"

#include <spdlog/spdlog.h>

#include <boost/asio/this_coro.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <map>

#include "core/clock.h"
#include "core/compact_string.h"
#include "core/decode.h"
#include "core/encoding.h"
#include "core/json_fast.h"
#include "core/json_write.h"
#include "core/uuid.h"
#include "server/submission.h"

namespace ink::server {

using asio::awaitable;
using core::Json;

namespace {

// A healthy group commit takes milliseconds; a submission older than this
// means commits hang (reported by /ready).
constexpr double kCommitStallSeconds = 5;

// A submission whose commit may or may not have landed (see store::TsWriter).
struct OutcomeUnknown : std::runtime_error {
  OutcomeUnknown(std::string id_, const std::string& why)
      : std::runtime_error(why), id(std::move(id_)) {}
  std::string id;
};

}  // namespace

std::string encode(const Json& doc, Format format) {
  if (format == Format::kCbor) {
    auto bytes = core::cbor_encode(doc);
    return std::string(bytes.begin(), bytes.end());
  }
  // Messages may quote client bytes that are not UTF-8: replace them rather
  // than throw while answering.
  return core::to_wire_json(doc).dump(-1, ' ', false, Json::error_handler_t::replace);
}

Response document(const Json& doc, Format format, std::string route) {
  Response r;
  r.content_type = mime(format);
  r.body = encode(doc, format);
  r.route = std::move(route);
  return r;
}

Format negotiate_or_406(const std::optional<std::string>& accept, Format preferred) {
  auto format = negotiate(accept, preferred);
  if (!format) throw ApiError{406, "not_acceptable", "cannot answer in any format you accept"};
  return *format;
}

Api::Api(Parts parts) : p_(std::move(parts)) {
  using namespace std::placeholders;
  auto bind = [this](auto member) {
    return [this, member](const Request& r, const RouteArgs& a) { return (this->*member)(r, a); };
  };
  add_route("GET", "/health", "health",
            [](const Request&, const RouteArgs&) -> awaitable<Response> {
              Response r;
              r.content_type = "text/plain; charset=utf-8";
              r.body = "ok\n";
              co_return r;
            });
  add_route("GET", "/ready", "ready", [this](const Request&, const RouteArgs&) { return ready(); });
  add_route("GET", "/metrics", "metrics",
            [this](const Request&, const RouteArgs&) -> awaitable<Response> {
              Response r;
              r.content_type = "text/plain; version=0.0.4";
              r.body = p_.metrics.render();
              co_return r;
            });
  add_route("POST", "/v1/ts", "ts_create", bind(&Api::create_ts));
  add_route("GET", "/v1/ts/{}", "ts_read", bind(&Api::read_ts));
  add_route(
      "GET", "/v1/mth/live", "mth_live",
      [](const Request&, const RouteArgs&) -> awaitable<Response> {
        throw ApiError{426, "upgrade_required", "the live feed is a WebSocket: send an upgrade"};
      });
  add_route("GET", "/v1/mth/{}", "mth_head", bind(&Api::head));
  add_route("GET", "/v1/mth/{}/in/{}", "mth_inclusion",
            [this](const Request& r, const RouteArgs& a) { return main_proof(r, a, true); });
  add_route("GET", "/v1/mth/{}/from/{}", "mth_consistency",
            [this](const Request& r, const RouteArgs& a) { return main_proof(r, a, false); });
}

void Api::add_route(std::string_view methods, std::string_view pattern, std::string name,
                    Handler handler) {
  router_.add(methods, pattern, std::move(name));
  handlers_.push_back(std::move(handler));
}

void Api::admit_submission(const Request& r) {
  if (!p_.rate_limiter.allow(r.client))
    throw ApiError{429, "too_many_requests", "too many timestamps from this address; slow down"};
}

bool Api::is_live_path(std::string_view target) {
  auto q = target.find('?');
  auto path = target.substr(0, q);
  return path == "/api/v1/mth/live" || path == "/v1/mth/live";
}

Response Api::error(int status, const std::string& code, const std::string& message,
                    const std::optional<std::string>& accept, const std::string& content_type,
                    const Json& extra) const {
  auto preferred = request_format(content_type).value_or(Format::kJson);
  auto format = negotiate(accept, preferred).value_or(Format::kJson);
  Json body{{"error", code}, {"message", message}};
  if (extra.is_object()) body.update(extra);
  auto r = document(body, format, "error");
  r.status = status;
  return r;
}

awaitable<Response> Api::handle(Request req) {
  std::string_view target = req.target;
  auto qpos = target.find('?');
  std::string_view path = target.substr(0, qpos);
  std::string_view query = qpos == std::string_view::npos ? "" : target.substr(qpos + 1);
  if (path.rfind("/api/", 0) == 0) path.remove_prefix(4);

  std::string route = "unknown";
  Response res;
  try {
    auto match = router_.match(req.method, path);
    if (match.kind == Router::Match::Kind::kNotFound)
      throw ApiError{404, "not_found", "no such resource"};
    route = router_.name(match.route);
    if (match.kind == Router::Match::Kind::kMethodNotAllowed) {
      res = error(405, "method_not_allowed", req.method + " is not allowed here", req.accept,
                  req.content_type);
      res.headers.emplace_back("Allow", match.allow);
    } else {
      RouteArgs args{match.params, query};
      res = co_await handlers_[match.route](req, args);
    }
  } catch (const ApiError& e) {
    res = error(e.status, e.code, e.message, req.accept, req.content_type);
    if (e.status == 429) res.headers.emplace_back("Retry-After", "1");
    if (e.code == "clock_unsynchronized") res.headers.emplace_back("Retry-After", "10");
  } catch (const OutcomeUnknown& e) {
    spdlog::error("ts {}: {}", e.id, e.what());
    res = error(503, "outcome_unknown",
                "the database connection broke while this timestamp was being committed and its "
                "fate could not be learnt in time: it may or may not have been recorded; look it "
                "up at /api/v1/ts/" +
                    e.id + "/ before submitting again",
                req.accept, req.content_type, Json{{"id", e.id}});
    res.headers.emplace_back("Retry-After", "5");
    res.headers.emplace_back("Location", "/api/v1/ts/" + e.id + "/");
  } catch (const Overloaded& e) {
    res = error(503, "overloaded",
                std::string(e.what()) + "; nothing was recorded, try again in a moment", req.accept,
                req.content_type);
    res.headers.emplace_back("Retry-After", "1");
  } catch (const store::PgUnavailable& e) {
    spdlog::warn("storage unavailable: {}", e.what());
    res = error(503, "unavailable", "storage is unavailable; nothing was recorded, try again",
                req.accept, req.content_type);
    res.headers.emplace_back("Retry-After", "2");
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", req.method, req.target, e.what());
    res = error(500, "internal", "internal error", req.accept, req.content_type);
  }
  if (res.route.empty() || res.route == "error") res.route = route;
  co_return res;
}

Response Api::ts_answer(core::TsAnswer answer, const std::optional<FoundProof>& proof,
                        Format format) const {
  Response r;
  if (proof) answer.interval = proof->head->row.index;
  if (format == Format::kText && proof) {
    core::CompactTs c{p_.config.authority, *answer.interval, answer.timestamp, proof->a,
                      proof->path};
    r.content_type = mime(Format::kText);
    r.body = core::format_compact(c) + "\n";
  } else if (format != Format::kCbor && proof && proof->head->answers) {
    // The common case, thousands at a time when a head wakes its waiters:
    // the head's part of the JSON was written once.
    r.content_type = mime(Format::kJson);
    r.body = proof->head->answers->answer(answer.hash, answer.timestamp, answer.id, proof->a,
                                          proof->path);
  } else if (format != Format::kCbor && !proof) {
    // Without a proof there is no compact string: the full answer says so (proof null).
    r.content_type = mime(Format::kJson);
    r.body = core::pending_answer_json(answer.hash, answer.timestamp, answer.id);
  } else {
    if (proof) answer.proof = proof->to_core();
    auto f = format == Format::kText ? Format::kJson : format;
    r = document(core::to_json(answer), f, "");
  }
  r.headers.emplace_back("Location", "/api/v1/ts/" + answer.id + "/");
  return r;
}

awaitable<Response> Api::create_ts(const Request& req, const RouteArgs& args) {
  admit_submission(req);
  if (auto why = clock_refusal())
    throw ApiError{503, "clock_unsynchronized",
                   "this service cannot vouch for its clock now, so it dates nothing: " + *why +
                       "; nothing was recorded, try again later"};
  Submission sub = parse_submission(req.content_type, req.accept, req.body, args.query,
                                    p_.config.max_body_bytes);
  std::string id = core::format_uuid(core::new_uuid_v7());
  // (Named, not a temporary: GCC 12 may destroy temporaries in a co_await twice.)
  store::NewTs row{id, sub.data, sub.tag};
  InsertBatcher::Inserted inserted;
  std::optional<std::string> unknown;
  try {
    inserted = co_await p_.batcher.insert(std::move(row));
  } catch (const store::CommitOutcomeUnknown& e) {
    unknown = e.what();
  }
  if (unknown) throw OutcomeUnknown(id, *unknown);
  // Committed: from here on the answer is 200, whatever else fails.
  core::TsAnswer answer;
  answer.hash = inserted.hash;
  answer.timestamp = core::format_clock(inserted.ts_us);
  answer.id = id;
  std::optional<FoundProof> proof;
  if (sub.wait) {
    try {
      proof = co_await wait_for_proof(id, inserted.ts_us);
    } catch (const std::exception& e) {
      spdlog::warn("waiting for {}: {}", id, e.what());
    }
  }
  co_return ts_answer(std::move(answer), proof, sub.answer);
}

awaitable<std::optional<FoundProof>> Api::stored_proof(const std::string& id) {
  std::vector<std::string> ids{id};
  auto rows = co_await p_.store.ts_rows(ids);
  if (rows.empty()) co_return std::nullopt;
  auto proofs = co_await p_.proofs.ts_proofs(rows);
  co_return proofs[0];
}

awaitable<std::optional<FoundProof>> Api::wait_for_proof(const std::string& id, int64_t ts_us) {
  auto deadline = asio::steady_timer::clock_type::now() +
                  std::chrono::milliseconds(int64_t(p_.config.wait_seconds * 1000));
  auto proof = co_await p_.feed.wait_for_proof(id, ts_us, deadline);
  if (proof) co_return proof;
  // Timed out or shutting down: one last look, in case the head was missed.
  try {
    co_return co_await stored_proof(id);
  } catch (const std::exception&) {
    co_return std::nullopt;
  }
}

awaitable<Response> Api::read_ts(const Request& req, const RouteArgs& args) {
  auto options = parse_query(args.query);
  const bool compact = options.count("compact") > 0;
  const bool wait = compact || options.count("wait") > 0;
  auto format = negotiate(req.accept, compact ? Format::kText : Format::kJson, compact);
  if (!format) throw ApiError{406, "not_acceptable", "cannot answer in any format you accept"};
  auto raw = core::parse_uuid(args.params[0]);
  if (!raw)
    throw ApiError{
        400, "bad_request",
        "'" + std::string(args.params[0].substr(0, 40)) + "' is not a timestamp id (a UUID)"};
  std::vector<std::string> ids{core::format_uuid(*raw)};
  auto rows = co_await p_.store.ts_rows(ids);
  if (rows.empty()) {
    // UUIDv7 ids carry their creation time: an id this service could have
    // issued whose retention has passed is gone, not unknown.
    auto id_ms = core::uuid_v7_unix_ms(*raw);
    auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    auto first = p_.feed.first_clock();
    int64_t retention_us = int64_t(p_.config.retention_hours * 3600e6);
    if (id_ms && first && *id_ms * 1000 >= *first - 60'000'000 &&
        *id_ms * 1000 < now_us - retention_us)
      throw ApiError{410, "gone", "this timestamp's proof has passed the retention period"};
    throw ApiError{404, "not_found", "no timestamp with this id"};
  }
  auto& row = rows[0];
  core::TsAnswer answer;
  answer.hash = row.hash;
  answer.timestamp = core::format_clock(row.ts_us);
  answer.id = row.id;
  auto proofs = co_await p_.proofs.ts_proofs(rows);
  std::optional<FoundProof> proof = std::move(proofs[0]);
  if (!proof && wait) proof = co_await wait_for_proof(row.id, row.ts_us);
  co_return ts_answer(std::move(answer), proof, *format);
}

awaitable<Response> Api::head(const Request& req, const RouteArgs& args) {
  auto format = negotiate_or_406(req.accept, Format::kJson);
  std::shared_ptr<const HeadEntry> entry;
  const bool current = args.params[0] == "current";
  if (current) {
    auto row = co_await p_.store.newest_interval();
    if (!row) throw ApiError{404, "not_found", "no head yet"};
    entry = p_.proofs.remember(std::move(*row));
  } else {
    uint64_t i = index_or_400(args.params[0]);
    entry = co_await p_.proofs.head(i);
    if (!entry) throw ApiError{404, "not_found", "no head " + std::to_string(i) + " yet"};
  }
  Response r;
  if (head_extras_) {
    // Cosignatures arrive after the head: the answer grows, so it is not immutable.
    Json doc = core::to_json(entry->head);
    Json extras = co_await head_extras_(entry->row.index);
    doc.update(extras);
    r = document(doc, format, "");
  } else if (format == Format::kJson) {
    r.content_type = mime(Format::kJson);
    r.body = *entry->json;
  } else {
    r = document(core::to_json(entry->head), format, "");
  }
  r.route = current ? "mth_current" : "mth_head";
  r.headers.emplace_back("Cache-Control", current || head_extras_ ? "no-cache" : kImmutable);
  co_return r;
}

awaitable<Response> Api::main_proof(const Request& req, const RouteArgs& args, bool inclusion) {
  auto format = negotiate_or_406(req.accept, Format::kJson);
  // /mth/<x>/in/<y> and /mth/<y>/from/<x>
  uint64_t first = index_or_400(args.params[0]), second = index_or_400(args.params[1]);
  uint64_t x = inclusion ? first : second;
  uint64_t y = inclusion ? second : first;
  if (x > y)
    throw ApiError{400, "bad_request",
                   "interval " + std::to_string(x) + " is after " + std::to_string(y)};
  // Intervals are never removed, so every index up to the newest head this
  // process has seen exists: only a newer one needs a look in the database.
  auto latest = p_.feed.latest();
  if (!latest || y > latest->row.index) {
    auto head_y = co_await p_.proofs.head(y);
    if (!head_y) throw ApiError{404, "not_found", "no head " + std::to_string(y) + " yet"};
  }
  Json doc;
  if (inclusion) {
    auto proof = co_await p_.proofs.inclusion(x, y);
    doc = core::to_json(proof);
  } else {
    auto proof = co_await p_.proofs.consistency(x, y);
    doc = core::to_json(proof);
  }
  auto r = document(doc, format, "");
  r.headers.emplace_back("Cache-Control", kImmutable);
  co_return r;
}

awaitable<Response> Api::ready() {
  std::string problem;
  try {
    co_await p_.store.ping();
  } catch (const std::exception& e) {
    problem = "database: " + std::string(e.what());
  }
  if (problem.empty() && !p_.pubsub_connected()) problem = "redis: not subscribed";
  Response r;
  r.content_type = "application/json";
  if (problem.empty()) {
    Json body{{"status", "ready"}};
    // A clock that cannot be vouched for stops new timestamps (policy
    // enforce), not proofs and heads: still ready, or every proxy and load
    // balancer would take all backends (which share the clock) out of service.
    if (auto clock = p_.clock_problem(); !clock.empty()) {
      body["clock"] = clock;
      body["new_timestamps"] = p_.clock_refusal() ? "refused" : "accepted";
    }
    // Likewise commits that hang while reads work (a synchronous standby
    // gone, a full disk): every backend shares them, so say so, stay ready.
    const double waiting = p_.batcher.oldest_wait_seconds();
    if (waiting >= kCommitStallSeconds) {
      body["commits"] = "stalled";
      body["oldest_submission_waiting_seconds"] = std::round(waiting * 10) / 10;
    }
    r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  } else {
    r.status = 503;
    r.body = Json{{"error", "unavailable"}, {"message", problem}}.dump(
        -1, ' ', false, Json::error_handler_t::replace);
    r.headers.emplace_back("Retry-After", "2");
  }
  co_return r;
}

}  // namespace ink::server
