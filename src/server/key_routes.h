#pragma once
// The log's keys over HTTP (docs/keys.md):
//
//   GET /v1/keys   every key that signed heads, oldest first, with its
//                  first_interval, last_interval, the transition statement
//                  that handed signing to it and its revocation, if any
//                  (core/key_listing.h). The members of protocol version 1
//                  ("key", "public_key", "algorithm") stay as they were.

#include "server/api.h"
#include "store/key_listing_store.h"

namespace ink::server {

// Adds the route to `api` (before serving); `keys` must outlive it.
void add_key_routes(Api& api, store::KeyListingStore& keys);

}  // namespace ink::server
