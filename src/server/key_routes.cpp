#include "server/key_routes.h"

#include "core/key_listing.h"

namespace ink::server {

void add_key_routes(Api& api, store::KeyListingStore& keys) {
  api.add_route("GET", "/v1/keys", "keys",
                [&keys](const Request& req, const RouteArgs&) -> asio::awaitable<Response> {
                  auto format = negotiate_or_406(req.accept, Format::kJson);
                  auto listing = co_await keys.listing();
                  auto r = document(core::key_listing_json(listing), format, "");
                  // A rotation shows within a minute, as the key list always did.
                  r.headers.emplace_back("Cache-Control", "public, max-age=60");
                  co_return r;
                });
}

}  // namespace ink::server
