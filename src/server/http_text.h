#pragma once
// The text of HTTP requests as the API reads it, free of any HTTP library:
// media types and content negotiation (Accept with q-values and wildcards),
// query strings (percent-decoding), interval indexes, and the one error type
// the API answers with. Pure; every function is safe on any input.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ink::server {

// An answer the API gives instead of a result: status, the protocol's error
// code and a message for the client. Thrown by request parsing and handlers,
// turned into the error body once (Api::handle).
struct ApiError {
  int status;
  std::string code;
  std::string message;
};

enum class Format { kJson, kCbor, kText };

const char* mime(Format format);  // the Content-Type of an answer in that format

// "application/json; charset=utf-8" -> "application/json" (lower case, trimmed).
std::string media_type(std::string_view header);
// The request body's format from Content-Type: none or JSON -> kJson, CBOR ->
// kCbor, anything else nullopt (415).
std::optional<Format> request_format(std::string_view content_type);

// The response format for an Accept header (nullopt: 406). Each format takes
// the q of the most specific range matching it (type/subtype over type/* over
// */*); q=0 refuses it; the highest q wins, `preferred` wins ties and answers
// a missing or empty Accept. text/plain only counts when allowed.
std::optional<Format> negotiate(const std::optional<std::string>& accept, Format preferred,
                                bool allow_text = false);

// %XX and '+' decoded; nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);
// name=value pairs split on '&'; names are case-sensitive, values may be
// empty or missing ("wait"). Throws ApiError 400 on a malformed escape.
std::map<std::string, std::string> parse_query(std::string_view query);

// A canonical decimal index 0..2^63-1 ("0", "17"; not "01", "+1", "1e3").
std::optional<uint64_t> parse_index(std::string_view s);
uint64_t index_or_400(std::string_view s);  // throws ApiError 400 naming the text

size_t utf8_chars(std::string_view s);  // code points of valid UTF-8

}  // namespace ink::server
