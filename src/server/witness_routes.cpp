#include "server/witness_routes.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>

#include "core/cosignature.h"
#include "core/encoding.h"
#include "core/json_write.h"
#include "server/submission.h"

namespace ink::server {

using asio::awaitable;
using core::Json;

namespace {

struct Witnesses {
  std::vector<core::Witness> list;
  std::map<std::string, const core::Witness*> by_key;
  std::vector<std::string> keys;  // key ids, for the store's queries
  Json list_doc;                  // GET /v1/witnesses
};

// The request body: {"witness": KEY_ID, "signature": 64 bytes}.
std::pair<std::string, core::Signature> parse_cosignature(const Request& req, size_t max_bytes) {
  auto in = request_format(req.content_type);
  if (!in)
    throw ApiError{
        415, "unsupported_media_type",
        "send application/json or application/cbor, not " + media_type(req.content_type)};
  const core::Json body = decode_body_object(*in, req.body, max_bytes);
  const core::Json* doc = &body;
  auto witness = doc->find("witness");
  if (witness == doc->end() || !witness->is_string())
    throw ApiError{400, "bad_request", "witness (the witness key id, text) is missing"};
  auto sig = doc->find("signature");
  core::Bytes bytes;
  if (sig != doc->end() && sig->is_binary()) {
    bytes.assign(sig->get_binary().begin(), sig->get_binary().end());
  } else if (sig != doc->end() && sig->is_string()) {
    auto decoded = core::from_base64(sig->get<std::string>());
    if (!decoded.ok()) throw ApiError{400, "bad_request", "signature is not base64"};
    bytes = std::move(*decoded);
  } else {
    throw ApiError{400, "bad_request", "signature (base64 in JSON, bytes in CBOR) is missing"};
  }
  core::Signature signature{};
  if (bytes.size() != signature.size())
    throw ApiError{400, "bad_request", "signature must be 64 bytes (Ed25519)"};
  std::copy(bytes.begin(), bytes.end(), signature.begin());
  return {witness->get<std::string>(), signature};
}

Json cosignatures_json(const Witnesses& w, const std::vector<store::StoredCosignature>& stored) {
  Json list = Json::array();
  for (const auto& c : stored) {
    auto it = w.by_key.find(c.witness_key);
    if (it == w.by_key.end()) continue;
    list.push_back(
        {{"witness", c.witness_key},
         {"name", it->second->name},
         {"signature", Json::binary(core::Bytes(c.signature.begin(), c.signature.end()))}});
  }
  return list;
}

}  // namespace

void add_witness_routes(Api& api, std::vector<core::Witness> list,
                        store::CosignatureStore& cosignatures, ProofService& proofs,
                        size_t max_body_bytes) {
  auto w = std::make_shared<Witnesses>();
  w->list = std::move(list);
  for (const auto& x : w->list) {
    w->by_key[x.key_id] = &x;
    w->keys.push_back(x.key_id);
  }
  w->list_doc = Json::array();
  for (const auto& x : w->list)
    w->list_doc.push_back(
        {{"name", x.name},
         {"key", x.key_id},
         {"public_key", Json::binary(core::Bytes(x.public_key.begin(), x.public_key.end()))},
         {"algorithm", "ed25519"}});

  api.add_route("GET", "/v1/witnesses", "witnesses",
                [w](const Request& req, const RouteArgs&) -> awaitable<Response> {
                  auto r = document(w->list_doc, negotiate_or_406(req.accept, Format::kJson), "");
                  r.headers.emplace_back("Cache-Control", "public, max-age=60");
                  co_return r;
                });

  api.add_route("POST", "/v1/mth/{}/cosignatures", "mth_cosign",
                [w, &cosignatures, &proofs, max_body_bytes](
                    const Request& req, const RouteArgs& args) -> awaitable<Response> {
                  uint64_t i = index_or_400(args.params[0]);
                  auto format = negotiate_or_406(
                      req.accept, request_format(req.content_type).value_or(Format::kJson));
                  auto [key, signature] = parse_cosignature(req, max_body_bytes);
                  auto it = w->by_key.find(key);
                  if (it == w->by_key.end())
                    throw ApiError{403, "unknown_witness",
                                   "witness key " + key.substr(0, 32) +
                                       " is not one this log accepts (GET /api/v1/witnesses)"};
                  const core::Witness& witness = *it->second;
                  auto head = co_await proofs.head(i);
                  if (!head)
                    throw ApiError{404, "not_found", "no head " + std::to_string(i) + " yet"};
                  if (!core::verify_cosignature(witness.public_key, witness.name,
                                                proofs.authority(), i, head->row.mth, signature))
                    throw ApiError{400, "bad_signature",
                                   "the signature is not " + witness.name +
                                       "'s over the cosignature "
                                       "statement of head " +
                                       std::to_string(i) + " (docs/witness.md)"};
                  bool fresh = co_await cosignatures.insert(i, witness.key_id, signature);
                  if (fresh) spdlog::debug("head {} cosigned by {}", i, witness.name);
                  auto r = document(Json{{"interval", i},
                                         {"witness", witness.key_id},
                                         {"name", witness.name},
                                         {"stored", fresh ? "new" : "known"}},
                                    format, "");
                  co_return r;
                });

  api.add_route("GET", "/v1/mth/cosigned", "mth_cosigned",
                [w, &cosignatures, &proofs](const Request& req,
                                            const RouteArgs& args) -> awaitable<Response> {
                  auto format = negotiate_or_406(req.accept, Format::kJson);
                  auto query = parse_query(args.query);
                  auto q = query.find("quorum");
                  uint64_t quorum = q == query.end() ? 1 : index_or_400(q->second);
                  if (w->list.empty())
                    throw ApiError{404, "not_found", "this log accepts no witnesses"};
                  if (quorum < 1 || quorum > w->list.size())
                    throw ApiError{400, "bad_request",
                                   "quorum must be 1 to " + std::to_string(w->list.size()) +
                                       " (the witnesses this log accepts)"};
                  std::optional<uint64_t> from;
                  if (auto f = query.find("from"); f != query.end()) from = index_or_400(f->second);
                  auto i = co_await cosignatures.newest_with_quorum(w->keys, size_t(quorum));
                  if (!i)
                    throw ApiError{404, "not_found",
                                   "no head has " + std::to_string(quorum) + " cosignatures yet"};
                  auto head = co_await proofs.head(*i);
                  if (!head) throw ApiError{404, "not_found", "no such head"};
                  Json doc{{"head", core::to_json(head->head)}};
                  auto stored = co_await cosignatures.of_head(*i, w->keys);
                  doc["head"]["cosignatures"] = cosignatures_json(*w, stored);
                  if (from) {
                    // Not yet: a client waiting for its head's cosignatures asks again.
                    if (*from > *i)
                      throw ApiError{404, "not_found",
                                     "no head at or after " + std::to_string(*from) + " has " +
                                         std::to_string(quorum) +
                                         " cosignatures yet (newest: " + std::to_string(*i) + ")"};
                    auto proof = co_await proofs.consistency(*from, *i);
                    doc["consistency"] = core::to_json(proof);
                  }
                  auto r = document(doc, format, "");
                  r.headers.emplace_back("Cache-Control", "no-cache");
                  co_return r;
                });

  if (w->list.empty()) return;  // heads stay immutable
  api.set_head_extras([w, &cosignatures](uint64_t i) -> awaitable<Json> {
    // (Named, not temporaries: GCC 12 mishandles co_await inside initializers.)
    auto stored = co_await cosignatures.of_head(i, w->keys);
    Json extras = Json::object();
    extras["cosignatures"] = cosignatures_json(*w, stored);
    co_return extras;
  });
}

void add_witness_metrics(const asio::any_io_executor& executor,
                         const std::vector<core::Witness>& witnesses,
                         store::CosignatureStore& cosignatures, const HeadFeed& feed,
                         Metrics& metrics, std::chrono::milliseconds every) {
  if (witnesses.empty()) return;
  struct Known {
    std::mutex mutex;
    std::map<std::string, uint64_t> newest;  // by name
  };
  auto known = std::make_shared<Known>();
  std::vector<std::pair<std::string, std::string>> names;  // key id, name
  std::vector<std::string> keys;
  for (const auto& w : witnesses) {
    names.emplace_back(w.key_id, w.name);
    keys.push_back(w.key_id);
  }
  auto series = [known, names](auto value) {
    ops::MetricsRegistry::Series out;
    std::lock_guard lock(known->mutex);
    for (const auto& [key, name] : names) {
      auto it = known->newest.find(name);
      out.emplace_back(name, it == known->newest.end() ? NAN : value(double(it->second)));
    }
    return out;
  };
  metrics.add_gauge_family("ink_witness_newest_cosigned_interval",
                           "The newest head each accepted witness has cosigned.", "witness",
                           [series] { return series([](double i) { return i; }); });
  const HeadFeed* f = &feed;
  metrics.add_gauge_family(
      "ink_witness_lag_intervals",
      "Heads between the newest this process knows and the newest each witness cosigned.",
      "witness", [series, f] {
        auto latest = f->latest();
        return series(
            [latest](double i) { return latest ? double(latest->row.index) - i : std::nan(""); });
      });
  asio::co_spawn(
      executor,
      [known, names, keys, &cosignatures, every]() -> awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        for (;;) {
          try {
            auto newest = co_await cosignatures.newest_by_witness(keys);
            std::lock_guard lock(known->mutex);
            for (const auto& [key, idx] : newest)
              for (const auto& [k, name] : names)
                if (k == key) known->newest[name] = idx;
          } catch (const std::exception& e) {
            spdlog::debug("witness metrics: {}", e.what());  // the database's own alerts cover it
          }
          timer.expires_after(every);
          boost::system::error_code ec;
          co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          if (ec) co_return;
        }
      },
      asio::detached);
}

}  // namespace ink::server
