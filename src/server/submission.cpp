#include "server/submission.h"

#include "core/decode.h"
#include "core/encoding.h"
#include "core/protocol.h"

namespace ink::server {

void check_text_field(std::string_view name, std::string_view value) {
  if (!core::is_valid_utf8(value))
    throw ApiError{400, "bad_request", std::string(name) + " is not valid UTF-8"};
  if (value.find('\0') != std::string_view::npos)
    throw ApiError{400, "bad_request",
                   std::string(name) + " contains a NUL character (U+0000), which is not allowed"};
}

core::Json decode_body_object(Format format, std::string_view body, size_t max_bytes) {
  core::DecodeLimits limits;
  limits.max_bytes = max_bytes;
  auto doc = format == Format::kCbor ? core::decode_cbor_strict(core::as_bytes(body), limits)
                                     : core::decode_json_strict(body, limits);
  if (!doc.ok()) {
    if (doc.error().code == core::ErrorCode::kLimitExceeded)
      throw ApiError{413, "too_large", "body over a limit: " + doc.error().message};
    throw ApiError{400, "bad_request",
                   "body is not valid " + std::string(format == Format::kCbor ? "CBOR" : "JSON") +
                       ": " + doc.error().message};
  }
  if (!doc->is_object()) throw ApiError{400, "bad_request", "body must be an object"};
  return std::move(*doc);
}

Submission parse_submission(std::string_view content_type, const std::optional<std::string>& accept,
                            std::string_view body, std::string_view query, size_t max_body_bytes) {
  auto options = parse_query(query);
  Submission s;
  s.compact = options.count("compact") > 0;
  s.wait = s.compact || options.count("wait") > 0;

  if (s.compact) {
    auto t = media_type(content_type);
    if (!t.empty() && t != "text/plain" && t != "application/x-www-form-urlencoded" &&
        t != "application/octet-stream")
      throw ApiError{415, "unsupported_media_type",
                     "with compact, the body is the data as text/plain"};
    auto n = negotiate(accept, Format::kText, true);
    if (!n) throw ApiError{406, "not_acceptable", "cannot answer in any format you accept"};
    s.answer = *n;
    s.data = std::string(body);
  } else {
    auto in = request_format(content_type);
    if (!in)
      throw ApiError{415, "unsupported_media_type",
                     "send application/json or application/cbor, not " + media_type(content_type)};
    auto n = negotiate(accept, *in);
    if (!n) throw ApiError{406, "not_acceptable", "cannot answer in any format you accept"};
    s.answer = *n;
    auto doc = decode_body_object(*in, body, max_body_bytes);
    auto it = doc.find("data");
    if (it == doc.end()) throw ApiError{400, "bad_request", "data is missing"};
    if (!it->is_string()) throw ApiError{400, "bad_request", "data must be text"};
    s.data = it->get<std::string>();
  }
  check_text_field("data", s.data);
  if (s.data.size() > core::kMaxDataBytes)
    throw ApiError{413, "too_large",
                   "data is " + std::to_string(s.data.size()) + " bytes; at most 256 are allowed"};
  if (auto t = options.find("tag"); t != options.end()) {
    check_text_field("tag", t->second);
    if (utf8_chars(t->second) > core::kMaxTagChars)
      throw ApiError{400, "bad_request", "tag is longer than 36 characters"};
    s.tag = t->second;
  }
  return s;
}

}  // namespace ink::server
