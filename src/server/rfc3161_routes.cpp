#include "server/rfc3161_routes.h"

#include <spdlog/spdlog.h>

#include "core/uuid.h"

namespace ink::server {

using asio::awaitable;

namespace {

constexpr const char* kQueryType = "application/timestamp-query";
constexpr const char* kReplyType = "application/timestamp-reply";

Response reply(std::string der) {
  Response r;
  r.content_type = kReplyType;
  r.body = std::move(der);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

awaitable<Response> stamp(Api& api, const rfc3161::Tsa& tsa, InsertBatcher& batcher,
                          const Request& req) {
  api.admit_submission(req);
  if (media_type(req.content_type) != kQueryType)
    throw ApiError{415, "unsupported_media_type",
                   std::string("send a DER TimeStampReq as ") + kQueryType};
  if (req.body.size() > rfc3161::kMaxRequestBytes)
    throw ApiError{413, "too_large", "a TimeStampReq is at most 16 KiB"};
  if (auto why = api.clock_refusal()) {
    // A TimeStampResp all the same, so RFC 3161 clients show the reason.
    auto r = reply(tsa.reject({rfc3161::FailInfo::kTimeNotAvailable,
                               "this TSA cannot vouch for its clock now: " + *why}));
    r.status = 503;
    r.headers.emplace_back("Retry-After", "10");
    co_return r;
  }
  auto checked = tsa.check(req.body);
  if (auto* rejection = std::get_if<rfc3161::Rejection>(&checked)) {
    spdlog::debug("rfc3161 rejection {}: {}", rfc3161::fail_info_name(rejection->fail),
                  rejection->text);
    co_return reply(tsa.reject(*rejection));
  }
  auto uuid = core::new_uuid_v7();
  std::string id = core::format_uuid(uuid);
  // (Named, not a temporary: GCC 12 may destroy temporaries in a co_await twice.)
  store::NewTs row{id, std::get<rfc3161::Accepted>(checked).data, std::nullopt};
  InsertBatcher::Inserted inserted;
  bool unknown = false;
  try {
    inserted = co_await batcher.insert(std::move(row));
  } catch (const store::CommitOutcomeUnknown& e) {
    spdlog::error("rfc3161 ts {}: {}", id, e.what());
    unknown = true;
  }
  if (unknown)
    throw ApiError{503, "outcome_unknown",
                   "the database connection broke while the timestamp was being committed: ts " +
                       id + " may or may not have been recorded, and no token was issued"};
  // Committed: sign the token naming it. Should signing fail, the log holds
  // a ts without a token, which harms no one (the reverse would).
  auto r = reply(tsa.grant(req.body, uuid, inserted.ts_us));
  r.headers.emplace_back("Location", "/api/v1/ts/" + id + "/");
  co_return r;
}

}  // namespace

void add_rfc3161_routes(Api& api, rfc3161::Tsa tsa, InsertBatcher& batcher) {
  api.add_route("POST", "/v1/rfc3161", "rfc3161",
                [&api, tsa, &batcher](const Request& req, const RouteArgs&) {
                  return stamp(api, tsa, batcher, req);
                });
  api.add_route("GET", "/v1/rfc3161/certs", "rfc3161_certs",
                [tsa](const Request&, const RouteArgs&) -> awaitable<Response> {
                  Response r;
                  r.content_type = "application/pem-certificate-chain";
                  r.body = tsa.chain_pem();
                  r.headers.emplace_back("Cache-Control", "public, max-age=300");
                  co_return r;
                });
}

}  // namespace ink::server
