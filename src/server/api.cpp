#include "server/api.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <boost/asio/this_coro.hpp>
#include <charconv>
#include <chrono>
#include <map>

#include "core/clock.h"
#include "core/compact.h"
#include "core/decode.h"
#include "core/encoding.h"

namespace ink::server {

using asio::awaitable;
using core::Json;

namespace {

constexpr const char* kImmutable = "public, max-age=31536000, immutable";

struct HttpError {
  int status;
  std::string code;
  std::string message;
};

// A submission whose commit may or may not have landed (see store::TsWriter).
struct OutcomeUnknown : std::runtime_error {
  OutcomeUnknown(std::string id_, const std::string& why)
      : std::runtime_error(why), id(std::move(id_)) {}
  std::string id;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "application/json; charset=utf-8" -> "application/json"
std::string media_type(std::string_view header) {
  auto semi = header.find(';');
  return lower(trim(header.substr(0, semi)));
}

std::optional<Format> request_format(const std::string& content_type) {
  auto t = media_type(content_type);
  if (t.empty() || t == "application/json") return Format::kJson;
  if (t == "application/cbor") return Format::kCbor;
  return std::nullopt;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += char(hi << 4 | lo);
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

// Query options: names are case-sensitive, values may be empty.
std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    auto name = percent_decode(part.substr(0, eq));
    auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                              : percent_decode(part.substr(eq + 1));
    if (!name || !value) throw HttpError{400, "bad_request", "malformed query string"};
    out.emplace(*name, *value);
  }
  return out;
}

// Canonical decimal only: "01" or "+1" would name head 1 by another path.
std::optional<uint64_t> parse_index(std::string_view s) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  if (v > uint64_t(INT64_MAX)) return std::nullopt;
  return v;
}

uint64_t index_or_400(std::string_view s) {
  auto v = parse_index(s);
  if (!v)
    throw HttpError{400, "bad_request",
                    "'" + std::string(s.substr(0, 40)) +
                        "' is not an interval index (a decimal number without leading zeros)"};
  return *v;
}

size_t utf8_chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string encode(const Json& doc, Format format) {
  if (format == Format::kCbor) {
    auto bytes = core::cbor_encode(doc);
    return std::string(bytes.begin(), bytes.end());
  }
  // Messages may quote client bytes that are not UTF-8: replace them rather
  // than throw while answering.
  return core::to_wire_json(doc).dump(-1, ' ', false, Json::error_handler_t::replace);
}

const char* mime(Format f) {
  switch (f) {
    case Format::kCbor:
      return "application/cbor";
    case Format::kText:
      return "text/plain; charset=utf-8";
    default:
      return "application/json";
  }
}

Response document(const Json& doc, Format format, std::string route) {
  Response r;
  r.content_type = mime(format);
  r.body = encode(doc, format);
  r.route = std::move(route);
  return r;
}

}  // namespace

std::optional<Format> negotiate(const std::optional<std::string>& accept, Format preferred,
                                bool allow_text) {
  if (!accept || trim(*accept).empty()) return preferred;
  // q of each format: from the most specific range that matches it.
  struct Best {
    int specificity = -1;
    double q = 0;
  };
  std::map<Format, Best> best;
  std::string_view rest = *accept;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    auto semi = item.find(';');
    std::string range = lower(trim(item.substr(0, semi)));
    double q = 1;
    while (semi != std::string_view::npos) {
      auto params = item.substr(semi + 1);
      auto next = params.find(';');
      auto param = trim(params.substr(0, next));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        try {
          q = std::stod(std::string(param.substr(2)));
        } catch (...) {
          q = 0;
        }
      }
      semi = next == std::string_view::npos ? std::string_view::npos : semi + 1 + next;
    }
    auto consider = [&](Format f, const char* type) {
      std::string t = type;
      int spec = -1;
      if (range == t)
        spec = 2;
      else if (range == t.substr(0, t.find('/')) + "/*")
        spec = 1;
      else if (range == "*/*")
        spec = 0;
      if (spec > best[f].specificity) best[f] = Best{spec, q};
    };
    consider(Format::kJson, "application/json");
    consider(Format::kCbor, "application/cbor");
    if (allow_text) consider(Format::kText, "text/plain");
  }
  std::optional<Format> chosen;
  double chosen_q = 0;
  std::vector<Format> order = {preferred, Format::kJson, Format::kCbor, Format::kText};
  for (Format f : order) {
    auto it = best.find(f);
    if (it == best.end() || it->second.specificity < 0 || it->second.q <= 0) continue;
    if (!chosen || it->second.q > chosen_q) {
      chosen = f;
      chosen_q = it->second.q;
    }
  }
  return chosen;
}

std::string new_uuid_v7() {
  std::array<uint8_t, 16> b{};
  if (RAND_bytes(b.data() + 6, 10) != 1) throw std::runtime_error("RAND_bytes failed");
  uint64_t ms = uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count());
  for (int i = 0; i < 6; ++i) b[size_t(i)] = uint8_t(ms >> (8 * (5 - i)));
  b[6] = uint8_t(0x70 | (b[6] & 0x0F));
  b[8] = uint8_t(0x80 | (b[8] & 0x3F));
  return store::uuid_text(std::string_view(reinterpret_cast<const char*>(b.data()), 16));
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

  std::vector<std::string_view> seg;
  {
    std::string_view rest = path;
    while (!rest.empty()) {
      if (rest.front() == '/') {
        rest.remove_prefix(1);
        continue;
      }
      auto slash = rest.find('/');
      seg.push_back(rest.substr(0, slash));
      rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    }
  }
  const bool get = req.method == "GET" || req.method == "HEAD";
  std::string route = "unknown";
  auto method_not_allowed = [&](const char* allow) {
    auto r = error(405, "method_not_allowed", req.method + " is not allowed here", req.accept,
                   req.content_type);
    r.headers.emplace_back("Allow", allow);
    return r;
  };

  Response res;
  try {
    if (seg.size() == 1 && seg[0] == "health") {
      route = "health";
      res.content_type = "text/plain; charset=utf-8";
      res.body = "ok\n";
    } else if (seg.size() == 1 && seg[0] == "ready") {
      route = "ready";
      res = co_await ready();
    } else if (seg.size() == 1 && seg[0] == "metrics") {
      route = "metrics";
      res.content_type = "text/plain; version=0.0.4";
      res.body = p_.metrics.render();
    } else if (seg.size() >= 2 && seg[0] == "v1" && seg[1] == "ts") {
      if (seg.size() == 2) {
        route = "ts_create";
        if (req.method == "POST")
          res = co_await create_ts(req, query);
        else
          res = method_not_allowed("POST");
      } else if (seg.size() == 3) {
        route = "ts_read";
        if (get)
          res = co_await read_ts(req, seg[2], query);
        else
          res = method_not_allowed("GET");
      } else {
        throw HttpError{404, "not_found", "no such resource"};
      }
    } else if (seg.size() == 2 && seg[0] == "v1" && seg[1] == "keys") {
      route = "keys";
      if (get)
        res = co_await keys(req);
      else
        res = method_not_allowed("GET");
    } else if (seg.size() >= 3 && seg[0] == "v1" && seg[1] == "mth") {
      if (!get) {
        res = method_not_allowed("GET");
      } else if (seg.size() == 3 && seg[2] == "live") {
        route = "mth_live";
        throw HttpError{426, "upgrade_required", "the live feed is a WebSocket: send an upgrade"};
      } else if (seg.size() == 3) {
        route = seg[2] == "current" ? "mth_current" : "mth_head";
        res = co_await head(req, seg[2]);
      } else if (seg.size() == 5 && (seg[3] == "in" || seg[3] == "from")) {
        route = seg[3] == "in" ? "mth_inclusion" : "mth_consistency";
        res = co_await main_proof(req, seg[2], seg[3], seg[4]);
      } else {
        throw HttpError{404, "not_found", "no such resource"};
      }
    } else {
      throw HttpError{404, "not_found", "no such resource"};
    }
  } catch (const HttpError& e) {
    res = error(e.status, e.code, e.message, req.accept, req.content_type);
    if (e.status == 429) res.headers.emplace_back("Retry-After", "1");
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
  } catch (const store::PgUnavailable& e) {
    spdlog::warn("storage unavailable: {}", e.what());
    res = error(503, "unavailable", "storage is unavailable; nothing was recorded, try again",
                req.accept, req.content_type);
    res.headers.emplace_back("Retry-After", "2");
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", req.method, req.target, e.what());
    res = error(500, "internal", "internal error", req.accept, req.content_type);
  }
  res.route = route;
  co_return res;
}

Response Api::ts_answer(core::TsAnswer answer, const std::optional<FoundProof>& proof,
                        Format format) const {
  Response r;
  if (proof) answer.interval = proof->head->row.idx;
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

awaitable<Response> Api::create_ts(const Request& req, std::string_view query) {
  auto options = parse_query(query);
  const bool compact = options.count("compact") > 0;
  const bool wait = compact || options.count("wait") > 0;

  if (!p_.rate_limiter.allow(req.client))
    throw HttpError{429, "too_many_requests", "too many timestamps from this address; slow down"};

  std::string data;
  Format out;
  if (compact) {
    auto t = media_type(req.content_type);
    if (!t.empty() && t != "text/plain" && t != "application/x-www-form-urlencoded" &&
        t != "application/octet-stream")
      throw HttpError{415, "unsupported_media_type",
                      "with compact, the body is the data as text/plain"};
    if (!core::is_valid_utf8(req.body))
      throw HttpError{400, "bad_request", "data is not valid UTF-8"};
    data = req.body;
    auto n = negotiate(req.accept, Format::kText, true);
    if (!n) throw HttpError{406, "not_acceptable", "cannot answer in any format you accept"};
    out = *n;
  } else {
    auto in = request_format(req.content_type);
    if (!in)
      throw HttpError{
          415, "unsupported_media_type",
          "send application/json or application/cbor, not " + media_type(req.content_type)};
    auto n = negotiate(req.accept, *in);
    if (!n) throw HttpError{406, "not_acceptable", "cannot answer in any format you accept"};
    out = *n;
    core::DecodeLimits limits;
    limits.max_bytes = p_.config.max_body_bytes;
    auto doc = *in == Format::kCbor ? core::decode_cbor_strict(core::as_bytes(req.body), limits)
                                    : core::decode_json_strict(req.body, limits);
    if (!doc.ok()) {
      if (doc.error().code == core::ErrorCode::kLimitExceeded)
        throw HttpError{413, "too_large", "body over a limit: " + doc.error().message};
      throw HttpError{400, "bad_request",
                      "body is not valid " + std::string(*in == Format::kCbor ? "CBOR" : "JSON") +
                          ": " + doc.error().message};
    }
    if (!doc->is_object()) throw HttpError{400, "bad_request", "body must be an object"};
    auto it = doc->find("data");
    if (it == doc->end()) throw HttpError{400, "bad_request", "data is missing"};
    if (!it->is_string()) throw HttpError{400, "bad_request", "data must be text"};
    data = it->get<std::string>();
    if (!core::is_valid_utf8(data)) throw HttpError{400, "bad_request", "data is not valid UTF-8"};
  }
  if (data.find('\0') != std::string::npos)
    throw HttpError{400, "bad_request",
                    "data contains a NUL character (U+0000), which is not allowed"};
  if (data.size() > core::kMaxDataBytes)
    throw HttpError{413, "too_large",
                    "data is " + std::to_string(data.size()) + " bytes; at most 256 are allowed"};

  std::optional<std::string> tag;
  if (auto t = options.find("tag"); t != options.end()) {
    if (!core::is_valid_utf8(t->second))
      throw HttpError{400, "bad_request", "tag is not valid UTF-8"};
    if (t->second.find('\0') != std::string::npos)
      throw HttpError{400, "bad_request",
                      "tag contains a NUL character (U+0000), which cannot be stored"};
    if (utf8_chars(t->second) > core::kMaxTagChars)
      throw HttpError{400, "bad_request", "tag is longer than 36 characters"};
    tag = t->second;
  }

  std::string id = new_uuid_v7();
  // (Named, not a temporary: GCC 12 may destroy temporaries in a co_await twice.)
  store::NewTs row{id, data, tag};
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
  if (wait) {
    try {
      proof = co_await wait_for_proof(id, inserted.ts_us);
    } catch (const std::exception& e) {
      spdlog::warn("waiting for {}: {}", id, e.what());
    }
  }
  co_return ts_answer(std::move(answer), proof, out);
}

awaitable<std::optional<FoundProof>> Api::stored_proof(const std::string& id) {
  std::vector<std::string> ids{id};
  auto rows = co_await p_.store.ts_rows(ids);
  if (rows.empty()) co_return std::nullopt;
  auto proofs = co_await p_.proofs.ts_proofs(rows);
  co_return proofs[0];
}

awaitable<std::optional<FoundProof>> Api::wait_for_proof(const std::string& id, int64_t ts_us) {
  auto waiter = std::make_shared<Waiter>();
  waiter->id = id;
  waiter->ts_us = ts_us;
  asio::any_io_executor executor = co_await asio::this_coro::executor;
  waiter->done = std::make_shared<Notify>(executor);
  auto deadline = asio::steady_timer::clock_type::now() +
                  std::chrono::milliseconds(int64_t(p_.config.wait_seconds * 1000));
  p_.feed.add_waiter(waiter);
  bool fired = co_await waiter->done->wait_until(deadline);
  if (!fired) p_.feed.remove_waiter(waiter);
  if (fired && waiter->proof) co_return std::move(waiter->proof);
  // Timed out or shutting down: one last look, in case the head was missed.
  try {
    co_return co_await stored_proof(id);
  } catch (const std::exception&) {
    co_return std::nullopt;
  }
}

awaitable<Response> Api::read_ts(const Request& req, std::string_view id_text,
                                 std::string_view query) {
  auto options = parse_query(query);
  const bool compact = options.count("compact") > 0;
  const bool wait = compact || options.count("wait") > 0;
  auto format = negotiate(req.accept, compact ? Format::kText : Format::kJson, compact);
  if (!format) throw HttpError{406, "not_acceptable", "cannot answer in any format you accept"};
  auto raw = store::parse_uuid(id_text);
  if (!raw)
    throw HttpError{400, "bad_request",
                    "'" + std::string(id_text.substr(0, 40)) + "' is not a timestamp id (a UUID)"};
  std::string id =
      store::uuid_text(std::string_view(reinterpret_cast<const char*>(raw->data()), 16));
  std::vector<std::string> ids{id};
  auto rows = co_await p_.store.ts_rows(ids);
  if (rows.empty()) {
    // UUIDv7 ids carry their creation time: an id this service could have
    // issued whose retention has passed is gone, not unknown.
    bool v7 = ((*raw)[6] >> 4) == 7;
    int64_t id_us = 0;
    for (int i = 0; i < 6; ++i) id_us = id_us << 8 | (*raw)[size_t(i)];
    id_us *= 1000;
    auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    auto first = p_.feed.first_clock();
    int64_t retention_us = int64_t(p_.config.retention_hours * 3600e6);
    if (v7 && first && id_us >= *first - 60'000'000 && id_us < now_us - retention_us)
      throw HttpError{410, "gone", "this timestamp's proof has passed the retention period"};
    throw HttpError{404, "not_found", "no timestamp with this id"};
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

awaitable<Response> Api::head(const Request& req, std::string_view which) {
  auto format = negotiate(req.accept, Format::kJson);
  if (!format) throw HttpError{406, "not_acceptable", "cannot answer in any format you accept"};
  std::shared_ptr<const HeadEntry> entry;
  bool current = which == "current";
  if (current) {
    auto row = co_await p_.store.newest_interval();
    if (!row) throw HttpError{404, "not_found", "no head yet"};
    entry = p_.proofs.remember(std::move(*row));
  } else {
    uint64_t i = index_or_400(which);
    entry = co_await p_.proofs.head(i);
    if (!entry) throw HttpError{404, "not_found", "no head " + std::to_string(i) + " yet"};
  }
  Response r;
  if (*format == Format::kJson) {
    r.content_type = mime(Format::kJson);
    r.body = *entry->json;
  } else {
    r = document(core::to_json(entry->head), *format, "");
  }
  r.headers.emplace_back("Cache-Control", current ? "no-cache" : kImmutable);
  co_return r;
}

awaitable<Response> Api::main_proof(const Request& req, std::string_view a, std::string_view kind,
                                    std::string_view b) {
  auto format = negotiate(req.accept, Format::kJson);
  if (!format) throw HttpError{406, "not_acceptable", "cannot answer in any format you accept"};
  // /mth/<x>/in/<y> and /mth/<y>/from/<x>
  uint64_t first = index_or_400(a), second = index_or_400(b);
  uint64_t x = kind == "in" ? first : second;
  uint64_t y = kind == "in" ? second : first;
  if (x > y)
    throw HttpError{400, "bad_request",
                    "interval " + std::to_string(x) + " is after " + std::to_string(y)};
  // Intervals are never removed, so every index up to the newest head this
  // process has seen exists: only a newer one needs a look in the database.
  auto latest = p_.feed.latest();
  if (!latest || y > latest->row.idx) {
    auto head_y = co_await p_.proofs.head(y);
    if (!head_y) throw HttpError{404, "not_found", "no head " + std::to_string(y) + " yet"};
  }
  Json doc;
  if (kind == "in") {
    auto proof = co_await p_.proofs.inclusion(x, y);
    doc = core::to_json(proof);
  } else {
    auto proof = co_await p_.proofs.consistency(x, y);
    doc = core::to_json(proof);
  }
  auto r = document(doc, *format, "");
  r.headers.emplace_back("Cache-Control", kImmutable);
  co_return r;
}

awaitable<Response> Api::keys(const Request& req) {
  auto format = negotiate(req.accept, Format::kJson);
  if (!format) throw HttpError{406, "not_acceptable", "cannot answer in any format you accept"};
  auto stored = co_await p_.store.keys();
  std::vector<core::PublicKey> keys;
  for (auto& k : stored) keys.push_back(k.public_key);
  auto r = document(core::keys_json(keys), *format, "");
  r.headers.emplace_back("Cache-Control", "public, max-age=60");
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
    r.body = R"({"status":"ready"})";
  } else {
    r.status = 503;
    r.body = Json{{"error", "unavailable"}, {"message", problem}}.dump(
        -1, ' ', false, Json::error_handler_t::replace);
    r.headers.emplace_back("Retry-After", "2");
  }
  co_return r;
}

}  // namespace ink::server
