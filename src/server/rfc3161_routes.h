#pragma once
// The RFC 3161 time-stamp authority over HTTP (RFC 3161 section 3.4;
// docs/rfc3161.md):
//
//   POST /v1/rfc3161        application/timestamp-query -> application/timestamp-reply
//   GET  /v1/rfc3161/certs  the TSA's certificate chain (PEM)
//
// A granted request becomes a ts through the same group commit as POST
// /v1/ts/ and is answered once its row is committed; the token's serial is
// the ts id, its genTime the ts clock reading. A request the TSA refuses gets
// a TimeStampResp with status rejection (HTTP 200) and leaves no row.
// HTTP-level refusals (error body as for the rest of the API): 415 another
// Content-Type, 413 a body over 16 KiB, 429 the submission rate limit, 503
// storage unavailable or overloaded (nothing recorded).

#include "rfc3161/tsa.h"
#include "server/api.h"

namespace ink::server {

// Adds the routes to `api`; before serving (Api::add_route is not thread safe).
// `batcher` must outlive `api`.
void add_rfc3161_routes(Api& api, rfc3161::Tsa tsa, InsertBatcher& batcher);

}  // namespace ink::server
