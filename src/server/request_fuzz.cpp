// libFuzzer target for the request path without sockets: the route table,
// content negotiation, query parsing, framing checks and the submission
// decoder, fed an arbitrary method, target, headers and body. Whatever
// arrives must not crash, and what is accepted must be what may be stored.
#include <cstdlib>
#include <string>
#include <vector>

#include "core/encoding.h"
#include "core/protocol.h"
#include "server/http_framing.h"
#include "server/router.h"
#include "server/submission.h"

namespace {

using ink::server::ApiError;

const ink::server::Router& routes() {
  static const ink::server::Router r = [] {
    ink::server::Router t;
    for (auto [methods, pattern] :
         std::vector<std::pair<const char*, const char*>>{{"GET", "/health"},
                                                          {"GET", "/ready"},
                                                          {"GET", "/metrics"},
                                                          {"POST", "/v1/ts"},
                                                          {"GET", "/v1/ts/{}"},
                                                          {"GET", "/v1/keys"},
                                                          {"GET", "/v1/mth/live"},
                                                          {"GET", "/v1/mth/{}"},
                                                          {"GET", "/v1/mth/{}/in/{}"},
                                                          {"GET", "/v1/mth/{}/from/{}"},
                                                          {"GET POST", "/v1/mth/{}/cosignatures"}})
      t.add(methods, pattern, pattern);
    return t;
  }();
  return r;
}

// Takes bytes up to the next '\n' (or the end).
std::string_view take_line(std::string_view& rest) {
  auto nl = rest.find('\n');
  auto line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const auto method = take_line(rest);
  const auto target = take_line(rest);
  const auto accept_line = take_line(rest);
  const auto content_type = take_line(rest);
  const auto header_block = take_line(rest);
  const auto body = rest;

  auto qpos = target.find('?');
  auto path = target.substr(0, qpos);
  auto query = qpos == std::string_view::npos ? std::string_view{} : target.substr(qpos + 1);

  auto match = routes().match(method, path);
  if (match.kind == ink::server::Router::Match::Kind::kFound) {
    for (auto p : match.params)
      if (p.empty() || p.find('/') != std::string_view::npos) std::abort();
  }
  std::optional<std::string> accept;
  if (!accept_line.empty()) accept = std::string(accept_line);
  for (auto f : {ink::server::Format::kJson, ink::server::Format::kCbor})
    for (bool text : {false, true}) {
      auto chosen = ink::server::negotiate(accept, f, text);
      if (chosen == ink::server::Format::kText && !text) std::abort();
    }
  try {
    ink::server::parse_query(query);
  } catch (const ApiError&) {
  }
  for (auto p : match.params) (void)ink::server::parse_index(p);

  try {
    auto s = ink::server::parse_submission(content_type, accept, body, query, 16384);
    if (!ink::core::is_valid_utf8(s.data) || s.data.find('\0') != std::string::npos ||
        s.data.size() > ink::core::kMaxDataBytes)
      std::abort();
    if (s.tag && (!ink::core::is_valid_utf8(*s.tag) || s.tag->find('\0') != std::string::npos))
      std::abort();
  } catch (const ApiError& e) {
    if (e.status < 400 || e.status > 499) std::abort();
  }

  // Header fields as "name:value" separated by '\r'.
  std::vector<ink::server::HeaderField> fields;
  std::string_view headers = header_block;
  while (!headers.empty()) {
    auto cr = headers.find('\r');
    auto field = headers.substr(0, cr);
    headers = cr == std::string_view::npos ? std::string_view{} : headers.substr(cr + 1);
    auto colon = field.find(':');
    fields.emplace_back(field.substr(0, colon), colon == std::string_view::npos
                                                    ? std::string_view{}
                                                    : field.substr(colon + 1));
  }
  for (unsigned version : {10u, 11u}) {
    auto problem = ink::server::check_framing(version, fields);
    if (problem && problem->status != 400 && problem->status != 501) std::abort();
  }
  (void)ink::server::check_raw_header(header_block);
  return 0;
}
