#pragma once
// Witness cosignatures over HTTP (docs/witness.md), served when the operator
// lists the witnesses it accepts (INK_WITNESSES):
//
//   GET  /v1/witnesses                      the accepted witnesses (name, key id, public key)
//   POST /v1/mth/<i>/cosignatures           {"witness": KEY_ID, "signature": B64} (JSON or
//                                           CBOR, signature as bytes): checked, stored once
//   GET  /v1/mth/cosigned?quorum=K[&from=X] the newest head with >= K cosignatures, with the
//                                           consistency proof from head X when asked
//   GET  /v1/mth/<i>                        gains "cosignatures": [{"witness", "name",
//                                           "signature"}] (no longer immutable)
//
// Statuses of a submission: 200 stored (or stored before), 400 malformed or a
// signature that does not verify, 403 a witness not listed, 404 no head <i>,
// 413 too large. Nothing is stored unless the signature verifies.

#include <vector>

#include "core/witness_list.h"
#include "server/api.h"
#include "store/cosignature_store.h"

namespace ink::server {

// Adds the routes and the head extras to `api` (before serving); the stores
// and `proofs` must outlive it.
void add_witness_routes(Api& api, std::vector<core::Witness> witnesses,
                        store::CosignatureStore& cosignatures, ProofService& proofs,
                        size_t max_body_bytes);

// Per witness, on /metrics: the newest head it cosigned
// (ink_witness_newest_cosigned_interval{witness=NAME}) and how many heads it
// is behind the newest this process knows (ink_witness_lag_intervals),
// refreshed from the database every `every` on `executor`. Nothing without
// witnesses. `cosignatures`, `feed` and `metrics` must outlive the executor's run.
void add_witness_metrics(const asio::any_io_executor& executor,
                         const std::vector<core::Witness>& witnesses,
                         store::CosignatureStore& cosignatures, const HeadFeed& feed,
                         Metrics& metrics, std::chrono::milliseconds every);

}  // namespace ink::server
