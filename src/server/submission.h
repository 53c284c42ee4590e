#pragma once
// A submission (POST /v1/ts/, PROTOCOL.md "Create a timestamp") read and
// validated before anything is stored: the body in JSON, CBOR or (compact)
// plain text, the query options, the answer's format. Every field is checked
// here (UTF-8, no NUL, lengths), so nothing a client sends can fail a group
// commit that other clients' rows share. Pure; throws ApiError.

#include <optional>
#include <string>
#include <string_view>

#include "core/cbor.h"
#include "server/http_text.h"

namespace ink::server {

struct Submission {
  std::string data;
  std::optional<std::string> tag;
  bool wait = false;     // hold until the proof exists
  bool compact = false;  // raw data in, compact string out (implies wait)
  Format answer = Format::kJson;
};

Submission parse_submission(std::string_view content_type, const std::optional<std::string>& accept,
                            std::string_view body, std::string_view query, size_t max_body_bytes);

// Throws ApiError 400 unless `value` is UTF-8 text PostgreSQL can store (no NUL).
void check_text_field(std::string_view name, std::string_view value);

// A request body in `format` (JSON or CBOR) that must be one object, decoded
// strictly; throws ApiError 413 over `max_bytes` (or another limit), 400
// for anything else wrong.
core::Json decode_body_object(Format format, std::string_view body, size_t max_bytes);

}  // namespace ink::server
