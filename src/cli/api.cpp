#include "cli/api.h"

#include <algorithm>

#include "core/decode.h"
#include "core/encoding.h"
#include "core/parse.h"

namespace ink::cli {

using core::Json;

namespace {

Json parse_body(const std::string& body, const std::string& what) {
  core::DecodeLimits limits;
  limits.max_bytes = 4 * 1024 * 1024;
  limits.max_items = 100000;
  auto j = core::decode_json_strict(body, limits);
  if (!j)
    throw MalformedAnswer(what + ": the answer is not valid JSON: " + j.error().message, body);
  return std::move(*j);
}

[[noreturn]] void throw_api_error(const HttpResponse& res, const std::string& target) {
  std::string detail;
  try {
    Json j = Json::parse(res.body);
    if (j.is_object()) {
      detail = j.value("error", "");
      std::string message = j.value("message", "");
      if (!message.empty()) detail += (detail.empty() ? "" : ": ") + message;
    }
  } catch (const std::exception&) {
  }
  if (detail.empty()) detail = res.body.substr(0, 200);
  throw ApiError(res.status, "server answered " + std::to_string(res.status) + " to " + target +
                                 (detail.empty() ? "" : " (" + detail + ")"));
}

}  // namespace

FetchedHead parse_head_text(const std::string& text, const std::string& source) {
  Json raw = parse_body(text, source);
  auto head = core::head_from_json(raw);
  if (!head) throw MalformedAnswer(source + ": " + head.error().message, text);
  return FetchedHead{std::move(*head), std::move(raw)};
}

Json Api::get_json(const std::string& target, std::optional<std::chrono::milliseconds> timeout) {
  HttpResponse res = http_.get(target, timeout);
  if (res.status != 200) throw_api_error(res, target);
  return parse_body(res.body, target);
}

std::vector<core::PublicKey> Api::keys(Json* raw) {
  Json j = get_json("/api/v1/keys");
  auto keys = core::keys_from_json(j);
  if (!keys) throw MalformedAnswer("/api/v1/keys: " + keys.error().message, j.dump());
  if (keys->empty()) throw MalformedAnswer("/api/v1/keys: the server publishes no keys", j.dump());
  if (raw) *raw = std::move(j);
  return std::move(*keys);
}

std::vector<core::ListedKey> Api::key_listing(Json* raw) {
  Json j = get_json("/api/v1/keys");
  auto keys = core::key_listing_from_json(j);
  if (!keys) throw MalformedAnswer("/api/v1/keys: " + keys.error().message, j.dump());
  if (keys->empty()) throw MalformedAnswer("/api/v1/keys: the server publishes no keys", j.dump());
  if (raw) *raw = std::move(j);
  return std::move(*keys);
}

std::optional<FetchedHead> Api::head(std::optional<uint64_t> index) {
  const std::string target =
      "/api/v1/mth/" + (index ? std::to_string(*index) : std::string("current"));
  HttpResponse res = http_.get(target);
  if (res.status == 404 && index) return std::nullopt;
  if (res.status != 200) throw_api_error(res, target);
  FetchedHead fetched = parse_head_text(res.body, target);
  if (index && fetched.head.interval.index != *index) {
    throw MalformedAnswer(target + ": the server sent head " +
                              std::to_string(fetched.head.interval.index) + " instead",
                          res.body);
  }
  return fetched;
}

core::ConsistencyProof Api::consistency(uint64_t x, uint64_t y) {
  const std::string target = "/api/v1/mth/" + std::to_string(y) + "/from/" + std::to_string(x);
  Json j = get_json(target);
  auto proof = core::consistency_from_json(j);
  if (!proof) throw MalformedAnswer(target + ": " + proof.error().message, j.dump());
  return std::move(*proof);
}

core::TsAnswer Api::stamp(const std::string& data, std::chrono::milliseconds wait_timeout,
                          int polls) {
  const std::string target = "/api/v1/ts/?wait";
  HttpResponse res =
      http_.post(target, Json{{"data", data}}.dump(), "application/json", wait_timeout);
  if (res.status != 200) throw_api_error(res, target);
  Json j = parse_body(res.body, target);
  auto answer = core::ts_answer_from_json(j);
  if (!answer) throw MalformedAnswer(target + ": " + answer.error().message, res.body);
  // The server holds ?wait for a limited time; a slow interval needs another look.
  if (!answer->proof && polls > 0) {
    auto again = ts(answer->id, wait_timeout, polls);
    if (!again) throw MalformedAnswer("the ts " + answer->id + " it accepted is gone", res.body);
    *answer = std::move(*again);
  }
  return std::move(*answer);
}

std::optional<core::TsAnswer> Api::ts(const std::string& id, std::chrono::milliseconds wait_timeout,
                                      int polls) {
  const std::string target = "/api/v1/ts/" + id + "/?wait";
  std::optional<core::TsAnswer> answer;
  for (int i = 0; i < std::max(1, polls) && !(answer && answer->proof); ++i) {
    HttpResponse res = http_.get(target, wait_timeout);
    if (res.status == 404) return std::nullopt;
    if (res.status != 200) throw_api_error(res, target);
    Json j = parse_body(res.body, target);
    auto parsed = core::ts_answer_from_json(j);
    if (!parsed) throw MalformedAnswer(target + ": " + parsed.error().message, res.body);
    if (parsed->id != id)
      throw MalformedAnswer(target + ": the server sent ts " + parsed->id + " instead", res.body);
    answer = std::move(*parsed);
  }
  return answer;
}

std::string Api::rfc3161(const std::string& request_der) {
  const std::string target = "/api/v1/rfc3161";
  HttpResponse res = http_.post(target, request_der, "application/timestamp-query");
  if (res.status != 200) throw_api_error(res, target);
  if (res.content_type != "application/timestamp-reply")
    throw MalformedAnswer(
        target + ": the answer is " + res.content_type + ", not application/timestamp-reply",
        res.body);
  return std::move(res.body);
}

std::string Api::tsa_certificates() {
  const std::string target = "/api/v1/rfc3161/certs";
  HttpResponse res = http_.get(target);
  if (res.status != 200) throw_api_error(res, target);
  return std::move(res.body);
}

bool Api::cosign(uint64_t index, const std::string& witness_key, const core::Signature& signature) {
  const std::string target = "/api/v1/mth/" + std::to_string(index) + "/cosignatures";
  HttpResponse res = http_.post(
      target, Json{{"witness", witness_key}, {"signature", core::to_base64(signature)}}.dump(),
      "application/json");
  if (res.status != 200) throw_api_error(res, target);
  return parse_body(res.body, target).value("stored", "") == "new";
}

std::vector<core::Witness> Api::witnesses() {
  const std::string target = "/api/v1/witnesses";
  HttpResponse res = http_.get(target);
  if (res.status != 200) throw_api_error(res, target);
  auto list = core::parse_witness_list(res.body);
  if (!list) throw MalformedAnswer(target + ": " + list.error().message, res.body);
  return std::move(*list);
}

std::optional<core::WitnessedHead> Api::cosigned(size_t quorum, uint64_t from) {
  const std::string target =
      "/api/v1/mth/cosigned?quorum=" + std::to_string(quorum) + "&from=" + std::to_string(from);
  HttpResponse res = http_.get(target);
  if (res.status == 404) return std::nullopt;
  if (res.status != 200) throw_api_error(res, target);
  auto parsed = core::witnessed_head_from_json(parse_body(res.body, target));
  if (!parsed) throw MalformedAnswer(target + ": " + parsed.error().message, res.body);
  return std::move(*parsed);
}

}  // namespace ink::cli
